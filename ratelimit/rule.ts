import type { RateLimitUnit } from "./units.js";

/** One `key`/`value` level of a descriptor chain. `value` is undefined for a key-only (default) entry. */
export interface DescriptorEntry {
  readonly key: string;
  readonly value?: string;
}

/** A descriptor's `rate_limit` block, as the loader types it. */
export interface RuleRateLimit {
  /** Resolved unit; undefined when unlimited without a unit. */
  readonly unit?: RateLimitUnit;
  readonly requestsPerUnit: number;
  readonly unlimited: boolean;
  readonly name?: string;
  readonly replaces: readonly string[];
}

/**
 * One descriptor of a loaded config, identified by its domain and key/value chain.
 * Every descriptor is a rule, with or without a rate_limit (a rule without one whitelists or only nests).
 */
export interface RateLimitRule {
  readonly domain: string;
  readonly chain: readonly DescriptorEntry[];
  /** The loader's full key (`domain.key_value.key2`), also the name of the service's stats for this rule. */
  readonly fullKey: string;
  /** Human form of the chain: `PARTNER=acme/PATH=/x`. */
  readonly label: string;
  /** Config file (ConfigMap data key) the rule came from. */
  readonly file: string;
  readonly rateLimit?: RuleRateLimit;
  readonly shadowMode: boolean;
  readonly detailedMetric: boolean;
  readonly valueToMetric: boolean;
  readonly shareThreshold: boolean;
  readonly quotaMode: boolean;
  readonly metadata?: unknown;
  readonly hasChildren: boolean;
}

/** A rule that carries a finite, enforceable limit: what TrendMaster forecasts and guards. */
export type LimitedRule = RateLimitRule & { readonly rateLimit: RuleRateLimit & { readonly unit: RateLimitUnit } };

export function isLimitedRule(rule: RateLimitRule): rule is LimitedRule {
  return rule.rateLimit !== undefined && !rule.rateLimit.unlimited && rule.rateLimit.unit !== undefined;
}

/** The loader's composite key for one level: `key` or `key_value`. */
export function compositeKey(entry: DescriptorEntry): string {
  return entry.value === undefined || entry.value === "" ? entry.key : `${entry.key}_${entry.value}`;
}

export function ruleFullKey(domain: string, chain: readonly DescriptorEntry[]): string {
  return [domain, ...chain.map(compositeKey)].join(".");
}

export function ruleLabel(chain: readonly DescriptorEntry[]): string {
  return chain.map((e) => (e.value === undefined || e.value === "" ? e.key : `${e.key}=${e.value}`)).join("/");
}
