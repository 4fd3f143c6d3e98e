// Automatic recommendation cycles as they run in a cluster: the real forecaster process over a
// real (backfilled) Prometheus writes ratelimit-config through the kube-apiserver stand-in, which
// calls the real webhook process through the Helm chart's webhook configurations; humans edit with
// the real kubectl meanwhile; the webhook goes down and the next cycle notices.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { storedStampVerdict } from "./stamp-check.js";
import type { ForecastCache } from "../../ratelimit/forecast-cache.js";
import { RELEASE_NAMESPACE } from "../chart/render.js";
import type { CliResult } from "./cli-process.js";
import { startGatedProxy } from "./gated-proxy.js";
import { limitOf, raisedWarning, ruleForecast, withLimit } from "./ratelimit-config-text.js";
import { waitFor } from "./wait-for.js";
import { configMapManifest, missingPrerequisite, startTrendMasterSystem, USERS, type TrendMasterSystem } from "./system.js";

const missing = await missingPrerequisite();
// Written past Jest's console capture, which drops the output of a suite whose tests all skip.
if (missing !== undefined) process.stderr.write(`skipping the end-to-end tests: ${missing}\n`);
const describeWithSystem = missing === undefined ? describe : describe.skip;

const CONFIG = `# Edge rate limits. Owned by the platform team; TrendMaster tunes the numbers.
domain: edge
descriptors:
  # Partners, per minute
  - key: PARTNER
    value: acme
    rate_limit:
      unit: minute
      requests_per_unit: 900   # reviewed 2026-10
  - key: PARTNER
    value: globex
    rate_limit: {unit: minute, requests_per_unit: 800}
`;

const ACME = "edge.PARTNER_acme";
const GLOBEX = "edge.PARTNER_globex";

/** What the report of `trendmaster run --once --json` holds that these tests read. */
interface CycleReportJson {
  outcome: string;
  generation?: number;
  conflicts: number;
  applied: Array<{ fullKey: string }>;
  skipped: Array<{ fullKey: string; reason: string }>;
}

/**
 * A forecast generation 1 made three hours ago, when traffic was three times today's: its bands
 * would raise every limit the forecaster is about to set.
 */
function staleForecast(nowMs: number, source: string): ForecastCache {
  const generatedAt = new Date(nowMs - 3 * 3_600_000).toISOString();
  const peakAt = new Date(nowMs - 3_600_000).toISOString().replace(/:\d\d\.\d+Z$/, ":00.000Z");
  const rule = (label: string, min: number) => ({
    label,
    unit: "minute" as const,
    current: 900,
    recommended: min,
    band: { min, max: min * 4 },
    confidence: "medium" as const,
    explanation: "traffic three times today's",
    peak: { value: min, at: peakAt },
  });
  return { generation: 1, generatedAt, source, model: "recent-peak 2", rules: { [ACME]: rule("PARTNER=acme", 1200), [GLOBEX]: rule("PARTNER=globex", 2000) } };
}

describeWithSystem(`forecaster cycles through the webhook${missing === undefined ? "" : ` (SKIPPED: ${missing})`}`, () => {
  let system: TrendMasterSystem;

  beforeAll(async () => {
    system = await startTrendMasterSystem({ partners: [{ partner: "acme", meanPerStep: 500 }, { partner: "globex", meanPerStep: 1000 }], config: CONFIG });
  }, 60_000);

  afterAll(async () => {
    await system?.stop();
  });

  it("a cycle writes through the webhook; a webhook that cannot get the claimed generation checks the write against the bands it holds", async () => {
    const stale = staleForecast(Date.now(), system.prometheus.url);
    const seeded = await system.kubectl("admin", ["apply", "-f", "-"], {
      stdin: JSON.stringify({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: "trendmaster-forecast", namespace: RELEASE_NAMESPACE, annotations: { "trendmaster.io/generation": "1" } },
        data: { "forecast.json": JSON.stringify(stale, null, 1) },
      }),
    });
    expect(seeded).toMatchObject({ code: 0 });
    await system.webhookHasForecast(1);
    // The stale bands are in force: a human writing today's numbers would be raised to them.
    const probe = await system.kubectl("bob", ["apply", "--dry-run=server", "-f", "-"], { stdin: configMapManifest("istio-system", "ratelimit-config", withLimit(CONFIG, "acme", 450)) });
    expect(probe.stderr).toContain(`Warning: ${raisedWarning(ruleForecast(stale, ACME), 450)}\n`);

    // The webhook misses generation 2: its watch of the cache ends and it cannot re-read it.
    const reconnect = system.cutWebhookOffFromForecastCache();
    let cycle: CliResult;
    try {
      cycle = await system.runForecasterOnce();
    } finally {
      reconnect();
    }
    expect(cycle).toMatchObject({ code: 0, stderr: "" });
    expect(cycle.stdout).toMatch(/^cycle generation 2 on istio-system\/ratelimit-config: applied 2 limit change\(s\)/);
    // The forecaster hears that its write was changed.
    expect(cycle.stdout).toContain("the admission webhook changed this write of istio-system/ratelimit-config (limits clamped to the bands it holds)");
    const fresh = await system.forecastCache();
    expect(fresh.generation).toBe(2);
    const acme = fresh.rules[ACME]?.recommended ?? NaN;
    const globex = fresh.rules[GLOBEX]?.recommended ?? NaN;
    // Below the stale minimums: the webhook, holding only generation 1, raises both.
    expect(acme).toBeLessThan(1200);
    expect(globex).toBeLessThan(2000);

    const stored = await system.storedConfig();
    // Even the forecaster's claim of generation 2 does not switch clamping off.
    expect(stored.text).toBe(withLimit(withLimit(CONFIG, "acme", ruleForecast(stale, ACME).band.min), "globex", ruleForecast(stale, GLOBEX).band.min));
    expect(stored.annotations).toMatchObject({ "trendmaster.io/generation": "2", "trendmaster.io/rules-changed": JSON.stringify([ACME, GLOBEX]) });
    // Stamped by the webhook with the key: the write went through admission, not around it.
    expect((await storedStampVerdict(system.stampKeyFile, stored)).valid).toBe(true);
    const metrics = await system.webhookMetrics();
    expect(metrics).toMatch(/^trendmaster_webhook_clamps_total\{direction="raised"\} 2$/m);
    // The only write admitted unchecked is the first one, before any forecast existed.
    expect(metrics.split("\n").filter((line) => line.startsWith("trendmaster_webhook_unguarded_admissions_total{"))).toEqual(['trendmaster_webhook_unguarded_admissions_total{reason="missing"} 1']);
    await system.webhookHasForecast(2);
  });

  it("a `kubectl edit` in the middle of a cycle: the cycle re-reads, both edits are kept", async () => {
    // Yesterday someone raised acme by hand; today's cycle will bring it back down.
    const raised = withLimit((await system.storedConfig()).text, "acme", 700);
    expect(await system.kubectl("admin", ["apply", "-f", "-"], { stdin: configMapManifest("istio-system", "ratelimit-config", raised) })).toMatchObject({ code: 0 });
    const before = await system.storedConfig();
    const globexByHand = limitOf(before.text, "globex") + 50;

    // Hold the cycle's Prometheus queries: by then it has read ratelimit-config, and not yet written it.
    const gate = await startGatedProxy(system.prometheus.url);
    try {
      const requestsBefore = system.api.requests().length;
      const cycle = system.runForecasterOnce(["--json"], { PROMETHEUS_URL: gate.url });
      await gate.firstRequest;
      const readByForecaster = system.api.requests().slice(requestsBefore).some((r) => r.method === "GET" && r.user === USERS.forecaster.name && r.url.startsWith("/api/v1/namespaces/istio-system/configmaps/ratelimit-config"));
      expect(readByForecaster).toBe(true);

      const editor = join(system.work, "edit-during-cycle.sh");
      await writeFile(editor, `#!/bin/sh\nsed -i -e 's/requests_per_unit: ${limitOf(before.text, "globex")}}/requests_per_unit: ${globexByHand}}/' -e 's/# Partners, per minute/# Partners, per minute (see runbook)/' "$1"\n`, { mode: 0o755 });
      const edit = await system.kubectl("bob", ["edit", "configmap", "ratelimit-config", "-n", "istio-system"], { env: { KUBE_EDITOR: editor } });
      expect(edit).toEqual({ code: 0, stdout: "configmap/ratelimit-config edited\n", stderr: "" });
      gate.open();

      const result = await cycle;
      expect(result.code).toBe(0);
      const report = JSON.parse(result.stdout) as CycleReportJson;
      expect(report).toMatchObject({ outcome: "applied", generation: 3, conflicts: 1 });
      expect(report.applied.map((a) => a.fullKey)).toContain(ACME);
      const acme = (await system.forecastCache()).rules[ACME]?.recommended;
      expect(acme).not.toBe(700);
      const humanText = withLimit(before.text, "globex", globexByHand).replace("# Partners, per minute", "# Partners, per minute (see runbook)");
      const stored = await system.storedConfig();
      expect(stored.text).toBe(withLimit(humanText, "acme", acme as number));
      expect((await storedStampVerdict(system.stampKeyFile, stored)).valid).toBe(true);
    } finally {
      await gate.close();
    }
  });

  it("webhook down (failurePolicy Ignore): the write passes unguarded, and the next cycle reports it (Slack + metric)", async () => {
    await system.stopWebhook();
    const written = withLimit((await system.storedConfig()).text, "acme", 20);
    const result = await system.kubectl("bob", ["apply", "-f", "-"], { stdin: configMapManifest("istio-system", "ratelimit-config", written) });
    // No webhook in the path: no clamping, no warning, nothing to tell the user.
    expect(result).toEqual({ code: 0, stdout: "configmap/ratelimit-config configured\n", stderr: "" });
    const unguarded = await system.storedConfig();
    expect(unguarded.text).toBe(written);
    // kubectl apply kept the earlier write's stamp: genuine, but made for other data.
    expect(await storedStampVerdict(system.stampKeyFile, unguarded)).toEqual({ valid: false, why: "mismatch" });

    system.slack.messages.length = 0;
    const forecaster = system.startForecaster(["--run-now"], { SCHEDULE: "0 0 1 1 *", LOG_LEVEL: "info" });
    try {
      const metrics = await waitFor("the forecaster's first cycle in /metrics", async () => {
        const text = await (await fetch(system.metricsUrl)).text();
        return /^trendmaster_cycles_total\{outcome="[a-z-]+"\} 1$/m.test(text) ? text : undefined;
      }, 30_000);
      expect(metrics).toMatch(/^trendmaster_unguarded_changes_total 1$/m);
      const alert = system.slack.messages.find((m) => m.channel === "#oncall");
      expect(alert?.text).toBe("TrendMaster cycle completed with problems on istio-system/ratelimit-config");
      expect(alert?.body).toMatch(/UNGUARDED change: `istio-system\/ratelimit-config` was written without the webhook \(last writer kubectl-client-side-apply at \S+\); its limits were not checked against the forecast band/);
      expect(await forecaster.stop()).toBe(0);
    } finally {
      await forecaster.stop();
    }
  });
});
