import { configDataDigest } from "../ratelimit/digest.js";
import { parseStampKeyRing } from "../ratelimit/guard-stamp.js";
import { runCycle } from "./cycle.js";
import { FakeClock } from "../test/fakes/fake-clock.js";
import { MemoryConfigMapStore } from "../test/fakes/memory-kube.js";
import { RecordingNotifier } from "../test/fakes/recording-notifier.js";
import { formatHistory, listHistory, rollback, RollbackError } from "./rollback.js";
import { configMap, FakeTrafficSource, quietLog, TableForecaster, testCycleSettings } from "../test/fakes/cycle-fakes.js";

const target = { namespace: "istio-system", name: "ratelimit-config" };
const text = (n: number) => `domain: edge\ndescriptors:\n  - key: PARTNER\n    value: acme\n    rate_limit: {unit: minute, requests_per_unit: ${n}}  # keep me\n`;

async function threeChanges() {
  const store = new MemoryConfigMapStore();
  // A second config file in binaryData, to show it is restored too.
  const other = "domain: other\ndescriptors:\n  - key: K\n    rate_limit: {unit: second, requests_per_unit: 5}\n";
  store.putAs("kubectl-client-side-apply", { metadata: { ...target }, data: { "config.yaml": text(100) }, binaryData: { "other.yaml": Buffer.from(other).toString("base64") } });
  const clock = new FakeClock(Date.parse("2026-11-26T12:00:00Z"));
  const forecaster = new TableForecaster({});
  const deps = { configMaps: store, traffic: new FakeTrafficSource(), forecaster, notifier: new RecordingNotifier(), clock, log: quietLog };
  const contents = [await store.get(target.namespace, target.name)];
  for (const n of [200, 300, 400]) {
    forecaster.recommended = { "edge.PARTNER_acme": n };
    clock.advance(6 * 3_600_000);
    await runCycle(deps, testCycleSettings());
    contents.push(await store.get(target.namespace, target.name));
  }
  return { store, clock, contents, scope: testCycleSettings() };
}

describe("history and rollback", () => {
  it("lists who wrote each revision and what replaced it", async () => {
    const { store, clock, scope } = await threeChanges();
    const listing = await listHistory({ configMaps: store, clock }, scope);
    expect(listing.entries.map((e) => [e.revision, e.writtenBy, e.change])).toEqual([
      [3, "trendmaster-forecaster", "1 limit: edge.PARTNER_acme 300→400"],
      [2, "trendmaster-forecaster", "1 limit: edge.PARTNER_acme 200→300"],
      [1, "kubectl-client-side-apply", "1 limit: edge.PARTNER_acme 100→200"],
    ]);
    const table = formatHistory(listing, scope);
    expect(table).toContain("rev 1    content written by kubectl-client-side-apply");
    expect(table).toContain("replaced at 2026-11-26T18:00:00.000Z by trendmaster-forecaster test generation 1");
  });

  it.each([1, 2, 3])("restores revision %i byte for byte and records what it replaced", async (revision) => {
    const { store, clock, contents, scope } = await threeChanges();
    const result = await rollback({ configMaps: store, clock }, scope, { toRevision: revision, actor: "alice", maxConflictRetries: 3 });
    expect(result).toMatchObject({ status: "restored", revision, savedAs: 4, exact: true });
    const now = await store.get(target.namespace, target.name);
    expect(now?.data).toEqual(contents[revision - 1]?.data);
    expect(now?.binaryData).toEqual(contents[revision - 1]?.binaryData);
    expect(now?.metadata.annotations?.["trendmaster.io/rolled-back-to"]).toBe(String(revision));
    const newest = (await listHistory({ configMaps: store, clock }, scope)).entries[0];
    expect(newest?.replacedBy).toBe(`rollback to revision ${revision} by alice`);
    expect(configDataDigest(newest?.data, newest?.binaryData)).toBe(configDataDigest(contents[3]?.data, contents[3]?.binaryData));
  });

  it("keeps at most `history.keep` revisions after saving the content it replaces", async () => {
    const { store, clock } = await threeChanges();
    const scope = testCycleSettings({ history: { ...testCycleSettings().history, keep: 3 } });
    const result = await rollback({ configMaps: store, clock }, scope, { toRevision: 2, actor: "alice", maxConflictRetries: 3 });
    expect(result).toMatchObject({ status: "restored", revision: 2, savedAs: 4 });
    expect("pruneProblem" in result).toBe(false);
    expect((await listHistory({ configMaps: store, clock }, scope)).entries.map((e) => e.revision)).toEqual([4, 3, 2]);
  });

  it("defaults to the newest revision, and a second identical rollback writes nothing", async () => {
    const { store, clock, contents, scope } = await threeChanges();
    await rollback({ configMaps: store, clock }, scope, { actor: "alice", maxConflictRetries: 3 });
    expect((await store.get(target.namespace, target.name))?.data).toEqual(contents[2]?.data);
    expect(await rollback({ configMaps: store, clock }, scope, { toRevision: 3, actor: "alice", maxConflictRetries: 3 })).toEqual({ status: "already-current", revision: 3 });
  });

  it("reports a rollback the webhook missed like any unguarded write: trendmaster.io/applied-digest is no proof, any writer can set it", async () => {
    const { store, clock, scope } = await threeChanges();
    await rollback({ configMaps: store, clock }, scope, { toRevision: 1, actor: "alice", maxConflictRetries: 3 });
    const restored = (await store.get(target.namespace, target.name))!;
    store.putAs("x", { ...restored, metadata: { ...target, annotations: { ...restored.metadata.annotations, "trendmaster.io/guarded-digest": "sha256:stale" } } });
    const ring = parseStampKeyRing("rollback-test-stamp-key-0123456789abcdef01");
    if (!ring.ok) throw new Error(ring.problem);
    const report = await runCycle({ configMaps: store, traffic: new FakeTrafficSource(), forecaster: new TableForecaster({}), notifier: new RecordingNotifier(), clock, log: quietLog, stampKeys: () => ring.ring }, testCycleSettings());
    expect(report.guard?.status).toBe("unguarded");
  });

  it("names the revisions that exist when asked for one that does not", async () => {
    const { store, clock, scope } = await threeChanges();
    await expect(rollback({ configMaps: store, clock }, scope, { toRevision: 9, actor: "alice", maxConflictRetries: 3 })).rejects.toThrow(new RollbackError("revision 9 of istio-system/ratelimit-config not found; available: 3, 2, 1"));
  });
});
