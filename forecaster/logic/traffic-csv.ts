/**
 * Traffic history as CSV: `timestamp,value` rows, value = requests in the step ending at the
 * timestamp. Also reads the shared data sets' headers (`timestamp,value` from NAB, `ds,y` from
 * Prophet). Timestamps: epoch seconds or milliseconds, or ISO 8601 (no zone means UTC).
 */
import { gridPointCount } from "./range-grid.js";
import type { Sample, TimeRange } from "../traffic.js";

export interface ParsedTrafficCsv {
  /** [timestampMs, value] rows in file order; value NaN where the file says NaN or nothing. */
  readonly points: readonly (readonly [number, number])[];
  /** Every bad row, as `line N: …`. */
  readonly problems: readonly string[];
}

const TIMESTAMP_COLUMNS = ["timestamp", "ds", "time"];
const VALUE_COLUMNS = ["value", "y", "requests"];

/** Epoch seconds below this are seconds; above, milliseconds (1e11 s is year 5138). */
const EPOCH_SECONDS_LIMIT = 1e11;

export function parseTimestamp(text: string): number | undefined {
  const trimmed = text.trim().replace(/^"|"$/g, "");
  if (/^-?\d+(\.\d+)?$/.test(trimmed)) {
    const n = Number(trimmed);
    return Math.abs(n) < EPOCH_SECONDS_LIMIT ? Math.round(n * 1000) : Math.round(n);
  }
  const hasZone = /(Z|[+-]\d\d:?\d\d)$/i.test(trimmed);
  const iso = trimmed.includes("T") ? trimmed : trimmed.replace(" ", "T");
  const ms = Date.parse(hasZone || !iso.includes("T") ? iso : `${iso}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}

export function parseTrafficCsv(text: string): ParsedTrafficCsv {
  const lines = text.split(/\r?\n/);
  const problems: string[] = [];
  const points: [number, number][] = [];
  let timestampColumn = 0;
  let valueColumn = 1;
  let first = true;
  lines.forEach((line, index) => {
    if (line.trim() === "" || line.startsWith("#")) return;
    const fields = line.split(",").map((f) => f.trim().replace(/^"|"$/g, ""));
    if (first) {
      first = false;
      const names = fields.map((f) => f.toLowerCase());
      const t = names.findIndex((n) => TIMESTAMP_COLUMNS.includes(n));
      const v = names.findIndex((n) => VALUE_COLUMNS.includes(n));
      if (t >= 0 && v >= 0) {
        timestampColumn = t;
        valueColumn = v;
        return;
      }
      if (parseTimestamp(fields[0] ?? "") === undefined) {
        problems.push(`line ${index + 1}: header '${line}' names no timestamp (${TIMESTAMP_COLUMNS.join("/")}) and value (${VALUE_COLUMNS.join("/")}) columns`);
        return;
      }
    }
    const timestampText = fields[timestampColumn] ?? "";
    const valueText = fields[valueColumn] ?? "";
    const timestampMs = parseTimestamp(timestampText);
    if (timestampMs === undefined) {
      problems.push(`line ${index + 1}: bad timestamp '${timestampText}'`);
      return;
    }
    const value = valueText === "" || valueText.toLowerCase() === "nan" ? Number.NaN : Number(valueText);
    if (Number.isNaN(value) && valueText !== "" && valueText.toLowerCase() !== "nan") {
      problems.push(`line ${index + 1}: bad value '${valueText}'`);
      return;
    }
    if (value < 0) {
      problems.push(`line ${index + 1}: negative request count ${value}`);
      return;
    }
    points.push([timestampMs, value]);
  });
  return { points, problems };
}

export interface BinnedTraffic {
  readonly samples: Sample[];
  /** Grid points that got at least one value. */
  readonly filled: number;
  /** Median spacing of the file's rows, in seconds (undefined with fewer than two rows in range). */
  readonly fileStepSeconds?: number;
}

/**
 * Puts the file's rows on the range's grid: the value at grid point t is the sum of the rows in
 * (t - step, t], so a finer file adds up to the requested step. No finite row: NaN.
 */
export function binOntoGrid(range: TimeRange, points: readonly (readonly [number, number])[]): BinnedTraffic {
  const stepMs = range.stepSeconds * 1000;
  const total = gridPointCount(range);
  const sums = new Float64Array(total).fill(Number.NaN);
  const inRange: number[] = [];
  for (const [timestampMs, value] of points) {
    const index = Math.ceil((timestampMs - range.startMs) / stepMs);
    if (index < 0 || index >= total) continue;
    inRange.push(timestampMs);
    if (!Number.isFinite(value)) continue;
    const current = sums[index] ?? Number.NaN;
    sums[index] = Number.isNaN(current) ? value : current + value;
  }
  let filled = 0;
  const samples: Sample[] = [];
  for (let i = 0; i < total; i++) {
    const value = sums[i] ?? Number.NaN;
    if (!Number.isNaN(value)) filled++;
    samples.push({ timestampMs: range.startMs + i * stepMs, value });
  }
  return { samples, filled, fileStepSeconds: medianSpacingSeconds(inRange) };
}

function medianSpacingSeconds(timestamps: number[]): number | undefined {
  if (timestamps.length < 2) return undefined;
  const sorted = [...timestamps].sort((a, b) => a - b);
  const gaps = sorted.slice(1).map((t, i) => t - (sorted[i] ?? t)).filter((g) => g > 0).sort((a, b) => a - b);
  const median = gaps[Math.floor(gaps.length / 2)];
  return median === undefined ? undefined : median / 1000;
}
