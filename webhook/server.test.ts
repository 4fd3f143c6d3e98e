import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { request } from "node:https";
import { connect } from "node:tls";
import { gzipSync } from "node:zlib";
import { pino } from "pino";
import { encodeForecastCache } from "../ratelimit/forecast-cache.js";
import type { AdmissionReview } from "./admission/review.js";
import { DEFAULT_MAX_CONNECTIONS, type WebhookConfig } from "./config.js";
import { runWebhook, type RunningWebhook } from "./main.js";
import { DEFAULT_WEBHOOK_SETTINGS } from "./settings.js";
import { admissionReview, largeConfig, rateLimitConfigMap } from "./test-support/admission-fixtures.js";
import { httpsRequest, testAgent } from "./test-support/https-client.js";
import { createTestPki, hasOpenssl, type TestPki } from "./test-support/tls-fixtures.js";

const describeTls = hasOpenssl() ? describe : describe.skip;
if (!hasOpenssl()) console.warn("skipping the HTTPS webhook tests: no openssl command to make certificates");

const BODY_LIMIT = 1024 * 1024;

describeTls("webhook over HTTPS", () => {
  let dir: string;
  let pki: TestPki;
  let webhook: RunningWebhook;
  let config: WebhookConfig;
  const { text, cache } = largeConfig(50, 4);
  const review = JSON.stringify(admissionReview({ object: rateLimitConfigMap({ "config.yaml": text }) }));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "tm-webhook-"));
    pki = createTestPki();
    pki.issue(join(dir, "tls.crt"), join(dir, "tls.key"));
    writeFileSync(join(dir, "forecast.json"), encodeForecastCache(cache).data?.["forecast.json"] as string);
    writeFileSync(join(dir, "settings.yaml"), "webhook:\n  mode: enforce\n");
    config = {
      port: 0,
      certFile: join(dir, "tls.crt"),
      keyFile: join(dir, "tls.key"),
      forecastFile: join(dir, "forecast.json"),
      settingsFile: join(dir, "settings.yaml"),
      settings: DEFAULT_WEBHOOK_SETTINGS,
      podNamespace: "trendmaster",
      logLevel: "silent",
      bodyLimitBytes: BODY_LIMIT,
      maxConnections: DEFAULT_MAX_CONNECTIONS,
    };
    webhook = await runWebhook(config, { logger: pino({ level: "silent" }), filePollIntervalMs: 50, host: "127.0.0.1" });
  });

  afterAll(async () => {
    await webhook?.stop();
    pki?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it("answers /mutate with the request's uid and a JSONPatch", async () => {
    const reply = await httpsRequest(testAgent(pki.caCert), webhook.port, "POST", "/mutate", review);
    expect(reply.status).toBe(200);
    const body = JSON.parse(reply.text) as AdmissionReview;
    expect(body).toMatchObject({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", response: { uid: "705ab4f5-6393-11e8-b7cc-42010a800002", allowed: true, patchType: "JSONPatch" } });
    expect(body.response?.warnings).toHaveLength(4);
  });

  it.each<[string, string | Buffer, number, string]>([
    ["malformed JSON", "{\"apiVersion\":", 400, "body is not JSON: Unexpected end of JSON input"],
    ["a JSON value that is not a review", "[1,2]", 400, "body is not a JSON object"],
    ["a review without uid", JSON.stringify({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: {} }), 400, "request.uid is missing or not a non-empty string"],
    ["a body over the limit", Buffer.alloc(BODY_LIMIT + 10, " "), 413, "request entity too large"],
  ])("answers %s with a clean 4xx", async (_name, body, status, error) => {
    const reply = await httpsRequest(testAgent(pki.caCert), webhook.port, "POST", "/validate", body);
    expect(reply.status).toBe(status);
    expect(JSON.parse(reply.text)).toEqual({ error });
  });

  it("answers alike a body with Content-Length, one in chunks, and one gzip-encoded, each with its own uid", async () => {
    const body = (uid: string) => JSON.stringify(admissionReview({ uid, object: rateLimitConfigMap({ "config.yaml": text }) }));
    const send = (payload: Buffer, headers: Record<string, string>, split: boolean) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = request({ host: "localhost", port: webhook.port, method: "POST", path: "/mutate", agent: testAgent(pki.caCert), headers: { "content-type": "application/json", ...headers } }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
        });
        req.on("error", reject);
        if (split) req.write(payload.subarray(0, 1000));
        req.end(split ? payload.subarray(1000) : payload);
      });
    const plain = await send(Buffer.from(body("u-plain")), {}, false);
    const chunked = await send(Buffer.from(body("u-chunked")), {}, true);
    const gzipped = await send(gzipSync(body("u-gzip")), { "content-encoding": "gzip" }, false);
    expect([plain.status, chunked.status, gzipped.status]).toEqual([200, 200, 200]);
    expect(chunked.text).toBe(plain.text.replace("u-plain", "u-chunked"));
    expect(gzipped.text).toBe(plain.text.replace("u-plain", "u-gzip"));
    expect((JSON.parse(plain.text) as AdmissionReview).response?.uid).toBe("u-plain");
  });

  it("refuses TLS older than 1.2", async () => {
    const outcome = await new Promise<string>((resolve) => {
      const socket = connect({ host: "127.0.0.1", port: webhook.port, ca: pki.caCert, servername: "localhost", maxVersion: "TLSv1.1", minVersion: "TLSv1" });
      socket.on("secureConnect", () => (socket.destroy(), resolve("connected")));
      socket.on("error", () => resolve("refused"));
    });
    expect(outcome).toBe("refused");
  });

  it("serves health, readiness and metrics", async () => {
    const agent = testAgent(pki.caCert);
    expect(await httpsRequest(agent, webhook.port, "GET", "/healthz")).toMatchObject({ status: 200, text: "ok\n" });
    expect(await httpsRequest(agent, webhook.port, "GET", "/readyz")).toMatchObject({ status: 200, text: "ready\n" });
    const metrics = (await httpsRequest(agent, webhook.port, "GET", "/metrics")).text;
    for (const name of ["trendmaster_webhook_admissions_total", "trendmaster_webhook_clamps_total", "trendmaster_webhook_admission_duration_seconds_bucket", "trendmaster_webhook_forecast_generation 7"]) expect(metrics).toContain(name);
  });

  it("switches to audit mode when the settings file changes, without a restart", async () => {
    writeFileSync(config.settingsFile, "webhook:\n  mode: audit\n");
    for (let i = 0; i < 100 && webhook.policy().mode !== "audit"; i++) await new Promise((r) => setTimeout(r, 50));
    const reply = JSON.parse((await httpsRequest(testAgent(pki.caCert), webhook.port, "POST", "/mutate", review)).text) as AdmissionReview;
    expect(reply.response?.warnings?.every((w) => w.startsWith("audit mode, not applied: "))).toBe(true);
    writeFileSync(config.settingsFile, "webhook:\n  mode: enforce\n");
    for (let i = 0; i < 100 && webhook.policy().mode !== "enforce"; i++) await new Promise((r) => setTimeout(r, 50));
    expect(webhook.policy().mode).toBe("enforce");
  });

  it("reloads a rotated certificate under load without failing a request", async () => {
    const before = await httpsRequest(testAgent(pki.caCert), webhook.port, "GET", "/healthz");
    const agent = testAgent(pki.caCert, 4);
    let stop = false;
    const statuses: number[] = [];
    const errors: string[] = [];
    const worker = async (fresh: boolean) => {
      while (!stop) {
        try {
          // Half the workers open a new connection per request: their handshakes race the reload.
          statuses.push((await httpsRequest(fresh ? testAgent(pki.caCert, 1) : agent, webhook.port, "POST", "/validate", review)).status);
        } catch (error) {
          errors.push((error as Error).message);
        }
      }
    };
    const workers = [worker(false), worker(false), worker(true), worker(true)];
    await new Promise((r) => setTimeout(r, 200));
    const serial = pki.issue(config.certFile, config.keyFile);
    let after = before.serial;
    for (let i = 0; i < 100 && after !== serial; i++) {
      await new Promise((r) => setTimeout(r, 50));
      after = (await httpsRequest(testAgent(pki.caCert, 1), webhook.port, "GET", "/healthz")).serial;
    }
    await new Promise((r) => setTimeout(r, 200));
    stop = true;
    await Promise.all(workers);
    expect(after).toBe(serial);
    expect(after).not.toBe(before.serial);
    expect(errors).toEqual([]);
    expect(statuses.length).toBeGreaterThan(10);
    expect(statuses.every((s) => s === 200)).toBe(true);
  });
});
