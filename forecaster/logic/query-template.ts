/**
 * Descriptor-to-PromQL mapping. A template is PromQL with placeholders that take a rule's
 * descriptor values; values are escaped as string literals (and regex-escaped behind `=~`/`!~`),
 * so hostile label values can neither break the query nor match other rules' traffic.
 *
 * Placeholders: `$NAME` or `${any key}`.
 *   `$STEP`   the query step as a PromQL duration (`1m`), for `increase(...[$STEP])`
 *   `$DOMAIN` the rule's domain
 *   `$KEY1`…  the composite key (`key_value`) of descriptor level 1…; "" when the rule is shallower
 *   anything else: the value of the descriptor entry with that key (`$PARTNER` → value of PARTNER)
 */
import { compositeKey, type RateLimitRule } from "../../ratelimit/rule.js";
import { escapePromQLString, escapeRegex, formatPromDuration, type PromQLQuote } from "./promql-escape.js";

/** A query template as written in settings. */
export interface QueryTemplate {
  readonly name: string;
  /** PromQL for one rule. It must return at most one series (aggregate with `sum(...)`). */
  readonly expr: string;
  /**
   * Optional form that fetches many rules in one query: placeholders behind `=~` take the
   * alternation of the batch's values, and each returned series is matched back to its rules
   * by `ruleLabels` (label name → placeholder name), which must be the `sum by (...)` labels.
   */
  readonly batch?: {
    readonly expr: string;
    readonly ruleLabels: Readonly<Record<string, string>>;
  };
  /**
   * The metric's labels come from a dot-separated statsd name (ratelimit service stats through
   * the statsd exporter), so a value containing a dot lands in the wrong label: such rules are unmapped.
   */
  readonly dotSeparatedStatName?: boolean;
}

export const QUERY_PRESETS: Readonly<Record<"nginx" | "ratelimit-service", QueryTemplate>> = Object.freeze({
  nginx: {
    name: "nginx",
    expr: 'sum(increase(service_nginx_request_time_s_count{partner="$PARTNER",path="$PATH"}[$STEP]))',
    batch: {
      expr: 'sum by (partner, path) (increase(service_nginx_request_time_s_count{partner=~"$PARTNER",path=~"$PATH"}[$STEP]))',
      ruleLabels: { partner: "PARTNER", path: "PATH" },
    },
  },
  // Stats `ratelimit.service.rate_limit.<domain>.<key1>[.<key2>].total_hits` as the ratelimit
  // repo's statsd-exporter mapping labels them; key2="" also matches one-level rules (label absent).
  "ratelimit-service": {
    name: "ratelimit-service",
    expr: 'sum(increase(ratelimit_service_rate_limit_total_hits{domain="$DOMAIN",key1="$KEY1",key2="$KEY2"}[$STEP]))',
    batch: {
      expr: 'sum by (domain, key1, key2) (increase(ratelimit_service_rate_limit_total_hits{domain="$DOMAIN",key1=~"$KEY1",key2=~"$KEY2"}[$STEP]))',
      ruleLabels: { domain: "DOMAIN", key1: "KEY1", key2: "KEY2" },
    },
    dotSeparatedStatName: true,
  },
});

export type QueryPresetName = keyof typeof QUERY_PRESETS;

export function isQueryPresetName(name: string): name is QueryPresetName {
  return Object.hasOwn(QUERY_PRESETS, name);
}

/** Where a placeholder sits, which decides how its value is escaped. */
type PlaceholderContext = "bare" | "string" | "regex";

type Segment =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "placeholder"; readonly name: string; readonly context: PlaceholderContext; readonly quote: PromQLQuote };

/** A template checked and split into text and placeholders, ready to render. */
export interface CompiledQueryTemplate {
  readonly name: string;
  readonly segments: readonly Segment[];
  readonly placeholders: ReadonlySet<string>;
  readonly batch?: {
    readonly segments: readonly Segment[];
    readonly ruleLabels: readonly (readonly [label: string, placeholder: string])[];
  };
  readonly dotSeparatedStatName: boolean;
}

export type CompileResult =
  | { readonly ok: true; readonly template: CompiledQueryTemplate }
  | { readonly ok: false; readonly problems: readonly string[] };

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;
const LEVEL_PLACEHOLDER = /^KEY([1-9][0-9]*)$/;

/** Splits `expr` into text and placeholders; every problem found is returned, with its position. */
function parseSegments(expr: string, where: string): { segments: Segment[]; problems: string[] } {
  const segments: Segment[] = [];
  const problems: string[] = [];
  let text = "";
  let quote: PromQLQuote | "`" | undefined;
  let stringContext: PlaceholderContext = "bare";
  for (let i = 0; i < expr.length; i++) {
    const ch = expr.charAt(i);
    if (quote !== undefined && ch === "\\" && quote !== "`") {
      text += ch + expr.charAt(i + 1);
      i++;
      continue;
    }
    if (ch === "$") {
      let name: string | undefined;
      let end = i + 1;
      if (expr.charAt(i + 1) === "{") {
        const close = expr.indexOf("}", i + 2);
        if (close > i + 2) {
          name = expr.slice(i + 2, close);
          end = close + 1;
        }
      } else if (NAME_START.test(expr.charAt(i + 1))) {
        while (end < expr.length && NAME_CHAR.test(expr.charAt(end))) end++;
        name = expr.slice(i + 1, end);
      }
      if (name === undefined) {
        problems.push(`${where}: '$' at offset ${i} starts no placeholder (use $NAME or \${name})`);
        text += ch;
        continue;
      }
      if (quote === "`") problems.push(`${where}: placeholder $${name} sits in a raw \`string\`, which cannot be escaped; use double quotes`);
      else if (quote === undefined && name !== "STEP") problems.push(`${where}: placeholder $${name} must be inside a quoted string, e.g. label="$${name}"`);
      segments.push({ kind: "text", text });
      text = "";
      segments.push({ kind: "placeholder", name, context: quote === undefined ? "bare" : stringContext, quote: quote === "'" ? "'" : '"' });
      i = end - 1;
      continue;
    }
    if (quote === undefined && (ch === '"' || ch === "'" || ch === "`")) {
      quote = ch;
      stringContext = /[=!]~\s*$/.test(expr.slice(0, i)) ? "regex" : "string";
    } else if (quote !== undefined && ch === quote) {
      quote = undefined;
    }
    text += ch;
  }
  if (quote !== undefined) problems.push(`${where}: unterminated string literal`);
  segments.push({ kind: "text", text });
  return { segments: segments.filter((s) => s.kind !== "text" || s.text !== ""), problems };
}

function placeholderNames(segments: readonly Segment[]): Set<string> {
  const names = new Set<string>();
  for (const s of segments) if (s.kind === "placeholder") names.add(s.name);
  return names;
}

/** Checks a template once (at start, with the settings) and prepares it for rendering. */
export function compileQueryTemplate(template: QueryTemplate): CompileResult {
  const problems: string[] = [];
  const main = parseSegments(template.expr, `query template "${template.name}"`);
  problems.push(...main.problems);
  const placeholders = placeholderNames(main.segments);
  if (![...placeholders].some((p) => p !== "STEP")) problems.push(`query template "${template.name}": uses no descriptor placeholder, so every rule would get the same series`);

  let batch: CompiledQueryTemplate["batch"];
  if (template.batch !== undefined) {
    const where = `query template "${template.name}" batch`;
    const parsed = parseSegments(template.batch.expr, where);
    problems.push(...parsed.problems);
    const ruleLabels = Object.entries(template.batch.ruleLabels);
    const labelled = new Set(ruleLabels.map(([, placeholder]) => placeholder));
    for (const name of placeholders) {
      if (name !== "STEP" && !labelled.has(name)) problems.push(`${where}: placeholder $${name} of the rule query has no entry in ruleLabels, so batched series could not be told apart`);
    }
    for (const s of parsed.segments) {
      if (s.kind === "placeholder" && s.name !== "STEP" && !placeholders.has(s.name)) problems.push(`${where}: placeholder $${s.name} is not in the rule query`);
    }
    batch = { segments: parsed.segments, ruleLabels };
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    template: { name: template.name, segments: main.segments, placeholders, batch, dotSeparatedStatName: template.dotSeparatedStatName === true },
  };
}

/** The query for one rule, or why the template cannot map it. */
export type RuleQuery = { readonly ok: true; readonly query: string } | { readonly ok: false; readonly reason: string };

/** Placeholder values for one rule, or why it cannot be mapped. */
type Resolution = { readonly ok: true; readonly values: ReadonlyMap<string, string> } | { readonly ok: false; readonly reason: string };

function resolveRule(template: CompiledQueryTemplate, rule: RateLimitRule): Resolution {
  for (const entry of rule.chain) {
    if (entry.value === undefined || entry.value === "") {
      return { ok: false, reason: `descriptor key "${entry.key}" has no value: the service keeps one counter per distinct value, which one query cannot follow` };
    }
    if (entry.value.endsWith("*")) {
      return { ok: false, reason: `descriptor ${entry.key}="${entry.value}" is a wildcard: the service keeps one counter per matching value, which one query cannot follow` };
    }
  }
  const values = new Map<string, string>();
  for (const name of template.placeholders) {
    if (name === "STEP") continue;
    if (name === "DOMAIN") {
      values.set(name, rule.domain);
      continue;
    }
    const level = LEVEL_PLACEHOLDER.exec(name);
    if (level !== null) {
      const entry = rule.chain[Number(level[1]) - 1];
      values.set(name, entry === undefined ? "" : compositeKey(entry));
      continue;
    }
    const entries = rule.chain.filter((e) => e.key === name);
    if (entries.length === 0) return { ok: false, reason: `template "${template.name}" needs descriptor key "${name}", which the rule does not have` };
    if (entries.length > 1) return { ok: false, reason: `descriptor key "${name}" appears ${entries.length} times in the chain; $${name} is ambiguous` };
    values.set(name, entries[0]?.value ?? "");
  }
  // A level the query ignores would merge traffic of every value of that key into this rule.
  for (const [index, entry] of rule.chain.entries()) {
    if (!template.placeholders.has(entry.key) && !template.placeholders.has(`KEY${index + 1}`)) {
      return { ok: false, reason: `template "${template.name}" does not use descriptor key "${entry.key}" (level ${index + 1}), so its query would also count other ${entry.key} values` };
    }
  }
  if (template.dotSeparatedStatName) {
    for (const [name, value] of values) {
      if (value.includes(".")) return { ok: false, reason: `$${name}="${value}" contains a dot, which splits the dot-separated stat name into other labels` };
    }
  }
  return { ok: true, values };
}

function render(segments: readonly Segment[], stepSeconds: number, valueOf: (name: string, context: PlaceholderContext) => string): string {
  let out = "";
  for (const s of segments) {
    if (s.kind === "text") out += s.text;
    else if (s.name === "STEP") out += formatPromDuration(stepSeconds);
    else out += escapePromQLString(valueOf(s.name, s.context), s.quote);
  }
  return out;
}

/** Renders the per-rule query; the step sets `$STEP`. */
export function renderRuleQuery(template: CompiledQueryTemplate, rule: RateLimitRule, stepSeconds: number): RuleQuery {
  const resolved = resolveRule(template, rule);
  if (!resolved.ok) return resolved;
  const query = render(template.segments, stepSeconds, (name, context) => {
    const value = resolved.values.get(name) ?? "";
    return context === "regex" ? escapeRegex(value) : value;
  });
  return { ok: true, query };
}

/** One batched query and how to tell its series apart. */
export interface BatchQuery {
  readonly query: string;
  /** Rules keyed by `ruleIdentity` of their label values (several rules may share a series). */
  readonly rulesByIdentity: ReadonlyMap<string, readonly RateLimitRule[]>;
  readonly ruleLabels: readonly string[];
}

/** The identity of a series (or a rule) in a batch: its values of the batch's rule labels, in order. */
export function seriesIdentity(labelValues: readonly string[]): string {
  return JSON.stringify(labelValues);
}

/**
 * Groups mappable rules into batched queries of at most `batchSize` rules each. Rules whose
 * values differ in a non-regex placeholder (e.g. `domain="$DOMAIN"`) go to different batches.
 * Returns undefined when the template has no batched form.
 */
export function planBatchQueries(template: CompiledQueryTemplate, rules: readonly RateLimitRule[], stepSeconds: number, batchSize: number): BatchQuery[] | undefined {
  const batch = template.batch;
  if (batch === undefined) return undefined;
  const fixedNames = [...new Set(batch.segments.flatMap((s) => (s.kind === "placeholder" && s.name !== "STEP" && s.context !== "regex" ? [s.name] : [])))];
  const groups = new Map<string, { values: ReadonlyMap<string, string>; rules: RateLimitRule[] }[]>();
  for (const rule of rules) {
    const resolved = resolveRule(template, rule);
    if (!resolved.ok) continue;
    const groupKey = JSON.stringify(fixedNames.map((n) => resolved.values.get(n)));
    const list = groups.get(groupKey) ?? [];
    list.push({ values: resolved.values, rules: [rule] });
    groups.set(groupKey, list);
  }
  const queries: BatchQuery[] = [];
  for (const members of groups.values()) {
    for (let start = 0; start < members.length; start += batchSize) {
      const chunk = members.slice(start, start + batchSize);
      const first = chunk[0];
      if (first === undefined) continue;
      const rulesByIdentity = new Map<string, RateLimitRule[]>();
      for (const m of chunk) {
        const identity = seriesIdentity(batch.ruleLabels.map(([, placeholder]) => m.values.get(placeholder) ?? ""));
        rulesByIdentity.set(identity, [...(rulesByIdentity.get(identity) ?? []), ...m.rules]);
      }
      const query = render(batch.segments, stepSeconds, (name, context) => {
        if (context !== "regex") return first.values.get(name) ?? "";
        const alternatives = [...new Set(chunk.map((m) => m.values.get(name) ?? ""))].sort();
        return alternatives.map(escapeRegex).join("|");
      });
      queries.push({ query, rulesByIdentity, ruleLabels: batch.ruleLabels.map(([label]) => label) });
    }
  }
  return queries;
}
