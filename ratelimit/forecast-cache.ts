import { gunzipSync, gzipSync } from "node:zlib";
import { isValidBand, type GuardrailBand } from "./guardrails.js";
import { RATE_LIMIT_UNITS, type RateLimitUnit } from "./units.js";

/** Where the cycle left a rule (forecaster/logic/plan.ts RuleState). */
export type RuleForecastState = "changed" | "unchanged" | "low-confidence" | "unmapped" | "failed" | "excluded";

/** Per-rule forecast, as stored in the cache ConfigMap. Numbers are requests_per_unit in `unit`. */
export interface RuleForecast {
  readonly label: string;
  readonly unit: RateLimitUnit;
  /** requests_per_unit in ratelimit-config when the forecast was made. */
  readonly current: number;
  readonly recommended: number;
  /** Absent when the forecast is not trustworthy: no clamping for this rule. */
  readonly band?: GuardrailBand;
  readonly confidence: "high" | "medium" | "low";
  readonly explanation: string;
  /** Forecast peak of the coming period and when it is expected (ISO-8601). */
  readonly peak?: { readonly value: number; readonly at: string };
  /** Absent in caches written before it was recorded. */
  readonly state?: RuleForecastState;
}

/** The cache ConfigMap's content: one forecast generation for all rules of ratelimit-config. */
export interface ForecastCache {
  readonly generation: number;
  /** ISO-8601 time the forecast was computed. */
  readonly generatedAt: string;
  /** Where traffic came from (Prometheus URL without credentials, or a file path). */
  readonly source: string;
  /** Short summary of the models used. */
  readonly model: string;
  /** Rules by full key (domain.key_value...). */
  readonly rules: Readonly<Record<string, RuleForecast>>;
}

/** Data key of the readable form, and of the compressed form used when the readable one is too large. */
export const FORECAST_DATA_KEY = "forecast.json";
export const FORECAST_BINARY_KEY = "forecast.json.gz";
/** Kubernetes objects are limited to 1 MiB; stay well below it, leaving room for metadata. */
export const MAX_READABLE_BYTES = 900 * 1024;

export interface ConfigMapPayload {
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

/** Readable JSON for small configs; gzip in binaryData when the readable form would not fit. */
export function encodeForecastCache(cache: ForecastCache): ConfigMapPayload {
  const json = JSON.stringify(cache, null, 1);
  if (Buffer.byteLength(json) <= MAX_READABLE_BYTES) return { data: { [FORECAST_DATA_KEY]: json } };
  const compact = JSON.stringify(cache);
  return { binaryData: { [FORECAST_BINARY_KEY]: gzipSync(compact, { level: 9 }).toString("base64") } };
}

export class ForecastCacheError extends Error {}

/** Read the cache back from a ConfigMap's data/binaryData; throws ForecastCacheError naming what is wrong. */
export function decodeForecastCache(payload: ConfigMapPayload): ForecastCache {
  let json: string;
  const readable = payload.data?.[FORECAST_DATA_KEY];
  const packed = payload.binaryData?.[FORECAST_BINARY_KEY];
  if (readable !== undefined) json = readable;
  else if (packed !== undefined) {
    try {
      json = gunzipSync(Buffer.from(packed, "base64"), { maxOutputLength: 64 * 1024 * 1024 }).toString("utf8");
    } catch (error) {
      throw new ForecastCacheError(`${FORECAST_BINARY_KEY}: not gzip data (${(error as Error).message})`);
    }
  } else throw new ForecastCacheError(`neither ${FORECAST_DATA_KEY} nor ${FORECAST_BINARY_KEY} is present`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new ForecastCacheError(`forecast is not JSON: ${(error as Error).message}`);
  }
  return checkForecastCache(parsed);
}

function checkForecastCache(value: unknown): ForecastCache {
  const fail = (what: string): never => {
    throw new ForecastCacheError(`forecast cache: ${what}`);
  };
  if (typeof value !== "object" || value === null) return fail("not an object");
  const v = value as Record<string, unknown>;
  if (!Number.isInteger(v.generation) || (v.generation as number) < 0) fail(`generation ${JSON.stringify(v.generation)} is not a non-negative integer`);
  if (typeof v.generatedAt !== "string" || Number.isNaN(Date.parse(v.generatedAt))) fail(`generatedAt ${JSON.stringify(v.generatedAt)} is not an ISO-8601 time`);
  if (typeof v.rules !== "object" || v.rules === null) fail("rules is missing");
  for (const [key, rule] of Object.entries(v.rules as Record<string, unknown>)) {
    const r = rule as Partial<RuleForecast> | null;
    if (typeof r !== "object" || r === null) fail(`rules['${key}'] is not an object`);
    if (!(RATE_LIMIT_UNITS as readonly string[]).includes(String(r?.unit))) fail(`rules['${key}'].unit ${JSON.stringify(r?.unit)} is not a rate limit unit`);
    if (r?.band !== undefined && !isValidBand(r.band)) fail(`rules['${key}'].band ${JSON.stringify(r.band)} is not [min <= max] integers`);
  }
  return {
    generation: v.generation as number,
    generatedAt: v.generatedAt as string,
    source: typeof v.source === "string" ? v.source : "",
    model: typeof v.model === "string" ? v.model : "",
    rules: v.rules as Record<string, RuleForecast>,
  };
}

/** Age of a forecast at `nowMs`, in milliseconds. */
export function forecastAgeMs(cache: ForecastCache, nowMs: number): number {
  return nowMs - Date.parse(cache.generatedAt);
}
