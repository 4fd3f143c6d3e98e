import { loadSeries, sharedDataDir } from "../../bench/shared-data.js";
import { prepareSeries } from "./series-prep.js";
import { DEFAULT_FORECAST_SETTINGS } from "./settings.js";
import { syntheticTraffic } from "./synthetic-traffic.js";

const T0 = Date.UTC(2026, 10, 2); // a Monday
const STEP = 300;
const PER_DAY = 288;
const at = (day: number, hour: number, minute = 0): number => day * PER_DAY + (hour * 60 + minute) / 5;

describe("prepareSeries: grid, gaps and counter resets", () => {
  const minute = (k: number, value: number) => ({ timestampMs: T0 + k * 60_000, value });

  it("puts samples on the grid and interpolates a short gap", () => {
    const p = prepareSeries({ fullKey: "k", stepSeconds: 60, samples: [minute(0, 10), minute(1, 20), minute(3, 40), minute(4, 50)] }, DEFAULT_FORECAST_SETTINGS);
    expect(Array.from(p.raw)).toEqual([10, 20, 30, 40, 50]);
    expect(Array.from(p.imputed)).toEqual([0, 0, 1, 0, 0]);
    expect(p.missingSteps).toBe(1);
  });

  it("treats NaN and negative counts (uncorrected counter resets) as gaps", () => {
    const p = prepareSeries({ fullKey: "k", stepSeconds: 60, samples: [minute(0, 10), minute(1, Number.NaN), minute(2, -4000), minute(3, 40)] }, DEFAULT_FORECAST_SETTINGS);
    expect(Array.from(p.raw)).toEqual([10, 20, 30, 40]);
    expect(p.resetSteps).toBe(1);
    expect(p.missingSteps).toBe(2);
  });

  it("fills a gap longer than maxInterpolatedGapMinutes with the same time one day earlier", () => {
    const series = syntheticTraffic("k", { seed: 7, startMs: T0, days: 3, stepSeconds: STEP, peak: 1000 });
    const holeFrom = at(2, 12);
    const holeTo = at(2, 15);
    const withHole = { ...series, samples: series.samples.filter((_s, i) => i < holeFrom || i >= holeTo) };
    const p = prepareSeries(withHole, DEFAULT_FORECAST_SETTINGS);
    expect(p.missingSteps).toBe(holeTo - holeFrom);
    for (let i = holeFrom; i < holeTo; i++) expect(p.raw[i]).toBe(series.samples[i - PER_DAY]!.value);
    expect(p.raw.every(Number.isFinite)).toBe(true);
  });
});

describe("prepareSeries: anomalies", () => {
  const single = at(3, 15); // a Thursday afternoon
  const burst = [at(8, 10), at(8, 10, 5), at(8, 10, 10)];
  const drop = [at(10, 14), at(10, 14, 5)];
  const events = new Map<number, number>([[single, 6], ...burst.map((i) => [i, 4] as [number, number]), ...drop.map((i) => [i, 0] as [number, number])]);
  // A nightly batch job: 10 minutes at 02:00 at five times the night level, every day.
  for (let d = 0; d < 14; d++) events.set(at(d, 2), 5).set(at(d, 2, 5), 5);
  // A surge that lasts 8 hours is a change of regime, not an anomaly.
  for (let i = at(1, 8); i < at(1, 16); i++) events.set(i, 2.5);
  const series = syntheticTraffic("k", { seed: 42, startMs: T0, days: 14, stepSeconds: STEP, peak: 1000, events });
  const p = prepareSeries(series, DEFAULT_FORECAST_SETTINGS);

  it("finds exactly the planted isolated spikes and drops, with time and size", () => {
    const found = p.anomalies.map((a) => Math.round((a.atMs - T0) / (STEP * 1000)));
    expect(found).toEqual([single, ...burst, ...drop]);
    const spike = p.anomalies[0]!;
    expect(spike.atMs).toBe(T0 + single * STEP * 1000);
    expect(spike.value).toBe(series.samples[single]!.value);
    expect(spike.value / spike.expected).toBeGreaterThan(4);
  });

  it("replaces them in the clean series by their expected value and keeps the raw series as it was", () => {
    for (const a of p.anomalies) {
      const i = Math.round((a.atMs - T0) / (STEP * 1000));
      expect(p.clean[i]).toBe(a.expected);
      expect(p.raw[i]).toBe(a.value);
    }
  });

  it("keeps the recurring nightly peak and the long surge", () => {
    for (let d = 0; d < 14; d++) expect(p.clean[at(d, 2)]).toBe(series.samples[at(d, 2)]!.value);
    for (let i = at(1, 8); i < at(1, 16); i++) expect(p.clean[i]).toBe(series.samples[i]!.value);
  });

  it("produces a NaN-free series of the whole grid", () => {
    expect(p.raw.length).toBe(14 * PER_DAY);
    expect(p.clean.every(Number.isFinite)).toBe(true);
  });
});

describe("prepareSeries: weekly-recurring peaks", () => {
  // Three weeks. Every Saturday 23:00-01:00 runs at 4x the (weekend) night level: a weekly peak,
  // as weekend evenings are for streaming traffic. The same 4x block once on a Wednesday night is
  // a one-off burst. On the second Saturday a 15-minute spike of another 3x sits on the peak.
  const saturdays = [5, 12, 19];
  const weekly = saturdays.flatMap((d) => Array.from({ length: 24 }, (_v, k) => at(d, 23) + k));
  const wednesday = Array.from({ length: 24 }, (_v, k) => at(9, 23) + k);
  const extra = [at(12, 23, 30), at(12, 23, 35), at(12, 23, 40)];
  const events = new Map<number, number>([...weekly.map((i) => [i, 4] as [number, number]), ...wednesday.map((i) => [i, 4] as [number, number])]);
  for (const i of extra) events.set(i, 12);
  const series = syntheticTraffic("k", { seed: 11, startMs: T0, days: 21, stepSeconds: STEP, peak: 1000, events });
  const p = prepareSeries(series, DEFAULT_FORECAST_SETTINGS);
  const found = p.anomalies.map((a) => Math.round((a.atMs - T0) / (STEP * 1000)));

  it("keeps the Saturday-night peak that recurs every week, though weekday nights are far lower", () => {
    for (const i of weekly.filter((j) => !extra.includes(j))) expect(p.clean[i]).toBe(series.samples[i]!.value);
  });

  it("flags the same block on a Wednesday night, which does not recur, against the weekday nights", () => {
    expect(found).toEqual([...wednesday, ...extra]);
    for (const a of p.anomalies.slice(0, wednesday.length)) expect(a.expected).toBeLessThan(210);
  });

  it("flags only the spike on top of the weekly peak, replaced by the lower other Saturday's level (nearer than a weekday night)", () => {
    expect(p.anomalies.slice(wednesday.length).map((a) => [a.value, a.expected])).toEqual([
      [1545, 473],
      [1480, 489],
      [1505, 488],
    ]);
  });
});

describe("prepareSeries: a weekly pattern needs every other week", () => {
  // A 15-minute burst at 8x on Tuesday 03:30 of the first two weeks of three: a coincidence, not a
  // pattern (the third Tuesday is quiet). The same burst on a Thursday in all three weeks recurs.
  const tuesdays = [1, 8].flatMap((d) => [at(d, 3, 30), at(d, 3, 35), at(d, 3, 40)]);
  const thursdays = [3, 10, 17].flatMap((d) => [at(d, 3, 30), at(d, 3, 35), at(d, 3, 40)]);
  const events = new Map<number, number>([...tuesdays, ...thursdays].map((i) => [i, 8] as [number, number]));
  const series = syntheticTraffic("k", { seed: 5, startMs: T0, days: 21, stepSeconds: STEP, peak: 1000, events });
  const p = prepareSeries(series, DEFAULT_FORECAST_SETTINGS);

  it("flags bursts that only one other week shares, keeps the one every week has", () => {
    expect(p.anomalies.map((a) => Math.round((a.atMs - T0) / (STEP * 1000)))).toEqual(tuesdays);
    for (const i of thursdays) expect(p.clean[i]).toBe(series.samples[i]!.value);
  });
});

const shared = sharedDataDir();
if (shared === undefined) console.warn("series-prep.test: ../shared/data not found beside the repository: real-series checks skipped");
(shared === undefined ? describe.skip : describe)("prepareSeries on a real series (../shared/data)", () => {
  it("fills the 8 missing 5-minute points of the ELB request counts and stays NaN-free", () => {
    const series = loadSeries(shared ?? "", "nab_elb_request_count_8c0756.csv", "elb");
    const p = prepareSeries(series, DEFAULT_FORECAST_SETTINGS);
    expect(series.stepSeconds).toBe(300);
    expect(p.raw.length).toBe(series.samples.length + 8);
    expect(p.missingSteps).toBe(8);
    expect(p.clean.every(Number.isFinite)).toBe(true);
  });
});
