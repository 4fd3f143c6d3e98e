// Kubeconfig files pointing at the stand-in, one per user, readable by kubectl, helm and
// @kubernetes/client-node alike.
import { dumpYaml } from "@kubernetes/client-node";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { KnownUser } from "./authentication.js";

export const CLUSTER_NAME = "kube-api-stand-in";

export function renderKubeconfig(serverUrl: string, caPem: string, user: KnownUser, namespace: string): string {
  const context = `${user.name}@${CLUSTER_NAME}`;
  return dumpYaml({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: CLUSTER_NAME, cluster: { server: serverUrl, "certificate-authority-data": Buffer.from(caPem).toString("base64") } }],
    users: [{ name: user.name, user: { token: user.token } }],
    contexts: [{ name: context, context: { cluster: CLUSTER_NAME, user: user.name, namespace } }],
    "current-context": context,
    preferences: {},
  });
}

/**
 * Writes `<directory>/kubeconfig-<user>.yaml` (mode 0600, as kubectl expects of credentials). The
 * user's name is made file-safe: `system:serviceaccount:ns:sa` would otherwise give a path that
 * KUBECONFIG, a colon-separated list, splits apart.
 */
export async function writeKubeconfigFile(directory: string, serverUrl: string, caPem: string, user: KnownUser, namespace: string): Promise<string> {
  const path = join(directory, `kubeconfig-${user.name.replace(/[^A-Za-z0-9._@-]/g, "_")}.yaml`);
  await writeFile(path, renderKubeconfig(serverUrl, caPem, user, namespace), { mode: 0o600 });
  return path;
}
