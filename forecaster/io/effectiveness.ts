/**
 * The integration guide's "rate limit effectiveness": per rule, the share of requests the ratelimit service
 * answered OVER_LIMIT, from its `over_limit` and `total_hits` counters (statsd-exporter names),
 * two instant queries per cycle whatever the number of rules.
 */
import type { LimitedRule } from "../../ratelimit/rule.js";
import type { EffectivenessSource } from "../cycle.js";
import type { EffectivenessConfig } from "../config.js";
import type { PrometheusClient } from "./prometheus-client.js";

/** The PromQL for one counter summed per rule over the window. */
export function effectivenessQuery(metric: string, keyLabels: readonly string[], windowSeconds: number): string {
  return `sum by (${keyLabels.join(", ")}) (increase(${metric}[${Math.max(1, Math.round(windowSeconds))}s]))`;
}

/** A rule's full key from the stat's labels: the stat name is the full key split at dots. */
export function fullKeyOfLabels(labels: Readonly<Record<string, string>>, keyLabels: readonly string[]): string {
  return keyLabels.map((l) => labels[l] ?? "").filter((v) => v !== "").join(".");
}

export class PrometheusEffectivenessSource implements EffectivenessSource {
  constructor(
    private readonly client: Pick<PrometheusClient, "queryInstant">,
    private readonly config: EffectivenessConfig,
  ) {}

  async throttledShare(rules: readonly LimitedRule[], windowSeconds: number, nowMs: number): Promise<Map<string, { overLimit: number; totalHits: number }>> {
    const wanted = new Set(rules.map((r) => r.fullKey));
    const read = async (metric: string): Promise<Map<string, number>> => {
      const result = await this.client.queryInstant(effectivenessQuery(metric, this.config.keyLabels, windowSeconds), nowMs);
      const out = new Map<string, number>();
      for (const series of result.data) {
        const key = fullKeyOfLabels(series.labels, this.config.keyLabels);
        const value = series.values[0];
        if (wanted.has(key) && value !== undefined && Number.isFinite(value)) out.set(key, (out.get(key) ?? 0) + value);
      }
      return out;
    };
    const [over, total] = await Promise.all([read(this.config.overLimitMetric), read(this.config.totalHitsMetric)]);
    const shares = new Map<string, { overLimit: number; totalHits: number }>();
    for (const [fullKey, totalHits] of total) shares.set(fullKey, { overLimit: over.get(fullKey) ?? 0, totalHits });
    return shares;
  }
}
