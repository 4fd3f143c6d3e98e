/**
 * One full forecaster cycle, as production runs it, for 1,000 rules with 14 days of 5-minute
 * history from a local real Prometheus: read ratelimit-config from the kube-apiserver stand-in
 * (HTTPS), fetch, forecast on the engine's worker threads, write the cache and history, apply.
 * The TSDB is generated and backfilled once into .cache/ and reused by later runs.
 *
 *   node dist/bench/cycle-prometheus.js [--rules 1000] [--days 14] [--workers 2]
 *
 * Prints the cycle's wall time per phase, its outcome, and the process's peak memory (RSS,
 * worker threads included). Target (the integration guide's): under 2 minutes and under 512 MiB.
 */
import { access, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { once } from "node:events";
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { buildForecasterConfig } from "../forecaster/config.js";
import { FakeClock } from "../test/fakes/fake-clock.js";
import { ForecasterMetrics } from "../forecaster/io/metrics.js";
import { RecordingNotifier } from "../test/fakes/recording-notifier.js";
import { createRuntime, runLeasedCycle } from "../forecaster/main.js";
import { summarizeCycle } from "../forecaster/logic/cycle-report.js";
import type { CycleLog } from "../forecaster/cycle.js";
import { TableForecaster } from "../test/fakes/cycle-fakes.js";
import { findPrometheusBinaries, startPrometheus } from "../test/support/prometheus-server.js";
import { firstOfPartner, generateNginxTsdb, partnerOf, pathOf } from "./nginx-tsdb.js";
import { startKubeApiStandIn } from "../test/stand-ins/kube-apiserver/index.js";

const { values: args } = parseArgs({
  options: {
    rules: { type: "string", default: "1000" },
    days: { type: "string", default: "14" },
    workers: { type: "string", default: String(Math.max(1, os.availableParallelism())) },
    // Diagnosis: "none" answers every rule at once without the engine, to see the cycle's own cost.
    engine: { type: "string", default: "real" },
    // forecaster.recycleWorkersEveryRules for the run.
    recycle: { type: "string", default: "250" },
    // The chart runs the forecaster with NODE_OPTIONS=--max-old-space-size=256 (forecaster.maxOldSpaceMiB); measure that. 0: Node's default.
    "max-old-space": { type: "string", default: "256" },
    // Internal: the child process that runs the cycle, as a forecaster pod would.
    "measure-prometheus": { type: "string" },
    "measure-kubeconfig": { type: "string" },
  },
});
const RULES = Number(args.rules);
const DAYS = Number(args.days);
const STEP_SECONDS = 300;
/** The cycle runs "now" = END_MS (a FakeClock), so the cached TSDB stays valid forever. */
const END_MS = Date.UTC(2026, 0, 19);
const START_MS = END_MS - DAYS * 86_400_000;
const POINTS_PER_DAY = 86_400 / STEP_SECONDS;

const meanOf = (i: number) => 50 + (i % 37) * 40;

function ratelimitConfig(): string {
  const lines = ["# Generated for the cycle benchmark: partners x paths, per-minute limits", "domain: edge", "descriptors:"];
  for (let i = 0; i < RULES; i++) {
    if (firstOfPartner(i)) lines.push(`  # ${partnerOf(i)}`, "  - key: PARTNER", `    value: ${partnerOf(i)}`, "    descriptors:");
    // Current limits: some too low, some far too high, per minute (mean per 5 min / 5 x factor).
    const limit = Math.round((meanOf(i) / 5) * [0.8, 2, 10][i % 3]!);
    lines.push("      - key: PATH", `        value: "${pathOf(i)}"`, "        rate_limit:", "          unit: minute", `          requests_per_unit: ${limit}`);
  }
  return `${lines.join("\n")}\n`;
}

const phases: Array<[string, number]> = [];
const started = performance.now();
const log: CycleLog = {
  info: (_f, message) => void phases.push([message, performance.now()]),
  warn: (_f, message) => void phases.push([`warn: ${message}`, performance.now()]),
  error: (_f, message) => void phases.push([`error: ${message}`, performance.now()]),
  debug: () => {},
};

/** The forecaster process under measurement: nothing else (no stand-in, no Prometheus) lives in it. */
async function measure(prometheusUrl: string, kubeconfig: string): Promise<void> {
  const work = await mkdtemp(path.join(os.tmpdir(), "bench-cycle-child-"));
  try {
    const built = buildForecasterConfig({
      env: { PROMETHEUS_URL: prometheusUrl, KUBECONFIG: kubeconfig, POD_NAMESPACE: "trendmaster", TRENDMASTER_SETTINGS: path.join(work, "settings.yaml") },
      readText: (p) => (p.endsWith("settings.yaml") ? `forecaster:\n  workers: ${Number(args.workers)}\n  recycleWorkersEveryRules: ${Number(args.recycle)}\n  historyDays: ${DAYS}\n  stepSeconds: ${STEP_SECONDS}\n` : undefined),
    });
    if (!built.ok) throw new Error(built.problems.join("\n"));
    console.log(`cycle over ${RULES} rules x ${DAYS} days at ${STEP_SECONDS}s step: Prometheus ${prometheusUrl}, kube-apiserver stand-in ${"(separate process)"}, ${built.config.workers} forecast workers, ${os.cpus().length} cores, load ${os.loadavg()[0]?.toFixed(1)}`);
    const rssBefore = process.memoryUsage().rss;
    const runtime = await createRuntime(built.config, { clock: new FakeClock(END_MS), notifier: new RecordingNotifier(), log, metrics: new ForecasterMetrics(200, { defaultMetrics: false }), ...(args.engine === "none" ? { forecaster: new TableForecaster({}) } : {}) });
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const result = await runLeasedCycle(runtime);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    if (result.kind !== "ran") throw new Error(`Lease held by ${result.holder}`);
    let last = t0;
    for (const [message, at] of phases) {
      if (at < t0) continue;
      console.log(`  +${((at - last) / 1000).toFixed(1).padStart(6)} s  ${message.slice(0, 160)}`);
      last = at;
    }
    const peakRssMiB = process.resourceUsage().maxRSS / 1024;
    const cache = await runtime.deps.configMaps.get("trendmaster", "trendmaster-forecast");
    const cacheBytes = Buffer.byteLength(JSON.stringify({ ...cache?.data, ...cache?.binaryData }));
    await runtime.close();
    console.log(summarizeCycle(result.report));
    console.log(`cycle wall time ${seconds.toFixed(1)} s (target < 120 s), CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s over all threads, machine load ${os.loadavg()[0]?.toFixed(1)} on ${os.cpus().length} cores; peak RSS ${peakRssMiB.toFixed(0)} MiB (the forecaster process, worker threads included; ${(rssBefore / 1048576).toFixed(0)} MiB before the cycle; target < 512 MiB); cache ConfigMap ${(cacheBytes / 1024).toFixed(0)} KiB`);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const binaries = await findPrometheusBinaries();
  if ("missing" in binaries) {
    console.log(`SKIPPED: ${binaries.missing}`);
    return;
  }
  const cacheDir = path.resolve(".cache", `bench-cycle-${RULES}r-${DAYS}d-${STEP_SECONDS}s-v1`);
  const tsdbDir = path.join(cacheDir, "tsdb");
  const doneFile = path.join(cacheDir, "complete");
  try {
    await access(doneFile);
    console.log(`reusing TSDB in ${cacheDir}`);
  } catch {
    await rm(cacheDir, { recursive: true, force: true });
    await mkdir(tsdbDir, { recursive: true });
    console.log(`generating ${RULES} rules x ${DAYS * POINTS_PER_DAY} points (${((RULES * DAYS * POINTS_PER_DAY) / 1e6).toFixed(1)} M samples) into ${cacheDir}`);
    const t = performance.now();
    await generateNginxTsdb({ tsdbDir, workDir: cacheDir, promtool: binaries.promtool, rules: RULES, days: DAYS, startMs: START_MS, stepSeconds: STEP_SECONDS, seed: 9_000, meanPerStep: meanOf });
    await writeFile(doneFile, "ok\n");
    console.log(`generated and backfilled in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }

  const prometheus = await startPrometheus({ tsdbDir, prometheus: binaries.prometheus });
  const api = await startKubeApiStandIn({ namespaces: ["default", "istio-system", "trendmaster"] });
  const work = await mkdtemp(path.join(os.tmpdir(), "bench-cycle-"));
  try {
    const kubeconfig = await api.writeKubeconfig(work, "admin");
    const configText = ratelimitConfig();
    api.seedObject({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ratelimit-config", namespace: "istio-system" }, data: { "config.yaml": configText } });
    const execArgv = Number(args["max-old-space"]) > 0 ? [`--max-old-space-size=${Number(args["max-old-space"])}`] : [];
    const argv = [...process.argv.slice(2), "--measure-prometheus", prometheus.url, "--measure-kubeconfig", kubeconfig];
    const child = fork(fileURLToPath(import.meta.url), argv, { stdio: "inherit", execArgv });
    const [code] = (await once(child, "exit")) as [number | null];
    if (code !== 0) throw new Error(`the measured cycle process failed (exit ${code})`);
  } finally {
    await api.stop();
    await prometheus.stop();
    await rm(work, { recursive: true, force: true });
  }
  console.log(`total ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

if (args["measure-prometheus"] !== undefined) await measure(args["measure-prometheus"], args["measure-kubeconfig"] as string);
else await main();
