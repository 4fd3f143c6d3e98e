/**
 * TrafficSource over the Prometheus HTTP API (Prometheus itself, or Trickster in front of it).
 * Rules are mapped to PromQL by a query template, fetched in batches (`sum by`) when the template
 * has a batched form, a few requests at a time, each range split to stay under the point limit.
 */
import type { LimitedRule, RateLimitRule } from "../../ratelimit/rule.js";
import { compileQueryTemplate, planBatchQueries, QUERY_PRESETS, renderRuleQuery, seriesIdentity, type BatchQuery, type CompiledQueryTemplate } from "../logic/query-template.js";
import { placeOnGrid, splitRange } from "../logic/range-grid.js";
import type { TimeRange } from "../traffic.js";
import { createLimiter } from "./bounded-concurrency.js";
import { PrometheusClient, PrometheusRequestError, type PrometheusClientDeps, type PromSeries } from "./prometheus-client.js";
import { validatePrometheusSettings, type PrometheusSourceSettings } from "./prometheus-settings.js";
import type { FetchProgress, FetchReport, TrafficSource } from "./traffic-source.js";

export interface PrometheusSourceOptions {
  readonly maxPointsPerRequest: number;
  readonly concurrency: number;
  readonly batchSize: number;
}

/** A query to run and the rules its answer belongs to. */
type FetchUnit =
  | { readonly kind: "rule"; readonly rule: RateLimitRule; readonly query: string }
  | { readonly kind: "batch"; readonly batch: BatchQuery; readonly rules: readonly RateLimitRule[] };

/** One series of a query over the whole range: the parts each chunk returned for its label set. */
interface AnsweredSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly parts: PromSeries[];
}

interface QueryAnswer {
  readonly series: AnsweredSeries[];
  readonly warnings: string[];
}

/** Builds the source from validated settings; throws with every problem when they are not valid. */
export async function createPrometheusTrafficSource(settings: PrometheusSourceSettings, deps: PrometheusClientDeps = {}): Promise<PrometheusTrafficSource> {
  const problems = validatePrometheusSettings(settings);
  const compiled = compileQueryTemplate(typeof settings.query === "string" ? QUERY_PRESETS[settings.query] : settings.query);
  if (!compiled.ok) problems.push(...compiled.problems);
  if (problems.length > 0 || !compiled.ok) throw new Error(`invalid Prometheus settings:\n  ${problems.join("\n  ")}`);
  const client = await PrometheusClient.create(settings, deps);
  return new PrometheusTrafficSource(client, compiled.template, settings);
}

export class PrometheusTrafficSource implements TrafficSource {
  constructor(
    readonly client: PrometheusClient,
    private readonly template: CompiledQueryTemplate,
    private readonly options: PrometheusSourceOptions,
  ) {}

  close(): void {
    this.client.close();
  }

  async fetchRules(rules: readonly LimitedRule[], range: TimeRange, onProgress?: (progress: FetchProgress) => void): Promise<FetchReport> {
    const report: FetchReport = { series: new Map(), empty: [], unmapped: [], failed: [], warnings: [], requests: 0 };
    const mapped: { rule: RateLimitRule; query: string }[] = [];
    for (const rule of rules) {
      const query = renderRuleQuery(this.template, rule, range.stepSeconds);
      if (query.ok) mapped.push({ rule, query: query.query });
      else report.unmapped.push({ fullKey: rule.fullKey, reason: query.reason });
    }
    const batches = this.options.batchSize > 1 ? planBatchQueries(this.template, mapped.map((m) => m.rule), range.stepSeconds, this.options.batchSize) : undefined;
    const units: FetchUnit[] =
      batches === undefined
        ? mapped.map((m) => ({ kind: "rule", rule: m.rule, query: m.query }))
        : batches.map((batch) => ({ kind: "batch", batch, rules: [...batch.rulesByIdentity.values()].flat() }));
    const queryOf = new Map(mapped.map((m) => [m.rule.fullKey, m.query]));

    let rulesDone = 0;
    let requests = 0;
    // Requests, not queries, share the limit: a long range's chunks run side by side too.
    const limit = createLimiter(this.options.concurrency);
    const ask = async (query: string): Promise<QueryAnswer> => {
      const chunks = splitRange(range, this.options.maxPointsPerRequest);
      const results = await Promise.allSettled(chunks.map((chunk) => limit(() => this.client.queryRange(query, chunk.startMs, chunk.endMs, range.stepSeconds))));
      const byLabels = new Map<string, AnsweredSeries>();
      const warnings = new Set<string>();
      let firstError: unknown;
      for (const result of results) {
        if (result.status === "rejected") {
          if (result.reason instanceof PrometheusRequestError) requests += result.reason.attempts;
          firstError ??= result.reason;
          continue;
        }
        requests += result.value.attempts;
        for (const w of result.value.warnings) warnings.add(w);
        for (const s of result.value.data) {
          const key = JSON.stringify(Object.entries(s.labels).sort(([a], [b]) => (a < b ? -1 : 1)));
          const entry = byLabels.get(key) ?? { labels: s.labels, parts: [] };
          entry.parts.push(s);
          byLabels.set(key, entry);
        }
      }
      if (firstError !== undefined) throw firstError;
      return { series: [...byLabels.values()], warnings: [...warnings] };
    };

    const fetchRule = async (rule: RateLimitRule, query: string): Promise<void> => {
      try {
        const answer = await ask(query);
        for (const w of answer.warnings) report.warnings.push(`rule ${rule.fullKey}: ${w}`);
        if (answer.series.length > 1) {
          report.failed.push({ fullKey: rule.fullKey, error: `query ${query} returned ${answer.series.length} series; the template must aggregate to one (wrap it in sum(...))` });
        } else {
          this.#record(report, rule, answer.series[0], range);
        }
      } catch (err) {
        report.failed.push({ fullKey: rule.fullKey, error: errorText(err) });
      }
    };

    const fetchBatch = async (unit: Extract<FetchUnit, { kind: "batch" }>): Promise<void> => {
      let answer: QueryAnswer;
      try {
        answer = await ask(unit.batch.query);
      } catch (err) {
        // A batch refused as such (too long, too many samples) may still work rule by rule;
        // a server that stays down would not, so those rules fail with the batch's error.
        if (err instanceof PrometheusRequestError && (err.kind === "api" || (err.kind === "http" && err.status !== undefined && err.status < 500 && err.status !== 429))) {
          report.warnings.push(`batch of ${unit.rules.length} rules failed, fetching them one by one: ${err.message}`);
          await Promise.all(unit.rules.map((rule) => fetchRule(rule, queryOf.get(rule.fullKey) ?? "")));
        } else {
          for (const rule of unit.rules) report.failed.push({ fullKey: rule.fullKey, error: `in a batch of ${unit.rules.length} rules: ${errorText(err)}` });
        }
        return;
      }
      for (const w of answer.warnings) report.warnings.push(`batch of ${unit.rules.length} rules starting ${unit.rules[0]?.fullKey ?? ""}: ${w}`);
      const seriesByIdentity = new Map<string, AnsweredSeries[]>();
      for (const s of answer.series) {
        const identity = seriesIdentity(unit.batch.ruleLabels.map((label) => s.labels[label] ?? ""));
        // Alternations of several labels also select combinations no rule asked for: skipped here.
        if (!unit.batch.rulesByIdentity.has(identity)) continue;
        seriesByIdentity.set(identity, [...(seriesByIdentity.get(identity) ?? []), s]);
      }
      for (const [identity, rulesOfSeries] of unit.batch.rulesByIdentity) {
        const found = seriesByIdentity.get(identity) ?? [];
        for (const rule of rulesOfSeries) {
          if (found.length > 1) report.failed.push({ fullKey: rule.fullKey, error: `batched query returned ${found.length} series for this rule's labels ${identity}; the batch expression must sum by exactly ${unit.batch.ruleLabels.join(", ")}` });
          else this.#record(report, rule, found[0], range);
        }
      }
    };

    await Promise.all(
      units.map(async (unit) => {
        if (unit.kind === "rule") await fetchRule(unit.rule, unit.query);
        else await fetchBatch(unit);
        rulesDone += unit.kind === "rule" ? 1 : unit.rules.length;
        onProgress?.({ rulesDone, rulesTotal: mapped.length, requests });
      }),
    );
    return { ...report, requests };
  }

  /** Files one rule's series (or its absence) in the report. */
  #record(report: FetchReport, rule: RateLimitRule, series: AnsweredSeries | undefined, range: TimeRange): void {
    if (series === undefined) {
      report.empty.push(rule.fullKey);
      return;
    }
    const placed = placeOnGrid(range, series.parts);
    if (placed.offGrid > 0) report.warnings.push(`rule ${rule.fullKey}: ${placed.offGrid} points off the requested grid were dropped (is the range start aligned to the step?)`);
    if (placed.filled === 0) report.empty.push(rule.fullKey);
    else report.series.set(rule.fullKey, { fullKey: rule.fullKey, stepSeconds: range.stepSeconds, samples: placed.samples });
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
