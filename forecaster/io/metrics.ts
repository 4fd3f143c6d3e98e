/**
 * The forecaster's Prometheus metrics (prom-client), fed from each CycleReport. Per-rule series
 * are capped (metrics.maxRuleSeries) so 10,000 rules cannot blow up the scrape: changed and
 * low-confidence rules come first, then the most throttled, then the rest by name.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { CycleOutcome, CycleReport } from "../logic/cycle-report.js";
import { RULE_STATES, type RulePlan } from "../logic/plan.js";

export const METRIC_NAMES = Object.freeze({
  cycleDuration: "trendmaster_cycle_duration_seconds",
  cycles: "trendmaster_cycles_total",
  lastCycle: "trendmaster_last_cycle_timestamp_seconds",
  lastSuccess: "trendmaster_last_success_timestamp_seconds",
  generation: "trendmaster_forecast_generation",
  rules: "trendmaster_rules",
  ruleLimit: "trendmaster_rule_limit",
  ruleAccuracy: "trendmaster_rule_forecast_peak_ratio",
  ruleThrottled: "trendmaster_rule_throttled_ratio",
  configChanges: "trendmaster_config_changes_total",
  limitsChanged: "trendmaster_limits_changed_total",
  conflicts: "trendmaster_config_conflicts_total",
  unguarded: "trendmaster_unguarded_changes_total",
  lease: "trendmaster_lease_skipped_total",
  ruleSeriesDropped: "trendmaster_rule_series_dropped",
});

const CYCLE_OUTCOMES: readonly CycleOutcome[] = ["applied", "no-change", "dry-run", "failed", "aborted"];

export class ForecasterMetrics {
  readonly registry = new Registry();
  readonly #cycleDuration: Histogram<"outcome">;
  readonly #cycles: Counter<"outcome">;
  readonly #lastCycle: Gauge;
  readonly #lastSuccess: Gauge;
  readonly #generation: Gauge;
  readonly #rules: Gauge<"state">;
  readonly #ruleLimit: Gauge<"rule" | "kind">;
  readonly #ruleAccuracy: Gauge<"rule">;
  readonly #ruleThrottled: Gauge<"rule">;
  readonly #configChanges: Counter<"kind">;
  readonly #limitsChanged: Counter<"direction">;
  readonly #conflicts: Counter;
  readonly #unguarded: Counter;
  readonly #leaseSkipped: Counter;
  readonly #dropped: Gauge;

  constructor(private readonly maxRuleSeries: number, options: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.#cycleDuration = new Histogram({ name: METRIC_NAMES.cycleDuration, help: "Duration of forecast cycles by outcome", labelNames: ["outcome"], buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800], registers });
    this.#cycles = new Counter({ name: METRIC_NAMES.cycles, help: "Forecast cycles by outcome (applied, no-change, dry-run, failed, aborted)", labelNames: ["outcome"], registers });
    // Every outcome's series from the first scrape: a series born at 1 reads as no increase, so
    // the first failed cycle would not show in increase() (dashboards, alerts).
    for (const outcome of CYCLE_OUTCOMES) this.#cycles.inc({ outcome }, 0);
    this.#lastCycle = new Gauge({ name: METRIC_NAMES.lastCycle, help: "Unix time the last cycle finished", registers });
    this.#lastSuccess = new Gauge({ name: METRIC_NAMES.lastSuccess, help: "Unix time the last cycle that did not fail finished", registers });
    this.#generation = new Gauge({ name: METRIC_NAMES.generation, help: "Forecast generation last written to the cache", registers });
    this.#rules = new Gauge({ name: METRIC_NAMES.rules, help: "Rules by state in the last cycle", labelNames: ["state"], registers });
    this.#ruleLimit = new Gauge({ name: METRIC_NAMES.ruleLimit, help: "Per rule requests_per_unit: kind=current (before the cycle) or recommended", labelNames: ["rule", "kind"], registers });
    this.#ruleAccuracy = new Gauge({ name: METRIC_NAMES.ruleAccuracy, help: "Observed peak since the previous forecast / its expected peak (1 = exact, >1 = traffic beat the forecast)", labelNames: ["rule"], registers });
    this.#ruleThrottled = new Gauge({ name: METRIC_NAMES.ruleThrottled, help: "Share of a rule's requests answered OVER_LIMIT (ratelimit service over_limit / total_hits)", labelNames: ["rule"], registers });
    this.#configChanges = new Counter({ name: METRIC_NAMES.configChanges, help: "Writes to ratelimit-config by TrendMaster (kind=forecast|rollback)", labelNames: ["kind"], registers });
    this.#limitsChanged = new Counter({ name: METRIC_NAMES.limitsChanged, help: "Limits changed by the forecaster, by direction", labelNames: ["direction"], registers });
    this.#conflicts = new Counter({ name: METRIC_NAMES.conflicts, help: "409 conflicts met writing ratelimit-config (someone wrote meanwhile)", registers });
    this.#unguarded = new Counter({ name: METRIC_NAMES.unguarded, help: "ratelimit-config contents found not matching the webhook's guarded-digest stamp (written without the webhook)", registers });
    this.#leaseSkipped = new Counter({ name: METRIC_NAMES.lease, help: "Scheduled cycles skipped because another forecaster held the Lease", registers });
    this.#dropped = new Gauge({ name: METRIC_NAMES.ruleSeriesDropped, help: "Rules left out of per-rule series by metrics.maxRuleSeries", registers });
    for (const state of RULE_STATES) this.#rules.set({ state }, 0);
  }

  recordCycle(report: CycleReport, finishedAtMs: number): void {
    const seconds = report.durationMs / 1000;
    this.#cycleDuration.observe({ outcome: report.outcome }, seconds);
    this.#cycles.inc({ outcome: report.outcome });
    this.#lastCycle.set(finishedAtMs / 1000);
    if (report.outcome !== "failed" && report.outcome !== "aborted") this.#lastSuccess.set(finishedAtMs / 1000);
    if (report.generation !== undefined) this.#generation.set(report.generation);
    for (const state of RULE_STATES) this.#rules.set({ state }, report.counts[state]);
    if (report.applied.length > 0) {
      this.#configChanges.inc({ kind: "forecast" });
      for (const a of report.applied) this.#limitsChanged.inc({ direction: a.to > a.from ? "up" : "down" });
    }
    if (report.conflicts > 0) this.#conflicts.inc(report.conflicts);
    if (report.guard?.status === "unguarded" && report.unguardedIsNew) this.#unguarded.inc();
    if (report.plan) this.#recordRules(report);
  }

  recordRollback(): void {
    this.#configChanges.inc({ kind: "rollback" });
  }

  recordLeaseSkipped(): void {
    this.#leaseSkipped.inc();
  }

  #recordRules(report: CycleReport): void {
    const plans = report.plan?.rules ?? [];
    const throttled = new Map(report.throttledShare.map((m) => [m.fullKey, m.value]));
    const accuracy = new Map(report.accuracy.map((m) => [m.fullKey, m.value]));
    const chosen = chooseRuleSeries(plans, throttled, this.maxRuleSeries);
    this.#ruleLimit.reset();
    this.#ruleAccuracy.reset();
    this.#ruleThrottled.reset();
    for (const plan of chosen) {
      this.#ruleLimit.set({ rule: plan.fullKey, kind: "current" }, plan.current);
      this.#ruleLimit.set({ rule: plan.fullKey, kind: "recommended" }, plan.recommendation?.recommended ?? plan.target);
      const ratio = accuracy.get(plan.fullKey);
      if (ratio !== undefined) this.#ruleAccuracy.set({ rule: plan.fullKey }, ratio);
      const share = throttled.get(plan.fullKey);
      if (share !== undefined) this.#ruleThrottled.set({ rule: plan.fullKey }, share);
    }
    this.#dropped.set(plans.length - chosen.length);
  }
}

const STATE_PRIORITY: Readonly<Record<string, number>> = { changed: 0, "low-confidence": 1, failed: 2, unmapped: 3, unchanged: 4, excluded: 5 };

/** The rules that get per-rule series, at most `max`. */
export function chooseRuleSeries(plans: readonly RulePlan[], throttled: ReadonlyMap<string, number>, max: number): RulePlan[] {
  return [...plans]
    .sort((a, b) => (STATE_PRIORITY[a.state] ?? 9) - (STATE_PRIORITY[b.state] ?? 9) || (throttled.get(b.fullKey) ?? 0) - (throttled.get(a.fullKey) ?? 0) || (a.fullKey < b.fullKey ? -1 : 1))
    .slice(0, max);
}
