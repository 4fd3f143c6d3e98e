import { effectivenessQuery, fullKeyOfLabels, PrometheusEffectivenessSource } from "./effectiveness.js";
import { limitedRule } from "../../test/support/traffic-fixture.js";

const config = { enabled: true, overLimitMetric: "ratelimit_service_rate_limit_over_limit", totalHitsMetric: "ratelimit_service_rate_limit_total_hits", keyLabels: ["domain", "key1", "key2"], windowHours: 6 };

describe("rate limit effectiveness", () => {
  it("sums each counter per rule over the window in one query", () => {
    expect(effectivenessQuery("m", ["domain", "key1", "key2"], 21_600)).toBe("sum by (domain, key1, key2) (increase(m[21600s]))");
    expect(fullKeyOfLabels({ domain: "edge", key1: "PARTNER_acme", key2: "" }, config.keyLabels)).toBe("edge.PARTNER_acme");
  });

  it("gives over_limit / total_hits per known rule", async () => {
    const answers: Record<string, Array<{ labels: Record<string, string>; value: number }>> = {
      ratelimit_service_rate_limit_over_limit: [{ labels: { domain: "edge", key1: "PARTNER_acme" }, value: 30 }],
      ratelimit_service_rate_limit_total_hits: [{ labels: { domain: "edge", key1: "PARTNER_acme" }, value: 600 }, { labels: { domain: "edge", key1: "PARTNER_globex" }, value: 10 }, { labels: { domain: "other", key1: "X" }, value: 5 }],
    };
    const client = {
      queryInstant: async (query: string) => {
        const metric = /increase\(([a-z_]+)\[/.exec(query)?.[1] ?? "";
        return { data: (answers[metric] ?? []).map((a) => ({ labels: a.labels, timestampsMs: new Float64Array([0]), values: new Float64Array([a.value]) })), warnings: [], attempts: 1 };
      },
    };
    const source = new PrometheusEffectivenessSource(client as never, config);
    const rules = [limitedRule("edge", [{ key: "PARTNER", value: "acme" }]), limitedRule("edge", [{ key: "PARTNER", value: "globex" }])];
    expect(await source.throttledShare(rules, 21_600, 0)).toEqual(new Map([["edge.PARTNER_acme", { overLimit: 30, totalHits: 600 }], ["edge.PARTNER_globex", { overLimit: 0, totalHits: 10 }]]));
  });
});
