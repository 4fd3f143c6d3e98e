import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: the nearest folder above this file holding package.json (works from dist/ too). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("package.json not found above " + fileURLToPath(import.meta.url));
    dir = parent;
  }
  return dir;
}

/** `../shared` beside the repository (CI has it; a user's fresh clone may not). */
export function sharedDir(): string | undefined {
  const dir = resolve(repoRoot(), "..", "shared");
  return existsSync(dir) ? dir : undefined;
}

/** The compiled CLI entry point. */
export function cliPath(): string {
  return join(repoRoot(), "dist", "cli", "main.js");
}
