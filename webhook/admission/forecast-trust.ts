import { forecastAgeMs, type ForecastCache } from "../../ratelimit/forecast-cache.js";
import { ANNOTATIONS } from "../../ratelimit/annotations.js";
import type { GenerationClaim } from "./generation-claim.js";
import type { ForecastSnapshot } from "./policy.js";

/** Whether limits are checked against the forecast's bands, and if not, why (said in a warning). */
export type ForecastTrust =
  | { readonly trusted: true; readonly cache: ForecastCache; readonly notes: readonly string[] }
  | { readonly trusted: false; readonly reason: "missing" | "unreadable" | "stale"; readonly warning: string; readonly cache?: ForecastCache };

const HOUR_MS = 3_600_000;

/**
 * A stale, missing or unreadable forecast never blocks a write: it only switches clamping off.
 * A claimed generation never does: the forecaster's claim of a generation the cache does not have
 * (even after the re-read) is checked against the bands in force, and anyone else's claim is ignored.
 */
export function assessForecast(snapshot: ForecastSnapshot, claim: GenerationClaim, nowMs: number, maxAgeMs: number): ForecastTrust {
  if (snapshot.state === "unknown" || snapshot.state === "absent") {
    return { trusted: false, reason: "missing", warning: "no forecast cache: limits not checked against guardrails" };
  }
  if (snapshot.state === "unreadable") {
    return { trusted: false, reason: "unreadable", warning: `forecast cache unreadable (${snapshot.problem}): limits not checked against guardrails` };
  }
  const cache = snapshot.cache;
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
  return { trusted: true, cache, notes: claimNotes(claim, cache.generation) };
}

/** What to say about a claim the decision does not follow: only claims ahead of the cache could have mattered. */
function claimNotes(claim: GenerationClaim, generation: number): string[] {
  if (claim.kind === "none" || claim.generation <= generation) return [];
  if (claim.kind === "forecaster") {
    return [`${ANNOTATIONS.generation} ${claim.generation} is not in the forecast cache (the webhook has generation ${generation}): limits checked against generation ${generation}'s bands`];
  }
  return [`${ANNOTATIONS.generation} ignored: ${claim.user} is not the forecaster; limits checked against generation ${generation}'s bands`];
}
