/**
 * Traffic history as the forecaster sees it, whatever the source (Prometheus, Trickster, CSV files).
 * Values are request counts per step (e.g. `increase(...[5m])` sampled every 5m), on a regular grid.
 */

/** A half-open query window [startMs, endMs) sampled every stepSeconds. */
export interface TimeRange {
  readonly startMs: number;
  readonly endMs: number;
  readonly stepSeconds: number;
}

export interface Sample {
  readonly timestampMs: number;
  /** Requests counted in the step that ends at timestampMs. NaN where the source had no data. */
  readonly value: number;
}

/** One rule's history, keyed by the rule's full key (ratelimit/rule.ts `fullKey`). */
export interface RuleSeries {
  readonly fullKey: string;
  readonly stepSeconds: number;
  readonly samples: readonly Sample[];
}
