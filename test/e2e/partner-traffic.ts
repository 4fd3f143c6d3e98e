/**
 * A few days of per-partner request counters, backfilled into a real Prometheus TSDB: small
 * enough to import in a second or two, long enough for the forecaster to trust (and so band) it.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { backfill, counterSamples, seededRandom, startPrometheus, writeOpenMetrics, type CounterSeries, type PrometheusBinaries, type RunningPrometheus } from "../support/prometheus-server.js";

/** The counter the forecaster's query template reads, one series per partner. */
export const REQUESTS_METRIC = "edge_requests_total";

/** The forecaster's query template for REQUESTS_METRIC: one rule per PARTNER descriptor. */
export const PARTNER_QUERY = `sum(increase(${REQUESTS_METRIC}{partner="$PARTNER"}[$STEP]))`;

export const STEP_SECONDS = 300;

export interface PartnerTraffic {
  readonly partner: string;
  /** Mean requests per 5-minute step, before the daily cycle. */
  readonly meanPerStep: number;
}

/**
 * Requests per step with a daily cycle and mild noise, and no spikes or weekends: whatever the
 * time of day the test runs, the forecaster trusts this history (medium confidence) and bands it.
 */
export function steadyDailyTraffic(seed: number, points: number, startMs: number, meanPerStep: number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: points }, (_, k) => {
    const hourOfDay = ((startMs + k * STEP_SECONDS * 1000) / 3_600_000) % 24;
    const daily = 1 + 0.5 * Math.sin((2 * Math.PI * (hourOfDay - 9)) / 24);
    const noise = 1 + 0.1 * (random() - 0.5);
    return Math.round(meanPerStep * daily * noise);
  });
}

/** Backfills `days` of traffic ending at the last whole step before `nowMs` and serves it. */
export async function startPrometheusWithTraffic(binaries: PrometheusBinaries, partners: readonly PartnerTraffic[], options: { days: number; nowMs: number }): Promise<RunningPrometheus> {
  const work = await mkdtemp(join(tmpdir(), "trendmaster-e2e-tsdb-"));
  const stepMs = STEP_SECONDS * 1000;
  const points = Math.round((options.days * 86_400) / STEP_SECONDS);
  const endMs = Math.floor(options.nowMs / stepMs) * stepMs;
  const startMs = endMs - (points - 1) * stepMs;
  const series: CounterSeries[] = partners.map(({ partner, meanPerStep }, index) => ({
    name: REQUESTS_METRIC,
    labels: { partner },
    samples: counterSamples(steadyDailyTraffic(7 + index, points, startMs, meanPerStep), startMs, STEP_SECONDS),
  }));
  const openMetrics = join(work, "traffic.om");
  await writeOpenMetrics(openMetrics, series);
  const tsdbDir = join(work, "tsdb");
  // One block per day: promtool reads the file once per block.
  await backfill(openMetrics, tsdbDir, { maxBlockDuration: "24h", promtool: binaries.promtool });
  return startPrometheus({ tsdbDir, prometheus: binaries.prometheus });
}
