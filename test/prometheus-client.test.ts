/**
 * The Prometheus client and source against a local server that misbehaves on cue: retries,
 * timeouts, error texts, auth headers, path prefixes, range splitting and warnings.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PrometheusClient, PrometheusRequestError } from "../forecaster/io/prometheus-client.js";
import { DEFAULT_PROMETHEUS_SETTINGS, RedactedSecret, validatePrometheusSettings, type PrometheusSourceSettings } from "../forecaster/io/prometheus-settings.js";
import { createPrometheusTrafficSource } from "../forecaster/io/prometheus-source.js";
import { summarizeFetchReport } from "../forecaster/io/traffic-source.js";
import { prometheusErrorBody, startMisbehavingPrometheus, type MisbehavingPrometheus } from "./stand-ins/misbehaving-prometheus.js";
import { limitedRule } from "./support/traffic-fixture.js";

const START = Date.UTC(2026, 0, 5);
const QUERY = 'sum(increase(m{a="b"}[1m]))';

let server: MisbehavingPrometheus;
let secretsDir: string;
let sleeps: number[];

beforeEach(async () => {
  server = await startMisbehavingPrometheus({ pathPrefix: "/trickster/prom" });
  sleeps = [];
});
afterEach(() => server.stop());
beforeAll(async () => {
  secretsDir = await mkdtemp(path.join(tmpdir(), "trendmaster-secrets-"));
});
afterAll(() => rm(secretsDir, { recursive: true, force: true }));

function settings(overrides: Partial<PrometheusSourceSettings> = {}): PrometheusSourceSettings {
  return { ...DEFAULT_PROMETHEUS_SETTINGS, url: server.url, retries: 3, timeoutMs: 2_000, ...overrides };
}

const fakeDeps = () => ({ sleep: async (ms: number) => void sleeps.push(ms), random: () => 1 });

async function client(overrides: Partial<PrometheusSourceSettings> = {}): Promise<PrometheusClient> {
  return PrometheusClient.create(settings(overrides), fakeDeps());
}

async function failure(promise: Promise<unknown>): Promise<PrometheusRequestError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof PrometheusRequestError) return err;
    throw err;
  }
  throw new Error("expected the call to fail");
}

describe("retries", () => {
  it.each([
    ["500 and 502, then ok", [{ kind: "status", status: 500, body: "boom" }, { kind: "status", status: 502, body: "<html>bad gateway</html>" }] as const, 3],
    ["malformed JSON, then ok", [{ kind: "malformed-json" }] as const, 2],
    ["a truncated body, then ok", [{ kind: "truncated" }] as const, 2],
    ["a dropped connection, then ok", [{ kind: "drop" }] as const, 2],
    ["a slow answer past the timeout, then ok", [{ kind: "slow", delayMs: 1_000 }] as const, 2],
  ])("retries after %s", async (_name, behaviors, attempts) => {
    server.script(...behaviors);
    const c = await client({ timeoutMs: 300 });
    const result = await c.queryRange(QUERY, START, START + 4 * 60_000, 60);
    c.close();
    expect(result.attempts).toBe(attempts);
    expect(Array.from(result.data[0]?.values ?? [])).toEqual([1, 1, 1, 1, 1]);
    expect(server.requests).toHaveLength(attempts);
    expect(sleeps).toEqual([250, 500, 1000].slice(0, attempts - 1));
  });

  it("waits at least as long as a 429's Retry-After", async () => {
    server.script({ kind: "status", status: 429, body: "slow down", headers: { "retry-after": "2" } });
    const c = await client();
    await c.queryRange(QUERY, START, START, 60);
    c.close();
    expect(sleeps).toEqual([2_000]);
  });

  it.each([
    ["5xx", { kind: "status", status: 503, body: prometheusErrorBody("unavailable", "too many queries in flight") } as const, /after 4 attempts for query sum\(increase\(m\{a="b"\}\[1m\]\)\): HTTP 503: unavailable: too many queries in flight$/],
    ["timeouts", { kind: "slow", delayMs: 1_000 } as const, /after 4 attempts .*: no complete response within 200 ms$/],
    ["truncated bodies", { kind: "truncated" } as const, /after 4 attempts .*: response body cut off/],
    ["malformed JSON", { kind: "malformed-json" } as const, /after 4 attempts .*: HTTP 200 with a body that is not a JSON object: \{"status":"success"/],
  ])("gives up after the last retry on %s, saying what happened", async (_name, behavior, message) => {
    server.script(behavior, behavior, behavior, behavior);
    const c = await client({ timeoutMs: 200 });
    const err = await failure(c.queryRange(QUERY, START, START + 60_000, 60));
    c.close();
    expect(err.message).toMatch(message);
    expect(err.message).toContain(`http://127.0.0.1:${new URL(server.url).port}/trickster/prom/api/v1/query_range`);
    expect(err.attempts).toBe(4);
  });

  it.each([
    ["400 bad_data", 400, "bad_data", 'parse error: unexpected "}"'],
    ["422 execution error", 422, "execution", "query processing would load too many samples into memory"],
    ["401 from a proxy", 401, "", "unauthorized"],
  ])("does not retry a %s and shows the server's error text", async (_name, status, errorType, text) => {
    server.script({ kind: "status", status, body: errorType === "" ? text : prometheusErrorBody(errorType, text) });
    const c = await client();
    const err = await failure(c.queryRange(QUERY, START, START, 60));
    c.close();
    expect(server.requests).toHaveLength(1);
    expect(err.status).toBe(status);
    expect(err.message).toContain(`HTTP ${status}: ${errorType === "" ? "" : `${errorType}: `}${text}`);
    expect(err.message).toContain(QUERY);
  });

  it("does not retry an error envelope in a 200", async () => {
    server.script({ kind: "status", status: 200, body: prometheusErrorBody("bad_data", "invalid parameter") });
    const c = await client();
    await expect(c.queryRange(QUERY, START, START, 60)).rejects.toThrow(/bad_data: invalid parameter/);
    c.close();
    expect(server.requests).toHaveLength(1);
  });
});

describe("requests", () => {
  it("keeps the base URL's path prefix and sends the range in seconds", async () => {
    const c = await client();
    await c.queryRange(QUERY, START, START + 120_500, 60);
    c.close();
    expect(server.requests[0]?.method).toBe("GET");
    expect(server.requests[0]?.path).toBe("/trickster/prom/api/v1/query_range");
    expect(Object.fromEntries(server.requests[0]?.params ?? [])).toEqual({ query: QUERY, start: String(START / 1000), end: `${START / 1000 + 120}.5`, step: "60" });
  });

  it("POSTs a query too long for a URL", async () => {
    const long = `sum(m{a=~"${"x|".repeat(3_000)}y"})`;
    const c = await client();
    await c.queryRange(long, START, START, 60);
    c.close();
    expect(server.requests[0]?.method).toBe("POST");
    expect(server.requests[0]?.params.get("query")).toBe(long);
  });

  it("sends the bearer token from its file, re-read so rotation works, and never shows it", async () => {
    const tokenFile = path.join(secretsDir, "token");
    await writeFile(tokenFile, "first-token\n");
    const c = await client({ bearerTokenFile: tokenFile });
    await c.queryRange(QUERY, START, START, 60);
    await writeFile(tokenFile, "second-token\n");
    server.script({ kind: "status", status: 403, body: "forbidden" });
    const err = await failure(c.queryRange(QUERY, START, START, 60));
    c.close();
    expect(server.requests.map((r) => r.headers.authorization)).toEqual(["Bearer first-token", "Bearer second-token"]);
    expect(err.message).not.toContain("token");
  });

  it("sends basic auth with the password from a file", async () => {
    const passwordFile = path.join(secretsDir, "password");
    await writeFile(passwordFile, "s3cr3t:pw\n");
    const c = await client({ basicAuth: { user: "forecaster", passwordFile } });
    await c.queryRange(QUERY, START, START, 60);
    c.close();
    expect(server.requests[0]?.headers.authorization).toBe(`Basic ${Buffer.from("forecaster:s3cr3t:pw").toString("base64")}`);
  });

  it("keeps secrets out of logs and JSON", () => {
    const s = settings({ bearerToken: new RedactedSecret("hunter2") });
    expect(JSON.stringify(s)).not.toContain("hunter2");
    expect(`${s.bearerToken}`).toBe("[redacted]");
  });
});

describe("health check", () => {
  it("falls back to an instant query when there is no buildinfo endpoint (Trickster)", async () => {
    server.script({ kind: "status", status: 404, body: "404 page not found" });
    const c = await client();
    expect(await c.checkHealth()).toEqual({ healthy: true, detail: expect.stringMatching(/query API answers at .*\/trickster\/prom \(no buildinfo endpoint\)/) });
    c.close();
    expect(server.requests.map((r) => r.path)).toEqual(["/trickster/prom/api/v1/status/buildinfo", "/trickster/prom/api/v1/query"]);
  });

  it("is unhealthy with the reason when the server keeps failing", async () => {
    server.script(...Array.from({ length: 4 }, () => ({ kind: "status", status: 500, body: "down" }) as const));
    const c = await client();
    expect(await c.checkHealth()).toEqual({ healthy: false, detail: expect.stringMatching(/HTTP 500: down/) });
    c.close();
  });
});

describe("PrometheusTrafficSource against the stand-in", () => {
  const rules = ["a", "b", "c"].map((p) => limitedRule("edge", [{ key: "PARTNER", value: p }, { key: "PATH", value: "/x" }]));
  const range = { startMs: START, endMs: START + 25 * 60_000, stepSeconds: 60 };

  it("splits a long range into contiguous requests within the point limit", async () => {
    const source = await createPrometheusTrafficSource(settings({ maxPointsPerRequest: 10, batchSize: 1, concurrency: 1 }), fakeDeps());
    const report = await source.fetchRules(rules.slice(0, 1), range);
    source.close();
    expect(server.requests.map((r) => [Number(r.params.get("start")), Number(r.params.get("end"))].map((t) => (t * 1000 - START) / 60_000))).toEqual([[0, 9], [10, 19], [20, 24]]);
    expect(report.series.get(rules[0]?.fullKey ?? "")?.samples.map((s) => s.value)).toEqual(Array(25).fill(1));
    expect(report.requests).toBe(3);
  });

  it("fails one rule, keeps the others, and surfaces warnings", async () => {
    server.script(
      { kind: "ok", warnings: ["results truncated due to limit"] },
      { kind: "status", status: 422, body: prometheusErrorBody("execution", "many-to-many matching not allowed") },
    );
    const source = await createPrometheusTrafficSource(settings({ batchSize: 1, concurrency: 1 }), fakeDeps());
    const progress: string[] = [];
    const report = await source.fetchRules(rules, range, (p) => progress.push(`${p.rulesDone}/${p.rulesTotal} in ${p.requests}`));
    source.close();
    expect([...report.series.keys()]).toEqual([rules[0]?.fullKey, rules[2]?.fullKey]);
    expect(report.failed).toEqual([{ fullKey: rules[1]?.fullKey, error: expect.stringMatching(/HTTP 422: execution: many-to-many matching not allowed$/) }]);
    expect(report.failed[0]?.error).toContain('partner="b"');
    expect(report.warnings).toEqual([]);
    expect(report.answerWarnings).toEqual([{ text: "results truncated due to limit", subject: `rule ${rules[0]?.fullKey}` }]);
    expect(progress).toEqual(["1/3 in 1", "2/3 in 2", "3/3 in 3"]);
    expect(summarizeFetchReport(report)).toBe("fetched 2 of 3 rules (0 empty, 1 failed, 0 unmapped) in 3 requests, 1 warnings");
  });

  it("falls back to rule-by-rule queries when a batch is refused", async () => {
    server.script({ kind: "status", status: 400, body: prometheusErrorBody("bad_data", "query too long") });
    const source = await createPrometheusTrafficSource(settings({ batchSize: 10 }), fakeDeps());
    const report = await source.fetchRules(rules, range);
    source.close();
    expect(report.series.size).toBe(3);
    expect(report.warnings).toEqual([expect.stringMatching(/^batch of 3 rules failed, fetching them one by one: .*query too long$/)]);
    expect(report.requests).toBe(4);
  });

  it("fails a batch's rules with the batch's error when the server stays down", async () => {
    server.script(...Array.from({ length: 4 }, () => ({ kind: "status", status: 503, body: "down" }) as const));
    const source = await createPrometheusTrafficSource(settings({ batchSize: 10 }), fakeDeps());
    const report = await source.fetchRules(rules, range);
    source.close();
    expect(report.failed.map((f) => f.fullKey)).toEqual(rules.map((r) => r.fullKey));
    expect(report.failed[0]?.error).toMatch(/^in a batch of 3 rules: .*after 4 attempts.*HTTP 503: down$/);
  });
});

describe("validatePrometheusSettings", () => {
  it.each([
    ["a valid setup", {}, []],
    ["a bad URL", { url: "not a url" }, ["prometheus.url: not a URL: 'not a url'"]],
    ["credentials in the URL", { url: "https://u:p@host/" }, ["prometheus.url: put credentials in basicAuth, not in the URL"]],
    ["too many points", { maxPointsPerRequest: 20_000 }, ["prometheus.maxPointsPerRequest: Prometheus refuses more than 11001 points per request, got 20000"]],
    ["two kinds of auth", { bearerTokenFile: "/t", basicAuth: { user: "u", passwordFile: "/p" } }, ["prometheus: set either a bearer token or basicAuth, not both"]],
    ["an unknown preset", { query: "istio" as "nginx" }, ["prometheus.query: unknown preset 'istio' (nginx, ratelimit-service, or a template object)"]],
    ["zero concurrency", { concurrency: 0 }, ["prometheus.concurrency: must be a positive integer, got 0"]],
  ])("%s", (_name, overrides, problems) => {
    expect(validatePrometheusSettings({ ...DEFAULT_PROMETHEUS_SETTINGS, url: "http://prometheus:9090", ...overrides })).toEqual(problems);
  });
});
