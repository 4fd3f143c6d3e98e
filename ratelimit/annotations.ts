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

/**
 * Stamped by the mutating webhook on every write it admits: the digest of the data it let through.
 * A ratelimit-config whose data does not match its stamp was written while the webhook was not
 * in the path (failurePolicy Ignore during an outage): the forecaster reports it as unguarded.
 */
export const GUARDED_DIGEST_ANNOTATION = "trendmaster.io/guarded-digest";
