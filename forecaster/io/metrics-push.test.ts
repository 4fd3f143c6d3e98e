import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { buildForecasterConfig } from "../config.js";
import { runCycle } from "../cycle.js";
import { FakeClock } from "../../test/fakes/fake-clock.js";
import { MemoryConfigMapStore } from "../../test/fakes/memory-kube.js";
import { RecordingNotifier } from "../../test/fakes/recording-notifier.js";
import { FakeTrafficSource, quietLog, TableForecaster, testCycleSettings } from "../../test/fakes/cycle-fakes.js";
import { ForecasterMetrics } from "./metrics.js";
import { pushCycleMetrics } from "./metrics-push.js";

interface RecordedPush {
  method: string;
  url: string;
  contentType: string;
  body: string;
}

/** A plain HTTP server that records what a Pushgateway would be sent and answers `status`. */
async function startPushgatewayRecorder(status: number): Promise<{ url: string; pushes: RecordedPush[]; close(): Promise<void> }> {
  const pushes: RecordedPush[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      pushes.push({ method: request.method ?? "", url: request.url ?? "", contentType: request.headers["content-type"] ?? "", body: Buffer.concat(chunks).toString("utf8") });
      response.writeHead(status).end(status === 200 ? "" : "push refused");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, pushes, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A real cycle that fails: there is no ratelimit-config to read. */
async function failedCycle() {
  const deps = { configMaps: new MemoryConfigMapStore(), traffic: new FakeTrafficSource(), forecaster: new TableForecaster({}), notifier: new RecordingNotifier(), clock: new FakeClock(0), log: quietLog };
  const report = await runCycle(deps, testCycleSettings());
  expect(report.outcome).toBe("failed");
  return report;
}

describe("pushCycleMetrics", () => {
  it("PUTs the registry to the namespace's group: the failed cycle's times reach the Pushgateway", async () => {
    const gateway = await startPushgatewayRecorder(200);
    try {
      const metrics = new ForecasterMetrics(10, { defaultMetrics: false });
      metrics.recordCycle(await failedCycle(), 1_765_000_000_000);
      const result = await pushCycleMetrics(metrics.registry, `${gateway.url}/`, "default");
      expect(result).toEqual({ ok: true, detail: `${gateway.url}/metrics/job/trendmaster-forecaster/namespace/default` });
      expect(gateway.pushes).toHaveLength(1);
      const [push] = gateway.pushes;
      expect(push?.method).toBe("PUT");
      expect(push?.url).toBe("/metrics/job/trendmaster-forecaster/namespace/default");
      expect(push?.contentType).toContain("text/plain");
      expect(push?.body).toMatch(/^trendmaster_last_cycle_timestamp_seconds 1765000000$/m);
      expect(push?.body).toMatch(/^trendmaster_last_success_timestamp_seconds 0$/m);
      expect(push?.body).toContain('trendmaster_cycles_total{outcome="failed"} 1');
    } finally {
      await gateway.close();
    }
  });

  it("reports a refused push with the status and the gateway's answer, and an unreachable one, without throwing", async () => {
    const gateway = await startPushgatewayRecorder(400);
    const metrics = new ForecasterMetrics(10, { defaultMetrics: false });
    try {
      expect(await pushCycleMetrics(metrics.registry, gateway.url, "default")).toEqual({ ok: false, detail: `Pushgateway ${gateway.url}/metrics/job/trendmaster-forecaster/namespace/default answered 400: push refused` });
    } finally {
      await gateway.close();
    }
    const unreachable = await pushCycleMetrics(metrics.registry, gateway.url, "default", { timeoutMs: 2000 });
    expect(unreachable.ok).toBe(false);
    expect(unreachable.detail).toContain(`Pushgateway ${gateway.url}/metrics/job/trendmaster-forecaster/namespace/default:`);
  });
});

describe("forecaster.metrics.pushgatewayUrl", () => {
  const build = (settings: string) => buildForecasterConfig({ env: { PROMETHEUS_URL: "http://prometheus:9090", TRENDMASTER_SETTINGS: "/s.yaml" }, readText: (path) => (path === "/s.yaml" ? settings : undefined) });

  it("is read from the settings file", () => {
    const result = build("forecaster:\n  metrics:\n    pushgatewayUrl: http://pushgateway.monitoring.svc:9091\n");
    expect(result.ok && result.config.metrics.pushgatewayUrl).toBe("http://pushgateway.monitoring.svc:9091");
  });

  it("refuses a URL without http(s)://, naming it", () => {
    const result = build("forecaster:\n  metrics:\n    pushgatewayUrl: pushgateway:9091\n");
    expect(result.ok ? [] : result.problems).toContain("forecaster.metrics.pushgatewayUrl: 'pushgateway:9091' is not an http(s) URL");
  });
});
