/**
 * The Prometheus data both Prometheus benches fetch: one nginx request counter per rule
 * (`service_nginx_request_time_s_count{partner, path}`), seeded traffic with daily and weekly
 * cycles, backfilled with promtool into a TSDB folder.
 */
import { createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import { once } from "node:events";
import path from "node:path";
import { backfill, counterSamples, escapeLabelValue, trafficGenerator } from "../test/support/prometheus-server.js";

const PATHS_PER_PARTNER = 10;

/** Rule i's PARTNER value: ten rules (paths) per partner. */
export const partnerOf = (i: number): string => `partner-${Math.floor(i / PATHS_PER_PARTNER)}`;
/** Rule i's PATH value. */
export const pathOf = (i: number): string => `/api/v1/resource-${i % PATHS_PER_PARTNER}.json`;
/** Whether rule i is its partner's first (where a config opens the partner's block). */
export const firstOfPartner = (i: number): boolean => i % PATHS_PER_PARTNER === 0;

export interface NginxTsdbOptions {
  readonly tsdbDir: string;
  /** Where the OpenMetrics files are written before import (each is removed once imported). */
  readonly workDir: string;
  readonly promtool: string;
  readonly rules: number;
  readonly days: number;
  readonly startMs: number;
  readonly stepSeconds: number;
  /** Rule i's generator seed is seed + i. */
  readonly seed: number;
  readonly meanPerStep: (rule: number) => number;
}

/** Writes and imports the counters; returns the requests generated in all, for checking a fetch. */
export async function generateNginxTsdb(o: NginxTsdbOptions): Promise<number> {
  const generators = Array.from({ length: o.rules }, (_, i) => trafficGenerator({ seed: o.seed + i, startMs: o.startMs, stepSeconds: o.stepSeconds, meanPerStep: o.meanPerStep(i) }));
  const counters = new Float64Array(o.rules).fill(1_000_000);
  const pointsPerDay = 86_400 / o.stepSeconds;
  let total = 0;
  const imports: Promise<void>[] = [];
  // Two days per file: promtool re-reads a file per block, small files import fast.
  for (let day = 0; day < o.days; day += 2) {
    const days = Math.min(2, o.days - day);
    const file = path.join(o.workDir, `days-${day}.om`);
    const out = createWriteStream(file);
    for (let i = 0; i < o.rules; i++) {
      const increments: number[] = [];
      for (let k = 0; k < pointsPerDay * days; k++) increments.push(generators[i]?.() ?? 0);
      total += increments.reduce((a, b) => a + b, 0);
      // The sample one step before the range only goes in the first file.
      const samples = counterSamples(increments, o.startMs + day * 86_400_000, o.stepSeconds, { initial: counters[i] }).slice(day === 0 ? 0 : 1);
      counters[i] = samples.at(-1)?.[1] ?? 0;
      const prefix = `service_nginx_request_time_s_count{partner="${escapeLabelValue(partnerOf(i))}",path="${escapeLabelValue(pathOf(i))}"} `;
      if (!out.write(samples.map(([t, v]) => `${prefix}${v} ${t / 1000}\n`).join(""))) await once(out, "drain");
    }
    out.end("# EOF\n");
    await once(out, "finish");
    // Two imports at a time: the machine has two cores.
    imports.push(backfill(file, o.tsdbDir, { maxBlockDuration: "24h", promtool: o.promtool }).then(() => rm(file)));
    if (imports.length >= 2) await imports.shift();
    process.stdout.write(`  generated days ${day + 1}-${day + days}/${o.days}\r`);
  }
  await Promise.all(imports);
  process.stdout.write("\n");
  return total;
}
