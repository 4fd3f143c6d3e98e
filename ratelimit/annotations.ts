/** Annotations TrendMaster reads and writes on ratelimit-config. */
export const ANNOTATIONS = Object.freeze({
  /** Break-glass: a write carrying it from an allowed user or group is admitted unclamped. */
  overrideReason: "trendmaster.io/override-reason",
  /** Forecast generation a forecaster write was computed from. */
  generation: "trendmaster.io/generation",
  /** When the forecaster last wrote, ISO-8601. */
  appliedAt: "trendmaster.io/applied-at",
  /** Full keys of the rules the forecaster changed in its last write (JSON array). */
  rulesChanged: "trendmaster.io/rules-changed",
});
