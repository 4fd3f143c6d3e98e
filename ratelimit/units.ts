/** The time units the ratelimit service accepts (pb.RateLimitResponse_RateLimit_Unit, matched case-insensitively). */
export const RATE_LIMIT_UNITS = ["second", "minute", "hour", "day", "week", "month", "year"] as const;

export type RateLimitUnit = (typeof RATE_LIMIT_UNITS)[number];

/**
 * Length of each unit in seconds, as the ratelimit service's fixed-window divider uses them
 * (src/utils: a month is 30 days, a year 365 days).
 */
export const UNIT_SECONDS: Readonly<Record<RateLimitUnit, number>> = Object.freeze({
  second: 1,
  minute: 60,
  hour: 3_600,
  day: 86_400,
  week: 604_800,
  month: 2_592_000,
  year: 31_536_000,
});

const UNITS_BY_UPPER_NAME: ReadonlyMap<string, RateLimitUnit> = new Map(RATE_LIMIT_UNITS.map((unit) => [unit.toUpperCase(), unit]));

/** The unit the loader would resolve `text` to, or undefined when it would reject it. */
export function parseRateLimitUnit(text: string): RateLimitUnit | undefined {
  // The loader looks up strings.ToUpper(unit) in the protobuf enum's names.
  return UNITS_BY_UPPER_NAME.get(text.toUpperCase());
}

/** Largest requests_per_unit the loader accepts: the field is a uint32. */
export const MAX_REQUESTS_PER_UNIT = 4_294_967_295;
