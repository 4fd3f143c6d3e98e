/**
 * `trendmaster backtest --csv FILE [--step 5m] [--history 21d] [--holdout 1d] [-o table|json|yaml]`
 *
 * Fits on the last --history before the holdout, recommends a static limit in the series' own
 * unit (requests per step) and scores it and the point forecast on the holdout.
 */
import { readFileSync } from "node:fs";
import { forecastPath } from "../forecaster/engine/forecast-path.js";
import { runForecastJob } from "../forecaster/engine/forecast-job.js";
import { coverage, mase, smape, throttleShare } from "../forecaster/logic/accuracy.js";
import { seriesFromCsvPoints } from "../forecaster/logic/csv-series.js";
import { parseTrafficCsv } from "../forecaster/logic/traffic-csv.js";
import { parseDurationSeconds } from "../forecaster/logic/duration.js";
import { prepareForForecast } from "../forecaster/logic/forecast-summary.js";
import { DEFAULT_FORECAST_SETTINGS, type ModelName } from "../forecaster/logic/settings.js";
import type { RuleSeries } from "../forecaster/traffic.js";
import { unreadableReason } from "../forecaster/logic/file-errors.js";
import { formatArgumentProblems, formatCommandHelp, parseCommandLine, stringOption, type CommandSpec, type OptionValues } from "./options.js";
import { OUTPUT_OPTIONS, outputFormatOf, renderStructured, type OutputFormat } from "./output-format.js";

export interface CommandOutput {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
}

export const BACKTEST_SPEC: CommandSpec = {
  name: "backtest",
  summary: "fit on a timestamp,value CSV, recommend a static limit and score it on a holdout",
  synopsis: "--csv FILE [--step 5m] [--history 21d] [--holdout 1d] [-o table|json|yaml]",
  description:
    "Fits on the last --history before the holdout, recommends a static limit in the series' own unit\n" +
    "(requests per step) and scores it and the point forecast on the holdout (the last --holdout).",
  options: [
    { name: "csv", type: "string", valueName: "FILE", meaning: "traffic as timestamp,value rows (ISO 8601 or Unix seconds) (required)" },
    { name: "step", type: "string", valueName: "DURATION", meaning: "sample step", defaultValue: "the most common gap between rows; with a step, rows are summed onto it" },
    { name: "history", type: "string", valueName: "DURATION", meaning: "how much history before the holdout to fit on", defaultValue: "21d" },
    { name: "holdout", type: "string", valueName: "DURATION", meaning: "the scored tail of the series", defaultValue: "1d" },
    ...OUTPUT_OPTIONS,
  ],
  notes: "Durations: 30s, 5m, 1h, 21d, 2w.\nexit status: 0 done, 1 the backtest could not run on this data, 2 bad arguments or unreadable file",
};

interface BacktestArgs {
  readonly csv: string;
  readonly stepSeconds?: number;
  readonly historySeconds: number;
  readonly holdoutSeconds: number;
  readonly format: OutputFormat;
}

/** Every problem with the arguments, or the parsed arguments. */
function backtestArgs(values: OptionValues): { args?: BacktestArgs; problems: string[] } {
  const problems: string[] = [];
  const duration = (flag: string, fallback?: string): number | undefined => {
    const text = stringOption(values, flag) ?? fallback;
    if (text === undefined) return undefined;
    const seconds = parseDurationSeconds(text);
    if (seconds === undefined) problems.push(`--${flag}: invalid duration '${text}' (examples: 30s, 5m, 1h, 21d, 2w)`);
    return seconds;
  };
  const csv = stringOption(values, "csv");
  if (csv === undefined) problems.push("--csv FILE is required");
  const stepSeconds = duration("step");
  const historySeconds = duration("history", "21d");
  const holdoutSeconds = duration("holdout", "1d");
  const output = outputFormatOf(values);
  if ("problem" in output) problems.push(output.problem);
  if (problems.length > 0 || csv === undefined || historySeconds === undefined || holdoutSeconds === undefined || "problem" in output) return { problems };
  return { args: { csv, historySeconds, holdoutSeconds, format: output.format, ...(stepSeconds !== undefined ? { stepSeconds } : {}) }, problems };
}

/** Exit code: 0 done, 1 the backtest could not run on this data, 2 bad arguments. */
export async function backtestCommand(args: string[], out: CommandOutput): Promise<number> {
  const line = parseCommandLine(BACKTEST_SPEC, args);
  if (line.ok && line.help) {
    out.stdout(formatCommandHelp(BACKTEST_SPEC));
    return 0;
  }
  const parsed = line.ok ? backtestArgs(line.values) : { problems: [...line.problems] };
  if (parsed.args === undefined) {
    out.stderr(formatArgumentProblems(BACKTEST_SPEC, parsed.problems));
    return 2;
  }
  const opts = parsed.args;
  let text: string;
  try {
    text = readFileSync(opts.csv, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : unreadableReason(error);
    out.stderr(`trendmaster backtest: --csv '${opts.csv}': ${reason}\n`);
    return 2;
  }
  const csv = parseTrafficCsv(text);
  for (const problem of csv.problems.slice(0, 5)) out.stderr(`trendmaster backtest: ${opts.csv}: ${problem} (row skipped)\n`);
  if (csv.problems.length > 5) out.stderr(`trendmaster backtest: ${opts.csv}: ${csv.problems.length - 5} more rows skipped\n`);
  const series = seriesFromCsvPoints(opts.csv, csv.points, opts.stepSeconds);
  if (csv.points.length < 2 || !(series.stepSeconds > 0)) {
    out.stderr(`trendmaster backtest: ${opts.csv}: needs at least two rows with a readable timestamp and value\n`);
    return 1;
  }
  return runBacktest(opts, series, out);
}

function runBacktest(opts: BacktestArgs, series: RuleSeries, out: CommandOutput): number {
  const stepMs = series.stepSeconds * 1000;
  const lastMs = Math.max(...series.samples.map((s) => s.timestampMs));
  const holdoutStartMs = lastMs - opts.holdoutSeconds * 1000 + stepMs;
  const settings = { ...DEFAULT_FORECAST_SETTINGS, horizonHours: opts.holdoutSeconds / 3600, maxHistoryDays: opts.historySeconds / 86_400 };
  const history: RuleSeries = { ...series, samples: series.samples.filter((s) => s.timestampMs < holdoutStartMs) };
  if (history.samples.length < 2) {
    out.stderr(`trendmaster backtest: no history before the ${opts.holdoutSeconds / 3600}h holdout\n`);
    return 1;
  }
  const nowMs = Math.max(...history.samples.map((s) => s.timestampMs));
  const outcome = runForecastJob({ fullKey: series.fullKey, unit: "step", series: history, settings, nowMs });
  const r = outcome.recommendation;
  const { prepared } = prepareForForecast(history, "step", nowMs, settings);
  const originMs = prepared.startMs + prepared.raw.length * stepMs;
  const steps = Math.max(1, Math.round(opts.holdoutSeconds / series.stepSeconds));
  const actual = new Float64Array(steps).fill(Number.NaN);
  for (const s of series.samples) {
    const h = Math.round((s.timestampMs - originMs) / stepMs);
    if (h >= 0 && h < steps && s.value >= 0) actual[h] = s.value;
  }
  // The accuracy report needs a forecast path: the chosen model's when it is a fitted model,
  // otherwise MSTL+ETS (rule-of-thumb peaks have no path of their own).
  const pathModel: ModelName = r.model === "prophet" || r.model === "mstl-ets" ? r.model : "mstl-ets";
  const path = forecastPath(pathModel, prepared, steps);
  const day = Math.max(1, Math.round(86_400 / series.stepSeconds));
  const actualPeak = Math.max(...Array.from(actual).filter(Number.isFinite));
  const report = {
    model: r.model,
    fitMs: round(outcome.fitMs, 1),
    pathModel: path.model,
    pathFitMs: round(path.fitMs, 1),
    mase: round(mase(actual, path.point, prepared.raw, day), 3),
    smape: round(smape(actual, path.point), 4),
    coverage80: round(coverage(actual, path.lower80, path.upper80), 4),
    coverage95: round(coverage(actual, path.lower95, path.upper95), 4),
    recommended: r.recommended,
    actualPeak,
    throttleShare: round(throttleShare(actual, r.recommended), 4),
    headroom: round(r.recommended / actualPeak, 3),
    confidence: r.confidence,
    stepSeconds: series.stepSeconds,
    historyPoints: prepared.raw.length,
    holdoutPoints: Array.from(actual).filter(Number.isFinite).length,
    anomalies: r.anomalies.length,
    explanation: r.explanation,
  };
  if (opts.format !== "table") {
    out.stdout(renderStructured(opts.format, report));
    return 0;
  }
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  out.stdout(
    [
      `series        ${series.fullKey}: ${report.historyPoints} history points, ${report.holdoutPoints} holdout points, step ${series.stepSeconds}s`,
      `limit         ${report.recommended} per step (confidence ${report.confidence}, model ${report.model}, fit ${report.fitMs} ms)`,
      `holdout peak  ${actualPeak}: headroom ${report.headroom}x, throttle share ${pct(report.throttleShare)}`,
      `forecast      ${report.pathModel} (${report.pathFitMs} ms): MASE ${report.mase}, sMAPE ${pct(report.smape)}, coverage 80% ${pct(report.coverage80)}, 95% ${pct(report.coverage95)}`,
      `anomalies     ${report.anomalies} kept out of fitting`,
      `why           ${report.explanation}`,
    ].join("\n") + "\n",
  );
  return 0;
}

function round(x: number, digits: number): number {
  return Number.isFinite(x) ? Number(x.toFixed(digits)) : x;
}
