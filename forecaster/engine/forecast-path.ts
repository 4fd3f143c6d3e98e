import * as mstlModule from "@bsull/augurs/mstl";
import * as prophetModule from "@bsull/augurs/prophet";
import { optimizer } from "@bsull/augurs-prophet-wasmstan";
import type { PreparedSeries } from "../logic/series-prep.js";
import type { ModelName } from "../logic/settings.js";
import { standardDeviation } from "../logic/stats.js";
import { initWasm, prophetSeasonalities, prophetTimes } from "./models.js";

/** A point forecast with 80% and 95% intervals at the series' own step (for accuracy reports). */
export interface ForecastPath {
  readonly model: ModelName;
  readonly point: Float64Array;
  readonly lower80: Float64Array;
  readonly upper80: Float64Array;
  readonly lower95: Float64Array;
  readonly upper95: Float64Array;
  readonly fitMs: number;
}

const DAY_SECONDS = 86_400;
const WEEK_SECONDS = 7 * DAY_SECONDS;
const Z80 = 1.2815515655446004;
const Z95 = 1.959963984540054;

/**
 * The forecast path of `model` fit on the clean series at its own step. Rule-of-thumb models have
 * no path of their own: they get the weekly seasonal-naive path. Negative bounds are clamped at 0.
 */
export function forecastPath(model: ModelName, prepared: PreparedSeries, steps: number): ForecastPath {
  const started = performance.now();
  const path = model === "prophet" ? prophetPath(prepared, steps) : model === "mstl-ets" ? mstlPath(prepared, steps) : seasonalNaivePath(prepared, steps);
  const clamp = (a: ArrayLike<number>): Float64Array => Float64Array.from(a, (v) => (Number.isFinite(v) && v > 0 ? v : 0));
  return {
    model: model === "prophet" || model === "mstl-ets" ? model : "seasonal-naive",
    point: clamp(path.point),
    lower80: clamp(path.lower80),
    upper80: clamp(path.upper80),
    lower95: clamp(path.lower95),
    upper95: clamp(path.upper95),
    fitMs: performance.now() - started,
  };
}

type RawPath = Record<"point" | "lower80" | "upper80" | "lower95" | "upper95", ArrayLike<number>>;

function seasonalNaivePath(prepared: PreparedSeries, steps: number): RawPath {
  const y = prepared.clean;
  const week = Math.round(WEEK_SECONDS / prepared.stepSeconds);
  const season = y.length >= week + 1 ? week : Math.max(1, Math.round(DAY_SECONDS / prepared.stepSeconds));
  const diffs: number[] = [];
  for (let i = season; i < y.length; i++) diffs.push(y[i]! - y[i - season]!);
  const sigma = standardDeviation(diffs);
  const point = Float64Array.from({ length: steps }, (_v, h) => y[y.length - season + (h % season)] ?? 0);
  // h steps ahead is k = floor(h / season) + 1 seasons ahead: the error grows with sqrt(k).
  const band = (z: number, sign: number): Float64Array => point.map((p, h) => p + sign * z * sigma * Math.sqrt(Math.floor(h / season) + 1));
  return { point, lower80: band(Z80, -1), upper80: band(Z80, 1), lower95: band(Z95, -1), upper95: band(Z95, 1) };
}

function mstlPath(prepared: PreparedSeries, steps: number): RawPath {
  initWasm();
  const periods = [DAY_SECONDS, WEEK_SECONDS].map((s) => Math.round(s / prepared.stepSeconds)).filter((p) => p > 1 && prepared.clean.length >= 2 * p);
  const model = mstlModule.ets(periods);
  try {
    model.fit(prepared.clean);
    const f80 = model.predict(steps, 0.8);
    const f95 = model.predict(steps, 0.95);
    return { point: f95.point, lower80: f80.intervals?.lower ?? f80.point, upper80: f80.intervals?.upper ?? f80.point, lower95: f95.intervals?.lower ?? f95.point, upper95: f95.intervals?.upper ?? f95.point };
  } finally {
    model.free();
  }
}

function prophetPath(prepared: PreparedSeries, steps: number): RawPath {
  initWasm();
  const ds = prophetTimes(prepared.clean.length, prepared.startMs, prepared.stepSeconds);
  const days = (prepared.clean.length * prepared.stepSeconds) / DAY_SECONDS;
  // augurs sets the interval width at construction: one fit per width.
  const fit = (intervalWidth: number): { point: number[]; lower: number[]; upper: number[] } => {
    const model = new prophetModule.Prophet({
      optimizer,
      intervalWidth,
      ...prophetSeasonalities(days, prepared.stepSeconds),
    });
    try {
      model.fit({ ds, y: Array.from(prepared.clean) });
      const yhat = model.predict(model.makeFutureDataframe(steps, { includeHistory: false })).yhat;
      return { point: yhat.point, lower: yhat.intervals?.lower ?? yhat.point, upper: yhat.intervals?.upper ?? yhat.point };
    } finally {
      model.free();
    }
  };
  const f80 = fit(0.8);
  const f95 = fit(0.95);
  return { point: f95.point, lower80: f80.lower, upper80: f80.upper, lower95: f95.lower, upper95: f95.upper };
}
