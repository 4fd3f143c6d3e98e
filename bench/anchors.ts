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

/** augurs Prophet (the seed's model) at full resolution: upper 95% bound, max over the horizon. */
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
