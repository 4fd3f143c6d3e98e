import { UNIT_SECONDS, type RateLimitUnit } from "../../ratelimit/units.js";

/** A rule's unit, or "step": the series' own step (backtests of a bare CSV series have no rule). */
export type LimitUnit = RateLimitUnit | "step";

export function unitSeconds(unit: LimitUnit, stepSeconds: number): number {
  return unit === "step" ? stepSeconds : UNIT_SECONDS[unit];
}

/** How requests per step become requests per unit. */
export interface UnitConversion {
  readonly factor: number;
  /** The step is coarser than the unit: bursts inside a step are invisible, burstFactor was applied. */
  readonly burstFactorApplied: boolean;
  /** The unit is longer than the step the estimate was made at: the rate is extrapolated over it. */
  readonly extrapolated: boolean;
}

/**
 * Requests per step x factor = requests per unit. A unit shorter than the step assumes the step's
 * count spread evenly, times burstFactor for the bursts the step cannot see; a longer unit assumes
 * the peak rate holds for the whole unit (the engine sums the series to the unit first, or to the
 * horizon for units longer than it, so this extrapolates a whole period's count, e.g. the peak day's
 * count x 7 for a per-week limit).
 */
export function stepToUnit(stepSeconds: number, unitLengthSeconds: number, burstFactor: number): UnitConversion {
  const ratio = unitLengthSeconds / stepSeconds;
  if (ratio < 1) return { factor: ratio * burstFactor, burstFactorApplied: true, extrapolated: false };
  return { factor: ratio, burstFactorApplied: false, extrapolated: ratio > 1 };
}

/** Rounds up to `digits` significant digits, then up to an integer: 1234 -> 1300, 7.2 -> 8, 0 -> 0. */
export function roundUpSignificant(value: number, digits = 2): number {
  if (!(value > 0)) return 0;
  const scale = 10 ** (Math.floor(Math.log10(value)) - digits + 1);
  // Tolerance: 1300 must stay 1300 although 1300 / 100 may come out as 13.000000000000002.
  const rounded = Math.ceil(value / scale - 1e-9) * scale;
  return Math.ceil(Number(rounded.toPrecision(digits + 1)) - 1e-9);
}
