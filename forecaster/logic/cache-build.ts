/**
 * The cache ConfigMap the forecaster writes every cycle (dry-run included) and the webhook reads:
 * one generation of forecasts for every rule, readable JSON for small configs, gzip past 900 KiB.
 */
import { ANNOTATIONS } from "../../ratelimit/annotations.js";
import { decodeForecastCache, encodeForecastCache, ForecastCacheError, type ForecastCache, type RuleForecast } from "../../ratelimit/forecast-cache.js";
import type { ConfigMapObject } from "../io/configmaps.js";
import type { RulePlan } from "./plan.js";

export const CACHE_ANNOTATIONS = Object.freeze({
  generation: ANNOTATIONS.generation,
  generatedAt: "trendmaster.io/generated-at",
  /** "true" when the cycle that wrote it did not apply anything. */
  dryRun: "trendmaster.io/dry-run",
  /** Digest of the last unguarded ratelimit-config content already alerted on (alert once per change). */
  unguardedReported: "trendmaster.io/unguarded-digest-reported",
  /** Digest of the last ratelimit-config data whose stamp was verified: it stays guarded across a key rotation. */
  lastGuarded: "trendmaster.io/guarded-digest-verified",
});

export interface CacheInput {
  readonly generation: number;
  readonly generatedAt: string;
  readonly source: string;
  readonly plans: readonly RulePlan[];
}

export function buildForecastCache(input: CacheInput): ForecastCache {
  const rules: Record<string, RuleForecast> = {};
  for (const plan of input.plans) {
    const rec = plan.recommendation;
    rules[plan.fullKey] = {
      label: plan.label,
      unit: plan.unit,
      current: plan.current,
      recommended: plan.state === "changed" ? plan.target : (rec?.recommended ?? plan.current),
      ...(plan.band ? { band: plan.band } : {}),
      confidence: plan.confidence ?? "low",
      explanation: rec === undefined || plan.reason === rec.explanation ? plan.reason : `${plan.reason}; ${rec.explanation}`,
      ...(rec?.peak ? { peak: { value: rec.peak.value, at: new Date(rec.peak.atMs).toISOString() } } : {}),
      // The report counts rules by it; the webhook does not read it.
      state: plan.state,
    };
  }
  return { generation: input.generation, generatedAt: input.generatedAt, source: input.source, model: modelSummary(input.plans), rules };
}

/** `prophet 12, recent-peak 3, none 2`: which models the rules' recommendations came from. */
export function modelSummary(plans: readonly RulePlan[]): string {
  const counts = new Map<string, number>();
  for (const plan of plans) {
    const model = plan.recommendation?.model ?? "none";
    counts.set(model, (counts.get(model) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([m, n]) => `${m} ${n}`).join(", ");
}

/** The cache as last written, or undefined when absent or unreadable (with why). */
export function readCache(configMap: ConfigMapObject | undefined): { cache?: ForecastCache; problem?: string } {
  if (configMap === undefined) return {};
  try {
    return { cache: decodeForecastCache({ ...(configMap.data ? { data: { ...configMap.data } } : {}), ...(configMap.binaryData ? { binaryData: { ...configMap.binaryData } } : {}) }) };
  } catch (error) {
    if (error instanceof ForecastCacheError) return { problem: error.message };
    throw error;
  }
}

/**
 * Next generation: one past the highest seen in the cache (its content or annotation) and on
 * ratelimit-config's last forecaster write, so it only ever grows even if the cache was deleted.
 */
export function nextGeneration(cacheConfigMap: ConfigMapObject | undefined, cache: ForecastCache | undefined, ratelimitConfig: ConfigMapObject | undefined): number {
  const seen = [
    cache?.generation,
    Number(cacheConfigMap?.metadata.annotations?.[CACHE_ANNOTATIONS.generation]),
    Number(ratelimitConfig?.metadata.annotations?.[ANNOTATIONS.generation]),
  ].filter((n): n is number => typeof n === "number" && Number.isInteger(n) && n >= 0);
  return Math.max(0, ...seen) + 1;
}

/** The cache ConfigMap to write: `existing`'s metadata (resourceVersion included) with the new content. */
export function cacheConfigMap(
  where: { readonly namespace: string; readonly name: string },
  existing: ConfigMapObject | undefined,
  cache: ForecastCache,
  annotations: Readonly<Record<string, string>>,
): ConfigMapObject {
  const payload = encodeForecastCache(cache);
  const { managedFields: _managed, ...metadata } = existing?.metadata ?? { name: where.name, namespace: where.namespace };
  return {
    metadata: {
      ...metadata,
      labels: { ...(existing?.metadata.labels ?? {}), "app.kubernetes.io/managed-by": "trendmaster", "app.kubernetes.io/component": "forecast-cache" },
      annotations: {
        ...(existing?.metadata.annotations ?? {}),
        [CACHE_ANNOTATIONS.generation]: String(cache.generation),
        [CACHE_ANNOTATIONS.generatedAt]: cache.generatedAt,
        ...annotations,
      },
    },
    ...(payload.data ? { data: payload.data } : {}),
    ...(payload.binaryData ? { binaryData: payload.binaryData } : {}),
  };
}
