/**
 * TrafficSource over the Prometheus HTTP API (Prometheus itself, or Trickster in front of it).
 * Rules are mapped to PromQL by a query template, fetched in batches (`sum by`) when the template
 * has a batched form, a few requests at a time, each range split to stay under the point limit.
 */
import type { LimitedRule, RateLimitRule } from "../../ratelimit/rule.js";
import { planBatchQueries, renderRuleQuery, seriesIdentity, type BatchQuery, type CompiledQueryTemplate } from "../logic/query-template.js";
import { placeOnGrid, splitRange } from "../logic/range-grid.js";
import type { RuleSeries, TimeRange } from "../traffic.js";
import { createLimiter } from "./bounded-concurrency.js";
import { PrometheusClient, PrometheusRequestError, type PrometheusClientDeps, type PromSeries } from "./prometheus-client.js";
import { compileSettingsTemplate, validatePrometheusSettings, type PrometheusSourceSettings } from "./prometheus-settings.js";
import type { FetchFailure, FetchProgress, FetchReport, TrafficSource, UnmappedRule } from "./traffic-source.js";

export interface PrometheusSourceOptions {
  readonly maxPointsPerRequest: number;
  readonly concurrency: number;
  readonly batchSize: number;
}

/** Builds the source from settings; throws with every problem when they are not valid (validate at start first). */
export async function createPrometheusTrafficSource(settings: PrometheusSourceSettings, deps: PrometheusClientDeps = {}): Promise<PrometheusTrafficSource> {
  const compiled = compileSettingsTemplate(settings.query);
  // validatePrometheusSettings already names an unknown preset; a custom template's problems come from compiling it.
  const problems = [...validatePrometheusSettings(settings), ...(compiled.ok || typeof settings.query === "string" ? [] : compiled.problems)];
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
    const unmapped: UnmappedRule[] = [];
    const mapped: { rule: RateLimitRule; query: string }[] = [];
    for (const rule of rules) {
      const query = renderRuleQuery(this.template, rule, range.stepSeconds);
      if (query.ok) mapped.push({ rule, query: query.query });
      else unmapped.push({ fullKey: rule.fullKey, reason: query.reason });
    }
    const fetch = new RangeFetch(this.client, range, this.options, new Map(mapped.map((m) => [m.rule.fullKey, m.query])));
    const batches = this.options.batchSize > 1 ? planBatchQueries(this.template, mapped.map((m) => m.rule), range.stepSeconds, this.options.batchSize) : undefined;
    let rulesDone = 0;
    const done = (count: number): void => {
      rulesDone += count;
      onProgress?.({ rulesDone, rulesTotal: mapped.length, requests: fetch.requests });
    };
    if (batches === undefined) {
      await Promise.all(mapped.map(async (m) => done(await fetch.fetchRule(m.rule))));
    } else {
      await Promise.all(batches.map(async (b) => done(await fetch.fetchBatch(b))));
    }
    return { ...fetch.outcome(), unmapped };
  }
}

/** One series of a query over the whole range: the parts each chunk returned for its label set. */
interface AnsweredSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly parts: PromSeries[];
}

interface QueryAnswer {
  readonly series: AnsweredSeries[];
  readonly warnings: string[];
}

/** One fetchRules call: its request limit, request count and the outcome of every rule. */
class RangeFetch {
  requests = 0;
  readonly #series = new Map<string, RuleSeries>();
  readonly #empty: string[] = [];
  readonly #failed: FetchFailure[] = [];
  readonly #warnings: string[] = [];
  readonly #answerWarnings: Array<{ text: string; subject: string }> = [];
  // Requests, not queries, share the limit: a long range's chunks run side by side too.
  readonly #limit: <T>(task: () => Promise<T>) => Promise<T>;

  constructor(
    private readonly client: PrometheusClient,
    private readonly range: TimeRange,
    private readonly options: PrometheusSourceOptions,
    private readonly queryOf: ReadonlyMap<string, string>,
  ) {
    this.#limit = createLimiter(options.concurrency);
  }

  outcome(): Omit<FetchReport, "unmapped"> {
    return { series: this.#series, empty: this.#empty, failed: this.#failed, warnings: this.#warnings, answerWarnings: this.#answerWarnings, requests: this.requests };
  }

  /** Fetches one rule with its own query; returns the number of rules settled (1). */
  async fetchRule(rule: RateLimitRule): Promise<number> {
    const query = this.queryOf.get(rule.fullKey) ?? "";
    try {
      const answer = await this.#ask(query);
      for (const text of answer.warnings) this.#answerWarnings.push({ text, subject: `rule ${rule.fullKey}` });
      if (answer.series.length > 1) {
        this.#failed.push({ fullKey: rule.fullKey, error: `query ${query} returned ${answer.series.length} series; the template must aggregate to one (wrap it in sum(...))` });
      } else {
        this.#record(rule, answer.series[0]);
      }
    } catch (err) {
      this.#failed.push({ fullKey: rule.fullKey, error: errorText(err) });
    }
    return 1;
  }

  /** Fetches a batch of rules with one `sum by` query; returns the number of rules settled. */
  async fetchBatch(batch: BatchQuery): Promise<number> {
    const rules = [...batch.rulesByIdentity.values()].flat();
    let answer: QueryAnswer;
    try {
      answer = await this.#ask(batch.query);
    } catch (err) {
      // A batch refused as such (too long, too many samples) may still work rule by rule;
      // a server that stays down would not, so those rules fail with the batch's error.
      if (err instanceof PrometheusRequestError && (err.kind === "api" || (err.kind === "http" && err.status !== undefined && err.status < 500 && err.status !== 429))) {
        this.#warnings.push(`batch of ${rules.length} rules failed, fetching them one by one: ${err.message}`);
        await Promise.all(rules.map((rule) => this.fetchRule(rule)));
      } else {
        for (const rule of rules) this.#failed.push({ fullKey: rule.fullKey, error: `in a batch of ${rules.length} rules: ${errorText(err)}` });
      }
      return rules.length;
    }
    for (const text of answer.warnings) this.#answerWarnings.push({ text, subject: `batch of ${rules.length} rules starting ${rules[0]?.fullKey ?? ""}` });
    const seriesByIdentity = new Map<string, AnsweredSeries[]>();
    for (const s of answer.series) {
      const identity = seriesIdentity(batch.ruleLabels.map((label) => s.labels[label] ?? ""));
      // Alternations of several labels also select combinations no rule asked for: skipped here.
      if (!batch.rulesByIdentity.has(identity)) continue;
      seriesByIdentity.set(identity, [...(seriesByIdentity.get(identity) ?? []), s]);
    }
    for (const [identity, rulesOfSeries] of batch.rulesByIdentity) {
      const found = seriesByIdentity.get(identity) ?? [];
      for (const rule of rulesOfSeries) {
        if (found.length > 1) this.#failed.push({ fullKey: rule.fullKey, error: `batched query returned ${found.length} series for this rule's labels ${identity}; the batch expression must sum by exactly ${batch.ruleLabels.join(", ")}` });
        else this.#record(rule, found[0]);
      }
    }
    return rules.length;
  }

  /** Runs a query over the whole range, a request per chunk, and joins the chunks by label set. */
  async #ask(query: string): Promise<QueryAnswer> {
    const chunks = splitRange(this.range, this.options.maxPointsPerRequest);
    const results = await Promise.allSettled(chunks.map((chunk) => this.#limit(() => this.client.queryRange(query, chunk.startMs, chunk.endMs, this.range.stepSeconds))));
    const byLabels = new Map<string, AnsweredSeries>();
    const warnings = new Set<string>();
    let firstError: unknown;
    for (const result of results) {
      if (result.status === "rejected") {
        if (result.reason instanceof PrometheusRequestError) this.requests += result.reason.attempts;
        firstError ??= result.reason;
        continue;
      }
      this.requests += result.value.attempts;
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
  }

  /** Files one rule's series (or its absence). */
  #record(rule: RateLimitRule, series: AnsweredSeries | undefined): void {
    if (series === undefined) {
      this.#empty.push(rule.fullKey);
      return;
    }
    const placed = placeOnGrid(this.range, series.parts);
    if (placed.offGrid > 0) this.#warnings.push(`rule ${rule.fullKey}: ${placed.offGrid} points off the requested grid were dropped (is the range start aligned to the step?)`);
    if (placed.filled === 0) this.#empty.push(rule.fullKey);
    else this.#series.set(rule.fullKey, { fullKey: rule.fullKey, stepSeconds: this.range.stepSeconds, samples: placed.samples });
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
