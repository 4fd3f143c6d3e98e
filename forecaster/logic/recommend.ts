import { MAX_REQUESTS_PER_UNIT } from "../../ratelimit/units.js";
import type { PeakEstimate } from "./peak-calibration.js";
import type { Anomaly } from "./series-prep.js";
import type { ForecastSettings, RuleOverride } from "./settings.js";
import { roundUpSignificant, stepToUnit, unitSeconds, type LimitUnit } from "./units-conversion.js";

export type Confidence = "high" | "medium" | "low";

/** A calibration on fewer backtest origins than this caps confidence at medium (a week of weekdays is 5). */
export const MIN_PAIRS_FOR_HIGH_CONFIDENCE = 5;

/** What the engine learned about one rule's series, in requests per `stepSeconds`. */
export interface ForecastSummary {
  /** Step the estimate and peaks below are counted in (the series' step, or the unit it was aggregated to). */
  readonly stepSeconds: number;
  /** Absent when no model produced any estimate. */
  readonly estimate?: PeakEstimate;
  /** Largest clean (anomaly-free) value of the last 7 days. */
  readonly lastWeekCleanPeak: number;
  readonly historyDays: number;
  readonly anomalies: readonly Anomaly[];
  /** Set when the estimate (if any) is not trustworthy: forces low confidence. */
  readonly lowConfidenceReason?: string;
  /** The forecast itself failed (worker crash, engine closed): forces low confidence, reported first. */
  readonly failure?: string;
}

export interface RecommendInput {
  readonly fullKey: string;
  readonly unit: LimitUnit;
  /** The rule's requests_per_unit now; absent for a bare series (backtest), where no step bound applies. */
  readonly currentLimit?: number;
  readonly forecast: ForecastSummary;
  readonly settings: ForecastSettings;
  readonly override?: RuleOverride;
}

export interface GuardrailBand {
  readonly min: number;
  readonly max: number;
}

export interface Recommendation {
  /** requests_per_unit to set (integer, rule's unit); equals the current limit when keptCurrent. */
  readonly recommended: number;
  readonly keptCurrent: boolean;
  readonly confidence: Confidence;
  /** For the webhook; absent without a trustworthy forecast. Rule's unit. */
  readonly band?: GuardrailBand;
  /** Expected peak of the coming period, rule's unit. */
  readonly peak?: { readonly value: number; readonly atMs: number };
  /** Quantile of the period's maximum before headroom, rule's unit. */
  readonly quantilePeak?: number;
  readonly model: string;
  readonly explanation: string;
  readonly boundsApplied: readonly string[];
  /** Anomalies kept out of fitting, in requests per series step. */
  readonly anomalies: readonly Anomaly[];
}

/**
 * recommended = roundUp2(max(quantilePeak x (1 + headroom), lastWeekCleanPeak) x unit factor),
 * then bounded by the per-cycle step against the current limit, then by the absolute floor/ceiling.
 * docs/forecast-formula.md is the reference for every step.
 */
export function recommendLimit(input: RecommendInput): Recommendation {
  const { forecast, settings, override, currentLimit } = input;
  const unitName = input.unit === "step" ? `${forecast.stepSeconds}s-step` : input.unit;
  const conversion = stepToUnit(forecast.stepSeconds, unitSeconds(input.unit, forecast.stepSeconds), settings.burstFactor);
  const perUnit = (perStep: number): number => perStep * conversion.factor;
  const anomalies = forecast.anomalies;
  const current = currentLimit ?? 0;
  const fmt = (n: number): string => formatNumber(n);
  const currentText = currentLimit === undefined ? "no current limit" : `current ${fmt(currentLimit)}/${unitName}`;

  if (override?.exclude === true) {
    return { recommended: current, keptCurrent: true, confidence: "low", model: "none", boundsApplied: ["excluded by override"], anomalies, explanation: `${input.fullKey}: excluded by override, ${currentText} left alone` };
  }

  const confidence = assessConfidence(forecast, settings);
  const estimate = forecast.estimate;
  const expectedPeak = estimate === undefined ? undefined : Math.ceil(perUnit(estimate.expectedPeak));
  const peak = estimate === undefined || expectedPeak === undefined ? undefined : { value: expectedPeak, atMs: estimate.peakAtMs };
  const quantilePeak = estimate === undefined ? undefined : perUnit(estimate.quantilePeak);
  const model = estimate?.model ?? "none";
  const peakText = peak === undefined ? "no forecast" : `expected peak ${fmt(peak.value)}/${unitName} at ${new Date(peak.atMs).toISOString().slice(0, 16)}Z`;

  if (override?.pin !== undefined) {
    const pinned = Math.min(Math.max(1, Math.round(override.pin)), MAX_REQUESTS_PER_UNIT);
    const band = estimate !== undefined && confidence.level !== "low" ? bandFor(pinned, expectedPeak!, settings) : undefined;
    return {
      recommended: pinned, keptCurrent: false, confidence: confidence.level, model, anomalies, boundsApplied: ["pinned by override"],
      ...(band ? { band } : {}), ...(peak ? { peak } : {}), ...(quantilePeak !== undefined ? { quantilePeak } : {}),
      explanation: `${input.fullKey}: ${fmt(pinned)}/${unitName} pinned by override (${peakText}, model ${model}, confidence ${confidence.level})`,
    };
  }

  // Low confidence keeps the current limit; a bare series (backtest) has none to keep, so it gets
  // the estimate, still marked low.
  const keep = confidence.level === "low" && currentLimit !== undefined;
  if (keep || estimate === undefined || quantilePeak === undefined || expectedPeak === undefined) {
    const why = oneLine(confidence.reason ?? "no trustworthy forecast");
    return {
      recommended: current, keptCurrent: true, confidence: "low", model, anomalies, boundsApplied: [],
      ...(peak ? { peak } : {}), ...(quantilePeak !== undefined ? { quantilePeak } : {}),
      explanation: `${input.fullKey}: kept ${currentText}: low confidence (${why}); ${peakText}, model ${model}`,
    };
  }

  const boundsApplied: string[] = [];
  if (conversion.burstFactorApplied) boundsApplied.push(`burst factor x${settings.burstFactor}: ${forecast.stepSeconds}s step is coarser than a ${unitName}`);
  if (conversion.extrapolated && input.unit !== "step") boundsApplied.push(`extrapolated: one ${unitName} is longer than the ${forecast.stepSeconds}s step the peak was estimated at`);
  const headroom = override?.headroom ?? settings.headroom;
  let target = quantilePeak * (1 + headroom);
  const cleanFloor = perUnit(forecast.lastWeekCleanPeak);
  if (target < cleanFloor) {
    target = cleanFloor;
    boundsApplied.push(`last week's clean peak ${fmt(Math.ceil(cleanFloor))}`);
  }
  const recommended = boundLimit(roundUpSignificant(target, 2), currentLimit, settings, override, boundsApplied);
  const band = confidence.level === "low" ? undefined : bandFor(recommended, expectedPeak, settings);
  if (confidence.level === "low") boundsApplied.push(`low confidence (${oneLine(confidence.reason ?? "?")}): no current limit to keep`);
  const was = currentLimit === undefined ? "" : ` (was ${fmt(currentLimit)})`;
  const bounds = boundsApplied.length === 0 ? "none" : boundsApplied.join(", ");
  return {
    recommended, keptCurrent: false, confidence: confidence.level, ...(band ? { band } : {}), peak: peak!, quantilePeak, model, boundsApplied, anomalies,
    explanation:
      `${input.fullKey}: ${fmt(recommended)}/${unitName}${was}: p${Math.round(settings.quantile * 100)} of the ${settings.horizonHours}h peak ${fmt(Math.ceil(quantilePeak))}/${unitName}` +
      ` +${Math.round(headroom * 100)}% headroom; ${peakText}; model ${model}, confidence ${confidence.level}; bounds: ${bounds}`,
  };
}

/**
 * The per-cycle step bound against the current limit (when there is one), then the absolute
 * floor/ceiling, which win. Appends what it applied to `applied`.
 */
export function boundLimit(limit: number, currentLimit: number | undefined, settings: ForecastSettings, override: RuleOverride | undefined, applied: string[]): number {
  let bounded = limit;
  if (currentLimit !== undefined && currentLimit > 0) {
    const up = Math.floor(currentLimit * settings.maxStepUp);
    const down = Math.ceil(currentLimit / settings.maxStepDown);
    if (bounded > up) {
      bounded = up;
      applied.push(`step up at most x${settings.maxStepUp}`);
    } else if (bounded < down) {
      bounded = down;
      applied.push(`step down at most /${settings.maxStepDown}`);
    }
  }
  const floor = Math.max(1, Math.ceil(override?.floor ?? settings.floor));
  const ceiling = Math.min(Math.floor(override?.ceiling ?? settings.ceiling), MAX_REQUESTS_PER_UNIT);
  if (bounded < floor) {
    bounded = floor;
    applied.push(`floor ${formatNumber(floor)}`);
  } else if (bounded > ceiling) {
    bounded = ceiling;
    applied.push(`ceiling ${formatNumber(ceiling)}`);
  }
  return bounded;
}

/**
 * min: the expected peak (lower throttles expected traffic); max: a limit this high protects
 * nothing. Both within what the ratelimit service accepts (uint32), like every limit.
 */
function bandFor(recommended: number, expectedPeak: number, settings: ForecastSettings): GuardrailBand {
  const min = Math.min(expectedPeak, MAX_REQUESTS_PER_UNIT);
  return { min, max: Math.min(Math.max(min, Math.ceil(recommended * settings.bandMaxFactor)), MAX_REQUESTS_PER_UNIT) };
}

function assessConfidence(forecast: ForecastSummary, settings: ForecastSettings): { level: Confidence; reason?: string } {
  if (forecast.failure !== undefined) return { level: "low", reason: forecast.failure };
  if (forecast.historyDays < settings.minHistoryDays) {
    return { level: "low", reason: `${forecast.historyDays.toFixed(1)} days of history, needs ${settings.minHistoryDays}` };
  }
  const estimate = forecast.estimate;
  if (estimate === undefined || forecast.lowConfidenceReason !== undefined) {
    return { level: "low", reason: forecast.lowConfidenceReason ?? "no model produced a forecast" };
  }
  const spread = estimate.calibration.quantileRatio / estimate.calibration.medianRatio;
  if (!(spread <= settings.maxCalibrationSpread)) {
    return { level: "low", reason: `poor backtest: p${Math.round(settings.quantile * 100)}/median peak ratio ${spread.toFixed(1)} > ${settings.maxCalibrationSpread}` };
  }
  if (forecast.historyDays < settings.fullHistoryDays) return { level: "medium", reason: `${forecast.historyDays.toFixed(1)} days of history` };
  if (estimate.calibration.pairs < MIN_PAIRS_FOR_HIGH_CONFIDENCE) return { level: "medium", reason: `backtest of ${estimate.calibration.pairs} origins` };
  return { level: "high" };
}

/** Error texts can carry stack traces: an explanation stays on one line. */
export function oneLine(text: string, maxLength = 200): string {
  const flat = text.replace(/\s*\n\s*/g, " ").trim();
  return flat.length > maxLength ? `${flat.slice(0, maxLength - 3)}...` : flat;
}

function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toPrecision(3);
}
