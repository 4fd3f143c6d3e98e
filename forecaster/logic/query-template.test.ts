import type { DescriptorEntry, RateLimitRule } from "../../ratelimit/rule.js";
import { limitedRule } from "../../test/support/traffic-fixture.js";
import { escapePromQLString, escapeRegex, formatPromDuration } from "./promql-escape.js";
import {
  compileQueryTemplate,
  planBatchQueries,
  QUERY_PRESETS,
  renderRuleQuery,
  seriesIdentity,
  type CompiledQueryTemplate,
  type QueryTemplate,
} from "./query-template.js";

function rule(domain: string, ...chain: DescriptorEntry[]): RateLimitRule {
  return limitedRule(domain, chain);
}

function compiled(template: QueryTemplate): CompiledQueryTemplate {
  const result = compileQueryTemplate(template);
  if (!result.ok) throw new Error(result.problems.join("\n"));
  return result.template;
}

const nginx = compiled(QUERY_PRESETS.nginx);
const ratelimitService = compiled(QUERY_PRESETS["ratelimit-service"]);

describe("escapePromQLString", () => {
  it.each([
    ["plain text", "/api/v1", '"', "/api/v1"],
    ["double quote", 'a"b', '"', 'a\\"b'],
    ["single quote left alone in double quotes", "a'b", '"', "a'b"],
    ["single quote in single quotes", "a'b", "'", "a\\'b"],
    ["backslash", "a\\b", '"', "a\\\\b"],
    ["newline, CR and tab", "a\nb\rc\td", '"', "a\\nb\\rc\\td"],
    ["other control characters", "a\u0001b\u007f", '"', "a\\x01b\\x7f"],
    ["unicode kept as is", "/ünï/☃/😀", '"', "/ünï/☃/😀"],
  ] as const)("%s", (_name, value, quote, expected) => expect(escapePromQLString(value, quote)).toBe(expected));
});

describe("escapeRegex", () => {
  it.each([
    ["dots", "/x.y", "/x\\.y"],
    ["every RE2 metacharacter", "\\.+*?()|[]{}^$", "\\\\\\.\\+\\*\\?\\(\\)\\|\\[\\]\\{\\}\\^\\$"],
    ["slashes and dashes need nothing", "/a-b/c", "/a-b/c"],
  ])("%s", (_name, value, expected) => expect(escapeRegex(value)).toBe(expected));
});

describe("formatPromDuration", () => {
  it.each([
    [60, "1m"],
    [90, "90s"],
    [300, "5m"],
    [3600, "1h"],
    [86_400, "1d"],
    [1, "1s"],
  ])("%i s → %s", (seconds, expected) => expect(formatPromDuration(seconds)).toBe(expected));
  it("rejects fractional steps", () => expect(() => formatPromDuration(0.5)).toThrow(/whole number/));
});

describe("renderRuleQuery with the nginx preset", () => {
  it.each([
    ["plain values", rule("rl", { key: "PARTNER", value: "acme" }, { key: "PATH", value: "/x" }), 60,
      'sum(increase(service_nginx_request_time_s_count{partner="acme",path="/x"}[1m]))'],
    ["keys in any order", rule("rl", { key: "PATH", value: "/x" }, { key: "PARTNER", value: "acme" }), 300,
      'sum(increase(service_nginx_request_time_s_count{partner="acme",path="/x"}[5m]))'],
    ["dots stay literal (no regex)", rule("rl", { key: "PARTNER", value: "a.c" }, { key: "PATH", value: "/x.y" }), 60,
      'sum(increase(service_nginx_request_time_s_count{partner="a.c",path="/x.y"}[1m]))'],
    ["quotes, backslashes and newlines escaped", rule("rl", { key: "PARTNER", value: 'say "hi"\\' }, { key: "PATH", value: "/a\nb" }), 60,
      'sum(increase(service_nginx_request_time_s_count{partner="say \\"hi\\"\\\\",path="/a\\nb"}[1m]))'],
  ])("%s", (_name, r, step, expected) => expect(renderRuleQuery(nginx, r, step)).toEqual({ ok: true, query: expected }));

  it.each([
    ["a key the template needs is missing", rule("rl", { key: "PARTNER", value: "acme" }), /needs descriptor key "PATH"/],
    ["a key has no value", rule("rl", { key: "PARTNER", value: "acme" }, { key: "PATH" }), /"PATH" has no value/],
    ["a wildcard value", rule("rl", { key: "PARTNER", value: "acme" }, { key: "PATH", value: "/x/*" }), /wildcard/],
    ["a level the template ignores", rule("rl", { key: "PARTNER", value: "acme" }, { key: "PATH", value: "/x" }, { key: "METHOD", value: "GET" }), /does not use descriptor key "METHOD"/],
    ["a key appearing twice", rule("rl", { key: "PARTNER", value: "a" }, { key: "PARTNER", value: "b" }, { key: "PATH", value: "/x" }), /appears 2 times/],
  ])("unmapped when %s", (_name, r, reason) => {
    const result = renderRuleQuery(nginx, r, 60);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });
});

describe("renderRuleQuery with the ratelimit-service preset", () => {
  it.each([
    ["two levels", rule("edge", { key: "PARTNER", value: "acme" }, { key: "PATH", value: "/x" }),
      'sum(increase(ratelimit_service_rate_limit_total_hits{domain="edge",key1="PARTNER_acme",key2="PATH_/x"}[1m]))'],
    ["one level matches an absent key2", rule("edge", { key: "PARTNER", value: "acme" }),
      'sum(increase(ratelimit_service_rate_limit_total_hits{domain="edge",key1="PARTNER_acme",key2=""}[1m]))'],
  ])("%s", (_name, r, expected) => expect(renderRuleQuery(ratelimitService, r, 60)).toEqual({ ok: true, query: expected }));

  it.each([
    ["three levels", rule("edge", { key: "A", value: "1" }, { key: "B", value: "2" }, { key: "C", value: "3" }), /level 3/],
    ["a dot in a value", rule("edge", { key: "PATH", value: "/x.y" }), /contains a dot/],
  ])("unmapped: %s", (_name, r, reason) => {
    const result = renderRuleQuery(ratelimitService, r, 60);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });
});

describe("custom templates", () => {
  it.each([
    ["regex matcher escapes the value as a regex, then as a string",
      'sum(rate(http_requests_total{route=~"$ROUTE"}[$STEP])) * $STEP', { key: "ROUTE", value: "/x.y(z)" },
      'sum(rate(http_requests_total{route=~"/x\\\\.y\\\\(z\\\\)"}[1m])) * 1m'],
    ["braced placeholder for a key with a dash", 'sum(x{h="${x-user}"})', { key: "x-user", value: "bob" }, 'sum(x{h="bob"})'],
    ["single-quoted literal", "sum(x{h='$H'})", { key: "H", value: "it's" }, "sum(x{h='it\\'s'})"],
    ["negative regex matcher", 'sum(x{h!~ "$H"})', { key: "H", value: "a|b" }, 'sum(x{h!~ "a\\\\|b"})'],
    ["escaped quote in the template text is not a string end", 'sum(x{a="q\\"$H"})', { key: "H", value: "v" }, 'sum(x{a="q\\"v"})'],
  ])("%s", (_name, expr, entry, expected) =>
    expect(renderRuleQuery(compiled({ name: "custom", expr }), rule("d", entry), 60)).toEqual({ ok: true, query: expected }));

  it.each([
    ["a placeholder outside a string", "sum(x{a=$A})", /\$A must be inside a quoted string/],
    ["a placeholder in a raw string", "sum(x{a=`$A`})", /raw `string`/],
    ["a stray dollar", 'sum(x{a="$A"}) $ 1', /starts no placeholder/],
    ["no descriptor placeholder", "sum(x[$STEP])", /no descriptor placeholder/],
    ["an unterminated string", 'sum(x{a="$A})', /unterminated/],
  ])("rejects %s", (_name, expr, problem) => {
    const result = compileQueryTemplate({ name: "custom", expr });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.join("\n")).toMatch(problem);
  });

  it("rejects a batch form that cannot tell rules apart", () => {
    const result = compileQueryTemplate({
      name: "custom",
      expr: 'sum(x{a="$A",b="$B"})',
      batch: { expr: 'sum by (a) (x{a=~"$A",b=~"$B"})', ruleLabels: { a: "A" } },
    });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems).toEqual([expect.stringMatching(/\$B of the rule query has no entry in ruleLabels/)]);
  });
});

describe("planBatchQueries", () => {
  it("alternates regex-escaped values and maps label values back to rules", () => {
    const rules = [
      rule("rl", { key: "PARTNER", value: "a.c" }, { key: "PATH", value: "/x" }),
      rule("rl", { key: "PARTNER", value: "b" }, { key: "PATH", value: "/x.y" }),
      rule("rl", { key: "PARTNER", value: "b" }),
    ];
    const batches = planBatchQueries(nginx, rules, 60, 10);
    expect(batches).toHaveLength(1);
    const batch = batches?.[0];
    expect(batch?.query).toBe('sum by (partner, path) (increase(service_nginx_request_time_s_count{partner=~"a\\\\.c|b",path=~"/x|/x\\\\.y"}[1m]))');
    expect(batch?.ruleLabels).toEqual(["partner", "path"]);
    expect(batch?.rulesByIdentity.get(seriesIdentity(["b", "/x.y"]))?.map((r) => r.fullKey)).toEqual(["rl.PARTNER_b.PATH_/x.y"]);
    expect(batch?.rulesByIdentity.size).toBe(2);
  });

  it("splits by batch size and by non-regex placeholders", () => {
    const rules = ["a", "b", "c"].flatMap((d) => [rule(d, { key: "K", value: "1" }), rule(d, { key: "K", value: "2" })]);
    const batches = planBatchQueries(ratelimitService, rules, 60, 1) ?? [];
    expect(batches).toHaveLength(6);
    expect(planBatchQueries(ratelimitService, rules, 60, 10)?.map((b) => b.query)).toEqual([
      'sum by (domain, key1, key2) (increase(ratelimit_service_rate_limit_total_hits{domain="a",key1=~"K_1|K_2",key2=~""}[1m]))',
      'sum by (domain, key1, key2) (increase(ratelimit_service_rate_limit_total_hits{domain="b",key1=~"K_1|K_2",key2=~""}[1m]))',
      'sum by (domain, key1, key2) (increase(ratelimit_service_rate_limit_total_hits{domain="c",key1=~"K_1|K_2",key2=~""}[1m]))',
    ]);
  });

  it("is undefined for a template without a batch form", () => {
    expect(planBatchQueries(compiled({ name: "c", expr: 'sum(x{a="$A"})' }), [], 60, 10)).toBeUndefined();
  });
});
