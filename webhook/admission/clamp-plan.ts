import type { ForecastCache, RuleForecast } from "../../ratelimit/forecast-cache.js";
import { checkAgainstBand, type GuardrailBand } from "../../ratelimit/guardrails.js";
import { isLimitedRule, type RateLimitRule } from "../../ratelimit/rule.js";
import type { RateLimitUnit } from "../../ratelimit/units.js";

/** One rule whose limit is outside its band, and the limit the band allows. */
export interface Clamp {
  readonly fullKey: string;
  readonly label: string;
  readonly file: string;
  readonly unit: RateLimitUnit;
  readonly from: number;
  readonly to: number;
  readonly direction: "raised" | "lowered";
  readonly band: GuardrailBand;
  /** Why the band is where it is, for the warning: `forecast peak 4100/minute on Mon 19:00`. */
  readonly why: string;
}

export interface ClampPlan {
  readonly clamps: readonly Clamp[];
  /** Warnings for rules that have a band but could not be checked against it (the unit changed). */
  readonly skipped: readonly string[];
}

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/** `Mon 19:00`, in UTC: short enough for a kubectl warning. */
export function formatPeakTime(iso: string): string | undefined {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return undefined;
  const at = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${WEEKDAYS[at.getUTCDay()]} ${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}`;
}

function whyBand(direction: "raised" | "lowered", forecast: RuleForecast, band: GuardrailBand): string {
  const unit = forecast.unit;
  if (direction === "raised") {
    const when = forecast.peak ? formatPeakTime(forecast.peak.at) : undefined;
    if (forecast.peak && when) return `forecast peak ${forecast.peak.value}/${unit} on ${when}`;
    return `guardrail min ${band.min}/${unit}`;
  }
  return `guardrail max ${band.max}/${unit}, recommended ${forecast.recommended}/${unit}`;
}

/** Every limited rule with a band in `cache` whose requests_per_unit lies outside it. Rules without a band pass. */
export function planClamps(rules: readonly RateLimitRule[], cache: ForecastCache): ClampPlan {
  const clamps: Clamp[] = [];
  const skipped: string[] = [];
  for (const rule of rules) {
    if (!isLimitedRule(rule)) continue;
    const forecast = Object.hasOwn(cache.rules, rule.fullKey) ? cache.rules[rule.fullKey] : undefined;
    const band = forecast?.band;
    if (!forecast || !band) continue;
    const unit = rule.rateLimit.unit;
    if (forecast.unit !== unit) {
      skipped.push(`${rule.label}: unit is ${unit} but forecast generation ${cache.generation} is per ${forecast.unit}: not checked against guardrails`);
      continue;
    }
    const check = checkAgainstBand(rule.rateLimit.requestsPerUnit, band);
    if (check.verdict === "inside") continue;
    const direction = check.verdict === "below" ? "raised" : "lowered";
    clamps.push({ fullKey: rule.fullKey, label: rule.label, file: rule.file, unit, from: check.limit, to: check.clamped, direction, band, why: whyBand(direction, forecast, band) });
  }
  return { clamps, skipped };
}

/** The warning kubectl shows for one clamp. */
export function clampMessage(clamp: Clamp): string {
  return `${clamp.label}: ${clamp.from}/${clamp.unit} ${clamp.direction} to ${clamp.to} (${clamp.why})`;
}

/** The denial for a limit outside its band that the webhook did not or could not clamp. */
export function outOfBandMessage(clamp: Clamp, generation: number): string {
  return `${clamp.label}: ${clamp.from}/${clamp.unit} is outside the guardrail band [${clamp.band.min}, ${clamp.band.max}] of forecast generation ${generation}`;
}
