import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { unreadableReason } from "../forecaster/logic/file-errors.js";
import { configFilesOfDocument } from "../ratelimit/configmap.js";
import { loadRateLimitConfig, type ConfigFile } from "../ratelimit/loader.js";
import type { ConfigProblem } from "../ratelimit/problems.js";
import type { CommandIO } from "./io.js";
import { formatArgumentProblems, commandLineOrExit, switchOption, type CommandSpec } from "./options.js";
import { OUTPUT_OPTIONS, outputFormatOf, renderStructured } from "./output-format.js";

export const VALIDATE_SPEC: CommandSpec = {
  name: "validate",
  summary: "check ratelimit config files or ConfigMap manifests as the ratelimit service loads them",
  synopsis: "[--merge-domains] [-o table|json|yaml] FILE...",
  description:
    "Checks the files as one load, in order, as the ratelimit service loads one folder. A ConfigMap\n" +
    "manifest counts as one file per data key (dot-files skipped, as the service skips them).",
  positionals: { valueName: "FILE...", meaning: "ratelimit config YAML files or ConfigMap manifests", required: true },
  options: [{ name: "merge-domains", type: "boolean", meaning: "files may share a domain (the service's MERGE_DOMAIN_CONFIG)", defaultValue: "off" }, ...OUTPUT_OPTIONS],
  notes: "exit status: 0 the service would load them, 1 it would refuse them (each error printed), 2 bad arguments or unreadable file",
};

/** The `-o json|yaml` report: field names are documented in the README. */
export interface ValidateReport {
  readonly ok: boolean;
  readonly files: readonly string[];
  readonly errors: readonly ReportedProblem[];
  readonly warnings: readonly ReportedProblem[];
}

interface ReportedProblem {
  readonly code: string;
  readonly file: string;
  readonly path?: string;
  readonly line?: number;
  readonly message: string;
}

const reported = (p: ConfigProblem): ReportedProblem => ({ code: p.code, file: p.file, ...(p.path !== undefined ? { path: p.path } : {}), ...(p.line !== undefined ? { line: p.line } : {}), message: p.message });

/** `trendmaster validate FILE...`. */
export async function validateCommand(args: readonly string[], io: CommandIO): Promise<number> {
  const parsed = commandLineOrExit(VALIDATE_SPEC, args, io);
  if (typeof parsed === "number") return parsed;
  const output = outputFormatOf(parsed.values);
  if ("problem" in output) {
    io.stderr(formatArgumentProblems(VALIDATE_SPEC, [output.problem]));
    return 2;
  }
  const files: ConfigFile[] = [];
  for (const path of parsed.positionals) {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : unreadableReason(error);
      io.stderr(`trendmaster validate: '${path}': ${reason}\n`);
      return 2;
    }
    files.push(...configFilesOfDocument(basename(path), text));
  }
  const result = loadRateLimitConfig(files, { mergeDomains: switchOption(parsed.values, "merge-domains") });
  if (output.format !== "table") {
    const report: ValidateReport = { ok: result.ok, files: files.map((f) => f.name), errors: result.errors.map(reported), warnings: result.warnings.map(reported) };
    io.stdout(renderStructured(output.format, report));
    return result.ok ? 0 : 1;
  }
  for (const warning of result.warnings) io.stderr(`warning: ${warning.message}\n`);
  if (!result.ok) {
    for (const error of result.errors) io.stdout(`${error.message}\n`);
    return 1;
  }
  io.stdout("ok\n");
  return 0;
}
