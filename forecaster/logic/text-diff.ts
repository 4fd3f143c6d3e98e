/**
 * Unified diffs of config files before and after a limit edit, for dry-run reports, Slack and pull
 * requests: `--- a/name`, `+++ b/name`, then hunks with two lines of context (jsdiff's `diff`).
 */
import { createTwoFilesPatch, FILE_HEADERS_ONLY } from "diff";

const CONTEXT_LINES = 2;

/** The diff of one file; "" when the texts are equal. */
export function unifiedDiff(name: string, before: string, after: string): string {
  if (before === after) return "";
  return createTwoFilesPatch(`a/${name}`, `b/${name}`, before, after, undefined, undefined, { context: CONTEXT_LINES, headerOptions: FILE_HEADERS_ONLY });
}

/** The diff of every data/binaryData key that differs (binaryData decoded as UTF-8). */
export function configMapDiff(
  before: { data?: Readonly<Record<string, string>>; binaryData?: Readonly<Record<string, string>> },
  after: { data?: Readonly<Record<string, string>>; binaryData?: Readonly<Record<string, string>> },
): string {
  const texts = (cm: typeof before): Map<string, string> => {
    const m = new Map<string, string>();
    for (const [k, v] of Object.entries(cm.data ?? {})) m.set(k, v);
    for (const [k, v] of Object.entries(cm.binaryData ?? {})) m.set(k, Buffer.from(v, "base64").toString("utf8"));
    return m;
  };
  const a = texts(before);
  const b = texts(after);
  const names = [...new Set([...a.keys(), ...b.keys()])].sort();
  return names.map((n) => unifiedDiff(n, a.get(n) ?? "", b.get(n) ?? "")).join("");
}
