import type { RulePlan } from "../logic/plan.js";
import { configDrift, describeDrift } from "./drift.js";
import { nothingLeftBody, requestBody, requestMarker, requestTitle } from "./pull-request-text.js";
import { loadRateLimitConfig } from "../../ratelimit/loader.js";

const rule = (i: number): RulePlan => ({ fullKey: `edge.PARTNER_p${i}`, label: `PARTNER=p${i}`, domain: "edge", file: "config.yaml", unit: "minute", current: 100 + i, state: "changed", target: 200 + i, confidence: "medium", reason: `peak ${150 + i}/minute on Thu 14:00, +30% headroom` });

describe("the request's text", () => {
  it("carries the marker, the table, the reasons, the drift and the diff", () => {
    const body = requestBody({
      target: "prd1", live: "istio-system/ratelimit-config", path: "values.yaml", generation: 9, rules: [rule(1)], applied: [{ fullKey: "edge.PARTNER_p1", from: 101, to: 201 }], skipped: [{ fullKey: "edge.PARTNER_p2", reason: "written with an anchor" }],
      drift: [{ kind: "differs", fullKey: "edge.PARTNER_p3", git: "50/minute", live: "60/minute" }], diff: "--- a/values.yaml\n+++ b/values.yaml\n-  requests_per_unit: 101\n+  requests_per_unit: 201\n",
    });
    expect(body.startsWith(`${requestMarker("prd1")}\n`)).toBe(true);
    expect(body).toContain("rule             unit    from   to  change  confidence\nedge.PARTNER_p1  minute   101  201    +99%  medium");
    expect(body).toContain("- `edge.PARTNER_p1` 101 → 201/minute (confidence medium): peak 151/minute on Thu 14:00, +30% headroom");
    expect(body).toContain("### Not changed\n- `edge.PARTNER_p2`: written with an anchor");
    expect(body).toContain("- edge.PARTNER_p3: 50/minute in Git, 60/minute live");
    expect(body).toContain("```diff\n--- a/values.yaml\n+++ b/values.yaml\n-  requests_per_unit: 101\n+  requests_per_unit: 201\n```");
    expect(body).toContain("(forecast generation 9)");
  });

  it.each([[1, "TrendMaster: 1 rate limit to change in prd1"], [3, "TrendMaster: 3 rate limits to change in prd1"]])("titles %i change(s)", (n, title) => {
    expect(requestTitle({ target: "prd1", applied: Array.from({ length: n }, (_, i) => ({ fullKey: `k${i}`, from: 1, to: 2 })) })).toBe(title);
  });

  it("keeps a 1,000-rule request under GitHub's size limit, saying what it left out", () => {
    const rules = Array.from({ length: 1000 }, (_, i) => rule(i));
    const body = requestBody({ target: "prd1", live: "istio-system/ratelimit-config", path: "values.yaml", rules, applied: rules.map((r) => ({ fullKey: r.fullKey, from: r.current, to: r.target })), skipped: [], drift: [], diff: "x\n".repeat(40_000) });
    expect(body.length).toBeLessThanOrEqual(60_000);
    expect(body).toContain("... and 700 more");
    expect(body).toContain("- … and 900 more (every change is in the commit)");
    expect(body).toContain("(the diff is too long for this description: see the commit)");
  });

  it("says when nothing is left", () => {
    expect(nothingLeftBody("prd1", "values.yaml", 4)).toBe(`${requestMarker("prd1")}\nNothing is left to change: \`values.yaml\` already holds every recommended limit (forecast generation 4). This request can be closed.\n`);
  });
});

describe("configDrift", () => {
  const load = (text: string) => loadRateLimitConfig([{ name: "config.yaml", text }]).rules;
  const git = load("domain: edge\ndescriptors:\n  - {key: A, rate_limit: {unit: minute, requests_per_unit: 10}}\n  - {key: B, rate_limit: {unit: minute, requests_per_unit: 20}}\n  - {key: C, rate_limit: {unlimited: true}}\n");
  it.each<[string, string, string[]]>([
    ["no drift", "domain: edge\ndescriptors:\n  - {key: A, rate_limit: {unit: minute, requests_per_unit: 10}}\n  - {key: B, rate_limit: {unit: minute, requests_per_unit: 20}}\n  - {key: C, rate_limit: {unlimited: true}}\n", []],
    ["a limit and a unit that differ", "domain: edge\ndescriptors:\n  - {key: A, rate_limit: {unit: minute, requests_per_unit: 12}}\n  - {key: B, rate_limit: {unit: second, requests_per_unit: 20}}\n  - {key: C, rate_limit: {unlimited: true}}\n", ["edge.A: 10/minute in Git, 12/minute live", "edge.B: 20/minute in Git, 20/second live"]],
    ["rules only on one side", "domain: edge\ndescriptors:\n  - {key: A, rate_limit: {unit: minute, requests_per_unit: 10}}\n  - {key: C, rate_limit: {unlimited: true}}\n  - {key: D, rate_limit: {unit: hour, requests_per_unit: 5}}\n", ["edge.B: in Git, not live", "edge.D: live, not in Git"]],
    ["another domain live is not drift", "domain: other\ndescriptors:\n  - {key: Z, rate_limit: {unit: minute, requests_per_unit: 1}}\n", ["edge.A: in Git, not live", "edge.B: in Git, not live", "edge.C: in Git, not live"]],
  ])("%s", (_name, live, expected) => expect(configDrift(git, load(live)).map(describeDrift)).toEqual(expected));
});
