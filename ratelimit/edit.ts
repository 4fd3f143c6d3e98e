import { loadRateLimitConfig, type ConfigFile, type LoadResult, type RuleLocation } from "./loader.js";
import { MAX_REQUESTS_PER_UNIT } from "./units.js";
import type { SourceNode } from "./yaml-source.js";

export interface LimitEditResult {
  /** The new text: the old one with only the changed numbers rewritten. */
  readonly text: string;
  /** Full keys whose requests_per_unit now holds the requested value. */
  readonly applied: readonly string[];
  /** Changes not made, with the reason (the text keeps the old number). */
  readonly refused: ReadonlyArray<{ readonly fullKey: string; readonly reason: string }>;
}

/**
 * Set `requests_per_unit` of the given rules in one config file's text, leaving every other byte
 * (comments, key order, quoting, indentation, rules we do not know) exactly as it was.
 * A number shared by several rules through a YAML anchor is never rewritten: that would change
 * rules nobody asked to change. `loaded` may pass the result of loading this one file, to parse it once.
 */
export function setRequestsPerUnit(file: ConfigFile, changes: ReadonlyMap<string, number>, loaded: LoadResult = loadRateLimitConfig([file])): LimitEditResult {
  const refused: Array<{ fullKey: string; reason: string }> = [];
  if (!loaded.ok) {
    const reason = `config does not load: ${loaded.errors[0]?.message ?? "unknown error"}`;
    return { text: file.text, applied: [], refused: [...changes.keys()].map((fullKey) => ({ fullKey, reason })) };
  }
  // How many rules use each node an edit may rewrite (more than one: shared through an anchor).
  const users = new Map<SourceNode, number>();
  for (const fullKey of changes.keys()) {
    const location = loaded.locations.get(fullKey);
    if (location?.requestsPerUnit) users.set(location.requestsPerUnit, 0);
    if (location?.rateLimit) users.set(location.rateLimit, 0);
  }
  const countUse = (node: SourceNode | undefined): void => {
    const n = node && users.get(node);
    if (n !== undefined) users.set(node as SourceNode, n + 1);
  };
  for (const location of loaded.locations.values()) {
    countUse(location.requestsPerUnit);
    countUse(location.rateLimit);
  }
  const splices: Array<{ start: number; end: number; text: string; fullKey: string }> = [];
  for (const [fullKey, value] of changes) {
    if (!Number.isInteger(value) || value < 0 || value > MAX_REQUESTS_PER_UNIT) {
      refused.push({ fullKey, reason: `requests_per_unit ${value} is not an integer in [0, ${MAX_REQUESTS_PER_UNIT}]` });
      continue;
    }
    const location = loaded.locations.get(fullKey);
    if (location && location.file !== file.name) {
      refused.push({ fullKey, reason: `rule '${fullKey}' is in ${location.file}, not ${file.name}` });
      continue;
    }
    const splice = location ? spliceFor(file.text, location, value, users) : { reason: `no rule '${fullKey}' in ${file.name}` };
    if ("reason" in splice) refused.push({ fullKey, reason: splice.reason });
    else splices.push({ ...splice, fullKey });
  }
  // One pass in text order: slicing the growing result per splice copied the whole text each time.
  splices.sort((a, b) => a.start - b.start);
  const parts: string[] = [];
  let at = 0;
  for (const s of splices) {
    parts.push(file.text.slice(at, s.start), s.text);
    at = s.end;
  }
  parts.push(file.text.slice(at));
  return { text: parts.join(""), applied: splices.map((s) => s.fullKey), refused };
}

function spliceFor(
  source: string,
  location: RuleLocation,
  value: number,
  users: ReadonlyMap<SourceNode, number>,
): { start: number; end: number; text: string } | { reason: string } {
  const node = location.requestsPerUnit;
  if (!location.rateLimit) return { reason: "rule has no rate_limit block" };
  if (node) {
    if ((users.get(node) ?? 0) > 1 || node.kind !== "scalar") return { reason: "requests_per_unit is shared with other rules through a YAML anchor or merge key; change it by hand" };
    if (node.style !== "plain" || node.anchor !== undefined || node.tag !== undefined) return { reason: "requests_per_unit is written in a form TrendMaster does not rewrite (quoted, tagged or anchored)" };
    return { start: node.start, end: node.end, text: String(value) };
  }
  // No requests_per_unit yet (it reads as 0): add one beside the block's other keys.
  const block = location.rateLimit;
  if ((users.get(block) ?? 0) > 1 || block.kind !== "mapping") return { reason: "rate_limit is shared with other rules through a YAML anchor or merge key; change it by hand" };
  if (block.flow) {
    const close = source.lastIndexOf("}", block.end);
    const empty = block.pairs.length === 0;
    return { start: close, end: close, text: `${empty ? "" : ", "}requests_per_unit: ${value}` };
  }
  const lastPair = block.pairs[block.pairs.length - 1];
  if (!lastPair) return { reason: "rate_limit block is empty" };
  const firstKey = block.pairs[0]?.[0] as SourceNode;
  const column = firstKey.start - (source.lastIndexOf("\n", firstKey.start - 1) + 1);
  const lineEnd = source.indexOf("\n", lastPair[1].end);
  let at = lineEnd === -1 ? source.length : lineEnd;
  if (at > 0 && source[at - 1] === "\r") at--;
  const eol = source.includes("\r\n") ? "\r\n" : "\n";
  return { start: at, end: at, text: `${eol}${" ".repeat(column)}requests_per_unit: ${value}` };
}
