/**
 * How well the previous cycle's forecast held: the peak actually seen since it was made, divided by
 * the peak it expected (1 = exact, above 1 = traffic beat the forecast). Both in the rule's unit.
 */
import { UNIT_SECONDS, type RateLimitUnit } from "../../ratelimit/units.js";
import type { Sample } from "../traffic.js";

/**
 * Largest requests per `unit` among samples after `sinceMs`, counted as the engine counts them:
 * a unit longer than the step sums consecutive steps; a shorter one spreads the step's count evenly
 * and multiplies by burstFactor (the engine's expected peak carries the same factor).
 */
export function observedPeakPerUnit(samples: readonly Sample[], stepSeconds: number, unit: RateLimitUnit, sinceMs: number, burstFactor: number): number | undefined {
  const values = samples.filter((s) => s.timestampMs > sinceMs && Number.isFinite(s.value)).map((s) => s.value);
  if (values.length === 0) return undefined;
  const unitSeconds = UNIT_SECONDS[unit];
  if (unitSeconds < stepSeconds) return Math.max(...values) * (unitSeconds / stepSeconds) * burstFactor;
  const window = Math.max(1, Math.round(unitSeconds / stepSeconds));
  if (values.length < window) return undefined;
  let sum = 0;
  let best = 0;
  for (let k = 0; k < values.length; k++) {
    sum += values[k] as number;
    if (k >= window) sum -= values[k - window] as number;
    if (k >= window - 1) best = Math.max(best, sum);
  }
  return best;
}

/** observed / expected, or undefined when either is missing or the expectation is zero. */
export function peakAccuracyRatio(observed: number | undefined, expected: number | undefined): number | undefined {
  if (observed === undefined || expected === undefined || !(expected > 0)) return undefined;
  return observed / expected;
}
