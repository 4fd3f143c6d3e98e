import type { Sample } from "../traffic.js";

/** A `timestamp,value` CSV as samples, plus every line it could not read. */
export interface ParsedCsv {
  readonly samples: readonly Sample[];
  readonly problems: readonly string[];
  /** Most common spacing between consecutive timestamps, seconds (0 with fewer than two samples). */
  readonly inferredStepSeconds: number;
}

/**
 * Reads `timestamp,value` text with a header line. Timestamps are ISO-8601 (no zone means UTC, as
 * in the NAB and Prophet example files) or epoch seconds; quotes are tolerated; an empty, `NaN` or
 * non-numeric value becomes NaN (a gap the cleaner fills).
 */
export function parseTrafficCsv(text: string): ParsedCsv {
  const lines = text.split(/\r?\n/);
  const samples: Sample[] = [];
  const problems: string[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    const [rawTime, rawValue] = line.split(",").map((f) => f.trim().replace(/^"|"$/g, ""));
    const timestampMs = parseTimestamp(rawTime ?? "");
    if (timestampMs === undefined) {
      problems.push(`line ${i + 1}: unreadable timestamp '${rawTime ?? ""}'`);
      continue;
    }
    const value = rawValue === undefined || rawValue === "" ? Number.NaN : Number(rawValue);
    samples.push({ timestampMs, value });
  }
  return { samples, problems, inferredStepSeconds: inferStepSeconds(samples) };
}

function parseTimestamp(text: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const iso = text.includes("T") ? text : text.replace(" ", "T");
  const zoned = /(Z|[+-]\d\d:?\d\d)$/.test(iso) ? iso : /^\d{4}-\d\d-\d\d$/.test(iso) ? `${iso}T00:00:00Z` : `${iso}Z`;
  const ms = Date.parse(zoned);
  return Number.isFinite(ms) ? ms : undefined;
}

function inferStepSeconds(samples: readonly Sample[]): number {
  const counts = new Map<number, number>();
  for (let i = 1; i < samples.length; i++) {
    const gap = Math.round((samples[i]!.timestampMs - samples[i - 1]!.timestampMs) / 1000);
    if (gap > 0) counts.set(gap, (counts.get(gap) ?? 0) + 1);
  }
  let best = 0;
  let bestCount = 0;
  for (const [gap, count] of counts) if (count > bestCount) [best, bestCount] = [gap, count];
  return best;
}
