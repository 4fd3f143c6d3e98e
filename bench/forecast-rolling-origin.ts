/**
 * Rolling-origin benchmark of the forecast engine against the static-limit anchors, with the
 * protocol of ../shared/data/README.md: origins at 00:00 UTC of each of the last 7 complete days
 * (ELB: 5), at most 21 days of history before each, horizon 24 h; plus one 7-day horizon per series.
 *
 *   node dist/bench/forecast-rolling-origin.js [--quick] [--json] [--detail] [--origins=N] [--set=key=value ...]
 *
 * --quick skips the Prophet-band anchor (a full-resolution Prophet fit per origin, ~1-3 s each);
 * --detail lists the engine's limit per origin (candidates, choice, bounds, and the comparable-day
 * floor over the realised peak: see comparablePeriodFloor); --origins=N uses N daily origins per series (ELB
 * keeps its 5) as a robustness check; --set overrides one engine setting (tuning runs).
 */
import { runForecastJob } from "../forecaster/engine/forecast-job.js";
import { DEFAULT_FORECAST_SETTINGS, type ForecastSettings } from "../forecaster/logic/settings.js";
import { quantile, median } from "../forecaster/logic/stats.js";
import type { RuleSeries } from "../forecaster/traffic.js";
import { comparablePeriodFloor, maxOfWeekTimes, originalFormula, prophetUpperMax, seasonalNaiveUpperMax, type History } from "./anchors.js";
import { ANCHOR_SERIES, loadSeries, sharedDataDir } from "./shared-data.js";

const DAY_MS = 86_400_000;
const HISTORY_DAYS = 21;

interface Outcome {
  readonly series: string;
  readonly originMs: number;
  readonly horizonDays: number;
  readonly limit: number;
  readonly actualPeak: number;
  readonly breached: boolean;
  readonly throttledShare: number;
  readonly excessShare: number;
  readonly ms: number;
  /** CPU time of this process (one thread here): unlike wall time, not inflated by other load. */
  readonly cpuMs: number;
  readonly note?: string;
  /** --detail: how the engine got there (candidates, choice, bounds). */
  readonly detail?: string;
}

type MethodResult = { limit: number; note?: string; detail?: string };
type Method = { readonly name: string; readonly limit: (h: History, series: RuleSeries) => MethodResult };

/**
 * The engine on the history before the origin. Without a current limit it is a bare series: even a
 * low-confidence estimate becomes the limit. With one (the operators' rule, as on a first cycle in
 * production) low confidence keeps it and the x2 / /2 step bound applies.
 */
function engineLimit(settings: ForecastSettings, h: History, series: RuleSeries, currentLimit?: number): MethodResult {
  const outcome = runForecastJob({
    fullKey: series.fullKey,
    unit: "step",
    series: { ...series, samples: series.samples.filter((s) => s.timestampMs < h.originMs && s.timestampMs >= h.originMs - HISTORY_DAYS * DAY_MS) },
    settings: { ...settings, horizonHours: h.horizonMs / 3_600_000 },
    nowMs: h.originMs - 1,
    ...(currentLimit !== undefined ? { currentLimit } : {}),
  });
  const r = outcome.recommendation;
  const candidates = outcome.candidates.map((c) => {
    const chosen = c.model === r.model ? "*" : "";
    return c.quantileRatio === undefined ? `${chosen}${c.model} ${c.error ?? "?"}` : `${chosen}${c.model} ${c.peak.toFixed(0)}x${c.quantileRatio.toFixed(2)}=${(c.peak * c.quantileRatio).toFixed(0)}`;
  });
  const bounds = r.boundsApplied.length === 0 ? "none" : r.boundsApplied.join("; ");
  return { limit: r.recommended, note: `${r.model}/${r.confidence}${r.keptCurrent ? "/kept" : ""}`, detail: `candidates: ${candidates.join(", ")}; bounds: ${bounds}` };
}

export const ENGINE = "trendmaster engine";
export const ENGINE_WITH_CURRENT = "engine, current = max7 x 1.2";
export const COMPARABLE_FLOOR = "reference: 2nd-largest comparable-day max";

function methods(settings: ForecastSettings, withProphet: boolean): Method[] {
  const list: Method[] = [
    { name: ENGINE, limit: (h, series) => engineLimit(settings, h, series) },
    { name: ENGINE_WITH_CURRENT, limit: (h, series) => engineLimit(settings, h, series, Math.ceil(maxOfWeekTimes(h, 1.2))) },
    { name: "max of last 7 days x 1.2", limit: (h) => ({ limit: maxOfWeekTimes(h, 1.2) }) },
    { name: "seasonal-naive upper 95% max", limit: (h) => ({ limit: seasonalNaiveUpperMax(h) }) },
    { name: "original formula 3.6 x p95(19-23h)", limit: (h) => ({ limit: originalFormula(h) }) },
  ];
  if (withProphet) list.push({ name: "Prophet upper 95% max (augurs)", limit: (h) => ({ limit: prophetUpperMax(h) }) });
  // Not a contender: the lowest limit at most one comparable past day would have exceeded (see anchors.ts).
  list.push({ name: COMPARABLE_FLOOR, limit: (h) => ({ limit: comparablePeriodFloor(h) }) });
  return list;
}

function evaluate(method: Method, series: RuleSeries, originMs: number, horizonDays: number): Outcome {
  const horizonMs = horizonDays * DAY_MS;
  const before = series.samples.filter((s) => s.timestampMs < originMs && s.timestampMs >= originMs - HISTORY_DAYS * DAY_MS);
  const after = series.samples.filter((s) => s.timestampMs >= originMs && s.timestampMs < originMs + horizonMs && Number.isFinite(s.value));
  const history: History = { timesMs: before.map((s) => s.timestampMs), values: before.map((s) => s.value), stepSeconds: series.stepSeconds, originMs, horizonMs };
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const { limit, note, detail } = method.limit(history, series);
  const cpu = process.cpuUsage(cpuBefore);
  const ms = performance.now() - started;
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const values = after.map((s) => s.value);
  const total = values.reduce((a, v) => a + v, 0);
  const excess = values.reduce((a, v) => a + Math.max(0, v - limit), 0);
  const actualPeak = Math.max(...values);
  return {
    series: series.fullKey, originMs, horizonDays, limit, actualPeak, ms, cpuMs,
    breached: values.some((v) => v > limit),
    throttledShare: values.filter((v) => v > limit).length / values.length,
    excessShare: total > 0 ? excess / total : 0,
    ...(note !== undefined ? { note } : {}),
    ...(detail !== undefined ? { detail } : {}),
  };
}

/** 00:00 UTC of each of the last `count` complete days of the series (the day after the last one starts a new day). */
function dailyOrigins(series: RuleSeries, count: number, horizonDays: number): number[] {
  const lastMs = series.samples[series.samples.length - 1]!.timestampMs;
  const lastCompleteDayEnd = Math.floor((lastMs + series.stepSeconds * 1000) / DAY_MS) * DAY_MS;
  return Array.from({ length: count }, (_v, k) => lastCompleteDayEnd - (count - k) * DAY_MS).filter((o) => o + horizonDays * DAY_MS <= lastCompleteDayEnd);
}

interface Summary { method: string; horizon: string; origins: number; lowConfidence?: number; exceeded: number; meanThrottled: number; meanExcess: number; medianHeadroom: number; p90Headroom: number; msPerOrigin: number; cpuMsPerOrigin: number; maxCpuMs: number }

function summarize(method: string, horizon: string, outcomes: readonly Outcome[]): Summary {
  const headroom = outcomes.map((o) => o.limit / o.actualPeak);
  const avg = (xs: number[]): number => xs.reduce((a, v) => a + v, 0) / xs.length;
  return {
    method, horizon, origins: outcomes.length,
    // Engine rows: origins whose limit is a low-confidence estimate (production keeps the current limit there).
    ...(outcomes.some((o) => o.note !== undefined) ? { lowConfidence: outcomes.filter((o) => (o.note ?? "").includes("/low")).length } : {}),
    exceeded: outcomes.filter((o) => o.breached).length / outcomes.length,
    meanThrottled: avg(outcomes.map((o) => o.throttledShare)),
    meanExcess: avg(outcomes.map((o) => o.excessShare)),
    medianHeadroom: median(headroom),
    p90Headroom: quantile(headroom, 0.9),
    msPerOrigin: median(outcomes.map((o) => o.ms)),
    cpuMsPerOrigin: median(outcomes.map((o) => o.cpuMs)),
    maxCpuMs: Math.max(...outcomes.map((o) => o.cpuMs)),
  };
}

function pct(x: number): string {
  return `${(100 * x).toFixed(x < 0.01 && x > 0 ? 2 : 1)}%`;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const dir = sharedDataDir();
  if (dir === undefined) {
    process.stderr.write("bench: ../shared/data not found beside the repository: nothing to benchmark\n");
    return 1;
  }
  // --set key=value overrides one engine setting (numbers or strings), for tuning runs.
  const overrides = Object.fromEntries(args.filter((a) => a.startsWith("--set=")).map((a) => {
    const [key, value] = a.slice(6).split("=") as [string, string];
    return [key, Number.isFinite(Number(value)) ? Number(value) : value.includes(",") ? value.split(",") : value];
  }));
  const list = methods({ ...DEFAULT_FORECAST_SETTINGS, ...overrides }, !args.includes("--quick"));
  // --origins=N: N daily origins per series instead of the protocol's 7 (a robustness check on more days).
  const originsArg = Number(args.find((a) => a.startsWith("--origins="))?.slice(10) ?? 0);
  const all: Record<string, Outcome[]> = {};
  for (const spec of ANCHOR_SERIES) {
    const series = loadSeries(dir, spec.file, spec.name);
    const daily = dailyOrigins(series, originsArg > 0 && spec.name !== "ELB" ? originsArg : spec.origins, 1);
    const [weekOrigin] = dailyOrigins(series, 7, 7);
    for (const method of list) {
      for (const origin of daily) (all[`${method.name}|24h`] ??= []).push(evaluate(method, series, origin, 1));
      if (weekOrigin !== undefined) (all[`${method.name}|7d`] ??= []).push(evaluate(method, series, weekOrigin, 7));
    }
    process.stderr.write(`  ${spec.name}: ${daily.length} daily origins${weekOrigin !== undefined ? " + one 7-day" : ""}\n`);
  }
  const summaries = Object.entries(all).map(([key, outcomes]) => {
    const [method, horizon] = key.split("|") as [string, string];
    return summarize(method, horizon, outcomes);
  });
  // Where the engine is confident: elsewhere production keeps the current limit.
  for (const horizon of ["24h", "7d"]) {
    const confident = (all[`${ENGINE}|${horizon}`] ?? []).filter((o) => !(o.note ?? "").includes("/low"));
    if (confident.length > 0) summaries.splice(summaries.findIndex((s) => s.method === ENGINE_WITH_CURRENT), 0, summarize(`${ENGINE}, confident origins`, horizon, confident));
  }
  if (args.includes("--json")) {
    process.stdout.write(JSON.stringify({ summaries, outcomes: all }, null, 2) + "\n");
    return 0;
  }
  const header = ["method", "horizon", "origins", "low conf", "exceeded", "mean throttled", "mean excess vol", "median L/peak", "p90 L/peak", "wall ms/origin", "cpu ms/origin", "max cpu ms"];
  const rows = summaries.map((s) => [s.method, s.horizon, String(s.origins), s.lowConfidence === undefined ? "-" : String(s.lowConfidence), pct(s.exceeded), pct(s.meanThrottled), pct(s.meanExcess), s.medianHeadroom.toFixed(2), s.p90Headroom.toFixed(2), s.msPerOrigin.toFixed(1), s.cpuMsPerOrigin.toFixed(1), s.maxCpuMs.toFixed(0)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  process.stdout.write(line(header) + "\n" + rows.map(line).join("\n") + "\n");
  // The p90 target's feasibility: with 40 origins, p90 <= 4 allows at most 4 origins above 4.
  const floors24 = all[`${COMPARABLE_FLOOR}|24h`] ?? [];
  const above = floors24.filter((o) => o.limit > 4 * o.actualPeak);
  process.stdout.write(
    `\n24h origins whose own comparable days put the floor above 4 x their peak: ${above.length} of ${floors24.length}` +
      ` (${[...new Set(above.map((o) => o.series))].map((name) => `${name} ${above.filter((o) => o.series === name).length}`).join(", ") || "none"});` +
      ` p90 <= 4 allows at most ${floors24.length - 1 - Math.floor(0.9 * (floors24.length - 1))}\n`,
  );
  if (args.includes("--detail")) {
    for (const horizon of ["24h", "7d"]) {
      const floors = all[`${COMPARABLE_FLOOR}|${horizon}`] ?? [];
      for (const [k, o] of (all[`${ENGINE}|${horizon}`] ?? []).entries()) {
        const floor = floors[k];
        const floorText = floor === undefined ? "" : ` floor/peak=${(floor.limit / floor.actualPeak).toFixed(2)}`;
        process.stdout.write(`${o.series} ${o.horizonDays}d ${new Date(o.originMs).toISOString().slice(0, 10)} L=${o.limit} peak=${o.actualPeak} L/peak=${(o.limit / o.actualPeak).toFixed(2)}${o.breached ? " BREACH" : ""}${floorText} ${o.note ?? ""} ${o.cpuMs.toFixed(0)}ms cpu\n    ${o.detail ?? ""}\n`);
      }
    }
  }
  return 0;
}

process.exitCode = await main();
