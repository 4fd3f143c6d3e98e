import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { loadRateLimitConfig, type ConfigFile } from "../../ratelimit/loader.js";
import { sharedDir } from "./paths.js";

/** One load of the real ratelimit service, as ../shared/loader-corpus/README.md describes it. */
export interface CorpusCase {
  readonly id: string;
  readonly merge: boolean;
  readonly files: readonly ConfigFile[];
  readonly expect: { readonly ok: boolean; readonly messages: readonly string[] };
}

/** Where the corpus lives, or undefined when ../shared (or the corpus in it) is missing. */
export function loaderCorpusPath(): string | undefined {
  const shared = sharedDir();
  const path = shared ? join(shared, "loader-corpus", "cases.jsonl.gz") : undefined;
  return path && existsSync(path) ? path : undefined;
}

export function readLoaderCorpus(path: string): CorpusCase[] {
  const lines = gunzipSync(readFileSync(path)).toString("utf8").split("\n");
  return lines.filter((line) => line.trim() !== "").map((line) => JSON.parse(line) as CorpusCase);
}

/** A message of the service's that yaml.v2's scanner or parser worded (not a decode or loader error). */
export function isSyntaxMessage(message: string): boolean {
  return /: error loading config file: yaml: /.test(message) && !message.includes("yaml: unmarshal errors");
}

export type Outcome = "agree" | "false-accept" | "false-reject" | "wrong-message" | "exception";

export interface CaseResult {
  readonly outcome: Outcome;
  /** Our first error (the one the service would panic with), or the exception. */
  readonly message?: string;
}

/** Load one case with TrendMaster's loader and compare with the service's answer. */
export function checkCase(c: CorpusCase): CaseResult {
  let result;
  try {
    result = loadRateLimitConfig(c.files, { mergeDomains: c.merge });
  } catch (error) {
    return { outcome: "exception", message: String(error instanceof Error ? error.stack : error) };
  }
  const message = result.errors[0]?.message;
  if (result.ok !== c.expect.ok) return { outcome: result.ok ? "false-accept" : "false-reject", message };
  if (!c.expect.ok && !c.expect.messages.includes(message ?? "")) return { outcome: "wrong-message", message };
  return { outcome: "agree", message };
}
