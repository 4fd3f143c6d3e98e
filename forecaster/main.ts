/**
 * The forecaster's shell: builds the real dependencies from a validated ForecasterConfig and runs
 * cycles, either once (a Job or CronJob: `trendmaster run --once`) or on the SCHEDULE
 * (`trendmaster forecaster`). Every cycle holds the Lease; SIGTERM stops a cycle at its next safe
 * point (a write in flight always completes) and hands the Lease back.
 */
import { KubeConfig } from "@kubernetes/client-node";
import cron from "node-cron";
import type { Logger } from "pino";
import type { ForecasterConfig } from "./config.js";
import { runCycle, type CycleDeps, type CycleLog, type CycleSettings, type EffectivenessSource, type Forecaster } from "./cycle.js";
import { createForecastEngine } from "./engine/index.js";
import { systemClock, type Clock } from "./io/clock.js";
import { KubeConfigMapStore, type ConfigMapStore } from "./io/configmaps.js";
import { PrometheusEffectivenessSource } from "./io/effectiveness.js";
import { stampKeyFileReader } from "./io/stamp-keys.js";
import { FileTrafficSource } from "./io/file-source.js";
import { startHttpServer, type RunningHttpServer } from "./io/http-server.js";
import { KubeLeaseStore, StoreLeaseLock, type LeaseLock, type LeaseStore } from "./io/lease.js";
import { createLogger } from "./io/logger.js";
import { RecyclingForecaster } from "./io/recycling-forecaster.js";
import { ForecasterMetrics } from "./io/metrics.js";
import { pushCycleMetrics } from "./io/metrics-push.js";
import { createPrometheusTrafficSource } from "./io/prometheus-source.js";
import { silentNotifier, SlackNotifier, type Notifier } from "./io/slack.js";
import type { TrafficSource } from "./io/traffic-source.js";
import { systemAlert } from "./logic/alerts.js";
import { LatestReport } from "./report/latest-report.js";
import { isCycleFailure, summarizeCycle, type CycleReport } from "./logic/cycle-report.js";
import type { GitWriteBack } from "./gitops/cycle-step.js";
import { gitWriteBackOf } from "./gitops/connect.js";

/** Exit code of `run --once` when another forecaster holds the Lease (EX_TEMPFAIL: try again later). */
export const EXIT_LEASE_HELD = 75;

/** Everything a cycle needs, built for real or with parts swapped in (tests, the demo). */
export interface ForecasterRuntime {
  readonly config: ForecasterConfig;
  readonly deps: CycleDeps;
  readonly lock: LeaseLock;
  readonly metrics: ForecasterMetrics;
  readonly log: Logger | CycleLog;
  close(): Promise<void>;
}

/** Parts to use instead of the real ones. */
export interface RuntimeParts {
  readonly kubeConfig?: KubeConfig;
  readonly configMaps?: ConfigMapStore;
  readonly leases?: LeaseStore;
  readonly traffic?: TrafficSource;
  readonly forecaster?: Forecaster & { close?: () => Promise<void> };
  readonly notifier?: Notifier;
  readonly clock?: Clock;
  readonly log?: Logger | CycleLog;
  readonly effectiveness?: EffectivenessSource;
  readonly metrics?: ForecasterMetrics;
  readonly gitWriteBack?: GitWriteBack;
  readonly onRulesProgress?: CycleDeps["onRulesProgress"];
}

export function loadKubeConfig(config: ForecasterConfig): KubeConfig {
  const kubeConfig = new KubeConfig();
  if (config.kubeconfig !== undefined) kubeConfig.loadFromFile(config.kubeconfig);
  else kubeConfig.loadFromDefault();
  return kubeConfig;
}

export function cycleSettingsOf(config: ForecasterConfig): CycleSettings {
  return {
    ratelimitConfig: { namespace: config.ratelimitConfig.namespace, name: config.ratelimitConfig.name },
    cache: config.cache,
    history: config.history,
    dryRun: config.dryRun,
    mergeDomains: config.ratelimitConfig.mergeDomains,
    historyDays: config.historyDays,
    stepSeconds: config.stepSeconds,
    forecast: config.forecast,
    overrides: config.overrides,
    minConfidenceToApply: config.minConfidenceToApply,
    maxConflictRetries: config.maxConflictRetries,
    forecastConcurrency: config.workers * 2,
    sourceDescription: config.sourceDescription,
    writer: config.writer,
    effectivenessWindowSeconds: config.effectiveness.windowHours * 3600,
    fetchChunkRules: config.fetchChunkRules,
    ...(config.reportUrl !== undefined ? { reportUrl: config.reportUrl } : {}),
    outputMode: config.output.outputMode,
  };
}

export async function createRuntime(config: ForecasterConfig, parts: RuntimeParts = {}): Promise<ForecasterRuntime> {
  const log = parts.log ?? createLogger(config.logLevel);
  const clock = parts.clock ?? systemClock;
  const needsKube = parts.configMaps === undefined || parts.leases === undefined;
  const kubeConfig = needsKube ? (parts.kubeConfig ?? loadKubeConfig(config)) : undefined;
  const configMaps = parts.configMaps ?? new KubeConfigMapStore(kubeConfig as KubeConfig);
  const leases = parts.leases ?? new KubeLeaseStore(kubeConfig as KubeConfig);
  const closers: Array<() => Promise<void> | void> = [];
  let traffic = parts.traffic;
  let effectiveness = parts.effectiveness;
  if (traffic === undefined) {
    if (config.traffic.kind === "files") traffic = new FileTrafficSource({ path: config.traffic.path });
    else {
      const source = await createPrometheusTrafficSource(config.traffic.settings);
      closers.push(() => source.close());
      traffic = source;
      if (effectiveness === undefined && config.effectiveness.enabled) effectiveness = new PrometheusEffectivenessSource(source.client, config.effectiveness);
    }
  }
  let forecaster = parts.forecaster;
  if (forecaster === undefined) {
    const every = config.recycleWorkersEveryRules;
    const engine = every > 0 ? new RecyclingForecaster(() => createForecastEngine({ workers: config.workers }), every) : createForecastEngine({ workers: config.workers });
    closers.push(() => engine.close());
    forecaster = engine;
  }
  const notifier = parts.notifier ?? (config.slack ? new SlackNotifier(config.slack) : silentNotifier);
  const metrics = parts.metrics ?? new ForecasterMetrics(config.metrics.maxRuleSeries);
  const lock = new StoreLeaseLock(leases, config.lease, clock, (error) => log.warn({ error: error.message }, "Lease renewal failed"));
  const gitops = config.output.gitops;
  const gitWriteBack = parts.gitWriteBack ?? (gitops ? gitWriteBackOf(gitops, clock) : undefined);
  const deps: CycleDeps = {
    configMaps, traffic, forecaster, notifier, clock, log,
    ...(effectiveness ? { effectiveness } : {}),
    ...(config.stampKeyFile !== undefined ? { stampKeys: stampKeyFileReader(config.stampKeyFile) } : {}),
    ...(gitWriteBack ? { gitWriteBack } : {}),
    ...(parts.onRulesProgress ? { onRulesProgress: parts.onRulesProgress } : {}),
  };
  return {
    config,
    deps,
    lock,
    metrics,
    log,
    close: async () => {
      for (const close of closers.reverse()) await close();
    },
  };
}

export type LeasedCycle = { readonly kind: "ran"; readonly report: CycleReport } | { readonly kind: "skipped"; readonly holder: string };

/** One cycle under the Lease; `signal` (SIGTERM) and a lost Lease both stop it at a safe point. */
export async function runLeasedCycle(runtime: ForecasterRuntime, signal?: AbortSignal): Promise<LeasedCycle> {
  const { deps, lock, metrics, log, config } = runtime;
  let acquired;
  try {
    acquired = await lock.tryAcquire();
  } catch (error) {
    const message = `the Lease ${config.lease.namespace}/${config.lease.name} could not be read or taken: ${(error as Error).message}`;
    log.error({ error: message }, "cycle not started");
    await deps.notifier.send(systemAlert("cycle not started", message)).catch(() => []);
    throw new Error(message);
  }
  if (!acquired.acquired) {
    log.info({ holder: acquired.holder, lease: `${config.lease.namespace}/${config.lease.name}` }, "another forecaster holds the Lease: cycle skipped");
    metrics.recordLeaseSkipped();
    return { kind: "skipped", holder: acquired.holder };
  }
  const lease = acquired.lease;
  try {
    const stop = signal ? AbortSignal.any([signal, lease.lost]) : lease.lost;
    const report = await runCycle(deps, cycleSettingsOf(config), stop);
    metrics.recordCycle(report, deps.clock.now().getTime());
    log.info({ outcome: report.outcome }, summarizeCycle(report));
    return { kind: "ran", report };
  } finally {
    await lease.release().catch((error: Error) => log.warn({ error: error.message }, "Lease not released (it expires on its own)"));
  }
}

/** `trendmaster run --once`: exit 0 when the cycle did its job, 1 when it failed, 75 when the Lease was held. */
export async function runOnce(runtime: ForecasterRuntime, print: (text: string) => void, signal?: AbortSignal): Promise<{ exitCode: number; report?: CycleReport }> {
  let result: LeasedCycle;
  try {
    result = await runLeasedCycle(runtime, signal);
  } catch (error) {
    print(`no cycle run: ${(error as Error).message}\n`);
    return { exitCode: 1 };
  }
  if (result.kind === "skipped") {
    print(`another forecaster holds the Lease (${result.holder}): no cycle run; retry later\n`);
    return { exitCode: EXIT_LEASE_HELD };
  }
  const pushgatewayUrl = runtime.config.metrics.pushgatewayUrl;
  if (pushgatewayUrl !== undefined) {
    // After the cycle, never instead of it: a Pushgateway outage is logged, the exit code stays the cycle's.
    const pushed = await pushCycleMetrics(runtime.metrics.registry, pushgatewayUrl, runtime.config.lease.namespace);
    if (pushed.ok) runtime.log.info({ pushgateway: pushed.detail }, "cycle metrics pushed");
    else runtime.log.warn({ error: pushed.detail }, "cycle metrics not pushed");
  }
  return { exitCode: isCycleFailure(result.report) ? 1 : 0, report: result.report };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

export interface ScheduledForecaster {
  readonly httpPort: number;
  /** Resolves after a stop: the running cycle finished or stopped, the Lease is back, the port closed. */
  readonly stopped: Promise<void>;
  stop(reason: string): Promise<void>;
}

/**
 * Why the process should be restarted, if it should: a cycle still running after `maxMinutes` is
 * hung (a stuck request, a wedged worker), and every later cycle would be skipped behind it.
 */
export function hungCycleReason(cycleStartedMs: number | undefined, nowMs: number, maxMinutes: number): string | undefined {
  if (cycleStartedMs === undefined) return undefined;
  const minutes = (nowMs - cycleStartedMs) / 60_000;
  return minutes > maxMinutes ? `a cycle has run for ${Math.floor(minutes)} minutes, more than forecaster.maxCycleMinutes (${maxMinutes}): it is hung` : undefined;
}

/** `trendmaster forecaster`: cycles on the SCHEDULE with a random start jitter, plus /metrics /healthz /readyz. */
export async function startScheduled(runtime: ForecasterRuntime, options: { random?: () => number; nowMs?: () => number } = {}): Promise<ScheduledForecaster> {
  const { config, log, metrics, deps } = runtime;
  const random = options.random ?? Math.random;
  const nowMs = options.nowMs ?? Date.now;
  const shutdown = new AbortController();
  let notReady: string | undefined = "starting";
  let running: Promise<void> | undefined;
  let cycleStartedMs: number | undefined;
  const report = new LatestReport(deps, cycleSettingsOf(config), (warnings) => {
    for (const warning of warnings) log.warn({ warning }, "report built with a problem");
  });
  const server: RunningHttpServer = await startHttpServer(
    config.metrics.port,
    metrics.registry,
    {
      notReadyReason: () => notReady,
      notLiveReason: () => hungCycleReason(cycleStartedMs, nowMs(), config.maxCycleMinutes),
    },
    undefined,
    { report: () => report.response() },
  );

  const cycle = async (jitter: boolean): Promise<void> => {
    if (running) {
      log.warn({}, "previous cycle still running: this run is skipped");
      return;
    }
    running = (async () => {
      if (jitter && config.scheduleJitterSeconds > 0) await sleep(random() * config.scheduleJitterSeconds * 1000, shutdown.signal);
      if (shutdown.signal.aborted) return;
      cycleStartedMs = nowMs();
      try {
        const result = await runLeasedCycle(runtime, shutdown.signal);
        if (result.kind === "ran") notReady = undefined;
      } catch (error) {
        log.error({ error: (error as Error).message }, "cycle could not run");
      }
    })().finally(() => {
      running = undefined;
      cycleStartedMs = undefined;
    });
    await running;
  };

  // Probe the API server once: a wrong KUBECONFIG or missing RBAC shows at start, not in 6 hours.
  try {
    const { namespace, name } = config.ratelimitConfig;
    const found = await deps.configMaps.get(namespace, name);
    if (found === undefined) log.warn({ target: `${namespace}/${name}` }, "ratelimit-config not found yet");
    notReady = undefined;
  } catch (error) {
    notReady = `Kubernetes API: ${(error as Error).message}`;
    log.error({ error: notReady }, "Kubernetes API not reachable at start");
    await deps.notifier.send(systemAlert("forecaster started but cannot reach Kubernetes", notReady)).catch(() => []);
  }

  const task = cron.schedule(config.schedule, () => void cycle(true), { name: "trendmaster-forecast", noOverlap: true });
  log.info({ schedule: config.schedule, jitterSeconds: config.scheduleJitterSeconds, dryRun: config.dryRun, port: server.port, next: task.getNextRun()?.toISOString() }, "forecaster scheduled");
  if (config.runOnStart) void cycle(false);

  let resolveStopped: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    resolveStopped = resolve;
  });
  let stopping: Promise<void> | undefined;
  const stop = (reason: string): Promise<void> => {
    stopping ??= (async () => {
      log.info({ reason }, "stopping: the running cycle stops at its next safe point");
      await task.destroy();
      shutdown.abort(new Error(reason));
      await running;
      await server.close();
      await runtime.close();
      resolveStopped();
    })();
    return stopping;
  };
  return { httpPort: server.port, stopped, stop };
}
