import type { RuleSeries } from "../traffic.js";
import type { ForecastSettings } from "./settings.js";
import { median } from "./stats.js";

/** An isolated spike or drop kept out of model fitting; reported with its time and size. */
export interface Anomaly {
  readonly atMs: number;
  /** What the source reported (requests per step). */
  readonly value: number;
  /** What the series' own neighbourhood says the value should have been. */
  readonly expected: number;
}

/** A series on a regular grid, NaN-free, in requests per step. Index i is at startMs + i * step. */
export interface PreparedSeries {
  readonly startMs: number;
  readonly stepSeconds: number;
  /** What traffic did, gaps filled: realised peaks are measured on this. */
  readonly raw: Float64Array;
  /** raw with anomalies replaced by their expected value: models are fit on this. */
  readonly clean: Float64Array;
  /** 1 where the value was missing (gap, NaN, counter reset) and was filled in. */
  readonly imputed: Uint8Array;
  readonly anomalies: readonly Anomaly[];
  readonly missingSteps: number;
  readonly resetSteps: number;
  /** Points that cannot be real traffic, treated as missing (and counted in missingSteps). */
  readonly implausible: Implausible;
}

/** Points the source reported that cannot be traffic: above the ceiling, or orders of magnitude above the series' level. */
export interface Implausible {
  readonly steps: number;
  /** steps as a share of the series' points. */
  readonly share: number;
  /** The largest of them, for the explanation. */
  readonly largest?: { readonly atMs: number; readonly value: number };
}

/** A point this many times the series' median (of at least one request per step) is not traffic. */
export const IMPLAUSIBLE_FACTOR = 10_000;

type CleaningSettings = Pick<
  ForecastSettings,
  "anomalySigmas" | "anomalyMinRelative" | "anomalyMaxRunMinutes" | "maxInterpolatedGapMinutes" | "maxPlausibleRequestsPerSecond"
>;

/**
 * Puts a series on its regular grid, fills gaps, drops counter resets and separates isolated
 * anomalies from genuine (recurring or lasting) peaks.
 */
export function prepareSeries(series: RuleSeries, settings: CleaningSettings): PreparedSeries {
  const stepMs = series.stepSeconds * 1000;
  const finite = series.samples.filter((s) => Number.isFinite(s.timestampMs));
  if (finite.length === 0 || !(stepMs > 0)) {
    return { startMs: 0, stepSeconds: series.stepSeconds, raw: new Float64Array(0), clean: new Float64Array(0), imputed: new Uint8Array(0), anomalies: [], missingSteps: 0, resetSteps: 0, implausible: { steps: 0, share: 0 } };
  }
  const sorted = [...finite].sort((a, b) => a.timestampMs - b.timestampMs);
  const startMs = sorted[0]!.timestampMs;
  const length = Math.round((sorted[sorted.length - 1]!.timestampMs - startMs) / stepMs) + 1;
  const grid = new Float64Array(length).fill(Number.NaN);
  let resetSteps = 0;
  for (const s of sorted) {
    // A negative increase is a counter reset the source did not correct: the true count is unknown.
    if (s.value < 0) resetSteps++;
    grid[Math.round((s.timestampMs - startMs) / stepMs)] = s.value >= 0 ? s.value : Number.NaN;
  }
  const implausible = dropImplausible(grid, startMs, stepMs, settings.maxPlausibleRequestsPerSecond * series.stepSeconds);
  const imputed = new Uint8Array(length);
  for (let i = 0; i < length; i++) if (!Number.isFinite(grid[i]!)) imputed[i] = 1;
  const missingSteps = imputed.reduce((n, m) => n + m, 0);
  const stepsPerDay = Math.round(86_400 / series.stepSeconds);
  fillGaps(grid, imputed, stepsPerDay, Math.floor((settings.maxInterpolatedGapMinutes * 60) / series.stepSeconds));
  const { clean, anomalies } = removeAnomalies(grid, imputed, stepsPerDay, series.stepSeconds, settings);
  const found = anomalies.map((i) => ({ atMs: startMs + i * stepMs, value: grid[i]!, expected: clean[i]! }));
  // Implausible points are reported with what they were filled in with, like anomalies.
  for (const { index, value } of implausible.dropped) found.push({ atMs: startMs + index * stepMs, value, expected: clean[index]! });
  found.sort((a, b) => a.atMs - b.atMs);
  const { dropped: _dropped, ...implausibleSummary } = implausible;
  return { startMs, stepSeconds: series.stepSeconds, raw: grid, clean, imputed, anomalies: found, missingSteps, resetSteps, implausible: implausibleSummary };
}

/**
 * Sets to NaN (missing) every point that cannot be traffic: above `ceilingPerStep`, or more than
 * IMPLAUSIBLE_FACTOR times the median of the series' finite points. Infinity and negative values
 * are already NaN or caught here. A glitch must not become a peak the limit is raised to.
 */
function dropImplausible(grid: Float64Array, startMs: number, stepMs: number, ceilingPerStep: number): Implausible & { readonly dropped: ReadonlyArray<{ index: number; value: number }> } {
  const finite = Array.from(grid).filter((v) => Number.isFinite(v));
  if (finite.length === 0) return { steps: 0, share: 0, dropped: [] };
  const level = Math.max(1, median(finite));
  const bound = Math.min(ceilingPerStep, IMPLAUSIBLE_FACTOR * level);
  const dropped: Array<{ index: number; value: number }> = [];
  let largest: { atMs: number; value: number } | undefined;
  for (let i = 0; i < grid.length; i++) {
    const value = grid[i]!;
    if (!(value > bound)) continue;
    dropped.push({ index: i, value });
    if (largest === undefined || value > largest.value) largest = { atMs: startMs + i * stepMs, value };
    grid[i] = Number.NaN;
  }
  return { steps: dropped.length, share: dropped.length / grid.length, dropped, ...(largest ? { largest } : {}) };
}

/** Short gaps: straight line between the neighbours. Long ones: the same time one day earlier (or later). */
function fillGaps(values: Float64Array, missing: Uint8Array, stepsPerDay: number, maxLinearSteps: number): void {
  const n = values.length;
  let i = 0;
  while (i < n) {
    if (!missing[i]) {
      i++;
      continue;
    }
    let end = i;
    while (end < n && missing[end]) end++;
    const before = i > 0 ? values[i - 1]! : Number.NaN;
    const after = end < n ? values[end]! : Number.NaN;
    const runLength = end - i;
    for (let j = i; j < end; j++) {
      const dayBefore = j - stepsPerDay >= 0 && stepsPerDay > 1 ? values[j - stepsPerDay]! : Number.NaN;
      const dayAfter = j + stepsPerDay < n && stepsPerDay > 1 && !missing[j + stepsPerDay] ? values[j + stepsPerDay]! : Number.NaN;
      if (runLength <= maxLinearSteps && Number.isFinite(before) && Number.isFinite(after)) {
        values[j] = before + ((after - before) * (j - i + 1)) / (runLength + 1);
      } else if (Number.isFinite(dayBefore)) {
        values[j] = dayBefore;
      } else if (Number.isFinite(dayAfter)) {
        values[j] = dayAfter;
      } else {
        values[j] = Number.isFinite(before) ? before : Number.isFinite(after) ? after : 0;
      }
    }
    i = end;
  }
}

/**
 * A point is anomalous when it sits far (robust sigmas and a relative margin) from what the same
 * time of day looks like on the surrounding days **and**, once there is more than a week of data,
 * from what the same time of week looked like in at least one other week; and the excursion is
 * short. A peak that recurs at the same time every day, or in every week (Saturday nights), is
 * part of its own neighbourhood, so it is kept, while a burst that one other week happened to have
 * too is not a pattern; one that lasts longer than anomalyMaxRunMinutes is a change of regime,
 * also kept. An anomaly is replaced by the nearer of the daily expected value and that other week's
 * level: the smallest correction that makes it ordinary.
 */
function removeAnomalies(
  values: Float64Array,
  imputed: Uint8Array,
  stepsPerDay: number,
  stepSeconds: number,
  settings: CleaningSettings,
): { clean: Float64Array; anomalies: number[] } {
  const n = values.length;
  const daily = dailyReference(values, imputed, stepsPerDay >= 4 ? stepsPerDay : 0);
  const weekly = weeklyLevels(values, imputed, stepsPerDay >= 4 ? 7 * stepsPerDay : 0);
  // direction: the sign of a point's excursion from its daily neighbourhood when it passes half of
  // both thresholds (hysteresis: one excursion stays one run although its noisy points are not all
  // extreme, and its length decides regime or anomaly). unusual: it is such an excursion from the
  // other week least like it too (the lowest week for a rise, the highest for a fall; the daily
  // spread is the noise scale: three points of one week give none), or there is no other week;
  // extreme: it passes the full thresholds against both.
  const direction = new Int8Array(n);
  const unusual = new Uint8Array(n);
  const extreme = new Uint8Array(n);
  const expected = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d = excursion(values[i]!, daily.expected[i]!, daily.spread[i]!, daily.spreadFloor, settings);
    expected[i] = daily.expected[i]!;
    if (imputed[i] || d.direction === 0) continue;
    direction[i] = d.direction;
    const level = d.direction > 0 ? weekly.low[i]! : weekly.high[i]!;
    // The nearer of the two references: the smallest correction that makes the point ordinary.
    if (Math.abs(values[i]! - level) < Math.abs(values[i]! - expected[i]!)) expected[i] = level;
    const w = Number.isNaN(level) ? d : excursion(values[i]!, level, daily.spread[i]!, daily.spreadFloor, settings);
    if (w.direction === d.direction) unusual[i] = 1;
    if (unusual[i] && d.extreme && w.extreme) extreme[i] = 1;
  }
  const maxRun = Math.max(1, Math.floor((settings.anomalyMaxRunMinutes * 60) / stepSeconds));
  const clean = Float64Array.from(values);
  const anomalies: number[] = [];
  let i = 0;
  while (i < n) {
    if (direction[i] === 0) {
      i++;
      continue;
    }
    let end = i;
    let hasExtreme = false;
    for (; end < n && direction[end] === direction[i]; end++) if (extreme[end] === 1) hasExtreme = true;
    // A run still going at the end of the data may be a new level arriving: keep it (safe side).
    // Inside a short run, the points the weekly pattern explains (a Saturday-night peak that an
    // extra spike sits on) stay as they are.
    if (hasExtreme && end - i <= maxRun && end < n) {
      for (let j = i; j < end; j++) {
        if (!unusual[j]) continue;
        clean[j] = expected[j]!;
        anomalies.push(j);
      }
    }
    i = end;
  }
  return { clean, anomalies };
}

/** Per point: the median of its seasonal neighbours and their robust spread. */
interface DailyReference {
  readonly expected: Float64Array;
  readonly spread: Float64Array;
  /** A floor on the local spread: a perfectly flat neighbourhood would otherwise flag any wiggle. */
  readonly spreadFloor: number;
}

/**
 * Neighbours of point i: the same time of day (±1 step) on the 3 days before and after it,
 * observed points only; with fewer than 6 (short or coarse series) its ±6 neighbours.
 */
function dailyReference(values: Float64Array, imputed: Uint8Array, day: number): DailyReference {
  const n = values.length;
  const expected = new Float64Array(n);
  const spread = new Float64Array(n);
  // One small buffer reused for every point: this loop runs once per step of three weeks of data.
  const neighbours = new Float64Array(42);
  for (let i = 0; i < n; i++) {
    let count = 0;
    if (day > 0) {
      for (let k = -3; k <= 3; k++) {
        if (k === 0) continue;
        for (let s = -1; s <= 1; s++) {
          const j = i + k * day + s;
          if (j >= 0 && j < n && !imputed[j]) neighbours[count++] = values[j]!;
        }
      }
    }
    if (count < 6) {
      // Too little seasonal context (short or coarse series): compare with the points around it.
      for (let s = -6; s <= 6; s++) {
        const j = i + s;
        if (s !== 0 && j >= 0 && j < n && !imputed[j]) neighbours[count++] = values[j]!;
      }
    }
    if (count === 0) {
      expected[i] = values[i]!;
      continue;
    }
    const center = sortedMedian(neighbours, count);
    expected[i] = center;
    for (let k = 0; k < count; k++) neighbours[k] = Math.abs(neighbours[k]! - center);
    spread[i] = 1.4826 * sortedMedian(neighbours, count);
  }
  return { expected, spread, spreadFloor: Math.max(1, 0.25 * median(spread)) };
}

/**
 * Per point, over the other weeks (1 to 3 either side) with observed points at the same time of
 * week (±1 step): the lowest and the highest week's level (the median of its points). NaN where
 * there is no other week.
 */
interface WeeklyLevels {
  readonly low: Float64Array;
  readonly high: Float64Array;
}

function weeklyLevels(values: Float64Array, imputed: Uint8Array, week: number): WeeklyLevels {
  const n = values.length;
  const low = new Float64Array(n).fill(Number.NaN);
  const high = new Float64Array(n).fill(Number.NaN);
  if (week <= 0) return { low, high };
  const one = new Float64Array(3);
  for (let i = 0; i < n; i++) {
    for (let k = -3; k <= 3; k++) {
      if (k === 0) continue;
      let inWeek = 0;
      for (let s = -1; s <= 1; s++) {
        const j = i + k * week + s;
        if (j >= 0 && j < n && !imputed[j]) one[inWeek++] = values[j]!;
      }
      if (inWeek === 0) continue;
      const level = sortedMedian(one, inWeek);
      if (!(level >= low[i]!)) low[i] = level;
      if (!(level <= high[i]!)) high[i] = level;
    }
  }
  return { low, high };
}

/** How far value sits from center: its sign past half the thresholds, and whether it passes them. */
function excursion(value: number, center: number, spread: number, spreadFloor: number, settings: CleaningSettings): { direction: -1 | 0 | 1; extreme: boolean } {
  const deviation = value - center;
  const sigma = Math.max(spread, spreadFloor, Math.sqrt(Math.max(center, 0)));
  const relative = settings.anomalyMinRelative * Math.max(center, 1);
  const size = Math.abs(deviation);
  const half = size > 0.5 * settings.anomalySigmas * sigma && size > 0.5 * relative;
  return { direction: half ? (deviation > 0 ? 1 : -1) : 0, extreme: size > settings.anomalySigmas * sigma && size > relative };
}

/** Median of buffer[0..count), sorting that prefix in place (insertion sort: count is at most 42). */
function sortedMedian(buffer: Float64Array, count: number): number {
  for (let a = 1; a < count; a++) {
    const v = buffer[a]!;
    let b = a - 1;
    while (b >= 0 && buffer[b]! > v) {
      buffer[b + 1] = buffer[b]!;
      b--;
    }
    buffer[b + 1] = v;
  }
  const mid = count >> 1;
  return count % 2 === 1 ? buffer[mid]! : (buffer[mid - 1]! + buffer[mid]!) / 2;
}
