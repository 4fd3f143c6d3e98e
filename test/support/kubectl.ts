// Runs the real kubectl against a kubeconfig, with its discovery cache kept beside that
// kubeconfig so that tests (and servers on reused ports) never share stale discovery.
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface KubectlOptions {
  stdin?: string;
  /** Extra environment, e.g. KUBE_EDITOR for `kubectl edit`. */
  env?: Record<string, string>;
  /** Kills kubectl after this long; a hung kubectl should fail the test, not the suite. */
  timeoutMilliseconds?: number;
}

export function runKubectl(kubectl: string, kubeconfig: string, args: string[], options: KubectlOptions = {}): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(kubectl, args, {
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: dirname(kubeconfig),
        KUBECONFIG: kubeconfig,
        KUBECACHEDIR: join(dirname(kubeconfig), "kube-cache"),
        ...options.env,
      },
      stdio: ["pipe", "pipe", "pipe"],
      timeout: options.timeoutMilliseconds ?? 20_000,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(options.stdin ?? "");
  });
}
