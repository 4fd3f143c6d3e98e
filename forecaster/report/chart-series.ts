/**
 * The numbers one rule's chart draws, from the series the engine forecast at: traffic in requests
 * per unit (as the recommendation counts them), downsampled to a size a page with 1,000 charts can
 * carry, and a next-day forecast line. Pure.
 */
import type { PreparedSeries } from "../logic/series-prep.js";
import { stepToUnit, unitSeconds } from "../logic/units-conversion.js";
import type { RateLimitUnit } from "../../ratelimit/units.js";

/**
 * 28 days at hourly peaks: about one point per pixel of a chart, every day's peak visible, and
 * small enough that 1,000 rules' charts stay a few MiB (the page's load time is mostly its size).
 */
export const MAX_TRAFFIC_POINTS = 672;
export const MAX_FORECAST_POINTS = 96;
const DAY_SECONDS = 86_400;
const WEEK_SECONDS = 7 * DAY_SECONDS;

/** Compact chart data: times in Unix seconds on regular grids, values in requests per unit. */
export interface ChartData {
  /** First traffic point and the spacing of the (downsampled) traffic grid. */
  readonly startSeconds: number;
  readonly bucketSeconds: number;
  /** Highest step of each bucket (null: no data in it). */
  readonly traffic: ReadonlyArray<number | null>;
  /** Steps kept out of fitting: [time, requests per unit] at the bucket that holds them. */
  readonly anomalies: ReadonlyArray<readonly [number, number]>;
  /** Forecast grid: starts where the recording ends. */
  readonly forecastStartSeconds: number;
  readonly forecastBucketSeconds: number;
  readonly forecast: readonly number[];
  /** Where the traffic the model was fitted on begins (it may fit fewer days than are shown). */
  readonly fitStartSeconds: number;
  /** What one traffic point is, for the chart's axis label. */
  readonly valueNote: string;
}

/** Requests per step × factor = requests per unit, exactly as recommendLimit converts them. */
export function perUnitFactor(stepSeconds: number, unit: RateLimitUnit, burstFactor: number): { factor: number; note: string } {
  const conversion = stepToUnit(stepSeconds, unitSeconds(unit, stepSeconds), burstFactor);
  const step = formatSeconds(stepSeconds);
  const note = conversion.burstFactorApplied ? `${step} counts per ${unit}, x${burstFactor} burst factor (as the forecast counts them)` : `${step} counts per ${unit}`;
  return { factor: conversion.factor, note };
}

function formatSeconds(seconds: number): string {
  if (seconds % 86_400 === 0) return `${seconds / 86_400}-day`;
  if (seconds % 3600 === 0) return `${seconds / 3600}-hour`;
  if (seconds % 60 === 0) return `${seconds / 60}-minute`;
  return `${seconds}-second`;
}

/** Keeps the largest value of each bucket of `size` steps: peaks matter next to a limit, not means. */
export function maxPerBucket(values: ArrayLike<number>, size: number): Array<number | null> {
  const out: Array<number | null> = [];
  for (let start = 0; start < values.length; start += size) {
    let best = Number.NEGATIVE_INFINITY;
    for (let i = start; i < Math.min(values.length, start + size); i++) {
      const v = values[i]!;
      if (Number.isFinite(v) && v > best) best = v;
    }
    out.push(best === Number.NEGATIVE_INFINITY ? null : best);
  }
  return out;
}

/**
 * The coming `steps` as the same hours a week earlier (a day earlier with less than a week) of the
 * cleaned series: a shape cheap enough for every rule of a large config. The model's own peak is
 * drawn apart from it.
 */
export function seasonalNaiveForecast(clean: ArrayLike<number>, stepSeconds: number, steps: number): number[] {
  const week = Math.round(WEEK_SECONDS / stepSeconds);
  const day = Math.max(1, Math.round(DAY_SECONDS / stepSeconds));
  const season = clean.length >= week ? week : clean.length >= day ? day : clean.length;
  if (season === 0) return [];
  return Array.from({ length: steps }, (_v, h) => clean[clean.length - season + (h % season)] ?? 0);
}

/** Three significant digits: the chart cannot show more, the file gets smaller. */
function round3(value: number): number {
  if (value === 0 || !Number.isFinite(value)) return 0;
  const digits = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(value))));
  return Number(value.toFixed(Math.min(digits, 6)));
}

/** `fitFromMs`: the start of the engine's fitting window; anomalies before it were never fitted either way. */
export function buildChartData(prepared: PreparedSeries, unit: RateLimitUnit, burstFactor: number, horizonHours: number, fitFromMs = prepared.startMs): ChartData {
  const { factor, note } = perUnitFactor(prepared.stepSeconds, unit, burstFactor);
  const length = prepared.raw.length;
  const size = Math.max(1, Math.ceil(length / MAX_TRAFFIC_POINTS));
  // Imputed steps had no data: they are gaps on the chart, not values.
  const observed = Float64Array.from(prepared.raw, (v, i) => (prepared.imputed[i] ? Number.NaN : v));
  const traffic = maxPerBucket(observed, size).map((v) => (v === null ? null : round3(v * factor)));
  const bucketSeconds = size * prepared.stepSeconds;
  const startSeconds = prepared.startMs / 1000;
  const anomalies = prepared.anomalies.filter((a) => a.atMs >= fitFromMs).map((a): readonly [number, number] => {
    const bucket = Math.floor((a.atMs / 1000 - startSeconds) / bucketSeconds);
    return [startSeconds + bucket * bucketSeconds, round3(a.value * factor)];
  });
  const horizonSteps = Math.max(1, Math.round((horizonHours * 3600) / prepared.stepSeconds));
  const path = seasonalNaiveForecast(prepared.clean, prepared.stepSeconds, horizonSteps);
  const forecastSize = Math.max(1, Math.ceil(horizonSteps / MAX_FORECAST_POINTS));
  const forecast = maxPerBucket(path, forecastSize).map((v) => round3((v ?? 0) * factor));
  return {
    startSeconds,
    bucketSeconds,
    traffic,
    anomalies,
    forecastStartSeconds: startSeconds + length * prepared.stepSeconds,
    forecastBucketSeconds: forecastSize * prepared.stepSeconds,
    forecast,
    fitStartSeconds: Math.max(prepared.startMs, fitFromMs) / 1000,
    valueNote: size > 1 ? `highest ${note} in each ${formatSeconds(bucketSeconds)} bucket` : note,
  };
}
