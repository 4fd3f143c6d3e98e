import { GUARDED_DIGEST_ANNOTATION } from "../ratelimit/annotations.js";
import { configDataDigest } from "../ratelimit/digest.js";
import { parseStampKeyRing, signGuardStamp, type StampKeyRing } from "../ratelimit/guard-stamp.js";
import { decodeForecastCache } from "../ratelimit/forecast-cache.js";
import { runCycle, type CycleDeps } from "./cycle.js";
import { FakeClock } from "../test/fakes/fake-clock.js";
import type { ConfigMapObject } from "./io/configmaps.js";
import { MemoryConfigMapStore } from "../test/fakes/memory-kube.js";
import { RecordingNotifier } from "../test/fakes/recording-notifier.js";
import { historyEntries, historyLabelSelector } from "./logic/history.js";
import { configMap, FakeTrafficSource, quietLog, TableForecaster, testCycleSettings } from "../test/fakes/cycle-fakes.js";

const CONFIG = `# edge limits, owned by the platform team
domain: edge
descriptors:
  # partners
  - key: PARTNER
    value: acme
    rate_limit:
      unit: minute
      requests_per_unit: 100   # reviewed 2024-01
  - key: PARTNER
    value: globex
    rate_limit: {unit: second, requests_per_unit: 10}
  - key: PATH
    value: /health
  - key: PARTNER
    value: initech
    rate_limit:
      unit: hour
      requests_per_unit: 5000
`;

const NOW = Date.parse("2026-11-26T12:00:00Z");
const target = { namespace: "istio-system", name: "ratelimit-config" };

function setup(recommended: Record<string, number | "low" | "throw"> = { "edge.PARTNER_acme": 200, "edge.PARTNER_globex": 10 }, text = CONFIG) {
  const store = new MemoryConfigMapStore();
  store.putAs("kubectl-edit", configMap(target.namespace, target.name, { "config.yaml": text }));
  const notifier = new RecordingNotifier();
  const traffic = new FakeTrafficSource();
  const forecaster = new TableForecaster(recommended, NOW);
  const keys = { ring: ringOf(KEY_A) };
  const deps: CycleDeps = { configMaps: store, traffic, forecaster, notifier, clock: new FakeClock(NOW), log: quietLog, stampKeys: () => keys.ring };
  return { store, notifier, traffic, forecaster, deps, keys };
}

const KEY_A = "cycle-test-stamp-key-a-0123456789abcdef0123";
const KEY_B = "cycle-test-stamp-key-b-fedcba9876543210fedc";
function ringOf(text: string): StampKeyRing {
  const parsed = parseStampKeyRing(text);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.ring;
}
const stampFor = (data: Record<string, string>, key = KEY_A) => signGuardStamp(ringOf(key), target, configDataDigest(data), NOW - 60_000);

async function ratelimitText(store: MemoryConfigMapStore): Promise<string> {
  return (await store.get(target.namespace, target.name))?.data?.["config.yaml"] ?? "";
}

async function history(store: MemoryConfigMapStore) {
  return historyEntries(await store.list("trendmaster", historyLabelSelector(target)), target);
}

describe("runCycle", () => {
  it("says a server warning that every rule's query got once, across fetch chunks", async () => {
    const { deps, traffic } = setup();
    traffic.answerWarning = "PromQL info: metric might not be a counter";
    const report = await runCycle(deps, testCycleSettings({ fetchChunkRules: 1 }));
    expect(report.warnings.filter((w) => w.includes("might not be a counter"))).toEqual([
      "PromQL info: metric might not be a counter (3 times: rule edge.PARTNER_acme, rule edge.PARTNER_globex, rule edge.PARTNER_initech)",
    ]);
    expect(report.fetchSummary).toContain(", 3 warnings");
  });

  it("applies only the recomputed numbers, with a history revision and annotations first", async () => {
    const { store, deps, notifier } = setup();
    const report = await runCycle(deps, testCycleSettings());
    expect(report.outcome).toBe("applied");
    expect(report.applied).toEqual([{ fullKey: "edge.PARTNER_acme", from: 100, to: 200 }]);
    expect(await ratelimitText(store)).toBe(CONFIG.replace("requests_per_unit: 100 ", "requests_per_unit: 200 "));
    const written = (await store.get(target.namespace, target.name)) as ConfigMapObject;
    expect(written.metadata.annotations?.["trendmaster.io/generation"]).toBe("1");
    expect(written.metadata.annotations?.["trendmaster.io/rules-changed"]).toBe('["edge.PARTNER_acme"]');
    const revisions = await history(store);
    expect(revisions.map((r) => r.revision)).toEqual([1]);
    expect(revisions[0]?.data?.["config.yaml"]).toBe(CONFIG);
    expect(revisions[0]?.writtenBy).toBe("kubectl-edit");
    expect(report.diff).toContain("-      requests_per_unit: 100   # reviewed 2024-01");
    expect(report.diff).toContain("+      requests_per_unit: 200   # reviewed 2024-01");
    expect(notifier.alerts.map((a) => a.kind)).toEqual(["rate_limit_changes", "ml_confidence_low"]);
    expect(notifier.alerts[0]?.body).toContain("edge.PARTNER_acme");
  });

  it("drops a break-glass reason left by an earlier write from its own write", async () => {
    const { store, deps } = setup();
    store.putAs("kubectl-edit", configMap(target.namespace, target.name, { "config.yaml": CONFIG }, { "trendmaster.io/override-reason": "INC-1", team: "edge" }));
    await runCycle(deps, testCycleSettings());
    const annotations = (await store.get(target.namespace, target.name))?.metadata.annotations ?? {};
    expect(annotations["trendmaster.io/override-reason"]).toBeUndefined();
    expect(annotations.team).toBe("edge");
  });

  it("writes the cache before ratelimit-config, with bands that contain what it applies", async () => {
    const { store, deps } = setup();
    const order: string[] = [];
    const create = store.create.bind(store);
    const replace = store.replace.bind(store);
    store.create = async (cm) => (order.push(`create ${cm.metadata.name}`), create(cm));
    store.replace = async (cm) => (order.push(`replace ${cm.metadata.name}`), replace(cm));
    await runCycle(deps, testCycleSettings());
    expect(order).toEqual(["create trendmaster-forecast", "create trendmaster-history-1", "replace ratelimit-config"]);
    const cacheCm = (await store.get("trendmaster", "trendmaster-forecast")) as ConfigMapObject;
    const cache = decodeForecastCache({ data: { ...cacheCm.data } });
    expect(cache.generation).toBe(1);
    expect(cache.rules["edge.PARTNER_acme"]).toMatchObject({ current: 100, recommended: 200, confidence: "high", band: { min: 100, max: 800 } });
    expect(cache.rules["edge.PARTNER_initech"]).toMatchObject({ current: 5000, recommended: 5000, confidence: "low" });
    expect(cache.rules["edge.PARTNER_initech"]?.band).toBeUndefined();
  });

  it("skips the write when nothing changed, and the generation still moves on", async () => {
    const { store, deps } = setup({ "edge.PARTNER_acme": 100 });
    const first = await runCycle(deps, testCycleSettings());
    const second = await runCycle(deps, testCycleSettings());
    expect([first.outcome, second.outcome]).toEqual(["no-change", "no-change"]);
    expect(second.generation).toBe(2);
    expect(store.writes.filter((w) => w.name === "ratelimit-config")).toEqual([]);
    expect(await history(store)).toEqual([]);
  });

  it("dry-run reports the full diff and changes nothing in ratelimit-config", async () => {
    const { store, deps, notifier } = setup();
    const before = await store.get(target.namespace, target.name);
    const report = await runCycle(deps, testCycleSettings({ dryRun: true }));
    expect(report.outcome).toBe("dry-run");
    expect(report.changes).toEqual([expect.objectContaining({ fullKey: "edge.PARTNER_acme", from: 100, to: 200 })]);
    expect(report.diff).toContain("+      requests_per_unit: 200");
    expect(await store.get(target.namespace, target.name)).toEqual(before);
    expect(await history(store)).toEqual([]);
    expect(notifier.alerts[0]?.title).toContain("[dry run]");
  });

  it("on a 409, re-reads and re-applies on top of the other writer's edit: nothing lost on either side", async () => {
    const { store, deps } = setup({ "edge.PARTNER_acme": 200, "edge.PARTNER_initech": 9000 });
    let interfered = false;
    store.beforeReplace = (cm) => {
      if (interfered || cm.metadata.name !== "ratelimit-config") return;
      interfered = true;
      // A human raises globex and adds a comment while the forecaster computes.
      const text = CONFIG.replace("requests_per_unit: 10}", "requests_per_unit: 20}").replace("# partners", "# partners (see runbook)");
      store.putAs("kubectl-edit", configMap(target.namespace, target.name, { "config.yaml": text }));
    };
    const report = await runCycle(deps, testCycleSettings());
    expect(report.outcome).toBe("applied");
    expect(report.conflicts).toBe(1);
    const text = await ratelimitText(store);
    expect(text).toContain("requests_per_unit: 20}");
    expect(text).toContain("# partners (see runbook)");
    expect(text).toContain("requests_per_unit: 200   # reviewed");
    expect(text).toContain("requests_per_unit: 9000");
    // Both replaced contents are restorable.
    const revisions = await history(store);
    expect(revisions.map((r) => r.data?.["config.yaml"]?.includes("runbook"))).toEqual([true, false]);
  });

  it("keeps a human's concurrent value for the same rule", async () => {
    const { store, deps } = setup();
    let interfered = false;
    store.beforeReplace = (cm) => {
      if (interfered || cm.metadata.name !== "ratelimit-config") return;
      interfered = true;
      store.putAs("kubectl-edit", configMap(target.namespace, target.name, { "config.yaml": CONFIG.replace("requests_per_unit: 100 ", "requests_per_unit: 150 ") }));
    };
    const report = await runCycle(deps, testCycleSettings());
    expect(report.outcome).toBe("no-change");
    expect(report.skipped).toEqual([{ fullKey: "edge.PARTNER_acme", reason: "changed meanwhile from 100 to 150 by another writer; their value is kept" }]);
    expect(await ratelimitText(store)).toContain("requests_per_unit: 150 ");
  });

  it("gives up after bounded conflicts, keeping current limits", async () => {
    const { store, deps } = setup();
    let n = 0;
    store.beforeReplace = (cm) => {
      if (cm.metadata.name !== "ratelimit-config") return;
      n += 1;
      store.putAs("argocd-controller", configMap(target.namespace, target.name, { "config.yaml": `${CONFIG}# sync ${n}\n` }));
    };
    const report = await runCycle(deps, testCycleSettings({ maxConflictRetries: 2 }));
    expect(report.outcome).toBe("failed");
    expect(report.errors[0]).toContain("gave up after 3 attempts");
    expect(await ratelimitText(store)).toBe(`${CONFIG}# sync 3\n`);
  });

  it("keeps every limit and alerts when the traffic source is down", async () => {
    const { store, deps, traffic, notifier } = setup();
    traffic.down = true;
    const report = await runCycle(deps, testCycleSettings());
    expect(report.outcome).toBe("failed");
    expect(report.errors[0]).toContain("ECONNREFUSED");
    expect(store.writes).toEqual([]);
    expect(notifier.alerts.map((a) => a.kind)).toEqual(["system_errors"]);
    expect(notifier.alerts[0]?.body).toContain("current limits kept");
  });

  it("treats a source where every query fails as down", async () => {
    const { deps, traffic } = setup();
    for (const key of ["edge.PARTNER_acme", "edge.PARTNER_globex", "edge.PARTNER_initech"]) traffic.failing.add(key);
    const report = await runCycle(deps, testCycleSettings());
    expect(report.outcome).toBe("failed");
    expect(report.errors[0]).toContain("all 3 rule queries of the first batch failed");
  });

  it("fetches and forecasts chunk by chunk, with the same result", async () => {
    const { deps, traffic } = setup();
    const report = await runCycle(deps, testCycleSettings({ fetchChunkRules: 1 }));
    expect(traffic.requestedRanges).toHaveLength(3);
    expect(report.outcome).toBe("applied");
    expect(report.fetchSummary).toBe("fetched 3 of 3 rules (0 empty, 0 failed, 0 unmapped) in 3 requests");
  });

  it("one failed rule does not end the cycle", async () => {
    const { deps, traffic } = setup({ "edge.PARTNER_acme": 200, "edge.PARTNER_initech": "throw" });
    traffic.failing.add("edge.PARTNER_globex");
    const report = await runCycle(deps, testCycleSettings());
    expect(report.outcome).toBe("applied");
    expect(report.counts).toMatchObject({ changed: 1, failed: 2 });
  });

  it("does not apply below minConfidenceToApply, excluded rules are left alone", async () => {
    const { deps } = setup();
    const report = await runCycle(deps, testCycleSettings({ overrides: { "edge.PARTNER_acme": { exclude: true } } }));
    expect(report.outcome).toBe("no-change");
    expect(report.counts.excluded).toBe(1);
  });

  const unguardedAlerts = (notifier: RecordingNotifier) => notifier.alerts.filter((a) => a.body.includes("UNGUARDED")).map((a) => a.body);

  it.each<[string, (data: Record<string, string>) => string | undefined, string]>([
    ["no stamp (webhook never installed)", () => undefined, "unstamped"],
    ["the unkeyed digest of earlier releases, before anything was verified", (data) => configDataDigest(data), "unstamped"],
    ["a valid stamp", (data) => stampFor(data), "guarded"],
    ["a stamp made with a key TrendMaster does not hold", (data) => stampFor(data, KEY_B), "unguarded"],
    ["a valid stamp made for other data", () => stampFor({ "config.yaml": "domain: other\n" }), "unguarded"],
    ["a malformed stamp", () => "sha256:0000", "unguarded"],
  ])("reports ratelimit-config with %s", async (_name, stamp, status) => {
    const { store, deps, notifier } = setup({});
    const data = { "config.yaml": CONFIG };
    const value = stamp(data);
    store.putAs("kubectl-edit", configMap(target.namespace, target.name, data, value === undefined ? undefined : { [GUARDED_DIGEST_ANNOTATION]: value }));
    const report = await runCycle(deps, testCycleSettings());
    expect(report.guard?.status).toBe(status);
    expect(unguardedAlerts(notifier)).toHaveLength(status === "unguarded" ? 1 : 0);
    // Alerted once per unguarded content, not every cycle.
    notifier.alerts.length = 0;
    await runCycle(deps, testCycleSettings());
    expect(unguardedAlerts(notifier)).toEqual([]);
  });

  it("once a stamp was verified, a missing, forged or stale stamp is reported exactly alike", async () => {
    const changed = { "config.yaml": CONFIG.replace("requests_per_unit: 100", "requests_per_unit: 1") };
    const alerts: string[][] = [];
    for (const stamp of [undefined, configDataDigest(changed), stampFor({ "config.yaml": CONFIG })]) {
      const { store, deps, notifier } = setup({});
      const guarded = { "config.yaml": CONFIG };
      store.putAs("trendmaster-webhook", configMap(target.namespace, target.name, guarded, { [GUARDED_DIGEST_ANNOTATION]: stampFor(guarded) }));
      expect((await runCycle(deps, testCycleSettings())).guard?.status).toBe("guarded");
      store.putAs("kubectl-replace", configMap(target.namespace, target.name, changed, stamp === undefined ? undefined : { [GUARDED_DIGEST_ANNOTATION]: stamp }));
      notifier.alerts.length = 0;
      const report = await runCycle(deps, testCycleSettings());
      expect(report.guard).toMatchObject({ status: "unguarded", digest: configDataDigest(changed), writtenBy: "kubectl-replace" });
      // The in-memory store times its writes by the wall clock: only the write time may differ.
      alerts.push(unguardedAlerts(notifier).map((a) => a.replace(/ at \d{4}-\d\d-\d\dT[\d:.]+Z/, " at <time>")));
    }
    expect(alerts[0]).toHaveLength(1);
    expect(alerts[1]).toEqual(alerts[0]);
    expect(alerts[2]).toEqual(alerts[0]);
  });

  it("a key rotation raises no alarm: data verified under the old key stays guarded once the old key is gone", async () => {
    const { store, deps, notifier, keys } = setup({});
    const data = { "config.yaml": CONFIG };
    store.putAs("trendmaster-webhook", configMap(target.namespace, target.name, data, { [GUARDED_DIGEST_ANNOTATION]: stampFor(data, KEY_A) }));
    expect((await runCycle(deps, testCycleSettings())).guard?.status).toBe("guarded");
    // New key first, old one kept: both verify.
    keys.ring = ringOf(`${KEY_B}\n${KEY_A}`);
    expect((await runCycle(deps, testCycleSettings())).guard?.status).toBe("guarded");
    // Old key retired while ratelimit-config still carries its stamp.
    keys.ring = ringOf(KEY_B);
    expect((await runCycle(deps, testCycleSettings())).guard?.status).toBe("guarded");
    expect(unguardedAlerts(notifier)).toEqual([]);
    // A change made behind the webhook's back is still caught under the new key.
    const changed = { "config.yaml": CONFIG.replace("requests_per_unit: 100", "requests_per_unit: 1") };
    store.putAs("kubectl-edit", configMap(target.namespace, target.name, changed, { [GUARDED_DIGEST_ANNOTATION]: stampFor(data, KEY_A) }));
    expect((await runCycle(deps, testCycleSettings())).guard?.status).toBe("unguarded");
  });

  it("alerts an unguarded change once even while the cycles after it fail", async () => {
    const { store, deps, notifier, traffic } = setup();
    await runCycle(deps, testCycleSettings());
    const data = { "config.yaml": CONFIG.replace("requests_per_unit: 100", "requests_per_unit: 101") };
    store.putAs("kubectl-edit", configMap(target.namespace, target.name, data, { [GUARDED_DIGEST_ANNOTATION]: "sha256:0000" }));
    traffic.down = true;
    notifier.alerts.length = 0;
    const failed = await runCycle(deps, testCycleSettings());
    expect(failed.outcome).toBe("failed");
    expect(notifier.alerts.filter((a) => a.body.includes("UNGUARDED"))).toHaveLength(1);
    notifier.alerts.length = 0;
    expect((await runCycle(deps, testCycleSettings())).outcome).toBe("failed");
    expect(notifier.alerts.some((a) => a.body.includes("UNGUARDED"))).toBe(false);
  });

  it("stamps its own write, so a write the webhook missed is not reported as unguarded", async () => {
    const { store, deps } = setup();
    const data = { "config.yaml": CONFIG };
    store.putAs("kubectl-edit", configMap(target.namespace, target.name, data, { [GUARDED_DIGEST_ANNOTATION]: stampFor(data) }));
    expect((await runCycle(deps, testCycleSettings())).outcome).toBe("applied");
    const written = (await store.get(target.namespace, target.name)) as ConfigMapObject;
    expect(written.metadata.annotations?.[GUARDED_DIGEST_ANNOTATION]).toBe(signGuardStamp(ringOf(KEY_A), target, configDataDigest(written.data), NOW));
    const next = await runCycle(deps, testCycleSettings());
    expect(next.guard?.status).toBe("guarded");
  });

  it("without a key ring nothing is checked, and each cycle says so", async () => {
    const { deps } = setup({});
    const { stampKeys: _keys, ...unkeyed } = deps;
    const report = await runCycle(unkeyed, testCycleSettings());
    expect(report.guard?.status).toBe("unchecked");
    expect(report.warnings).toContain("guardStamp.keyFile is not set: changes made while the webhook was down cannot be detected");
  });

  it("keeps only the newest N history revisions", async () => {
    const { store, deps, forecaster } = setup();
    for (let k = 1; k <= 5; k++) {
      forecaster.recommended = { "edge.PARTNER_acme": 100 + k * 10 };
      await runCycle(deps, testCycleSettings({ history: { namespace: "trendmaster", namePrefix: "trendmaster-history", keep: 3 } }));
    }
    expect((await history(store)).map((r) => r.revision)).toEqual([5, 4, 3]);
  });

  it("stops before writing when aborted", async () => {
    const { store, deps } = setup();
    const controller = new AbortController();
    controller.abort(new Error("SIGTERM"));
    const report = await runCycle(deps, testCycleSettings(), controller.signal);
    expect(report.outcome).toBe("aborted");
    expect(store.writes).toEqual([]);
  });

  it("edits config files kept in binaryData", async () => {
    const { store, deps } = setup();
    store.putAs("kubectl-edit", { metadata: { ...target }, binaryData: { "config.yaml": Buffer.from(CONFIG).toString("base64") } });
    const report = await runCycle(deps, testCycleSettings());
    expect(report.outcome).toBe("applied");
    const written = (await store.get(target.namespace, target.name)) as ConfigMapObject;
    expect(Buffer.from(written.binaryData?.["config.yaml"] ?? "", "base64").toString()).toContain("requests_per_unit: 200 ");
  });
});
