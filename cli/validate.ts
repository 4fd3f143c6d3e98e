import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { configFilesOfDocument } from "../ratelimit/configmap.js";
import { loadRateLimitConfig, type ConfigFile } from "../ratelimit/loader.js";
import type { CommandIO } from "./io.js";

const USAGE = "usage: trendmaster validate [--merge-domains] FILE...";

/**
 * `trendmaster validate FILE...`: all files form one load, in order, as the service loads one folder.
 * Exit 0 and `ok` when the service would load them; 1 with each error on its own line; 2 on bad arguments.
 */
export async function validateCommand(args: readonly string[], io: CommandIO): Promise<number> {
  let mergeDomains = false;
  const paths: string[] = [];
  for (const arg of args) {
    if (arg === "--merge-domains") mergeDomains = true;
    else if (arg === "-h" || arg === "--help") {
      io.stdout(`${USAGE}\n`);
      return 0;
    } else if (arg.startsWith("-")) {
      io.stderr(`trendmaster validate: unknown option '${arg}'\n${USAGE}\n`);
      return 2;
    } else paths.push(arg);
  }
  if (paths.length === 0) {
    io.stderr(`trendmaster validate: no FILE given\n${USAGE}\n`);
    return 2;
  }
  const files: ConfigFile[] = [];
  for (const path of paths) {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      io.stderr(`trendmaster validate: cannot read '${path}': ${(error as NodeJS.ErrnoException).code ?? String(error)}\n`);
      return 2;
    }
    files.push(...configFilesOfDocument(basename(path), text));
  }
  const result = loadRateLimitConfig(files, { mergeDomains });
  for (const warning of result.warnings) io.stderr(`warning: ${warning.message}\n`);
  if (!result.ok) {
    for (const error of result.errors) io.stdout(`${error.message}\n`);
    return 1;
  }
  io.stdout("ok\n");
  return 0;
}
