/**
 * The guardrail band of one rule: the forecaster writes it, the webhook enforces it.
 * Both numbers are requests_per_unit in the rule's own unit.
 */
export interface GuardrailBand {
  /** Expected period peak without headroom: a limit below it throttles expected legitimate traffic. */
  readonly min: number;
  /** Recommended limit × band factor: a limit above it protects nothing. */
  readonly max: number;
}

export type BandCheck =
  | { readonly verdict: "inside"; readonly limit: number }
  | { readonly verdict: "below"; readonly limit: number; readonly clamped: number }
  | { readonly verdict: "above"; readonly limit: number; readonly clamped: number };

/** Where `limit` sits against `band`, and the nearest limit inside it. */
export function checkAgainstBand(limit: number, band: GuardrailBand): BandCheck {
  if (limit < band.min) return { verdict: "below", limit, clamped: band.min };
  if (limit > band.max) return { verdict: "above", limit, clamped: band.max };
  return { verdict: "inside", limit };
}

export function clampToBand(limit: number, band: GuardrailBand): number {
  return Math.min(band.max, Math.max(band.min, limit));
}

/** A band is usable only when it is an ordered pair of non-negative integers. */
export function isValidBand(band: GuardrailBand): boolean {
  return Number.isInteger(band.min) && Number.isInteger(band.max) && band.min >= 0 && band.min <= band.max;
}
