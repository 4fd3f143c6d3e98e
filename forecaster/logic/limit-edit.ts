/**
 * The forecaster's edit of ratelimit-config: only the requests_per_unit numbers it recomputed, on
 * whatever content the ConfigMap holds now. Recomputed on each attempt, so a write that lost a
 * 409 race is rebuilt on top of the other writer's content and nothing of theirs is lost.
 */
import type { ConfigMapLike } from "../../ratelimit/configmap.js";
import { configFilesOfConfigMap } from "../../ratelimit/configmap.js";
import { setRequestsPerUnit } from "../../ratelimit/edit.js";
import { loadRateLimitConfig, type LoadOptions } from "../../ratelimit/loader.js";
import { isLimitedRule } from "../../ratelimit/rule.js";

export interface AppliedLimit {
  readonly fullKey: string;
  readonly from: number;
  readonly to: number;
}

export interface SkippedLimit {
  readonly fullKey: string;
  readonly reason: string;
}

export interface LimitEdit {
  readonly data?: Record<string, string>;
  readonly binaryData?: Record<string, string>;
  readonly applied: readonly AppliedLimit[];
  readonly skipped: readonly SkippedLimit[];
}

/**
 * Apply `changes` (full key → new requests_per_unit) to the ConfigMap's content. A change is
 * skipped when its rule no longer holds the limit the recommendation was computed from (`basedOn`):
 * someone changed that rule meanwhile, and their value stands until the next cycle.
 */
export function editLimits(
  configMap: ConfigMapLike,
  changes: ReadonlyMap<string, number>,
  basedOn: ReadonlyMap<string, number>,
  options: Pick<LoadOptions, "mergeDomains"> = {},
): LimitEdit {
  const files = configFilesOfConfigMap(configMap);
  const loaded = loadRateLimitConfig(files, options);
  const skipped: SkippedLimit[] = [];
  if (!loaded.ok) {
    const reason = `ratelimit-config does not load: ${loaded.errors.map((e) => e.message).join("; ")}`;
    return { ...contentOf(configMap), applied: [], skipped: [...changes.keys()].map((fullKey) => ({ fullKey, reason })) };
  }
  const rules = new Map(loaded.rules.filter(isLimitedRule).map((r) => [r.fullKey, r]));
  const byFile = new Map<string, Map<string, number>>();
  const from = new Map<string, number>();
  for (const [fullKey, value] of changes) {
    const rule = rules.get(fullKey);
    const expected = basedOn.get(fullKey);
    if (rule === undefined) {
      skipped.push({ fullKey, reason: "the rule is no longer in ratelimit-config (or no longer limited)" });
    } else if (expected !== undefined && rule.rateLimit.requestsPerUnit !== expected) {
      skipped.push({ fullKey, reason: `changed meanwhile from ${expected} to ${rule.rateLimit.requestsPerUnit} by another writer; their value is kept` });
    } else if (rule.rateLimit.requestsPerUnit === value) {
      skipped.push({ fullKey, reason: `already ${value}` });
    } else {
      const perFile = byFile.get(rule.file) ?? new Map<string, number>();
      perFile.set(fullKey, value);
      byFile.set(rule.file, perFile);
      from.set(fullKey, rule.rateLimit.requestsPerUnit);
    }
  }
  const data = configMap.data ? { ...configMap.data } : undefined;
  const binaryData = configMap.binaryData ? { ...configMap.binaryData } : undefined;
  const applied: AppliedLimit[] = [];
  for (const [fileName, fileChanges] of byFile) {
    const file = files.find((f) => f.name === fileName);
    if (file === undefined) continue;
    const result = setRequestsPerUnit(file, fileChanges);
    for (const r of result.refused) skipped.push(r);
    if (result.applied.length === 0) continue;
    if (data !== undefined && fileName in data) data[fileName] = result.text;
    else if (binaryData !== undefined && fileName in binaryData) binaryData[fileName] = Buffer.from(result.text, "utf8").toString("base64");
    for (const fullKey of result.applied) applied.push({ fullKey, from: from.get(fullKey) as number, to: fileChanges.get(fullKey) as number });
  }
  const edited = { ...(data ? { data } : {}), ...(binaryData ? { binaryData } : {}) };
  const problem = verifyEdit(configMap, edited, applied, options);
  if (problem !== undefined) {
    // Never write something we cannot prove is exactly the intended edit.
    return { ...contentOf(configMap), applied: [], skipped: [...changes.keys()].map((fullKey) => ({ fullKey, reason: `edit not verified: ${problem}` })) };
  }
  return { ...edited, applied: applied.sort((a, b) => (a.fullKey < b.fullKey ? -1 : 1)), skipped };
}

function contentOf(configMap: ConfigMapLike): { data?: Record<string, string>; binaryData?: Record<string, string> } {
  return { ...(configMap.data ? { data: { ...configMap.data } } : {}), ...(configMap.binaryData ? { binaryData: { ...configMap.binaryData } } : {}) };
}

/** The edited config loads, holds the new numbers, and every other rule is as it was. */
function verifyEdit(before: ConfigMapLike, after: ConfigMapLike, applied: readonly AppliedLimit[], options: Pick<LoadOptions, "mergeDomains">): string | undefined {
  const old = loadRateLimitConfig(configFilesOfConfigMap(before), options);
  const now = loadRateLimitConfig(configFilesOfConfigMap(after), options);
  if (!now.ok) return `the edited config does not load: ${now.errors[0]?.message ?? "?"}`;
  if (old.rules.length !== now.rules.length) return `rule count changed from ${old.rules.length} to ${now.rules.length}`;
  const targets = new Map(applied.map((a) => [a.fullKey, a.to]));
  const newRules = new Map(now.rules.map((r) => [r.fullKey, r]));
  for (const rule of old.rules) {
    const edited = newRules.get(rule.fullKey);
    if (edited === undefined) return `rule ${rule.fullKey} disappeared`;
    const expected = targets.get(rule.fullKey) ?? rule.rateLimit?.requestsPerUnit;
    if (edited.rateLimit?.requestsPerUnit !== expected) return `rule ${rule.fullKey} reads ${edited.rateLimit?.requestsPerUnit} instead of ${expected}`;
    if (edited.rateLimit?.unit !== rule.rateLimit?.unit) return `rule ${rule.fullKey} changed unit`;
  }
  return undefined;
}
