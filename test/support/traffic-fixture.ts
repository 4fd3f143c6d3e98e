/**
 * Rules with hostile descriptor values and the counter series that back them, for tests that
 * fetch traffic from a real Prometheus. Every rule's expected per-step requests are known exactly.
 */
import { ruleFullKey, ruleLabel, type DescriptorEntry, type LimitedRule } from "../../ratelimit/rule.js";
import type { TimeRange } from "../../forecaster/traffic.js";
import { counterSamples, generateTraffic, type CounterSeries } from "./prometheus-server.js";

export function limitedRule(domain: string, chain: readonly DescriptorEntry[], requestsPerUnit = 1_000): LimitedRule {
  return {
    domain,
    chain,
    fullKey: ruleFullKey(domain, chain),
    label: ruleLabel(chain),
    file: "config.yaml",
    rateLimit: { unit: "minute", requestsPerUnit, unlimited: false, replaces: [] },
    shadowMode: false,
    detailedMetric: false,
    valueToMetric: false,
    shareThreshold: false,
    quotaMode: false,
    hasChildren: false,
  };
}

export interface TrafficFixture {
  readonly range: TimeRange;
  /** Rules the nginx preset maps, with their exact requests per step. */
  readonly nginxRules: readonly { readonly rule: LimitedRule; readonly expected: readonly number[] }[];
  /** Rules the ratelimit-service preset maps, with their exact requests per step. */
  readonly serviceRules: readonly { readonly rule: LimitedRule; readonly expected: readonly number[] }[];
  /** Mappable by nginx, but no series exists. */
  readonly ruleWithoutData: LimitedRule;
  /** Not mappable: a key-only level. */
  readonly unmappableRule: LimitedRule;
  readonly series: readonly CounterSeries[];
}

/** Pairs of PARTNER/PATH values chosen so that any regex or prefix matching would merge them. */
const HOSTILE_VALUES: readonly (readonly [partner: string, path: string])[] = [
  ["acme", "/x"],
  ["acme", "/x/y"], // a prefix match on /x would take this
  ["acme", "/x.y"],
  ["acme", "/xay"], // an unescaped /x.y would take this
  ["a.c", "/x"],
  ["abc", "/x"], // an unescaped a.c would take this
  ['say "hi"', "/q"],
  ["back\\slash", "/b\\"],
  ["ünïcødé ☃", "/ü/😀"],
  ["acme", "/multi\nline"],
  ["reset", "/r"], // one pod's counter restarts mid-range
];

/** One TSDB's worth of data: nginx counters from two pods per rule, and the ratelimit service's stats. */
export function buildTrafficFixture(options: { startMs: number; points: number; stepSeconds: number; seed?: number }): TrafficFixture {
  const { startMs, points, stepSeconds } = options;
  const seed = options.seed ?? 42;
  const range: TimeRange = { startMs, endMs: startMs + points * stepSeconds * 1000, stepSeconds };
  const series: CounterSeries[] = [];
  const nginxRules = HOSTILE_VALUES.map(([partner, path], i) => {
    const pods = [0, 1].map((pod) => generateTraffic({ seed: seed + i * 10 + pod, points, startMs, stepSeconds, meanPerStep: 20 + 15 * i }));
    pods.forEach((increments, pod) => {
      const resetAt = partner === "reset" && pod === 1 ? Math.floor(points / 3) : undefined;
      series.push({
        name: "service_nginx_request_time_s_count",
        labels: { partner, path, pod: `nginx-${pod}`, status: "200" },
        samples: counterSamples(increments, startMs, stepSeconds, { resetAt }),
      });
    });
    const expected = pods[0]?.map((v, k) => v + (pods[1]?.[k] ?? 0)) ?? [];
    return { rule: limitedRule("edge", [{ key: "PARTNER", value: partner }, { key: "PATH", value: path }]), expected };
  });

  const serviceChains: readonly DescriptorEntry[][] = [
    [{ key: "PARTNER", value: "acme" }, { key: "PATH", value: "/x" }],
    [{ key: "PARTNER", value: "acme" }],
    [{ key: "PARTNER", value: 'q"uote' }, { key: "PATH", value: "/ü" }],
  ];
  const serviceRules = serviceChains.map((chain, i) => {
    const expected = generateTraffic({ seed: seed + 1000 + i, points, startMs, stepSeconds, meanPerStep: 50 });
    const [key1, key2] = chain.map((e) => `${e.key}_${e.value ?? ""}`);
    series.push({
      name: "ratelimit_service_rate_limit_total_hits",
      labels: key2 === undefined ? { domain: "edge", key1: key1 ?? "" } : { domain: "edge", key1: key1 ?? "", key2 },
      samples: counterSamples(expected, startMs, stepSeconds),
    });
    return { rule: limitedRule("edge", chain), expected };
  });

  return {
    range,
    nginxRules,
    serviceRules,
    ruleWithoutData: limitedRule("edge", [{ key: "PARTNER", value: "nobody" }, { key: "PATH", value: "/x" }]),
    unmappableRule: limitedRule("edge", [{ key: "PARTNER", value: "acme" }, { key: "PATH" }]),
    series,
  };
}
