// Runs the real kubectl against a kubeconfig, with its discovery cache kept beside that
// kubeconfig so that tests (and servers on reused ports) never share stale discovery.
import { dirname, join } from "node:path";
import { runProcess, type ProcessResult } from "./run-process.js";

export type KubectlResult = ProcessResult;

export interface KubectlOptions {
  stdin?: string;
  /** Extra environment, e.g. KUBE_EDITOR for `kubectl edit`. */
  env?: Record<string, string>;
  /** Kills kubectl after this long; a hung kubectl should fail the test, not the suite. */
  timeoutMilliseconds?: number;
}

export function runKubectl(kubectl: string, kubeconfig: string, args: string[], options: KubectlOptions = {}): Promise<KubectlResult> {
  return runProcess(kubectl, args, {
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: dirname(kubeconfig),
      KUBECONFIG: kubeconfig,
      KUBECACHEDIR: join(dirname(kubeconfig), "kube-cache"),
      ...options.env,
    },
    timeoutMs: options.timeoutMilliseconds ?? 20_000,
    ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
  });
}
