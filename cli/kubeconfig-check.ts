import { KubeConfig } from "@kubernetes/client-node";
import { existsSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { unreadableReason } from "../forecaster/logic/file-errors.js";

/** Where a pod's ServiceAccount token is mounted (what KubeConfig.loadFromCluster reads). */
const IN_CLUSTER_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/**
 * Whether the Kubernetes client can be configured, checked before any process starts: an
 * unreadable KUBECONFIG, or no kubeconfig at all outside a pod, is one line and exit 2, never a
 * client library's stack trace (or, worse, a silent default of localhost:8080).
 */
export function kubeconfigProblem(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const listed = env.KUBECONFIG;
  if (listed !== undefined && listed !== "") {
    for (const path of listed.split(":").filter((p) => p !== "")) {
      const problem = kubeconfigFileProblem(path);
      if (problem !== undefined) return `KUBECONFIG: '${path}' ${problem}`;
    }
    return undefined;
  }
  if (env.KUBERNETES_SERVICE_HOST && env.KUBERNETES_SERVICE_PORT && existsSync(IN_CLUSTER_TOKEN)) return undefined;
  const home = join(env.HOME || homedir(), ".kube", "config");
  if (existsSync(home)) {
    const problem = kubeconfigFileProblem(home);
    return problem === undefined ? undefined : `kubeconfig '${home}' ${problem}`;
  }
  return `no kubeconfig: KUBECONFIG is not set, ${home} does not exist, and this is not a pod with a ServiceAccount (no in-cluster config)`;
}

function kubeconfigFileProblem(path: string): string | undefined {
  try {
    if (statSync(path).isDirectory()) return "is a directory, not a kubeconfig file";
    readFileSync(path, "utf8");
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ENOENT" ? "does not exist" : unreadableReason(error);
  }
  try {
    const config = new KubeConfig();
    config.loadFromFile(path);
    if (!config.getCurrentCluster()) return "names no current cluster";
  } catch (error) {
    return `is not a kubeconfig (${(error as Error).message.split("\n")[0]})`;
  }
  return undefined;
}
