/**
 * Traffic recordings that end at the same time of the week whatever day the test runs: the
 * engine judges a coming weekend unlike a coming weekday, so a recording that ends "now" would
 * make recommendations and confidences depend on the wall clock.
 */

const WEEK_MS = 7 * 86_400_000;
const DAY_MS = 86_400_000;

export interface TimeOfWeek {
  /** 0 = Sunday ... 6 = Saturday (UTC), as Date.getUTCDay. */
  readonly weekday: number;
  readonly hour: number;
  readonly minute: number;
}

/** The quick start's and the process tests' recordings end on a Thursday afternoon (UTC). */
export const THURSDAY_AFTERNOON: TimeOfWeek = { weekday: 4, hour: 14, minute: 40 };

/** The latest instant at or before nowMs at `at` (UTC). */
export function latestTimeOfWeek(nowMs: number, at: TimeOfWeek): number {
  // 1970-01-01 (ms 0) was a Thursday: day k since the epoch is weekday (k + 4) % 7.
  const offsetInWeek = ((at.weekday - 4 + 7) % 7) * DAY_MS + at.hour * 3_600_000 + at.minute * 60_000;
  const weeks = Math.floor((nowMs - offsetInWeek) / WEEK_MS);
  return weeks * WEEK_MS + offsetInWeek;
}
