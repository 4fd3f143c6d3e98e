import { forecastAgeMs, type ForecastCache } from "../../ratelimit/forecast-cache.js";
import type { ForecastSnapshot } from "./policy.js";

/** Whether limits are checked against the forecast's bands, and if not, why (said in a warning). */
export type ForecastTrust =
  | { readonly trusted: true; readonly cache: ForecastCache }
  | { readonly trusted: false; readonly reason: "missing" | "unreadable" | "stale" | "generation-ahead"; readonly warning: string; readonly cache?: ForecastCache };

const HOUR_MS = 3_600_000;

/**
 * A stale, missing or unreadable forecast never blocks a write: it only switches clamping off.
 * A forecaster write computed from a newer generation than ours is not clamped against the older one.
 */
export function assessForecast(snapshot: ForecastSnapshot, writeGeneration: number | undefined, nowMs: number, maxAgeMs: number): ForecastTrust {
  if (snapshot.state === "unknown" || snapshot.state === "absent") {
    return { trusted: false, reason: "missing", warning: "no forecast cache: limits not checked against guardrails" };
  }
  if (snapshot.state === "unreadable") {
    return { trusted: false, reason: "unreadable", warning: `forecast cache unreadable (${snapshot.problem}): limits not checked against guardrails` };
  }
  const cache = snapshot.cache;
  if (writeGeneration !== undefined && writeGeneration > cache.generation) {
    return {
      trusted: false,
      reason: "generation-ahead",
      cache,
      warning: `this write was computed from forecast generation ${writeGeneration} but the webhook has ${cache.generation}: limits not checked against guardrails`,
    };
  }
  const ageMs = forecastAgeMs(cache, nowMs);
  if (!(ageMs <= maxAgeMs)) {
    const hours = (ms: number) => String(Math.round((ms / HOUR_MS) * 10) / 10);
    return {
      trusted: false,
      reason: "stale",
      cache,
      warning: `forecast generation ${cache.generation} is ${hours(ageMs)}h old (max ${hours(maxAgeMs)}h): limits not checked against guardrails`,
    };
  }
  return { trusted: true, cache };
}
