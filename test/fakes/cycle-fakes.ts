/**
 * Fakes behind the cycle's interfaces, shared by the forecaster's unit tests and the cross-process
 * tests: a traffic source serving fixed series, a forecaster answering from a table, a quiet
 * log, and ready-made settings.
 */
import type { LimitedRule } from "../../ratelimit/rule.js";
import type { CycleLog, CycleSettings, Forecaster } from "../../forecaster/cycle.js";
import type { ConfigMapObject } from "../../forecaster/io/configmaps.js";
import type { FetchReport, TrafficSource } from "../../forecaster/io/traffic-source.js";
import type { Recommendation } from "../../forecaster/logic/recommend.js";
import { DEFAULT_FORECAST_SETTINGS } from "../../forecaster/logic/settings.js";
import type { RuleSeries, TimeRange } from "../../forecaster/traffic.js";

export const quietLog: CycleLog = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };

/** Records log lines for assertions. */
export function recordingLog(): CycleLog & { lines: Array<{ level: string; message: string; fields: object }> } {
  const lines: Array<{ level: string; message: string; fields: object }> = [];
  const at = (level: string) => (fields: object, message: string) => void lines.push({ level, message, fields });
  return { lines, info: at("info"), warn: at("warn"), error: at("error"), debug: at("debug") };
}

/** Serves a flat series for every rule it knows; `down` makes every fetch throw. */
export class FakeTrafficSource implements TrafficSource {
  down = false;
  failing = new Set<string>();
  /** A warning the server attaches to every rule's answer (a template that fits no rule well). */
  answerWarning: string | undefined;
  requestedRanges: TimeRange[] = [];
  constructor(private readonly known: (fullKey: string) => boolean = () => true) {}

  async fetchRules(rules: readonly LimitedRule[], range: TimeRange): Promise<FetchReport> {
    this.requestedRanges.push(range);
    if (this.down) throw new Error("connect ECONNREFUSED 127.0.0.1:9090");
    const answerWarnings: Array<{ text: string; subject: string }> = [];
    const report: FetchReport = { series: new Map(), empty: [], unmapped: [], failed: [], warnings: [], answerWarnings, requests: 1 };
    for (const rule of rules) {
      if (this.answerWarning !== undefined) answerWarnings.push({ text: this.answerWarning, subject: `rule ${rule.fullKey}` });
      if (this.failing.has(rule.fullKey)) report.failed.push({ fullKey: rule.fullKey, error: "query failed: HTTP 503" });
      else if (!this.known(rule.fullKey)) report.unmapped.push({ fullKey: rule.fullKey, reason: "no query template matches" });
      else report.series.set(rule.fullKey, flatSeries(rule.fullKey, range, 10));
    }
    return report;
  }
}

export function flatSeries(fullKey: string, range: TimeRange, value: number): RuleSeries {
  const samples = [];
  for (let t = range.startMs; t < range.endMs; t += range.stepSeconds * 1000) samples.push({ timestampMs: t, value });
  return { fullKey, stepSeconds: range.stepSeconds, samples };
}

/** Answers with `recommended[fullKey]` (high confidence, band ×0.5..×4), or keeps the current limit. */
export class TableForecaster implements Forecaster {
  calls = 0;
  constructor(
    public recommended: Record<string, number | "low" | "throw">,
    private readonly nowMs = 0,
  ) {}

  async forecastRule(job: Parameters<Forecaster["forecastRule"]>[0]): Promise<Recommendation> {
    this.calls += 1;
    const current = job.currentLimit ?? 0;
    const answer = this.recommended[job.fullKey];
    if (answer === "throw") throw new Error("model crashed");
    if (answer === undefined || answer === "low") {
      return { recommended: current, keptCurrent: true, confidence: "low", model: "none", explanation: `${job.fullKey}: kept current ${current}: low confidence (2.0 days of history, needs 3)`, boundsApplied: [], anomalies: [] };
    }
    return {
      recommended: answer,
      keptCurrent: false,
      confidence: "high",
      band: { min: Math.floor(answer / 2), max: answer * 4 },
      peak: { value: Math.floor(answer / 2), atMs: this.nowMs + 3_600_000 },
      model: "seasonal-naive",
      explanation: `${job.fullKey}: ${answer} (was ${current})`,
      boundsApplied: [],
      anomalies: [],
    };
  }
}

export function configMap(namespace: string, name: string, data: Record<string, string>, annotations?: Record<string, string>): ConfigMapObject {
  return { metadata: { namespace, name, ...(annotations ? { annotations } : {}) }, data };
}

/** Settings for tests: release namespace `trendmaster`, ratelimit-config in istio-system. */
export function testCycleSettings(overrides: Partial<CycleSettings> = {}): CycleSettings {
  return {
    ratelimitConfig: { namespace: "istio-system", name: "ratelimit-config" },
    cache: { namespace: "trendmaster", name: "trendmaster-forecast" },
    history: { namespace: "trendmaster", namePrefix: "trendmaster-history", keep: 20 },
    dryRun: false,
    mergeDomains: false,
    historyDays: 14,
    stepSeconds: 300,
    forecast: DEFAULT_FORECAST_SETTINGS,
    overrides: {},
    minConfidenceToApply: "medium",
    maxConflictRetries: 3,
    forecastConcurrency: 4,
    sourceDescription: "test",
    writer: "trendmaster-forecaster test",
    effectivenessWindowSeconds: 3600,
    fetchChunkRules: 200,
    ...overrides,
  };
}
