/**
 * What a cycle decided for every rule, from the values it gathered: pure, so every state a rule can
 * end in is a table test. The cycle (cycle.ts) gathers; this module decides.
 */
import type { GuardrailBand } from "../../ratelimit/guardrails.js";
import type { LimitedRule } from "../../ratelimit/rule.js";
import type { RateLimitUnit } from "../../ratelimit/units.js";
import type { FetchReport } from "../io/traffic-source.js";
import type { Confidence, Recommendation } from "./recommend.js";
import type { RuleOverride } from "./settings.js";

/** Where a rule ended up this cycle (the `state` label of trendmaster_rules). */
export type RuleState = "changed" | "unchanged" | "low-confidence" | "unmapped" | "failed" | "excluded";
export const RULE_STATES: readonly RuleState[] = ["changed", "unchanged", "low-confidence", "unmapped", "failed", "excluded"];

export interface RulePlan {
  readonly fullKey: string;
  readonly label: string;
  readonly domain: string;
  /** Config file (data key) the rule lives in. */
  readonly file: string;
  readonly unit: RateLimitUnit;
  /** requests_per_unit in ratelimit-config when the cycle read it. */
  readonly current: number;
  readonly state: RuleState;
  /** What the cycle would set; equals current unless state is "changed". */
  readonly target: number;
  /** The engine's answer, when it gave one. */
  readonly recommendation?: Recommendation;
  /** The band the cache carries for this rule: the engine's, widened to contain target. */
  readonly band?: GuardrailBand;
  readonly confidence?: Confidence;
  /** Why the rule is in its state, one line. */
  readonly reason: string;
}

export interface PlanInput {
  readonly rules: readonly LimitedRule[];
  readonly fetch: Pick<FetchReport, "empty" | "unmapped" | "failed">;
  /** The engine's answers, by full key. */
  readonly recommendations: ReadonlyMap<string, Recommendation>;
  /** Rules the engine could not forecast (threw), with the error. */
  readonly forecastErrors: ReadonlyMap<string, string>;
  readonly overrides: Readonly<Record<string, RuleOverride>>;
  /** Recommendations below this confidence are reported but not applied. */
  readonly minConfidenceToApply: Confidence;
}

export interface CyclePlan {
  readonly rules: readonly RulePlan[];
  /** Full key → new requests_per_unit, for the rules in state "changed". */
  readonly changes: ReadonlyMap<string, number>;
  readonly counts: Readonly<Record<RuleState, number>>;
}

const CONFIDENCE_RANK: Readonly<Record<Confidence, number>> = { low: 0, medium: 1, high: 2 };

export function meetsConfidence(confidence: Confidence, minimum: Confidence): boolean {
  return CONFIDENCE_RANK[confidence] >= CONFIDENCE_RANK[minimum];
}

/**
 * The band the cache publishes for a rule. The engine's band starts at the expected peak; when a
 * step bound holds the recommendation below it, the webhook would clamp the forecaster's own write
 * back up, so the band is widened to contain the value the forecaster sets.
 */
export function bandContaining(band: GuardrailBand | undefined, value: number): GuardrailBand | undefined {
  if (band === undefined) return undefined;
  return { min: Math.min(band.min, value), max: Math.max(band.max, value) };
}

export function planRules(input: PlanInput): CyclePlan {
  const unmapped = new Map(input.fetch.unmapped.map((u) => [u.fullKey, u.reason]));
  const failed = new Map(input.fetch.failed.map((f) => [f.fullKey, f.error]));
  const empty = new Set(input.fetch.empty);
  const plans: RulePlan[] = [];
  const changes = new Map<string, number>();
  for (const rule of input.rules) {
    const current = rule.rateLimit.requestsPerUnit;
    const base = { fullKey: rule.fullKey, label: rule.label, domain: rule.domain, file: rule.file, unit: rule.rateLimit.unit, current, target: current };
    const recommendation = input.recommendations.get(rule.fullKey);
    if (input.overrides[rule.fullKey]?.exclude === true) {
      plans.push({ ...base, state: "excluded", reason: "excluded by a per-rule override" });
    } else if (unmapped.has(rule.fullKey)) {
      plans.push({ ...base, state: "unmapped", reason: `no traffic query for this rule: ${unmapped.get(rule.fullKey)}` });
    } else if (failed.has(rule.fullKey)) {
      plans.push({ ...base, state: "failed", reason: `traffic history could not be read: ${failed.get(rule.fullKey)}` });
    } else if (input.forecastErrors.has(rule.fullKey)) {
      plans.push({ ...base, state: "failed", reason: `forecast failed: ${input.forecastErrors.get(rule.fullKey)}` });
    } else if (empty.has(rule.fullKey) || recommendation === undefined) {
      plans.push({ ...base, state: "low-confidence", confidence: "low", reason: "no traffic recorded for this rule in the history window; current limit kept" });
    } else {
      const band = bandContaining(recommendation.band, recommendation.recommended);
      const withForecast = { ...base, recommendation, confidence: recommendation.confidence, ...(band ? { band } : {}) };
      const applicable = !recommendation.keptCurrent && meetsConfidence(recommendation.confidence, input.minConfidenceToApply);
      if (recommendation.keptCurrent || !applicable) {
        const reason = recommendation.keptCurrent ? recommendation.explanation : `confidence ${recommendation.confidence} is below ${input.minConfidenceToApply}: recommendation ${recommendation.recommended} not applied`;
        plans.push({ ...withForecast, state: recommendation.confidence === "low" ? "low-confidence" : "unchanged", reason });
      } else if (recommendation.recommended === current) {
        plans.push({ ...withForecast, state: "unchanged", reason: recommendation.explanation });
      } else {
        plans.push({ ...withForecast, state: "changed", target: recommendation.recommended, reason: recommendation.explanation });
        changes.set(rule.fullKey, recommendation.recommended);
      }
    }
  }
  const counts = Object.fromEntries(RULE_STATES.map((s) => [s, 0])) as Record<RuleState, number>;
  for (const plan of plans) counts[plan.state] += 1;
  return { rules: plans, changes, counts };
}

/** One row of the diff a cycle applies (or would apply in dry-run). */
export interface LimitChange {
  readonly fullKey: string;
  readonly label: string;
  readonly unit: RateLimitUnit;
  readonly from: number;
  readonly to: number;
  readonly confidence?: Confidence;
  readonly model?: string;
}

export function changesOf(plan: CyclePlan): LimitChange[] {
  return plan.rules
    .filter((r) => r.state === "changed")
    .map((r) => ({ fullKey: r.fullKey, label: r.label, unit: r.unit, from: r.current, to: r.target, ...(r.confidence ? { confidence: r.confidence } : {}), ...(r.recommendation ? { model: r.recommendation.model } : {}) }));
}
