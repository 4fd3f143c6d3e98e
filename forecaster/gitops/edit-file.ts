/**
 * Reading and editing the config inside a repository file: locate the window (locate.ts), load it
 * as the ratelimit service would, rewrite only requests_per_unit numbers with ratelimit/edit.ts,
 * and splice the window back. Every edit is proven before it is returned: the new file is located
 * and loaded again, and a second, independent read through js-yaml (the way Helm and the kubelet
 * would see the value) must give the same rules.
 */
import yaml from "js-yaml";
import { setRequestsPerUnit } from "../../ratelimit/edit.js";
import { loadRateLimitConfig, type LoadOptions } from "../../ratelimit/loader.js";
import { isLimitedRule, type LimitedRule, type RateLimitRule } from "../../ratelimit/rule.js";
import type { AppliedLimit, SkippedLimit } from "../logic/limit-edit.js";
import { documentRanges, locateConfig, parseKeyPath, spliceWindow, type ConfigLocationSpec, type ConfigWindow, type LocateFailure } from "./locate.js";

export type ReadConfigResult =
  | { readonly ok: true; readonly window: ConfigWindow; readonly rules: readonly RateLimitRule[] }
  | { readonly ok: false; readonly kind: LocateFailure; readonly problem: string };

/** The rules of the config in the file, or why they cannot be read. */
export function readConfigInFile(path: string, text: string, spec: ConfigLocationSpec, options: Pick<LoadOptions, "mergeDomains"> = {}): ReadConfigResult {
  const located = locateConfig(path, text, spec);
  if (!located.ok) return located;
  const loaded = loadRateLimitConfig([located.window.file], options);
  if (!loaded.ok) return { ok: false, kind: "invalid", problem: `${located.window.where}: the config does not load as the ratelimit service would load it: ${loaded.errors.map((e) => e.message).join("; ")}` };
  const independent = independentRead(text, spec, located.window.file.name, options);
  if (typeof independent === "string") return { ok: false, kind: "invalid", problem: `${located.window.where}: ${independent}` };
  const mismatch = sameRules(loaded.rules, independent);
  if (mismatch !== undefined) return { ok: false, kind: "invalid", problem: `${located.window.where}: the config reads differently through a full YAML parser (${mismatch}); TrendMaster does not edit it` };
  return { ok: true, window: located.window, rules: loaded.rules };
}

export type FileEditResult =
  | { readonly ok: true; readonly text: string; readonly applied: readonly AppliedLimit[]; readonly skipped: readonly SkippedLimit[] }
  | { readonly ok: false; readonly kind: LocateFailure; readonly problem: string };

/**
 * Sets `requests_per_unit` of the given rules (full key → value) in the file's config. Rules not
 * in this file, or written in a form TrendMaster does not rewrite, are skipped with the reason.
 */
export function editConfigInFile(path: string, text: string, spec: ConfigLocationSpec, changes: ReadonlyMap<string, number>, options: Pick<LoadOptions, "mergeDomains"> = {}): FileEditResult {
  const read = readConfigInFile(path, text, spec, options);
  if (!read.ok) return read;
  const limited = new Map(read.rules.filter(isLimitedRule).map((r) => [r.fullKey, r]));
  const skipped: SkippedLimit[] = [];
  const wanted = new Map<string, number>();
  for (const [fullKey, value] of changes) {
    const rule = limited.get(fullKey);
    if (rule === undefined) skipped.push({ fullKey, reason: `not a limited rule in ${path}` });
    else if (rule.rateLimit.requestsPerUnit === value) skipped.push({ fullKey, reason: `already ${value} in ${path}` });
    else wanted.set(fullKey, value);
  }
  if (wanted.size === 0) return { ok: true, text, applied: [], skipped };
  const edit = setRequestsPerUnit(read.window.file, wanted);
  skipped.push(...edit.refused);
  const newText = spliceWindow(text, read.window, edit.text);
  const applied = edit.applied.map((fullKey) => ({ fullKey, from: (limited.get(fullKey) as LimitedRule).rateLimit.requestsPerUnit, to: wanted.get(fullKey) as number }));
  const problem = verifyFileEdit(path, newText, spec, read.rules, applied, options);
  // Never hand back a file we cannot prove holds exactly the intended numbers.
  if (problem !== undefined) return { ok: false, kind: "invalid", problem: `${read.window.where}: edit not verified: ${problem}` };
  return { ok: true, text: newText, applied: applied.sort((a, b) => (a.fullKey < b.fullKey ? -1 : 1)), skipped };
}

function verifyFileEdit(path: string, text: string, spec: ConfigLocationSpec, before: readonly RateLimitRule[], applied: readonly AppliedLimit[], options: Pick<LoadOptions, "mergeDomains">): string | undefined {
  const after = readConfigInFile(path, text, spec, options);
  if (!after.ok) return after.problem;
  const targets = new Map(applied.map((a) => [a.fullKey, a.to]));
  const expected = before.map((r) => (r.rateLimit && targets.has(r.fullKey) ? { ...r, rateLimit: { ...r.rateLimit, requestsPerUnit: targets.get(r.fullKey) as number } } : r));
  return sameRules(expected, after.rules);
}

/** Undefined when both lists hold the same rules with the same limits and units, else the first difference. */
export function sameRules(a: readonly RateLimitRule[], b: readonly RateLimitRule[]): string | undefined {
  if (a.length !== b.length) return `${a.length} rules against ${b.length}`;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as RateLimitRule;
    const y = b[i] as RateLimitRule;
    if (x.fullKey !== y.fullKey) return `rule ${i} is ${x.fullKey} against ${y.fullKey}`;
    if (x.rateLimit?.requestsPerUnit !== y.rateLimit?.requestsPerUnit || x.rateLimit?.unit !== y.rateLimit?.unit || x.rateLimit?.unlimited !== y.rateLimit?.unlimited) {
      return `${x.fullKey} is ${x.rateLimit?.requestsPerUnit}/${x.rateLimit?.unit} against ${y.rateLimit?.requestsPerUnit}/${y.rateLimit?.unit}`;
    }
  }
  return undefined;
}

/** The rules as Helm or the kubelet would hand the config to the service: js-yaml decodes the value, the loader reads it. */
function independentRead(text: string, spec: ConfigLocationSpec, name: string, options: Pick<LoadOptions, "mergeDomains">): readonly RateLimitRule[] | string {
  if (spec.format === "ratelimit") return loadRateLimitConfig([{ name, text }], options).rules;
  let value: unknown;
  let parent: unknown;
  try {
    if (spec.format === "configmap") {
      const docs = documentRanges(text).map((r) => yaml.load(text.slice(r.start, r.end)) as Record<string, unknown> | null);
      const doc = docs.find((d) => d?.kind === "ConfigMap" && (spec.configMapName === undefined || (d.metadata as { name?: unknown } | undefined)?.name === spec.configMapName) && typeof (d.data as Record<string, unknown> | undefined)?.[spec.dataKey ?? "config.yaml"] === "string");
      value = (doc?.data as Record<string, unknown> | undefined)?.[spec.dataKey ?? "config.yaml"];
    } else {
      let node: unknown = yaml.load(text);
      for (const segment of parseKeyPath(spec.keyPath ?? "") ?? []) {
        parent = node;
        node = Array.isArray(node) ? node[Number(segment)] : (node as Record<string, unknown> | null)?.[segment];
      }
      value = node;
    }
  } catch (error) {
    return `not YAML: ${(error as Error).message.split("\n")[0]}`;
  }
  let configText: string;
  if (typeof value === "string") configText = value;
  else if (Array.isArray(value)) {
    const domain = spec.domain ?? (parent as Record<string, unknown> | undefined)?.domain;
    configText = yaml.dump({ domain, descriptors: value });
  } else if (value !== null && typeof value === "object") configText = yaml.dump(value);
  else return "the config was not found by a full YAML parser";
  return loadRateLimitConfig([{ name, text: configText }], options).rules;
}
