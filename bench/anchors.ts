import * as prophetModule from "@bsull/augurs/prophet";
import { optimizer } from "@bsull/augurs-prophet-wasmstan";
import { initWasm } from "../forecaster/engine/models.js";
import { quantile, standardDeviation } from "../forecaster/logic/stats.js";

/** History before an origin: timestamps (ms) and values (NaN where missing), on the series' grid. */
export interface History {
  readonly timesMs: readonly number[];
  readonly values: readonly number[];
  readonly stepSeconds: number;
  readonly originMs: number;
  readonly horizonMs: number;
}

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

function lastWeek(h: History): number[] {
  return h.values.filter((v, i) => h.timesMs[i]! >= h.originMs - WEEK_MS && Number.isFinite(v));
}

/** Operators' rule of thumb: the last 7 days' maximum x factor. */
export function maxOfWeekTimes(h: History, factor: number): number {
  return Math.max(...lastWeek(h)) * factor;
}

/** The original TrendMaster-AI formula: 3.6 x p95 of the 19-23h UTC values of the last 7 days. */
export function originalFormula(h: History): number {
  const evening = h.values.filter((v, i) => {
    const t = h.timesMs[i]!;
    const hour = new Date(t).getUTCHours();
    return t >= h.originMs - WEEK_MS && hour >= 19 && hour < 23 && Number.isFinite(v);
  });
  return 3.6 * quantile(evening, 0.95);
}

/** Weekly seasonal-naive forecast's upper 95% bound (sigma from seasonal differences), max over the horizon. */
export function seasonalNaiveUpperMax(h: History): number {
  const week = Math.round(WEEK_MS / 1000 / h.stepSeconds);
  // Grid slot -> value: rows may be missing, so an index into values is not a time.
  const stepMs = h.stepSeconds * 1000;
  const first = h.timesMs[0] ?? h.originMs;
  const bySlot = new Map<number, number>();
  h.timesMs.forEach((t, i) => bySlot.set(Math.round((t - first) / stepMs), h.values[i]!));
  const diffs: number[] = [];
  for (const [slot, value] of bySlot) {
    const d = value - (bySlot.get(slot - week) ?? Number.NaN);
    if (Number.isFinite(d)) diffs.push(d);
  }
  const sigma = standardDeviation(diffs);
  let top = 0;
  for (let t = h.originMs; t < h.originMs + h.horizonMs; t += stepMs) {
    // The point one week before (or whole weeks, for a long horizon), nearest grid sample.
    const back = Math.ceil((t - h.originMs + 1) / WEEK_MS) * WEEK_MS;
    const base = bySlot.get(Math.round((t - back - first) / stepMs)) ?? Number.NaN;
    if (Number.isFinite(base)) top = Math.max(top, base + 1.96 * sigma);
  }
  return top;
}

/** augurs Prophet (the integration guide's model) at full resolution: upper 95% bound, max over the horizon. */
export function prophetUpperMax(h: History): number {
  initWasm();
  const model = new prophetModule.Prophet({ optimizer, intervalWidth: 0.95 });
  try {
    const ds: number[] = [];
    const y: number[] = [];
    h.timesMs.forEach((t, i) => {
      if (Number.isFinite(h.values[i]!)) {
        ds.push(t / 1000);
        y.push(h.values[i]!);
      }
    });
    model.fit({ ds, y });
    const steps = Math.round(h.horizonMs / 1000 / h.stepSeconds);
    const future = { ds: Array.from({ length: steps }, (_v, k) => (h.originMs + k * h.stepSeconds * 1000) / 1000) };
    const upper = model.predict(future).yhat.intervals?.upper ?? [];
    return Math.max(0, ...upper);
  } finally {
    model.free();
  }
}

/** Saturday or Sunday (UTC) at the middle of the day starting at t: the engine's day type. */
function isWeekend(t: number): boolean {
  const day = new Date(t + 12 * 3_600_000).getUTCDay();
  return day === 0 || day === 6;
}

/**
 * A reference, not a forecast: the second-largest realised maximum of the history's horizon-long
 * periods of the same kind as the coming one (for a 24 h horizon, days of the same type, weekday or
 * weekend). It is the lowest limit that at most one comparable period of the series' own recent
 * past would have exceeded: a limit below it contradicts that evidence for a 95% target (one
 * weekday in 15 is already 6.7%). Where it sits far above the coming period's peak, no honestly
 * calibrated limit can be tight on that day.
 */
export function comparablePeriodFloor(h: History): number {
  const maxima: number[] = [];
  // Every period the history overlaps (the first may be short by a few samples).
  for (let end = h.originMs; end > (h.timesMs[0] ?? h.originMs); end -= h.horizonMs) {
    const start = end - h.horizonMs;
    if (h.horizonMs <= DAY_MS && isWeekend(start) !== isWeekend(h.originMs)) continue;
    let top = Number.NEGATIVE_INFINITY;
    h.timesMs.forEach((t, i) => {
      if (t >= start && t < end && Number.isFinite(h.values[i]!)) top = Math.max(top, h.values[i]!);
    });
    if (Number.isFinite(top)) maxima.push(top);
  }
  maxima.sort((a, b) => b - a);
  return maxima[Math.min(1, maxima.length - 1)] ?? Number.NaN;
}
