import type { RuleForecast } from "../../ratelimit/forecast-cache.js";
import { buildReportData, reportState, riskReasons, type ReportRuleInput } from "./report-data.js";

const forecast = (over: Partial<RuleForecast> = {}): RuleForecast => ({
  label: "PARTNER=acme",
  unit: "minute",
  current: 100,
  recommended: 150,
  band: { min: 120, max: 600 },
  confidence: "high",
  explanation: "edge.PARTNER_acme: 150/minute (was 100)",
  peak: { value: 120, at: "2026-01-08T12:00:00.000Z" },
  ...over,
});
const rule = (over: Partial<ReportRuleInput> = {}, f: Partial<RuleForecast> = {}): ReportRuleInput => ({ fullKey: "edge.PARTNER_acme", forecast: forecast(f), liveLimit: 150, ...over });

describe("reportState", () => {
  it.each([
    ["a failed fetch wins over everything", rule({ fetchProblem: { kind: "failed", message: "x" } }), "failed"],
    ["an unmapped rule", rule({ fetchProblem: { kind: "unmapped", message: "x" } }), "unmapped"],
    ["low confidence", rule({}, { confidence: "low", recommended: 100 }), "low-confidence"],
    ["a recommendation that differs from the limit it was made against", rule(), "changed"],
    ["a recommendation equal to it", rule({}, { recommended: 100 }), "unchanged"],
    ["no traffic is not a failure: the cache's confidence decides", rule({ fetchProblem: { kind: "empty", message: "x" } }, { recommended: 100 }), "unchanged"],
    ["the cycle's own state wins when the cache records it", rule({ fetchProblem: { kind: "failed", message: "report fetch failed" } }, { state: "excluded" }), "excluded"],
    ["a rule the cycle recorded as unmapped, whatever its numbers", rule({}, { state: "unmapped" }), "unmapped"],
  ])("%s", (_name, input, expected) => expect(reportState(input)).toBe(expected));
});

describe("riskReasons", () => {
  it.each([
    ["none for a limit above the peak", rule(), false, []],
    ["a live limit below the forecast peak", rule({ liveLimit: 90 }), false, ["limit 90 below forecast peak 120"]],
    ["low confidence", rule({}, { confidence: "low" }), false, ["low confidence"]],
    ["an unguarded edit to a value the forecast neither saw nor set", rule({ liveLimit: 400 }), true, ["unguarded change"]],
    ["the forecaster's own value in an unguarded config is not a change", rule({ liveLimit: 150 }), true, []],
    ["a rule gone from ratelimit-config, judged on the limit it had", rule({ liveLimit: undefined }), false, ["limit 100 below forecast peak 120", "no longer in ratelimit-config"]],
  ])("%s", (_name, input, unguarded, expected) => expect(riskReasons(input, unguarded)).toEqual(expected));
});

describe("buildReportData", () => {
  const cache = { generation: 7, generatedAt: "2026-01-08T00:00:00.000Z", source: "files:/t", model: "prophet 3", rules: {} };
  const data = buildReportData({
    cache,
    target: "istio-system/ratelimit-config",
    unguarded: false,
    builtAt: "2026-01-08T01:00:00.000Z",
    trafficSource: "files:/t",
    rules: [
      rule({ fullKey: "edge.a", liveLimit: 500 }, { label: "A", recommended: 100 }),
      rule({ fullKey: "edge.b", liveLimit: 60 }, { label: "B" }),
      rule({ fullKey: "edge.c", liveLimit: 200 }, { label: "C", confidence: "low", recommended: 100 }),
      rule({ fullKey: "edge.d", liveLimit: 100, fetchProblem: { kind: "unmapped", message: "no query" } }, { label: "D", peak: undefined }),
    ],
  });

  it("puts rules at risk first, the most reasons and the highest peak ÷ limit first", () => {
    expect(data.rows.map((r) => r.label)).toEqual(["B", "C", "A", "D"]);
    expect(data.rows[0]?.peakToLimit).toBe(2);
  });

  it("counts every state and the rules at risk", () => {
    expect(data.counts).toEqual({ changed: 1, unchanged: 1, "low-confidence": 1, unmapped: 1, failed: 0, excluded: 0, atRisk: 2 });
  });

  it("shows the limit in force, not the one the forecast was made against", () => {
    expect(data.rows.find((r) => r.label === "A")?.currentLimit).toBe(500);
  });
});
