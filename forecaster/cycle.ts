/**
 * One recommendation cycle: read ratelimit-config, fetch every rule's history, forecast, decide,
 * write the forecast cache, then (unless dry-run) change only the recomputed requests_per_unit
 * numbers, with a history revision first and the resourceVersion it read. The logic lives in
 * logic/; this module wires it to the I/O interfaces and never touches a client library itself.
 */
import { configFilesOfConfigMap } from "../ratelimit/configmap.js";
import { configDataDigest } from "../ratelimit/digest.js";
import { GUARDED_DIGEST_ANNOTATION } from "../ratelimit/annotations.js";
import { signGuardStamp, type StampKeyRing } from "../ratelimit/guard-stamp.js";
import type { ForecastCache } from "../ratelimit/forecast-cache.js";
import { loadRateLimitConfig } from "../ratelimit/loader.js";
import { isLimitedRule, type LimitedRule } from "../ratelimit/rule.js";
import { forEachBounded } from "./io/bounded-concurrency.js";
import type { Clock } from "./io/clock.js";
import { configMapRef, isConflict, type ConfigMapObject, type ConfigMapStore } from "./io/configmaps.js";
import type { Notifier } from "./io/slack.js";
import type { FetchReport, TrafficSource } from "./io/traffic-source.js";
import { observedPeakPerUnit, peakAccuracyRatio } from "./logic/peak-accuracy.js";
import { alertsForCycle } from "./logic/alerts.js";
import { GroupedWarnings } from "./logic/grouped-warnings.js";
import { buildForecastCache, CACHE_ANNOTATIONS, cacheConfigMap, nextGeneration, readCache } from "./logic/cache-build.js";
import type { CycleOutcome, CycleReport, RuleMeasure } from "./logic/cycle-report.js";
import { buildRevision, describeLimitChanges, historyEntries, historyLabelSelector, nextRevision, revisionsToPrune, type HistorySettings } from "./logic/history.js";
import { editLimits, type AppliedLimit, type SkippedLimit } from "./logic/limit-edit.js";
import { changesOf, planRules, RULE_STATES, type CyclePlan, type RuleState } from "./logic/plan.js";
import type { Confidence, Recommendation } from "./logic/recommend.js";
import type { ForecastSettings, RuleOverride } from "./logic/settings.js";
import { configMapDiff } from "./logic/text-diff.js";
import { checkGuarded, type GuardCheck } from "./logic/unguarded.js";
import { applyAnnotations, writeAnnotations } from "./logic/write-annotations.js";
import type { RuleSeries } from "./traffic.js";
import { runGitStep, type GitStepResult, type GitWriteBack } from "./gitops/cycle-step.js";
import type { OutputMode } from "./gitops/settings.js";

/** The forecast engine as the cycle uses it (forecaster/engine's ForecastEngine satisfies it). */
export interface Forecaster {
  forecastRule(job: {
    readonly fullKey: string;
    readonly unit: LimitedRule["rateLimit"]["unit"];
    readonly currentLimit?: number;
    readonly series: RuleSeries;
    readonly settings: ForecastSettings;
    readonly override?: RuleOverride;
    readonly nowMs: number;
  }): Promise<Recommendation>;
}

/** Per-rule requests and OVER_LIMIT answers over a window, from the ratelimit service's counters. */
export interface EffectivenessSource {
  /** Rules absent from the map have no counters. Throws when the source cannot be read. */
  throttledShare(rules: readonly LimitedRule[], windowSeconds: number, nowMs: number): Promise<Map<string, { overLimit: number; totalHits: number }>>;
}

/** Structured log sink (pino's shape). */
export interface CycleLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
  debug(fields: object, message: string): void;
}

export interface CycleDeps {
  readonly configMaps: ConfigMapStore;
  readonly traffic: TrafficSource;
  readonly forecaster: Forecaster;
  readonly notifier: Notifier;
  readonly clock: Clock;
  readonly log: CycleLog;
  readonly effectiveness?: EffectivenessSource;
  /** The stamp key ring (guardStamp.keyFile), read afresh each cycle so a rotation needs no restart; absent: no stamps. */
  readonly stampKeys?: () => StampKeyRing;
  /** Write-back to Git, for output modes `git` and `both`. */
  readonly gitWriteBack?: GitWriteBack;
  /** Told after each chunk of rules is fetched and forecast (a terminal's progress line). */
  readonly onRulesProgress?: (progress: RulesProgress) => void;
}

/** How far a cycle's fetch-and-forecast phase is. */
export interface RulesProgress {
  readonly rulesDone: number;
  readonly rulesTotal: number;
}

export interface CycleSettings {
  readonly ratelimitConfig: { readonly namespace: string; readonly name: string };
  readonly cache: { readonly namespace: string; readonly name: string };
  readonly history: HistorySettings;
  readonly dryRun: boolean;
  /** The ratelimit service's MERGE_DOMAIN_CONFIG. */
  readonly mergeDomains: boolean;
  readonly historyDays: number;
  readonly stepSeconds: number;
  readonly forecast: ForecastSettings;
  readonly overrides: Readonly<Record<string, RuleOverride>>;
  readonly minConfidenceToApply: Confidence;
  /** Re-reads after a 409 before the write is given up for this cycle. */
  readonly maxConflictRetries: number;
  /** Forecast jobs in flight at once (the engine queues them on its workers). */
  readonly forecastConcurrency: number;
  /** Where traffic came from, for the cache (URL without credentials, or a path). */
  readonly sourceDescription: string;
  /** Who writes: recorded in history revisions (`trendmaster-forecaster pod-abc`). */
  readonly writer: string;
  /** Window of the ratelimit service's counters for the throttled-share metric. */
  readonly effectivenessWindowSeconds: number;
  /** Rules fetched and forecast per chunk: bounds the series held in memory. */
  readonly fetchChunkRules: number;
  /** Where the report page is served, for the links in change messages. */
  readonly reportUrl?: string;
  /** Where changes go: ratelimit-config (`cluster`, the default), a Git pull request (`git`), or both. */
  readonly outputMode?: OutputMode;
}

/** The cycle was stopped (SIGTERM, lost Lease) at a point where nothing was half-written. */
class CycleAborted extends Error {}

function checkpoint(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    const reason = signal.reason instanceof Error ? signal.reason.message : String(signal.reason ?? "aborted");
    throw new CycleAborted(reason);
  }
}

const emptyCounts = (): Record<RuleState, number> => Object.fromEntries(RULE_STATES.map((s) => [s, 0])) as Record<RuleState, number>;

/** Mutable state the phases fill in; frozen into the CycleReport at the end. */
interface Progress {
  generation?: number;
  plan?: CyclePlan;
  applied: AppliedLimit[];
  skipped: SkippedLimit[];
  diff: string;
  conflicts: number;
  historyRevision?: number;
  guard?: GuardCheck;
  unguardedIsNew: boolean;
  errors: string[];
  warnings: string[];
  fetchSummary: string;
  accuracy: RuleMeasure[];
  throttledShare: RuleMeasure[];
  gitops?: GitStepResult;
}

/**
 * Runs one cycle and reports it; never throws for I/O problems (they are in the report, and
 * alerted). `signal` stops it at the next safe point: a write in flight always completes.
 */
export async function runCycle(deps: CycleDeps, settings: CycleSettings, signal?: AbortSignal): Promise<CycleReport> {
  const started = deps.clock.now();
  const startedMonotonicMs = performance.now();
  const target = configMapRef(settings.ratelimitConfig.namespace, settings.ratelimitConfig.name);
  const progress: Progress = { applied: [], skipped: [], diff: "", conflicts: 0, unguardedIsNew: false, errors: [], warnings: [], fetchSummary: "", accuracy: [], throttledShare: [] };
  let outcome: CycleOutcome;
  try {
    outcome = await cyclePhases(deps, settings, started, progress, signal);
  } catch (error) {
    if (error instanceof CycleAborted) {
      outcome = "aborted";
      progress.errors.push(`stopped before writing ratelimit-config: ${error.message}`);
    } else {
      outcome = "failed";
      progress.errors.push(error instanceof Error ? error.message : String(error));
    }
  }
  const plan = progress.plan;
  const report: CycleReport = {
    outcome,
    dryRun: settings.dryRun,
    startedAt: started.toISOString(),
    durationMs: Math.round(performance.now() - startedMonotonicMs),
    target,
    ...(progress.generation !== undefined ? { generation: progress.generation } : {}),
    ...(plan ? { plan } : {}),
    counts: plan?.counts ?? emptyCounts(),
    changes: plan ? changesOf(plan) : [],
    applied: progress.applied,
    skipped: progress.skipped,
    diff: progress.diff,
    conflicts: progress.conflicts,
    ...(progress.historyRevision !== undefined ? { historyRevision: progress.historyRevision } : {}),
    ...(progress.guard ? { guard: progress.guard } : {}),
    unguardedIsNew: progress.unguardedIsNew,
    errors: progress.errors,
    warnings: progress.warnings,
    fetchSummary: progress.fetchSummary,
    accuracy: progress.accuracy,
    throttledShare: progress.throttledShare,
    ...(progress.gitops ? { gitops: progress.gitops } : {}),
    ...(settings.outputMode === "git" || settings.outputMode === "both" ? { outputMode: settings.outputMode } : {}),
  };
  await sendAlerts(deps, report, settings.reportUrl);
  const level = outcome === "failed" || outcome === "aborted" ? "error" : "info";
  deps.log[level]({ outcome, generation: report.generation, counts: report.counts, applied: report.applied.length, durationMs: report.durationMs, errors: report.errors }, `cycle ${outcome}`);
  return report;
}

async function sendAlerts(deps: CycleDeps, report: CycleReport, reportUrl: string | undefined): Promise<void> {
  for (const alert of alertsForCycle(report, reportUrl !== undefined ? { reportUrl } : {})) {
    try {
      const results = await deps.notifier.send(alert);
      for (const r of results.filter((x) => !x.ok)) deps.log.warn({ alert: alert.kind, destination: r.destination, error: r.error }, "slack alert not delivered");
    } catch (error) {
      deps.log.warn({ alert: alert.kind, error: (error as Error).message }, "slack alert not delivered");
    }
  }
}

async function cyclePhases(deps: CycleDeps, settings: CycleSettings, started: Date, progress: Progress, signal: AbortSignal | undefined): Promise<CycleOutcome> {
  const { configMaps, log } = deps;
  const nowMs = started.getTime();
  const { namespace, name } = settings.ratelimitConfig;
  const target = configMapRef(namespace, name);

  // 1. Read ratelimit-config and the previous forecast.
  const config = await configMaps.get(namespace, name);
  if (config === undefined) throw new Error(`ConfigMap ${target} not found`);
  let cacheObject = await configMaps.get(settings.cache.namespace, settings.cache.name);
  const previous = readCache(cacheObject);
  if (previous.problem) progress.warnings.push(`previous forecast cache ${configMapRef(settings.cache.namespace, settings.cache.name)} is unreadable (${previous.problem}); starting a new one`);

  // 2. Was it changed behind the webhook's back?
  const stampKeys = deps.stampKeys?.();
  progress.guard = checkGuarded(config, stampKeys, settings.ratelimitConfig, cacheObject?.metadata.annotations?.[CACHE_ANNOTATIONS.lastGuarded]);
  if (progress.guard.status === "unchecked") progress.warnings.push("guardStamp.keyFile is not set: changes made while the webhook was down cannot be detected");
  if (progress.guard.status === "unguarded") {
    progress.unguardedIsNew = cacheObject?.metadata.annotations?.[CACHE_ANNOTATIONS.unguardedReported] !== progress.guard.digest;
    log.warn({ target, writtenBy: progress.guard.writtenBy, digest: progress.guard.digest, stamp: progress.guard.stamp }, "UNGUARDED change: ratelimit-config data carries no valid stamp (missing, forged, or made for other data)");
    // Noted now, not with the cache write: a cycle that fails later must not alert again next time.
    if (progress.unguardedIsNew && cacheObject) cacheObject = await noteUnguardedReported(deps, cacheObject, progress.guard.digest);
  }

  // 3. Rules.
  const loaded = loadRateLimitConfig(configFilesOfConfigMap(config), { mergeDomains: settings.mergeDomains });
  if (!loaded.ok) throw new Error(`${target} does not load as the ratelimit service would load it: ${loaded.errors.map((e) => e.message).join("; ")}`);
  const rules = loaded.rules.filter(isLimitedRule);
  const toFetch = rules.filter((r) => settings.overrides[r.fullKey]?.exclude !== true);
  checkpoint(signal);

  // 4+5. Traffic history and forecasts, chunk by chunk: the next chunk is fetched while this one
  // is forecast, so at most two chunks of series are in memory (10,000 rules x 14 days would not fit).
  const origin = await forecastOrigin(deps.traffic, toFetch, nowMs, settings.stepSeconds);
  const endMs = Math.floor(origin.ms / (settings.stepSeconds * 1000)) * settings.stepSeconds * 1000;
  const range = { startMs: endMs - settings.historyDays * 86_400_000, endMs, stepSeconds: settings.stepSeconds };
  const fetched: FetchTotals = { rules: toFetch.length, withSeries: 0, empty: [], unmapped: [], failed: [], requests: 0, warnings: 0 };
  const answerWarnings = new GroupedWarnings();
  const recommendations = new Map<string, Recommendation>();
  const forecastErrors = new Map<string, string>();
  const chunks: LimitedRule[][] = [];
  for (let i = 0; i < toFetch.length; i += settings.fetchChunkRules) chunks.push(toFetch.slice(i, i + settings.fetchChunkRules));
  const fetchChunk = async (chunk: readonly LimitedRule[]): Promise<FetchReport> => {
    try {
      return await deps.traffic.fetchRules(chunk, range);
    } catch (error) {
      const message = `traffic source ${settings.sourceDescription} failed: ${(error as Error).message}`;
      return { series: new Map(), empty: [], unmapped: [], failed: chunk.map((r) => ({ fullKey: r.fullKey, error: message })), warnings: [], requests: 0 };
    }
  };
  let next = chunks[0] ? fetchChunk(chunks[0]) : undefined;
  for (let c = 0; c < chunks.length; c++) {
    const report = await (next as Promise<FetchReport>);
    next = chunks[c + 1] ? fetchChunk(chunks[c + 1] as LimitedRule[]) : undefined;
    addFetchTotals(fetched, report);
    progress.warnings.push(...report.warnings);
    for (const w of report.answerWarnings ?? []) answerWarnings.add(w.text, w.subject);
    if (c === 0 && report.series.size === 0 && report.empty.length === 0 && report.failed.length > 0) {
      // The first chunk got nothing at all: the source is down, not one rule.
      await next?.catch(() => undefined);
      throw new Error(`traffic source ${settings.sourceDescription} is unavailable: all ${report.failed.length} rule queries of the first batch failed (first: ${report.failed[0]?.error ?? "?"}); current limits kept`);
    }
    checkpoint(signal);
    await forecastChunk(deps, settings, chunks[c] as LimitedRule[], report, origin.ms, recommendations, forecastErrors, signal);
    progress.accuracy.push(...measureAccuracy(chunks[c] as LimitedRule[], report, previous.cache, settings));
    deps.onRulesProgress?.({ rulesDone: Math.min(toFetch.length, (c + 1) * settings.fetchChunkRules), rulesTotal: toFetch.length });
    checkpoint(signal);
  }
  progress.warnings.push(...answerWarnings.lines());
  progress.fetchSummary = summarizeFetchTotals(fetched) + (origin.recorded ? `; traffic recorded up to ${new Date(origin.ms).toISOString()}, forecast from there` : "");
  log.info({ rules: rules.length, fetched: fetched.withSeries, empty: fetched.empty.length, failed: fetched.failed.length, unmapped: fetched.unmapped.length, requests: fetched.requests }, progress.fetchSummary);
  if (fetched.failed.length > 0 && fetched.withSeries === 0 && fetched.empty.length === 0) {
    throw new Error(`traffic source ${settings.sourceDescription} is unavailable: all ${fetched.failed.length} rule queries failed (first: ${fetched.failed[0]?.error ?? "?"}); current limits kept`);
  }
  for (const [fullKey, error] of forecastErrors) progress.warnings.push(`${fullKey}: forecast failed: ${error}`);
  for (const failure of fetched.failed) progress.warnings.push(`${failure.fullKey}: ${failure.error}`);

  // 6. Decide.
  const plan = planRules({ rules, fetch: fetched, recommendations, forecastErrors, overrides: settings.overrides, minConfidenceToApply: settings.minConfidenceToApply });
  progress.plan = plan;
  progress.throttledShare = await measureEffectiveness(deps, rules, settings, nowMs, progress);
  const generation = nextGeneration(cacheObject, previous.cache, config);

  // 6b. Git write-back before anything is written in the cluster: a Git fault then changes nothing anywhere.
  const outputMode = settings.outputMode ?? "cluster";
  if (outputMode !== "cluster") {
    if (deps.gitWriteBack === undefined) throw new Error(`output mode ${outputMode} needs the gitops settings`);
    checkpoint(signal);
    progress.gitops = await runGitStep(deps.gitWriteBack, { liveRules: loaded.rules, plan, generation, live: target, mergeDomains: settings.mergeDomains, dryRun: settings.dryRun }, log);
  }

  // 7. The cache first, always: the webhook re-reads it to check the write that follows
  // (or, in git mode, the merged pull request when Argo CD syncs it).
  const cache = buildForecastCache({ generation, generatedAt: started.toISOString(), source: settings.sourceDescription, plans: plan.rules });
  const cacheAnnotations: Record<string, string> = { [CACHE_ANNOTATIONS.dryRun]: String(settings.dryRun) };
  if (progress.guard.status === "unguarded") cacheAnnotations[CACHE_ANNOTATIONS.unguardedReported] = progress.guard.digest;
  if (progress.guard.status === "guarded") cacheAnnotations[CACHE_ANNOTATIONS.lastGuarded] = progress.guard.digest;
  checkpoint(signal);
  await writeCache(deps, settings, cacheObject, cache, cacheAnnotations);
  progress.generation = generation;
  log.info({ generation, rules: Object.keys(cache.rules).length }, "forecast cache written");

  // 8. Apply (or, in dry-run, only show) the changes.
  if (outputMode === "git" && progress.gitops) return gitOnlyOutcome(progress.gitops, progress);
  if (plan.changes.size === 0) return "no-change";
  const basedOn = new Map(plan.rules.filter((r) => r.state === "changed").map((r) => [r.fullKey, r.current]));
  if (settings.dryRun) {
    const edit = editLimits(config, plan.changes, basedOn, { mergeDomains: settings.mergeDomains });
    progress.diff = configMapDiff(config, edit);
    progress.skipped = [...edit.skipped];
    return "dry-run";
  }
  checkpoint(signal);
  return applyChanges(deps, settings, config, plan, basedOn, generation, progress, signal, stampKeys);
}

/** In `git` mode the cycle's applied, skipped and diff are those of the file in Git. */
function gitOnlyOutcome(git: GitStepResult, progress: Progress): CycleOutcome {
  progress.applied = [...git.applied];
  progress.skipped = [...git.skipped];
  progress.diff = git.diff;
  if (git.outcome === "dry-run") return "dry-run";
  return git.outcome === "pushed" ? "applied" : "no-change";
}

/** What the chunked fetch found, without holding the series. */
interface FetchTotals {
  readonly rules: number;
  withSeries: number;
  readonly empty: string[];
  readonly unmapped: FetchReport["unmapped"];
  readonly failed: FetchReport["failed"];
  requests: number;
  warnings: number;
}

function addFetchTotals(totals: FetchTotals, report: FetchReport): void {
  totals.withSeries += report.series.size;
  totals.empty.push(...report.empty);
  totals.unmapped.push(...report.unmapped);
  totals.failed.push(...report.failed);
  totals.requests += report.requests;
  totals.warnings += report.warnings.length + (report.answerWarnings?.length ?? 0);
}

/** `fetched 480 of 500 rules (12 empty, 3 failed, 5 unmapped) in 40 requests` (as summarizeFetchReport says it). */
/**
 * Where the forecast starts: now for a live source; for a recording, the end of its last step
 * (never after now), so replaying the same files gives the same recommendations on any day.
 */
export async function forecastOrigin(traffic: TrafficSource, rules: readonly LimitedRule[], nowMs: number, stepSeconds: number): Promise<{ ms: number; recorded: boolean }> {
  const latest = await traffic.latestRecordedMs?.(rules);
  if (latest === undefined) return { ms: nowMs, recorded: false };
  const stepMs = stepSeconds * 1000;
  // A row at t holds the step ending at t: the grid must reach the step that holds the latest row.
  const end = Math.ceil(latest / stepMs) * stepMs + stepMs;
  return end < nowMs ? { ms: end, recorded: true } : { ms: nowMs, recorded: false };
}

function summarizeFetchTotals(t: FetchTotals): string {
  const warnings = t.warnings > 0 ? `, ${t.warnings} warnings` : "";
  return `fetched ${t.withSeries} of ${t.rules} rules (${t.empty.length} empty, ${t.failed.length} failed, ${t.unmapped.length} unmapped) in ${t.requests} requests${warnings}`;
}

/** Forecasts the rules of one chunk that have history; a failure is that rule's, not the cycle's. */
async function forecastChunk(
  deps: CycleDeps,
  settings: CycleSettings,
  chunk: readonly LimitedRule[],
  report: FetchReport,
  nowMs: number,
  recommendations: Map<string, Recommendation>,
  forecastErrors: Map<string, string>,
  signal: AbortSignal | undefined,
): Promise<void> {
  const withSeries = chunk.filter((r) => report.series.has(r.fullKey));
  await forEachBounded(withSeries, Math.max(1, settings.forecastConcurrency), async (rule) => {
    if (signal?.aborted) return;
    const override = settings.overrides[rule.fullKey];
    try {
      const recommendation = await deps.forecaster.forecastRule({
        fullKey: rule.fullKey,
        unit: rule.rateLimit.unit,
        currentLimit: rule.rateLimit.requestsPerUnit,
        series: report.series.get(rule.fullKey) as RuleSeries,
        settings: settings.forecast,
        ...(override ? { override } : {}),
        nowMs,
      });
      recommendations.set(rule.fullKey, recommendation);
    } catch (error) {
      forecastErrors.set(rule.fullKey, (error as Error).message);
    }
  });
}

function measureAccuracy(rules: readonly LimitedRule[], fetch: FetchReport, previous: ForecastCache | undefined, settings: CycleSettings): RuleMeasure[] {
  if (previous === undefined) return [];
  const sinceMs = Date.parse(previous.generatedAt);
  const measures: RuleMeasure[] = [];
  for (const rule of rules) {
    const series = fetch.series.get(rule.fullKey);
    const expected = previous.rules[rule.fullKey]?.peak?.value;
    if (series === undefined || expected === undefined) continue;
    const observed = observedPeakPerUnit(series.samples, series.stepSeconds, rule.rateLimit.unit, sinceMs, settings.forecast.burstFactor);
    const ratio = peakAccuracyRatio(observed, expected);
    if (ratio !== undefined) measures.push({ fullKey: rule.fullKey, value: ratio });
  }
  return measures;
}

async function measureEffectiveness(deps: CycleDeps, rules: readonly LimitedRule[], settings: CycleSettings, nowMs: number, progress: Progress): Promise<RuleMeasure[]> {
  if (deps.effectiveness === undefined || rules.length === 0) return [];
  try {
    const counters = await deps.effectiveness.throttledShare(rules, settings.effectivenessWindowSeconds, nowMs);
    return [...counters].filter(([, c]) => c.totalHits > 0).map(([fullKey, c]) => ({ fullKey, value: c.overLimit / c.totalHits }));
  } catch (error) {
    progress.warnings.push(`rate limit effectiveness (over_limit/total_hits) not read: ${(error as Error).message}`);
    return [];
  }
}

/** The cache ConfigMap with `digest` noted as reported; the object unchanged (and a warning logged) when the note cannot be written. */
async function noteUnguardedReported(deps: CycleDeps, cacheObject: ConfigMapObject, digest: string): Promise<ConfigMapObject> {
  const annotations = { ...cacheObject.metadata.annotations, [CACHE_ANNOTATIONS.unguardedReported]: digest };
  try {
    return await deps.configMaps.replace({ ...cacheObject, metadata: { ...cacheObject.metadata, annotations } });
  } catch (error) {
    deps.log.warn({ error: (error as Error).message }, "could not note the unguarded change as reported: it may be alerted again");
    return cacheObject;
  }
}

async function writeCache(deps: CycleDeps, settings: CycleSettings, existing: ConfigMapObject | undefined, cache: ForecastCache, annotations: Record<string, string>): Promise<void> {
  const where = settings.cache;
  let current = existing;
  for (let attempt = 0; ; attempt++) {
    const object = cacheConfigMap(where, current, cache, annotations);
    try {
      if (current === undefined) await deps.configMaps.create(object);
      else await deps.configMaps.replace(object);
      return;
    } catch (error) {
      // The cache is ours alone (the Lease is held): a conflict is a stale read, not a rival write.
      if (!isConflict(error) || attempt >= 3) throw error;
      current = await deps.configMaps.get(where.namespace, where.name);
    }
  }
}

async function applyChanges(
  deps: CycleDeps,
  settings: CycleSettings,
  initial: ConfigMapObject,
  plan: CyclePlan,
  basedOn: ReadonlyMap<string, number>,
  generation: number,
  progress: Progress,
  signal: AbortSignal | undefined,
  stampKeys: StampKeyRing | undefined,
): Promise<CycleOutcome> {
  const { namespace, name } = settings.ratelimitConfig;
  const target = configMapRef(namespace, name);
  let current: ConfigMapObject = initial;
  for (let attempt = 0; attempt <= settings.maxConflictRetries; attempt++) {
    checkpoint(signal);
    const edit = editLimits(current, plan.changes, basedOn, { mergeDomains: settings.mergeDomains });
    progress.skipped = [...edit.skipped];
    if (edit.applied.length === 0) {
      deps.log.info({ skipped: edit.skipped.length }, "no limit left to change after re-reading ratelimit-config");
      return "no-change";
    }
    const now = deps.clock.now();
    const at = now.toISOString();
    const digest = configDataDigest(edit.data, edit.binaryData);
    // Stamped by us too: when the webhook is down, our own write is still known as guarded (the webhook re-stamps it when up).
    const stamp: Record<string, string> = stampKeys ? { [GUARDED_DIGEST_ANNOTATION]: signGuardStamp(stampKeys, settings.ratelimitConfig, digest, now.getTime()) } : {};
    const rulesChanged = edit.applied.map((a) => a.fullKey);
    // History first: nothing is ever replaced without a restorable copy.
    progress.historyRevision = await recordRevision(deps, settings, current, `${settings.writer} generation ${generation}`, describeLimitChanges(edit.applied), at);
    const { managedFields: _managed, ...metadata } = current.metadata;
    const next: ConfigMapObject = {
      metadata: { ...metadata, annotations: writeAnnotations(metadata.annotations, { ...applyAnnotations({ generation, appliedAt: at, rulesChanged, digest }), ...stamp }) },
      ...(edit.data ? { data: edit.data } : {}),
      ...(edit.binaryData ? { binaryData: edit.binaryData } : {}),
    };
    try {
      const stored = await deps.configMaps.replace(next);
      // The webhook clamps what lies outside the bands it holds (it may lack this generation): say so, the table shows what was asked.
      if (configDataDigest(stored.data, stored.binaryData) !== digest) progress.warnings.push(`the admission webhook changed this write of ${target} (limits clamped to the bands it holds): the stored limits differ from the changes listed`);
      progress.applied = [...edit.applied];
      progress.diff = configMapDiff(current, edit);
      deps.log.info({ target, generation, applied: edit.applied.length, historyRevision: progress.historyRevision, attempt }, "ratelimit-config updated");
      await pruneHistory(deps, settings, progress);
      return "applied";
    } catch (error) {
      if (!isConflict(error)) throw new Error(`writing ${target} failed, current limits kept: ${(error as Error).message}`);
      progress.conflicts += 1;
      deps.log.warn({ target, attempt }, "ratelimit-config changed since it was read (409); re-reading and recomputing the edit");
      const reread = await deps.configMaps.get(namespace, name);
      if (reread === undefined) throw new Error(`${target} was deleted during the cycle`);
      current = reread;
    }
  }
  throw new Error(`${target} kept changing under the forecaster: gave up after ${settings.maxConflictRetries + 1} attempts (409 Conflict each time); current limits kept`);
}

/** Saves `source` as a new revision, unless the newest revision already holds exactly this content. */
export async function recordRevision(
  deps: Pick<CycleDeps, "configMaps">,
  settings: Pick<CycleSettings, "ratelimitConfig" | "history">,
  source: ConfigMapObject,
  replacedBy: string,
  change: string,
  recordedAt: string,
): Promise<number> {
  const target = settings.ratelimitConfig;
  for (let attempt = 0; ; attempt++) {
    const entries = historyEntries(await deps.configMaps.list(settings.history.namespace, historyLabelSelector(target)), target);
    const newest = entries[0];
    if (newest !== undefined && newest.digest === configDataDigest(source.data, source.binaryData) && newest.sourceResourceVersion === (source.metadata.resourceVersion ?? "")) return newest.revision;
    const revision = nextRevision(entries);
    try {
      await deps.configMaps.create(buildRevision({ target, settings: settings.history, revision, source, recordedAt, replacedBy, change }));
      return revision;
    } catch (error) {
      // Another writer (a rollback) took this number: take the next one.
      if (!isConflict(error) || attempt >= 5) throw new Error(`saving history revision ${revision} of ${configMapRef(target.namespace, target.name)} failed, nothing written: ${(error as Error).message}`);
    }
  }
}

async function pruneHistory(deps: CycleDeps, settings: CycleSettings, progress: Progress): Promise<void> {
  const problem = await pruneRevisions(deps, settings);
  if (problem) progress.warnings.push(problem);
}

/** Deletes the revisions beyond `history.keep`, oldest first; a failure keeps them and is returned, never thrown. */
export async function pruneRevisions(deps: Pick<CycleDeps, "configMaps">, settings: Pick<CycleSettings, "ratelimitConfig" | "history">): Promise<string | undefined> {
  const target = settings.ratelimitConfig;
  try {
    const entries = historyEntries(await deps.configMaps.list(settings.history.namespace, historyLabelSelector(target)), target);
    for (const name of revisionsToPrune(entries, settings.history.keep)) await deps.configMaps.delete(settings.history.namespace, name);
    return undefined;
  } catch (error) {
    return `pruning history revisions failed (they are kept): ${(error as Error).message}`;
  }
}
