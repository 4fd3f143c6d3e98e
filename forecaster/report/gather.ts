/**
 * Gathers what the report needs through the cycle's own interfaces: the forecast cache and
 * ratelimit-config from the ConfigMap store, and each rule's traffic re-fetched from the traffic
 * source over the window the forecast used. Traffic is not kept with the cache: the cache is read
 * by the webhook on every admission and must stay far below 1 MiB, while 1,000 rules x 28 days of
 * 5-minute steps is 8 million points. Rules are fetched and reduced to chart data chunk by chunk,
 * so memory stays bounded.
 */
import { configFilesOfConfigMap } from "../../ratelimit/configmap.js";
import { configDataDigest } from "../../ratelimit/digest.js";
import { ANNOTATIONS } from "../../ratelimit/annotations.js";
import type { ForecastCache } from "../../ratelimit/forecast-cache.js";
import { loadRateLimitConfig } from "../../ratelimit/loader.js";
import { isLimitedRule, type LimitedRule } from "../../ratelimit/rule.js";
import { forecastOrigin, type CycleDeps, type CycleSettings } from "../cycle.js";
import { configMapRef } from "../io/configmaps.js";
import { CACHE_ANNOTATIONS, readCache } from "../logic/cache-build.js";
import { prepareForForecast } from "../logic/forecast-summary.js";
import { buildChartData, type ChartData } from "./chart-series.js";
import { buildReportData, type FetchProblem, type ReportData, type ReportRuleInput } from "./report-data.js";

export type ReportDeps = Pick<CycleDeps, "configMaps" | "traffic" | "clock" | "effectiveness">;
export type ReportSettings = Pick<CycleSettings, "ratelimitConfig" | "cache" | "mergeDomains" | "historyDays" | "stepSeconds" | "forecast" | "sourceDescription" | "effectivenessWindowSeconds" | "fetchChunkRules">;

export class ReportUnavailable extends Error {}

export interface GatheredReport {
  readonly data: ReportData;
  /** Problems that did not stop the report (a rule's traffic, the effectiveness counters). */
  readonly warnings: readonly string[];
}

/** Throws ReportUnavailable when there is no forecast to report on yet. */
export async function gatherReport(deps: ReportDeps, settings: ReportSettings): Promise<GatheredReport> {
  const cacheRef = configMapRef(settings.cache.namespace, settings.cache.name);
  const cacheObject = await deps.configMaps.get(settings.cache.namespace, settings.cache.name);
  if (cacheObject === undefined) throw new ReportUnavailable(`no forecast yet: the forecast cache ConfigMap ${cacheRef} does not exist (run a cycle first)`);
  const read = readCache(cacheObject);
  if (read.cache === undefined) throw new ReportUnavailable(`the forecast cache ${cacheRef} is unreadable: ${read.problem ?? "empty"}`);
  const cache = read.cache;
  const warnings: string[] = [];

  const target = configMapRef(settings.ratelimitConfig.namespace, settings.ratelimitConfig.name);
  const config = await deps.configMaps.get(settings.ratelimitConfig.namespace, settings.ratelimitConfig.name);
  let liveRules: LimitedRule[] = [];
  let unguarded = false;
  const lastChange = new Map<string, string>();
  if (config === undefined) warnings.push(`ConfigMap ${target} not found: limits shown are those the forecast was made against`);
  else {
    const loaded = loadRateLimitConfig(configFilesOfConfigMap(config), { mergeDomains: settings.mergeDomains });
    if (loaded.ok) liveRules = loaded.rules.filter(isLimitedRule);
    else warnings.push(`${target} does not load: ${loaded.errors.map((e) => e.message).join("; ")}`);
    // The stamp is checked by the cycle, which holds the key: the page shows its verdict on this content.
    unguarded = cacheObject.metadata.annotations?.[CACHE_ANNOTATIONS.unguardedReported] === configDataDigest(config.data, config.binaryData);
    for (const [fullKey, at] of lastChanges(config.metadata.annotations)) lastChange.set(fullKey, at);
  }
  const live = new Map(liveRules.map((r) => [r.fullKey, r]));
  // The cache's rules are what was forecast; a rule deleted since keeps its row but has no traffic
  // to fetch (the source maps rules by their descriptor chain).
  const rules: LimitedRule[] = Object.keys(cache.rules).flatMap((fullKey) => live.get(fullKey) ?? []);

  const charts = await fetchCharts(deps, settings, cache, rules, warnings);
  const throttled = await throttledShares(deps, settings, rules, Date.parse(cache.generatedAt), warnings);
  const inputs: ReportRuleInput[] = Object.entries(cache.rules).map(([fullKey, forecast]) => {
    const liveLimit = live.get(fullKey)?.rateLimit.requestsPerUnit;
    const chart = charts.series.get(fullKey);
    const problem = charts.problems.get(fullKey) ?? (config !== undefined && liveLimit === undefined ? { kind: "empty" as const, message: `no longer in ${target}` } : undefined);
    const changedAt = lastChange.get(fullKey);
    const share = throttled.get(fullKey);
    return {
      fullKey,
      forecast,
      ...(liveLimit !== undefined ? { liveLimit } : {}),
      ...(chart ? { chart } : {}),
      ...(problem ? { fetchProblem: problem } : {}),
      ...(changedAt ? { lastChangeAt: changedAt } : {}),
      ...(share !== undefined ? { throttledShare: share } : {}),
    };
  });
  const dryRunAnnotation = cacheObject.metadata.annotations?.[CACHE_ANNOTATIONS.dryRun];
  const data = buildReportData({
    cache,
    target,
    rules: inputs,
    unguarded,
    ...(dryRunAnnotation !== undefined ? { dryRun: dryRunAnnotation === "true" } : {}),
    builtAt: deps.clock.now().toISOString(),
    trafficSource: settings.sourceDescription,
  });
  return { data, warnings };
}

/** The forecaster's last write names the rules it changed and when (ratelimit/annotations.ts). */
function lastChanges(annotations: Readonly<Record<string, string>> | undefined): Array<[string, string]> {
  const at = annotations?.[ANNOTATIONS.appliedAt];
  const listed = annotations?.[ANNOTATIONS.rulesChanged];
  if (at === undefined || listed === undefined) return [];
  try {
    const keys: unknown = JSON.parse(listed);
    return Array.isArray(keys) ? keys.filter((k): k is string => typeof k === "string").map((k) => [k, at]) : [];
  } catch {
    return [];
  }
}

async function fetchCharts(deps: ReportDeps, settings: ReportSettings, cache: ForecastCache, rules: readonly LimitedRule[], warnings: string[]): Promise<{ series: Map<string, ChartData>; problems: Map<string, FetchProblem> }> {
  const series = new Map<string, ChartData>();
  const problems = new Map<string, FetchProblem>();
  // The window the forecast saw: a recording up to its end, a live source up to the cycle's start.
  const origin = await forecastOrigin(deps.traffic, rules, Date.parse(cache.generatedAt), settings.stepSeconds);
  const stepMs = settings.stepSeconds * 1000;
  const endMs = Math.floor(origin.ms / stepMs) * stepMs;
  const range = { startMs: endMs - settings.historyDays * 86_400_000, endMs, stepSeconds: settings.stepSeconds };
  const chunk = Math.max(1, settings.fetchChunkRules);
  // The engine may fit fewer days than were fetched; the chart shows them all, cleaned the same way.
  const fitFromMs = origin.ms - settings.forecast.maxHistoryDays * 86_400_000;
  const chartSettings = { ...settings.forecast, maxHistoryDays: Math.max(settings.forecast.maxHistoryDays, settings.historyDays) };
  for (let i = 0; i < rules.length; i += chunk) {
    const part = rules.slice(i, i + chunk);
    let report;
    try {
      report = await deps.traffic.fetchRules(part, range);
    } catch (error) {
      const message = `traffic source ${settings.sourceDescription} failed: ${(error as Error).message}`;
      for (const rule of part) problems.set(rule.fullKey, { kind: "failed", message });
      continue;
    }
    for (const u of report.unmapped) problems.set(u.fullKey, { kind: "unmapped", message: u.reason });
    for (const f of report.failed) problems.set(f.fullKey, { kind: "failed", message: f.error });
    for (const e of report.empty) problems.set(e, { kind: "empty", message: `no traffic recorded between ${new Date(range.startMs).toISOString()} and ${new Date(range.endMs).toISOString()}` });
    for (const rule of part) {
      const s = report.series.get(rule.fullKey);
      if (s === undefined) continue;
      const { atStep } = prepareForForecast(s, rule.rateLimit.unit, origin.ms, chartSettings);
      if (atStep.raw.length === 0) problems.set(rule.fullKey, { kind: "empty", message: "no usable traffic samples" });
      else series.set(rule.fullKey, buildChartData(atStep, rule.rateLimit.unit, settings.forecast.burstFactor, settings.forecast.horizonHours, fitFromMs));
    }
  }
  if (problems.size > 0) warnings.push(`${problems.size} rule(s) without traffic to chart (first: ${[...problems][0]?.[0]}: ${[...problems][0]?.[1].message})`);
  return { series, problems };
}

async function throttledShares(deps: ReportDeps, settings: ReportSettings, rules: readonly LimitedRule[], atMs: number, warnings: string[]): Promise<Map<string, number>> {
  const shares = new Map<string, number>();
  if (deps.effectiveness === undefined || rules.length === 0) return shares;
  try {
    const counters = await deps.effectiveness.throttledShare(rules, settings.effectivenessWindowSeconds, atMs);
    for (const [fullKey, c] of counters) if (c.totalHits > 0) shares.set(fullKey, c.overLimit / c.totalHits);
  } catch (error) {
    warnings.push(`throttled share (over_limit/total_hits) not read: ${(error as Error).message}`);
  }
  return shares;
}
