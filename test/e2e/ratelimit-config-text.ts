/**
 * What tests expect of ratelimit-config's text and of the webhook's words about it, computed
 * from the forecast cache the real forecaster wrote (the bands move with the data and the clock).
 */
import type { ForecastCache, RuleForecast } from "../../ratelimit/forecast-cache.js";
import type { GuardrailBand } from "../../ratelimit/guardrails.js";

function limitPattern(partner: string): RegExp {
  // The first requests_per_unit after `value: <partner>`: that partner's limit, in any YAML style.
  return new RegExp(`(value: ${partner}\\n(?:(?!- key:)[^])*?requests_per_unit: )(\\d+)`);
}

/** The partner's requests_per_unit in the text. */
export function limitOf(text: string, partner: string): number {
  const match = limitPattern(partner).exec(text);
  if (match === null) throw new Error(`no limit for partner ${partner} in:\n${text}`);
  return Number(match[2]);
}

/** The text with only the partner's number replaced: every other byte as it was. */
export function withLimit(text: string, partner: string, requestsPerUnit: number): string {
  if (!limitPattern(partner).test(text)) throw new Error(`no limit for partner ${partner} in:\n${text}`);
  return text.replace(limitPattern(partner), `$1${requestsPerUnit}`);
}

export function ruleForecast(cache: ForecastCache, fullKey: string): RuleForecast & { band: GuardrailBand } {
  const rule = cache.rules[fullKey];
  if (rule?.band === undefined) throw new Error(`forecast generation ${cache.generation} has no band for ${fullKey}: ${JSON.stringify(rule)}`);
  return rule as RuleForecast & { band: GuardrailBand };
}

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

/** The warning kubectl prints when the webhook raises a limit below the band to its minimum. */
export function raisedWarning(rule: RuleForecast & { band: GuardrailBand }, from: number): string {
  const peak = rule.peak;
  if (peak === undefined) throw new Error(`no forecast peak for ${rule.label}`);
  const at = new Date(peak.at);
  const time = `${WEEKDAYS[at.getUTCDay()]} ${String(at.getUTCHours()).padStart(2, "0")}:${String(at.getUTCMinutes()).padStart(2, "0")}`;
  return `${rule.label}: ${from}/${rule.unit} raised to ${rule.band.min} (forecast peak ${peak.value}/${rule.unit} on ${time})`;
}
