// Attack: with the webhook down (failurePolicy Ignore, writes pass unguarded), stamp the write so
// the next cycle takes it for a guarded one. The stamp is an HMAC keyed by a Secret only
// TrendMaster's containers hold: a self-computed digest, a stamp made with another key and a
// genuine stamp copied from an earlier write are all reported exactly like no stamp at all.
// Then the key is rotated, the way docs/settings.md says, and no alarm is raised.
// Real kubectl against the kube-apiserver stand-in, the real webhook process, the real forecaster
// (`trendmaster run --once`) over a real Prometheus, and the Slack stand-in.
import { readFile, writeFile } from "node:fs/promises";
import { GUARDED_DIGEST_ANNOTATION } from "../../ratelimit/annotations.js";
import { configDataDigest } from "../../ratelimit/digest.js";
import { parseStampKeyRing, signGuardStamp, type StampKeyRing } from "../../ratelimit/guard-stamp.js";
import { withLimit } from "../e2e/ratelimit-config-text.js";
import { storedStampVerdict } from "../e2e/stamp-check.js";
import { configMapManifest, missingPrerequisite, startTrendMasterSystem, type TrendMasterSystem } from "../e2e/system.js";
import type { TrendmasterProcess } from "../e2e/cli-process.js";

const missing = await missingPrerequisite();
if (missing !== undefined) process.stderr.write(`skipping the forged-stamp attacks: ${missing}\n`);
const describeWithSystem = missing === undefined ? describe : describe.skip;

const CONFIG = `domain: edge
descriptors:
  - key: PARTNER
    value: acme
    rate_limit: {unit: minute, requests_per_unit: 400}
`;
const TARGET = { namespace: "istio-system", name: "ratelimit-config" };
const withAcme = (limit: number) => withLimit(CONFIG, "acme", limit);

function ringOf(text: string): StampKeyRing {
  const parsed = parseStampKeyRing(text);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.ring;
}

/** The report's UNGUARDED line with who wrote and when left out: what must not differ between attacks. */
function unguardedLine(stdout: string): string | undefined {
  return stdout.split("\n").find((line) => line.startsWith("UNGUARDED CHANGE:"))?.replace(/\(last written by .*\)$/, "(last written by <writer> at <time>)");
}

describeWithSystem("attack: forging the guarded-digest stamp while the webhook is down", () => {
  let system: TrendMasterSystem;
  /** A genuine stamp of the webhook, for the data it was made for. */
  let genuine: { stamp: string; data: Record<string, string> };
  const reports: string[] = [];

  /** One dry-run cycle: what it reports, and whether it alerted Slack about an unguarded change. */
  async function cycle(): Promise<{ line: string | undefined; alerted: boolean }> {
    const before = system.slack.messages.length;
    const result = await system.runForecasterOnce(["--dry-run"]);
    expect(result.code).toBe(0);
    // stderr carries only the log line of an unguarded change, if any.
    for (const line of result.stderr.split("\n").filter((l) => l !== "")) expect(line).toContain("UNGUARDED change: ratelimit-config data carries no valid stamp");
    const alerted = system.slack.messages.slice(before).some((m) => m.channel === "#oncall" && m.body.includes("UNGUARDED change"));
    return { line: unguardedLine(result.stdout), alerted };
  }

  beforeAll(async () => {
    system = await startTrendMasterSystem({ partners: [{ partner: "acme", meanPerStep: 500 }], config: CONFIG });
    // The first cycle verifies the webhook's stamp on the config as created.
    const first = await cycle();
    expect(first).toEqual({ line: undefined, alerted: false });
    const stored = await system.storedConfig();
    genuine = { stamp: stored.annotations[GUARDED_DIGEST_ANNOTATION] as string, data: stored.data };
    expect((await storedStampVerdict(system.stampKeyFile, stored)).valid).toBe(true);
    await system.stopWebhook();
  }, 90_000);

  afterAll(async () => {
    await system?.stop();
  });

  it.each<[string, number, (data: Record<string, string>) => Record<string, string>]>([
    ["a self-computed sha256 digest of the data", 1, (data) => ({ [GUARDED_DIGEST_ANNOTATION]: configDataDigest(data) })],
    ["no stamp at all", 2, () => ({})],
    ["an HMAC stamp made with the attacker's own key", 3, (data) => ({ [GUARDED_DIGEST_ANNOTATION]: signGuardStamp(ringOf("attacker-chosen-key-0123456789abcdef0123456789"), TARGET, configDataDigest(data), Date.now()) })],
    ["the webhook's genuine stamp copied from an earlier write", 4, () => ({ [GUARDED_DIGEST_ANNOTATION]: genuine.stamp })],
  ])("%s: stored unclamped (nothing in the path), then reported by the next cycle like any other", async (_name, limit, stampOf) => {
    const data = { "config.yaml": withAcme(limit) };
    const written = await system.kubectl("bob", ["replace", "-f", "-"], { stdin: configMapManifest("istio-system", "ratelimit-config", data["config.yaml"], stampOf(data)) });
    expect(written).toEqual({ code: 0, stdout: "configmap/ratelimit-config replaced\n", stderr: "" });
    const stored = await system.storedConfig();
    expect(stored.data).toEqual(data);
    expect((await storedStampVerdict(system.stampKeyFile, stored)).valid).toBe(false);
    const { line, alerted } = await cycle();
    expect(line).toBe("UNGUARDED CHANGE: istio-system/ratelimit-config data carries no valid TrendMaster stamp: written while the webhook was not in the path (last written by <writer> at <time>)");
    expect(alerted).toBe(true);
    reports.push(line as string);
  });

  it("every forged or stale stamp was reported exactly as the missing one", () => {
    expect(reports).toHaveLength(4);
    expect(new Set(reports).size).toBe(1);
  });

  describe("key rotation, with the webhook back", () => {
    let webhook: TrendmasterProcess;
    /** The key the system started with. */
    let oldKey = "";
    const OLD = () => oldKey;
    const NEW_KEY = "rotated-stamp-key-fedcba9876543210fedcba9876543210";

    /** Rewrites the mounted key file, as the kubelet does when the Secret changes, and waits until the webhook has reloaded it. */
    async function rotateTo(text: string): Promise<void> {
      const from = webhook.output().length;
      await writeFile(system.stampKeyFile, text);
      await webhook.waitForLine(/"msg":"stamp keys reloaded"/, 15_000, from);
    }

    beforeAll(async () => {
      webhook = await system.startWebhook();
      oldKey = (await readFile(system.stampKeyFile, "utf8")).trim();
      // A guarded write under the old key, verified by a cycle.
      expect((await system.kubectl("admin", ["replace", "-f", "-"], { stdin: configMapManifest("istio-system", "ratelimit-config", withAcme(500)) })).code).toBe(0);
      expect(await cycle()).toEqual({ line: undefined, alerted: false });
    }, 60_000);

    it("the new key first, the old one kept: the old stamp verifies, new writes are signed with the new key", async () => {
      await rotateTo(`${NEW_KEY}\n${OLD()}\n`);
      expect(await cycle()).toEqual({ line: undefined, alerted: false });
      expect((await system.kubectl("admin", ["replace", "-f", "-"], { stdin: configMapManifest("istio-system", "ratelimit-config", withAcme(510)) })).code).toBe(0);
      const verdict = await storedStampVerdict(system.stampKeyFile, await system.storedConfig());
      expect(verdict).toMatchObject({ valid: true, keyId: ringOf(NEW_KEY).signing.id });
      expect(await cycle()).toEqual({ line: undefined, alerted: false });
    });

    it("the old key retired while ratelimit-config still carries its stamp: no false alarm, and forgeries are still caught", async () => {
      // Signing with the old key again, so that ratelimit-config carries an old-key stamp when that key goes.
      await rotateTo(`${OLD()}\n`);
      expect((await system.kubectl("admin", ["replace", "-f", "-"], { stdin: configMapManifest("istio-system", "ratelimit-config", withAcme(520)) })).code).toBe(0);
      expect(await cycle()).toEqual({ line: undefined, alerted: false });
      // The write above was stamped with the key now being retired.
      await rotateTo(`${NEW_KEY}\n`);
      expect(await cycle()).toEqual({ line: undefined, alerted: false });
      await system.stopWebhook();
      const forged = { "config.yaml": withAcme(5) };
      expect((await system.kubectl("bob", ["replace", "-f", "-"], { stdin: configMapManifest("istio-system", "ratelimit-config", forged["config.yaml"], { [GUARDED_DIGEST_ANNOTATION]: configDataDigest(forged) }) })).code).toBe(0);
      const { line, alerted } = await cycle();
      expect(line).toBe(reports[0]);
      expect(alerted).toBe(true);
    });
  });
});
