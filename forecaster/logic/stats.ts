/** Small order statistics shared by the cleaning and calibration code. Inputs are never mutated. */

/** The q-quantile (0..1) by linear interpolation between order statistics (R type 7). NaN when empty. */
export function quantile(values: ArrayLike<number>, q: number): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const pos = (n - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export function median(values: ArrayLike<number>): number {
  return quantile(values, 0.5);
}

/** Largest value of values[from..to) (indices clamped); -Infinity when the range is empty. */
export function maxOf(values: ArrayLike<number>, from = 0, to = values.length): { value: number; index: number } {
  let value = Number.NEGATIVE_INFINITY;
  let index = -1;
  for (let i = Math.max(0, from); i < Math.min(values.length, to); i++) {
    if (values[i]! > value) {
      value = values[i]!;
      index = i;
    }
  }
  return { value, index };
}

export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return values.length === 0 ? Number.NaN : sum / values.length;
}

/** Sample standard deviation; 0 for fewer than two values. */
export function standardDeviation(values: ArrayLike<number>): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  let ss = 0;
  for (let i = 0; i < values.length; i++) ss += (values[i]! - m) ** 2;
  return Math.sqrt(ss / (values.length - 1));
}
