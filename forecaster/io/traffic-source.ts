/**
 * Where rules' traffic history comes from: Prometheus/Trickster (prometheus-source.ts) or CSV files
 * (file-source.ts). Both return every rule's outcome; one bad rule never fails the batch.
 */
import type { LimitedRule } from "../../ratelimit/rule.js";
import type { RuleSeries, TimeRange } from "../traffic.js";

/** Progress after each finished query (one rule, or one batch of rules). */
export interface FetchProgress {
  readonly rulesDone: number;
  readonly rulesTotal: number;
  readonly requests: number;
}

export interface FetchFailure {
  readonly fullKey: string;
  /** What failed, with the query (or file) and the server's own error text. */
  readonly error: string;
}

export interface UnmappedRule {
  readonly fullKey: string;
  readonly reason: string;
}

/** Outcome of fetching a set of rules: every rule lands in exactly one of series, empty, unmapped, failed. */
export interface FetchReport {
  /**
   * Series of the rules that had data, on the range's grid: one sample at startMs + k·step for
   * every such point before endMs, holding the requests of the step ending there (NaN: no data).
   */
  readonly series: Map<string, RuleSeries>;
  /** Rules whose query matched nothing in the range. */
  readonly empty: string[];
  readonly unmapped: UnmappedRule[];
  readonly failed: FetchFailure[];
  /** Warnings from the server (or files) that did not stop a rule, prefixed with what they concern. */
  readonly warnings: string[];
  /**
   * The server's warnings on rule and batch queries, by what they concern: one template gives
   * every query the same one, so the cycle says each text once (GroupedWarnings).
   */
  readonly answerWarnings?: ReadonlyArray<{ readonly text: string; readonly subject: string }>;
  /** HTTP requests made, retries included (0 for files). */
  readonly requests: number;
}

export interface TrafficSource {
  fetchRules(rules: readonly LimitedRule[], range: TimeRange, onProgress?: (progress: FetchProgress) => void): Promise<FetchReport>;
  /**
   * Only for a recording (CSV files) rather than a live server: the latest timestamp it holds for
   * these rules, or undefined when it holds none. A cycle forecasts a recording from where it ends,
   * not from the clock, so the same files give the same recommendations on any day.
   */
  latestRecordedMs?(rules: readonly LimitedRule[]): Promise<number | undefined>;
}

/** One line for the cycle log: `fetched 480 of 500 rules (12 empty, 3 failed, 5 unmapped) in 40 requests`. */
export function summarizeFetchReport(report: FetchReport): string {
  const total = report.series.size + report.empty.length + report.failed.length + report.unmapped.length;
  const count = report.warnings.length + (report.answerWarnings?.length ?? 0);
  const warnings = count > 0 ? `, ${count} warnings` : "";
  return `fetched ${report.series.size} of ${total} rules (${report.empty.length} empty, ${report.failed.length} failed, ${report.unmapped.length} unmapped) in ${report.requests} requests${warnings}`;
}

export function emptyFetchReport(): FetchReport {
  return { series: new Map(), empty: [], unmapped: [], failed: [], warnings: [], requests: 0 };
}
