import type { PeakCombination } from "./peak-calibration.js";

/**
 * Every tunable of the forecast engine in one place. docs/forecast-formula.md explains each one;
 * keep the two in step.
 */

/** Engine settings shared by all rules of a cycle. All fractions are plain numbers (0.1 = 10%). */
export interface ForecastSettings {
  /** Length of the period a limit must cover (until the next cycle), in hours. */
  readonly horizonHours: number;
  /** Quantile of the period's maximum the limit must cover before headroom. */
  readonly quantile: number;
  /** Extra margin on top of the quantile: recommended = quantile x (1 + headroom). */
  readonly headroom: number;
  /** At most this factor up from the current limit per cycle. */
  readonly maxStepUp: number;
  /** At most this factor down from the current limit per cycle. */
  readonly maxStepDown: number;
  /** Guardrail band max = recommended x this factor: above it a limit protects nothing. */
  readonly bandMaxFactor: number;
  /**
   * Multiplier applied when the series' step is coarser than the rule's unit: a 5-minute count
   * spread evenly over its seconds hides bursts inside it.
   */
  readonly burstFactor: number;
  /** Absolute bounds on any recommendation, in the rule's unit. */
  readonly floor: number;
  readonly ceiling: number;
  /** Less clean history than this keeps the current limit (low confidence). */
  readonly minHistoryDays: number;
  /** The last this many hours without any data (all filled in) keeps the current limit. */
  readonly maxStaleHours: number;
  /** Less history than this caps confidence at medium. */
  readonly fullHistoryDays: number;
  /** History used for fitting; older samples are ignored. */
  readonly maxHistoryDays: number;
  /** Number of rolling backtest origins (one per day before now) used to calibrate each model. */
  readonly calibrationOrigins: number;
  /**
   * A calibrated quantile/median ratio above this marks the best model's backtest as poor
   * (confidence low: the series is too erratic to trust any static limit from it).
   */
  readonly maxCalibrationSpread: number;
  /** Models fit on the clean series aggregated to at least this step (seconds): keeps fits fast. */
  readonly modelStepSeconds: number;
  /** Anomaly filter: a point is a candidate when |value - expected| > this many robust sigmas ... */
  readonly anomalySigmas: number;
  /** ... and differs from the expected value by at least this fraction of it. */
  readonly anomalyMinRelative: number;
  /** Runs of candidates longer than this (minutes) are a regime, not an anomaly: kept. */
  readonly anomalyMaxRunMinutes: number;
  /**
   * Traffic above this many requests per second is not traffic (a broken exporter, a counter glitch,
   * 1e300 from a bad query): such points are treated as missing, as are points more than
   * IMPLAUSIBLE_FACTOR times the series' median.
   */
  readonly maxPlausibleRequestsPerSecond: number;
  /** Gaps up to this long (minutes) are interpolated; longer ones use the value one day earlier. */
  readonly maxInterpolatedGapMinutes: number;
  /** Candidate models; the engine fits these and picks per series by backtest. */
  readonly models: readonly ModelName[];
  /** Without any backtest (short history), quantile = recent peak x this; confidence stays low. */
  readonly uncalibratedPeakRatio: number;
  /** For horizons up to a day, calibrate on backtest days of the same type (weekend/weekday) as the coming day. */
  readonly calibrateByDayType: boolean;
  /** How the calibrated candidates become one estimate. */
  readonly combine: PeakCombination;
  /** Prophet fits per forecast; the median of their peaks makes results reproducible. */
  readonly prophetFits: number;
}

export const MODEL_NAMES = ["recent-peak", "seasonal-naive", "mstl-ets", "prophet"] as const;
export type ModelName = (typeof MODEL_NAMES)[number];

export const DEFAULT_FORECAST_SETTINGS: ForecastSettings = Object.freeze({
  horizonHours: 24,
  quantile: 0.95,
  headroom: 0.1,
  maxStepUp: 2,
  maxStepDown: 2,
  bandMaxFactor: 4,
  burstFactor: 2,
  floor: 1,
  ceiling: 4_294_967_295,
  minHistoryDays: 3,
  maxStaleHours: 6,
  fullHistoryDays: 14,
  maxHistoryDays: 21,
  calibrationOrigins: 14,
  maxCalibrationSpread: 4,
  modelStepSeconds: 3_600,
  anomalySigmas: 6,
  anomalyMinRelative: 0.5,
  anomalyMaxRunMinutes: 360,
  maxPlausibleRequestsPerSecond: 100_000_000,
  maxInterpolatedGapMinutes: 60,
  models: Object.freeze(["recent-peak", "seasonal-naive", "mstl-ets", "prophet"] as const),
  prophetFits: 1,
  uncalibratedPeakRatio: 1.5,
  combine: "median",
  calibrateByDayType: true,
});

/** Per-rule operator decisions, applied after the forecast. */
export interface RuleOverride {
  /** Leave this rule alone: no recommendation, no band. */
  readonly exclude?: boolean;
  /** Use exactly this requests_per_unit. */
  readonly pin?: number;
  /** This rule's own headroom instead of settings.headroom. */
  readonly headroom?: number;
  /** This rule's own absolute bounds, in the rule's unit. */
  readonly floor?: number;
  readonly ceiling?: number;
  /** This rule's own plausibility ceiling (requests per second) instead of settings.maxPlausibleRequestsPerSecond. */
  readonly maxPlausibleRequestsPerSecond?: number;
}
