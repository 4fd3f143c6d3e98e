/**
 * Time to fetch 14 days at a 1-minute step for 500 rules from a local Prometheus, and the HTTP
 * requests it took, batched (`sum by`) and rule by rule. The TSDB (10 M samples) is generated and
 * backfilled once into .cache/ and reused by later runs.
 *
 *   node dist/bench/prometheus-fetch.js [--rules 500] [--days 14] [--concurrency 4] [--batch-size 50]
 *
 * Prints one line per mode: wall time, HTTP requests, the client's own CPU time, and a checksum.
 */
import { access, mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { fork } from "node:child_process";
import { once } from "node:events";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { DEFAULT_PROMETHEUS_SETTINGS } from "../forecaster/io/prometheus-settings.js";
import { createPrometheusTrafficSource } from "../forecaster/io/prometheus-source.js";
import { summarizeFetchReport } from "../forecaster/io/traffic-source.js";
import { findPrometheusBinaries, startPrometheus } from "../test/support/prometheus-server.js";
import { generateNginxTsdb, partnerOf, pathOf } from "./nginx-tsdb.js";
import { limitedRule } from "../test/support/traffic-fixture.js";

const { values: args } = parseArgs({
  options: {
    rules: { type: "string", default: "500" },
    days: { type: "string", default: "14" },
    concurrency: { type: "string", default: String(DEFAULT_PROMETHEUS_SETTINGS.concurrency) },
    "batch-size": { type: "string", default: "50" },
    // Internal: a child process measuring one mode against an already running Prometheus.
    "measure-url": { type: "string" },
    "expected-total": { type: "string" },
  },
});
const RULES = Number(args.rules);
const DAYS = Number(args.days);
const STEP_SECONDS = 60;
const END_MS = Date.UTC(2026, 0, 19);
const START_MS = END_MS - DAYS * 86_400_000;
const POINTS_PER_DAY = 86_400 / STEP_SECONDS;


/** Writes one OpenMetrics file per day (promtool re-reads a file per block, so small files import fast). */
async function main(): Promise<void> {
  const binaries = await findPrometheusBinaries();
  if ("missing" in binaries) {
    console.log(`SKIPPED: ${binaries.missing}`);
    return;
  }
  const cacheDir = path.resolve(".cache", `bench-prometheus-${RULES}r-${DAYS}d-${STEP_SECONDS}s-v1`);
  const tsdbDir = path.join(cacheDir, "tsdb");
  const totalFile = path.join(cacheDir, "sum-of-all-values.txt");
  let expectedTotal: number;
  try {
    await access(totalFile);
    expectedTotal = Number((await readFile(totalFile, "utf8")).trim());
    console.log(`reusing TSDB in ${cacheDir}`);
  } catch {
    await rm(cacheDir, { recursive: true, force: true });
    await mkdir(tsdbDir, { recursive: true });
    console.log(`generating ${RULES} rules × ${DAYS * POINTS_PER_DAY} points (${((RULES * DAYS * POINTS_PER_DAY) / 1e6).toFixed(1)} M samples) into ${cacheDir}`);
    const started = performance.now();
    expectedTotal = await generateNginxTsdb({ tsdbDir, workDir: cacheDir, promtool: binaries.promtool, rules: RULES, days: DAYS, startMs: START_MS, stepSeconds: STEP_SECONDS, seed: 7_000, meanPerStep: (i) => 5 + (i % 37) * 4 });
    await writeFile(totalFile, `${expectedTotal}\n`);
    console.log(`generated and backfilled in ${((performance.now() - started) / 1000).toFixed(1)} s (${(await readdir(tsdbDir)).length} entries in tsdb/)`);
  }

  const prometheus = await startPrometheus({ tsdbDir, prometheus: binaries.prometheus });
  try {
    console.log(`fetching ${RULES} rules × ${DAYS} days at ${STEP_SECONDS}s step from Prometheus at ${prometheus.url} (${os.cpus().length} cores, load ${os.loadavg()[0]?.toFixed(1)}, concurrency ${args.concurrency})`);
    // Each mode in a fresh process, so neither pays for the other's garbage.
    for (const batchSize of [Number(args["batch-size"]), 1]) {
      const argv = [...process.argv.slice(2), "--batch-size", String(batchSize), "--measure-url", prometheus.url, "--expected-total", String(expectedTotal)];
      const child = fork(fileURLToPath(import.meta.url), argv, { stdio: "inherit" });
      const [code] = (await once(child, "exit")) as [number | null];
      if (code !== 0) throw new Error(`measuring batch size ${batchSize} failed (exit ${code})`);
    }
  } finally {
    await prometheus.stop();
  }
}

/** Fetches every rule once from `url` and prints time, requests, the client's CPU and a checksum. */
async function measure(url: string, batchSize: number, expectedTotal: number): Promise<void> {
  const rules = Array.from({ length: RULES }, (_, i) => limitedRule("edge", [{ key: "PARTNER", value: partnerOf(i) }, { key: "PATH", value: pathOf(i) }]));
  const range = { startMs: START_MS, endMs: END_MS, stepSeconds: STEP_SECONDS };
  const source = await createPrometheusTrafficSource({ ...DEFAULT_PROMETHEUS_SETTINGS, url, concurrency: Number(args.concurrency), batchSize });
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  const report = await source.fetchRules(rules, range);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  source.close();
  let fetchedTotal = 0;
  for (const s of report.series.values()) for (const p of s.samples) fetchedTotal += Number.isNaN(p.value) ? 0 : p.value;
  const check = fetchedTotal === expectedTotal ? "sum of all values matches the generated data" : `MISMATCH: fetched ${fetchedTotal}, generated ${expectedTotal}`;
  const mode = batchSize > 1 ? `batched by ${batchSize}` : "rule by rule";
  console.log(`${mode.padEnd(14)} ${seconds.toFixed(2).padStart(6)} s  ${String(report.requests).padStart(5)} HTTP requests  client CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s  ${summarizeFetchReport(report)}; ${check}`);
}

if (args["measure-url"] !== undefined) await measure(args["measure-url"], Number(args["batch-size"]), Number(args["expected-total"]));
else await main();
