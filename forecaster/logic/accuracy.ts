/** Forecast-accuracy measures for backtests. Arrays are aligned point by point; NaN actuals are skipped. */

/**
 * Mean absolute scaled error, scaled by the in-sample error of the seasonal-naive forecast with
 * period `season` steps (one day): below 1 beats "same time yesterday".
 */
export function mase(actual: ArrayLike<number>, forecast: ArrayLike<number>, training: ArrayLike<number>, season: number): number {
  let scaleSum = 0;
  let scaleCount = 0;
  for (let i = season; i < training.length; i++) {
    const d = Math.abs(training[i]! - training[i - season]!);
    if (Number.isFinite(d)) {
      scaleSum += d;
      scaleCount++;
    }
  }
  const scale = scaleSum / scaleCount;
  let errorSum = 0;
  let count = 0;
  for (let i = 0; i < actual.length; i++) {
    if (!Number.isFinite(actual[i]!)) continue;
    errorSum += Math.abs(actual[i]! - forecast[i]!);
    count++;
  }
  return scale > 0 && count > 0 ? errorSum / count / scale : Number.NaN;
}

/** Symmetric mean absolute percentage error, 0..2 (a point where both are 0 counts as 0). */
export function smape(actual: ArrayLike<number>, forecast: ArrayLike<number>): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    if (!Number.isFinite(a)) continue;
    const f = forecast[i]!;
    const denominator = Math.abs(a) + Math.abs(f);
    sum += denominator === 0 ? 0 : (2 * Math.abs(a - f)) / denominator;
    count++;
  }
  return count > 0 ? sum / count : Number.NaN;
}

/** Share of actual points inside [lower, upper]. */
export function coverage(actual: ArrayLike<number>, lower: ArrayLike<number>, upper: ArrayLike<number>): number {
  let inside = 0;
  let count = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    if (!Number.isFinite(a)) continue;
    if (a >= lower[i]! && a <= upper[i]!) inside++;
    count++;
  }
  return count > 0 ? inside / count : Number.NaN;
}

/** Share of actual points above the limit: the traffic a static limit would have throttled. */
export function throttleShare(actual: ArrayLike<number>, limit: number): number {
  let above = 0;
  let count = 0;
  for (let i = 0; i < actual.length; i++) {
    if (!Number.isFinite(actual[i]!)) continue;
    if (actual[i]! > limit) above++;
    count++;
  }
  return count > 0 ? above / count : Number.NaN;
}
