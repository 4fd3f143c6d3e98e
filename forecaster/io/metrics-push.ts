/**
 * Pushes the forecaster's registry to a Prometheus Pushgateway after a `run --once` cycle. A Job's
 * process ends with its cycle, so nothing could scrape it: the Pushgateway keeps the last push for
 * Prometheus (cycle outcome and times, per-rule series) until the next Job replaces it.
 */
import type { Registry } from "prom-client";

/** The group one namespace's forecaster Jobs replace on every push (PUT). */
export const PUSH_JOB_NAME = "trendmaster-forecaster";

export interface MetricsPushResult {
  readonly ok: boolean;
  /** Where the metrics went, or why they did not. */
  readonly detail: string;
}

/**
 * PUT replaces the whole group, so a rule that left the config leaves the Pushgateway too. The
 * namespace is a grouping label (scrape the Pushgateway with honorLabels so alerts select on it).
 */
export async function pushCycleMetrics(registry: Registry, pushgatewayUrl: string, namespace: string, options: { timeoutMs?: number; fetchImpl?: typeof fetch } = {}): Promise<MetricsPushResult> {
  const url = `${pushgatewayUrl.replace(/\/+$/, "")}/metrics/job/${encodeURIComponent(PUSH_JOB_NAME)}/namespace/${encodeURIComponent(namespace)}`;
  try {
    const response = await (options.fetchImpl ?? fetch)(url, {
      method: "PUT",
      headers: { "content-type": registry.contentType },
      body: await registry.metrics(),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
    const text = await response.text();
    return response.ok ? { ok: true, detail: url } : { ok: false, detail: `Pushgateway ${url} answered ${response.status}: ${text.slice(0, 200)}` };
  } catch (error) {
    return { ok: false, detail: `Pushgateway ${url}: ${(error as Error).message}` };
  }
}
