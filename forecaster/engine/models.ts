import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as mstlModule from "@bsull/augurs/mstl";
import * as prophetModule from "@bsull/augurs/prophet";
import { optimizer } from "@bsull/augurs-prophet-wasmstan";
import type { BacktestPair, CandidateForecast } from "../logic/peak-calibration.js";
import { aggregateSeries, sliceSeries } from "../logic/resample.js";
import type { PreparedSeries } from "../logic/series-prep.js";
import type { ForecastSettings, ModelName } from "../logic/settings.js";
import { maxOf, median } from "../logic/stats.js";

const DAY_SECONDS = 86_400;
const WEEK_SECONDS = 7 * DAY_SECONDS;

let initialised = false;

/** augurs' default init fetches its WASM over a URL, which Node cannot do for file: URLs: hand it the bytes. */
export function initWasm(): void {
  if (initialised) return;
  const wasmBytes = (specifier: string, file: string): Buffer => readFileSync(fileURLToPath(new URL(file, import.meta.resolve(specifier))));
  prophetModule.initSync({ module: wasmBytes("@bsull/augurs/prophet", "./prophet_bg.wasm") });
  mstlModule.initSync({ module: wasmBytes("@bsull/augurs/mstl", "./mstl_bg.wasm") });
  initialised = true;
}

/** Forecast of the next `steps` values at the model's step, from the clean history given. */
type FitForecast = (clean: Float64Array, startMs: number, stepSeconds: number, steps: number) => Float64Array;

/** Seasonal periods (in steps) the history is long enough to estimate: two full cycles each. */
function knownPeriods(length: number, stepSeconds: number): number[] {
  return [DAY_SECONDS, WEEK_SECONDS].map((s) => Math.round(s / stepSeconds)).filter((p) => p > 1 && length >= 2 * p);
}

const fitMstl: FitForecast = (clean, _startMs, stepSeconds, steps) => {
  const model = mstlModule.ets(knownPeriods(clean.length, stepSeconds));
  try {
    model.fit(clean);
    return Float64Array.from(model.predict(steps).point);
  } finally {
    model.free();
  }
};

/**
 * Prophet's timestamps (seconds) for a series from startMs: counted from the Unix week that holds
 * startMs, so the weekly and daily phases are those of the calendar, but the same traffic a whole
 * number of weeks later is the same input and gives the same fit (absolute epoch seconds differ in
 * their rounding and move the optimiser's result).
 */
export function prophetTimes(length: number, startMs: number, stepSeconds: number): number[] {
  const weekStartMs = Math.floor(startMs / (WEEK_SECONDS * 1000)) * WEEK_SECONDS * 1000;
  return Array.from({ length }, (_v, i) => (startMs - weekStartMs + i * stepSeconds * 1000) / 1000);
}

/** Fourier order of the single weekly seasonality: harmonics 7, 14 and 21 are the daily cycle's first three. */
export const PROPHET_WEEKLY_ORDER = 21;

/**
 * Prophet's seasonality options for a history of `days` at `stepSeconds`. With two seasonalities
 * (daily + weekly) augurs orders their features differently from one model to the next, and the
 * optimiser lands on one of two optima: one weekly seasonality whose Fourier terms include the daily
 * harmonics has one feature order, so identical data gives an identical fit.
 */
export function prophetSeasonalities(days: number, stepSeconds: number): Pick<prophetModule.ProphetOptions, "dailySeasonality" | "weeklySeasonality" | "yearlySeasonality"> {
  const weekly = days >= 14;
  return {
    dailySeasonality: { type: "manual", enabled: !weekly && stepSeconds < DAY_SECONDS && days >= 2 },
    weeklySeasonality: weekly ? { type: "fourier", order: stepSeconds < DAY_SECONDS ? PROPHET_WEEKLY_ORDER : 3 } : { type: "manual", enabled: false },
    yearlySeasonality: { type: "manual", enabled: false },
  };
}

const fitProphetOnce: FitForecast = (clean, startMs, stepSeconds, steps) => {
  const days = (clean.length * stepSeconds) / DAY_SECONDS;
  const model = new prophetModule.Prophet({
    optimizer,
    // Always set: the band is not used for the limit, and 0 samples skips the costly simulation.
    intervalWidth: 0.95,
    uncertaintySamples: 0,
    ...prophetSeasonalities(days, stepSeconds),
  });
  try {
    model.fit({ ds: prophetTimes(clean.length, startMs, stepSeconds), y: Array.from(clean) });
    const future = model.makeFutureDataframe(steps, { includeHistory: false });
    return Float64Array.from(model.predict(future).yhat.point);
  } finally {
    model.free();
  }
};

/**
 * Prophet's optimiser can land on different optima for identical data; the element-wise median of
 * an odd number of fits makes the recommendation reproducible.
 */
function fitProphet(fits: number): FitForecast {
  return (clean, startMs, stepSeconds, steps) => {
    if (fits <= 1) return fitProphetOnce(clean, startMs, stepSeconds, steps);
    const runs = Array.from({ length: fits }, () => fitProphetOnce(clean, startMs, stepSeconds, steps));
    return Float64Array.from({ length: steps }, (_v, i) => median(runs.map((r) => r[i]!)));
  };
}

/**
 * A model candidate: fit on the clean series aggregated to the model step, forecast the horizon,
 * and backtest with one more fit that ends `backtestDays` before the origin and forecasts those
 * days: each day in it is one (forecast peak, realised raw peak) pair at the series' own step.
 */
export function fitModelCandidate(model: ModelName, prepared: PreparedSeries, horizonSteps: number, settings: ForecastSettings): CandidateForecast {
  const started = performance.now();
  const fit: FitForecast | undefined = model === "mstl-ets" ? fitMstl : model === "prophet" ? fitProphet(settings.prophetFits) : undefined;
  if (fit === undefined) return { model, peak: Number.NaN, peakAtMs: 0, backtest: [], fitMs: 0, error: `${model} is not a fitted model` };
  // Stan's optimiser traps on a series without any traffic: there is nothing to fit anyway.
  if (!(maxOf(prepared.clean).value > 0)) return { model, peak: Number.NaN, peakAtMs: 0, backtest: [], fitMs: 0, error: "no traffic to fit" };
  try {
    initWasm();
    const factor = Math.max(1, Math.round(settings.modelStepSeconds / prepared.stepSeconds));
    const origin = prepared.raw.length;
    const coarse = aggregateSeries(prepared, factor);
    const coarseHorizon = Math.max(1, Math.ceil(horizonSteps / factor));
    const forecast = clampAtZero(fit(coarse.clean, coarse.startMs, coarse.stepSeconds, coarseHorizon));
    const top = maxOf(forecast);
    const backtest = backtestModel(fit, prepared, factor, horizonSteps, settings);
    return {
      model,
      peak: top.value,
      peakAtMs: prepared.startMs + (origin * prepared.stepSeconds + top.index * coarse.stepSeconds) * 1000,
      backtest,
      fitMs: performance.now() - started,
    };
  } catch (error) {
    // The first line only: WASM errors carry a stack trace of wasm-function offsets.
    const message = (error instanceof Error ? error.message : String(error)).split("\n")[0];
    return { model, peak: Number.NaN, peakAtMs: 0, backtest: [], fitMs: performance.now() - started, error: `${model} failed: ${message}` };
  }
}

function backtestModel(fit: FitForecast, prepared: PreparedSeries, factor: number, horizonSteps: number, settings: ForecastSettings): BacktestPair[] {
  const day = Math.round(DAY_SECONDS / prepared.stepSeconds);
  const origin = prepared.raw.length;
  const backtestDays = Math.max(1, Math.min(settings.calibrationOrigins, 7));
  const cut = origin - backtestDays * day;
  // The backtest fit needs as much history as the minimum a real forecast would get.
  if (cut < settings.minHistoryDays * day) return [];
  const coarse = aggregateSeries(sliceSeries(prepared, 0, cut), factor);
  const coarseSteps = Math.ceil((origin - cut) / factor);
  const forecast = clampAtZero(fit(coarse.clean, coarse.startMs, coarse.stepSeconds, coarseSteps));
  const pairs: BacktestPair[] = [];
  for (let o = cut; o + horizonSteps <= origin; o += day) {
    const from = Math.floor((o - cut) / factor);
    const to = Math.ceil((o + horizonSteps - cut) / factor);
    pairs.push({ forecast: maxOf(forecast, from, to).value, actual: maxOf(prepared.raw, o, o + horizonSteps).value, originMs: prepared.startMs + o * prepared.stepSeconds * 1000 });
  }
  return pairs;
}

/** Traffic is never negative; additive models can dip below zero at night. */
function clampAtZero(values: Float64Array): Float64Array {
  return values.map((v) => (Number.isFinite(v) && v > 0 ? v : 0));
}
