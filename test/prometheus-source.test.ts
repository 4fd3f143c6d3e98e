/**
 * PrometheusTrafficSource against a real Prometheus serving a backfilled TSDB: every rule's fetched
 * series must equal the generated one exactly, over a range that needs splitting (8 days at 1m
 * = 11,520 points > 11,000), with hostile label values and a counter reset.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PrometheusClient } from "../forecaster/io/prometheus-client.js";
import { DEFAULT_PROMETHEUS_SETTINGS, type PrometheusSourceSettings } from "../forecaster/io/prometheus-settings.js";
import { createPrometheusTrafficSource } from "../forecaster/io/prometheus-source.js";
import type { FetchReport } from "../forecaster/io/traffic-source.js";
import { backfill, findPrometheusBinaries, startPrometheus, writeOpenMetrics, type RunningPrometheus } from "./support/prometheus-server.js";
import { buildTrafficFixture } from "./support/traffic-fixture.js";

const binaries = await findPrometheusBinaries();
const describeWithPrometheus = "missing" in binaries ? describe.skip : describe;
if ("missing" in binaries) console.warn(`SKIPPED real-Prometheus tests: ${binaries.missing}`);

const fixture = buildTrafficFixture({ startMs: Date.UTC(2026, 0, 5), points: 8 * 1440, stepSeconds: 60 });

function settings(url: string, overrides: Partial<PrometheusSourceSettings> = {}): PrometheusSourceSettings {
  return { ...DEFAULT_PROMETHEUS_SETTINGS, url, ...overrides };
}

function valuesOf(report: FetchReport, fullKey: string): number[] | undefined {
  return report.series.get(fullKey)?.samples.map((s) => s.value);
}

describeWithPrometheus(`real Prometheus${"missing" in binaries ? ` (SKIPPED: ${binaries.missing})` : ""}`, () => {
  let workDir: string;
  let prometheus: RunningPrometheus;

  beforeAll(async () => {
    workDir = await mkdtemp(path.join(tmpdir(), "trendmaster-prom-test-"));
    const file = path.join(workDir, "traffic.om");
    await writeOpenMetrics(file, fixture.series);
    await backfill(file, path.join(workDir, "tsdb"), { maxBlockDuration: "24h" });
    // Served under a route prefix, as behind Trickster or a reverse proxy.
    prometheus = await startPrometheus({ tsdbDir: path.join(workDir, "tsdb"), routePrefix: "/prometheus" });
  }, 60_000);

  afterAll(async () => {
    await prometheus?.stop();
    if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
  });

  it.each([
    ["rule by rule", 1],
    ["batched by sum by", 50],
  ])("nginx preset, %s: every rule's series equals the backfilled one", async (_name, batchSize) => {
    const source = await createPrometheusTrafficSource(settings(prometheus.url, { batchSize }));
    const rules = [...fixture.nginxRules.map((r) => r.rule), fixture.ruleWithoutData, fixture.unmappableRule];
    const progress: number[] = [];
    const report = await source.fetchRules(rules, fixture.range, (p) => progress.push(p.rulesDone));
    source.close();

    expect(report.failed).toEqual([]);
    expect(report.warnings).toEqual([]);
    for (const { rule, expected } of fixture.nginxRules) {
      expect(expected).toHaveLength(8 * 1440);
      expect({ rule: rule.fullKey, values: valuesOf(report, rule.fullKey) }).toEqual({ rule: rule.fullKey, values: expected });
    }
    expect(report.series.get(fixture.nginxRules[0]?.rule.fullKey ?? "")?.samples[0]?.timestampMs).toBe(fixture.range.startMs);
    expect(report.empty).toEqual([fixture.ruleWithoutData.fullKey]);
    expect(report.unmapped).toEqual([{ fullKey: fixture.unmappableRule.fullKey, reason: expect.stringMatching(/"PATH" has no value/) }]);
    // 11,520 points need two requests per query.
    const queries = batchSize === 1 ? fixture.nginxRules.length + 1 : 1;
    expect(report.requests).toBe(queries * 2);
    expect(progress.at(-1)).toBe(fixture.nginxRules.length + 1);
  });

  it.each([
    ["rule by rule", 1],
    ["batched by sum by", 50],
  ])("ratelimit-service preset, %s: per-rule stats, one-level rules matched by an absent key2", async (_name, batchSize) => {
    const source = await createPrometheusTrafficSource(settings(prometheus.url, { query: "ratelimit-service", batchSize }));
    const report = await source.fetchRules(fixture.serviceRules.map((r) => r.rule), fixture.range);
    source.close();
    expect(report.failed).toEqual([]);
    for (const { rule, expected } of fixture.serviceRules) {
      expect({ rule: rule.fullKey, values: valuesOf(report, rule.fullKey) }).toEqual({ rule: rule.fullKey, values: expected });
    }
  });

  it("reports a bad template with Prometheus' own error text, per rule", async () => {
    const source = await createPrometheusTrafficSource(settings(prometheus.url, { query: { name: "broken", expr: 'sum(rate(x{partner="$PARTNER",path="$PATH"}[$STEP]) +)' } }));
    const rule = fixture.nginxRules[0]?.rule;
    if (rule === undefined) throw new Error("fixture has no rules");
    const report = await source.fetchRules([rule], fixture.range);
    source.close();
    expect(report.failed).toEqual([{ fullKey: rule.fullKey, error: expect.stringMatching(/HTTP 400: bad_data: .*parse error/) }]);
    expect(report.failed[0]?.error).toContain('x{partner="acme",path="/x"}');
  });

  it("fails a rule whose template returns several series instead of summing them", async () => {
    const expr = 'increase(service_nginx_request_time_s_count{partner="$PARTNER",path="$PATH"}[$STEP])';
    const source = await createPrometheusTrafficSource(settings(prometheus.url, { query: { name: "unsummed", expr } }));
    const rule = fixture.nginxRules[0]?.rule;
    if (rule === undefined) throw new Error("fixture has no rules");
    const report = await source.fetchRules([rule], fixture.range);
    source.close();
    expect(report.failed).toEqual([{ fullKey: rule.fullKey, error: expect.stringMatching(/returned 2 series; the template must aggregate to one \(wrap it in sum\(\.\.\.\)\)$/) }]);
  });

  it("proves the point limit is real: one more point than 11,001 is refused", async () => {
    const client = await PrometheusClient.create(settings(prometheus.url));
    const start = fixture.range.startMs;
    await expect(client.queryRange("vector(1)", start, start + 11_001 * 60_000, 60)).rejects.toThrow(/exceeded maximum resolution of 11,000 points/);
    const ok = await client.queryRange("vector(1)", start, start + 11_000 * 60_000, 60);
    expect(ok.data[0]?.values).toHaveLength(11_001);
    client.close();
  });

  it("health check reads the server's build info through the path prefix", async () => {
    const client = await PrometheusClient.create(settings(prometheus.url));
    const health = await client.checkHealth();
    client.close();
    expect(health).toEqual({ healthy: true, detail: expect.stringMatching(/^Prometheus 2\.\d+.* at http:\/\/127\.0\.0\.1:\d+\/prometheus$/) });
  });
});
