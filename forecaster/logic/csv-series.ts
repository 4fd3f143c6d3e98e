import type { RuleSeries } from "../traffic.js";
import { binOntoGrid } from "./traffic-csv.js";

/**
 * A RuleSeries from parsed CSV rows (traffic-csv.ts). Without a step, the rows are taken as they
 * are and the step is their most common spacing; with one, the rows are summed onto that grid.
 */
export function seriesFromCsvPoints(fullKey: string, points: readonly (readonly [number, number])[], stepSeconds?: number): RuleSeries {
  const sorted = [...points].sort((a, b) => a[0] - b[0]);
  if (stepSeconds === undefined) {
    return { fullKey, stepSeconds: mostCommonSpacingSeconds(sorted), samples: sorted.map(([timestampMs, value]) => ({ timestampMs, value })) };
  }
  if (sorted.length === 0) return { fullKey, stepSeconds, samples: [] };
  const startMs = sorted[0]![0];
  const endMs = sorted[sorted.length - 1]![0] + stepSeconds * 1000;
  return { fullKey, stepSeconds, samples: binOntoGrid({ startMs, endMs, stepSeconds }, sorted).samples };
}

/** Most common spacing of consecutive timestamps, in seconds; 0 with fewer than two rows. */
export function mostCommonSpacingSeconds(sorted: readonly (readonly [number, number])[]): number {
  const counts = new Map<number, number>();
  for (let i = 1; i < sorted.length; i++) {
    const gap = Math.round((sorted[i]![0] - sorted[i - 1]![0]) / 1000);
    if (gap > 0) counts.set(gap, (counts.get(gap) ?? 0) + 1);
  }
  let best = 0;
  let bestCount = 0;
  for (const [gap, count] of counts) if (count > bestCount) [best, bestCount] = [gap, count];
  return best;
}
