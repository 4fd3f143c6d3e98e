/**
 * What the report shows, computed from values: one row per rule of the forecast cache (state, risk,
 * peak ÷ limit) and the counts at the top. Pure; report-html.ts renders it, gather.ts fills it.
 */
import type { ForecastCache, RuleForecast, RuleForecastState } from "../../ratelimit/forecast-cache.js";
import type { ChartData } from "./chart-series.js";

/** What the report's traffic fetch found for a rule without a series. */
export type FetchProblem = { readonly kind: "unmapped" | "failed" | "empty"; readonly message: string };

export interface ReportRuleInput {
  readonly fullKey: string;
  readonly forecast: RuleForecast;
  /** requests_per_unit in ratelimit-config now; undefined when the rule is no longer there. */
  readonly liveLimit?: number;
  readonly chart?: ChartData;
  readonly fetchProblem?: FetchProblem;
  /** ISO-8601 time the forecaster last changed this rule's limit, when ratelimit-config says so. */
  readonly lastChangeAt?: string;
  /** OVER_LIMIT answers ÷ all answers of the ratelimit service over its window, when counted. */
  readonly throttledShare?: number;
}

export interface ReportInput {
  readonly cache: ForecastCache;
  /** `istio-system/ratelimit-config`. */
  readonly target: string;
  readonly rules: readonly ReportRuleInput[];
  /** ratelimit-config was last written without the webhook's stamp. */
  readonly unguarded: boolean;
  readonly dryRun?: boolean;
  /** When the report was built (ISO-8601). */
  readonly builtAt: string;
  /** Where the traffic on the charts came from. */
  readonly trafficSource: string;
}

export type ReportState = RuleForecastState;
export const REPORT_STATES: readonly ReportState[] = ["changed", "unchanged", "low-confidence", "unmapped", "failed", "excluded"];

export interface ReportRow {
  readonly id: string;
  readonly fullKey: string;
  /** `KEY=value/...`. */
  readonly label: string;
  readonly unit: string;
  /** The limit in force: ratelimit-config now, else the one the forecast was made against. */
  readonly currentLimit: number;
  readonly recommended: number;
  readonly band?: { readonly min: number; readonly max: number };
  readonly peak?: { readonly value: number; readonly at: string };
  /** Forecast peak ÷ current limit: above 1 the limit throttles expected traffic. */
  readonly peakToLimit?: number;
  readonly confidence: RuleForecast["confidence"];
  readonly lastChangeAt?: string;
  readonly throttledShare?: number;
  readonly state: ReportState;
  /** Why the rule needs a look, most serious first; empty when it does not. */
  readonly risks: readonly string[];
  readonly explanation: string;
  readonly chart?: ChartData;
  readonly fetchProblem?: FetchProblem;
}

export interface ReportData {
  readonly title: string;
  readonly target: string;
  readonly generation: number;
  readonly generatedAt: string;
  readonly builtAt: string;
  readonly model: string;
  readonly forecastSource: string;
  readonly trafficSource: string;
  readonly dryRun?: boolean;
  readonly unguarded: boolean;
  readonly counts: Readonly<Record<ReportState, number>> & { readonly atRisk: number };
  /** At risk first (most reasons, then highest peak ÷ limit), then by label. */
  readonly rows: readonly ReportRow[];
}

/**
 * Where the cycle left the rule, as the cache records it; for a cache written before it recorded
 * that, the nearest the report can tell from its own fetch and the forecast.
 */
export function reportState(rule: ReportRuleInput): ReportState {
  if (rule.forecast.state !== undefined) return rule.forecast.state;
  if (rule.fetchProblem?.kind === "failed") return "failed";
  if (rule.fetchProblem?.kind === "unmapped") return "unmapped";
  if (rule.forecast.confidence === "low") return "low-confidence";
  return rule.forecast.recommended !== rule.forecast.current ? "changed" : "unchanged";
}

/** The reasons a reviewer should look at this rule before trusting it. */
export function riskReasons(rule: ReportRuleInput, unguarded: boolean): string[] {
  const reasons: string[] = [];
  const limit = rule.liveLimit ?? rule.forecast.current;
  const peak = rule.forecast.peak?.value;
  if (peak !== undefined && limit < peak) reasons.push(`limit ${limit} below forecast peak ${peak}`);
  if (rule.forecast.confidence === "low") reasons.push("low confidence");
  // Changed behind the webhook: the live limit is neither what the forecast saw nor what it set.
  if (unguarded && rule.liveLimit !== undefined && rule.liveLimit !== rule.forecast.current && rule.liveLimit !== rule.forecast.recommended) {
    reasons.push("unguarded change");
  }
  if (rule.liveLimit === undefined) reasons.push("no longer in ratelimit-config");
  return reasons;
}

export function buildReportData(input: ReportInput): ReportData {
  const rows = input.rules.map((rule, index): ReportRow => {
    const f = rule.forecast;
    const currentLimit = rule.liveLimit ?? f.current;
    return {
      id: `rule-${index + 1}`,
      fullKey: rule.fullKey,
      label: f.label || rule.fullKey,
      unit: f.unit,
      currentLimit,
      recommended: f.recommended,
      ...(f.band ? { band: f.band } : {}),
      ...(f.peak ? { peak: f.peak } : {}),
      ...(f.peak && currentLimit > 0 ? { peakToLimit: f.peak.value / currentLimit } : {}),
      confidence: f.confidence,
      ...(rule.lastChangeAt ? { lastChangeAt: rule.lastChangeAt } : {}),
      ...(rule.throttledShare !== undefined ? { throttledShare: rule.throttledShare } : {}),
      state: reportState(rule),
      risks: riskReasons(rule, input.unguarded),
      explanation: f.explanation,
      ...(rule.chart ? { chart: rule.chart } : {}),
      ...(rule.fetchProblem ? { fetchProblem: rule.fetchProblem } : {}),
    };
  });
  rows.sort(atRiskFirst);
  const counts = Object.fromEntries(REPORT_STATES.map((s) => [s, 0])) as Record<ReportState, number>;
  for (const row of rows) counts[row.state] += 1;
  return {
    title: `TrendMaster report: ${input.target}`,
    target: input.target,
    generation: input.cache.generation,
    generatedAt: input.cache.generatedAt,
    builtAt: input.builtAt,
    model: input.cache.model,
    forecastSource: input.cache.source,
    trafficSource: input.trafficSource,
    ...(input.dryRun !== undefined ? { dryRun: input.dryRun } : {}),
    unguarded: input.unguarded,
    counts: { ...counts, atRisk: rows.filter((r) => r.risks.length > 0).length },
    rows,
  };
}

/** Most reasons first, then the highest peak ÷ limit, then by label: the table's opening order. */
export function atRiskFirst(a: ReportRow, b: ReportRow): number {
  return b.risks.length - a.risks.length || (b.peakToLimit ?? -1) - (a.peakToLimit ?? -1) || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0);
}
