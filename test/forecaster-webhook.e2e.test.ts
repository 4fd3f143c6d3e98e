// The forecaster's own write through the real webhook: the cache is written before ratelimit-config,
// and the write carries the generation it was computed from, so the webhook checks it against the
// fresh bands, never a stale one. Built on the whole-system harness (test/e2e/system.ts).
import { RELEASE_NAMESPACE } from "./chart/render.js";
import { runTrendmaster } from "./e2e/cli-process.js";
import { storedStampVerdict } from "./e2e/stamp-check.js";
import { missingPrerequisite, startTrendMasterSystem, USERS, type TrendMasterSystem } from "./e2e/system.js";

const missing = await missingPrerequisite();
if (missing !== undefined) console.warn(`skipping forecaster/webhook e2e: ${missing}`);
const describeWithSystem = missing === undefined ? describe : describe.skip;

const CONFIG = `domain: edge
descriptors:
  # far too low for p0's traffic (~300 requests per 5 minutes, ~60/min at the mean)
  - key: PARTNER
    value: p0
    rate_limit: {unit: minute, requests_per_unit: 40}
  - key: PARTNER
    value: p1
    rate_limit: {unit: minute, requests_per_unit: 1000}
`;

describeWithSystem("forecaster writes through the webhook", () => {
  let system: TrendMasterSystem;
  beforeAll(async () => {
    system = await startTrendMasterSystem({ partners: [{ partner: "p0", meanPerStep: 300 }, { partner: "p1", meanPerStep: 500 }], days: 5, config: CONFIG });
  }, 90_000);
  afterAll(async () => system?.stop());

  it("is checked against the bands of its own generation, not the stale ones the webhook held", async () => {
    // Generation 1, dry run: bands published, nothing applied.
    const first = await system.runForecasterOnce([], { DRY_RUN: "true" });
    expect({ code: first.code, stdout: first.stdout }).toMatchObject({ code: 0 });
    const gen1 = await system.forecastCache();
    const p0 = gen1.rules["edge.PARTNER_p0"];
    expect(p0?.band).toBeDefined();
    expect(p0?.recommended).toBeGreaterThan(40);
    // Make generation 1's band for p0 stale: a band that excludes what the next cycle will set.
    const stale = { ...gen1, rules: { ...gen1.rules, "edge.PARTNER_p0": { ...p0, band: { min: 1, max: 41 } } } };
    const patch = JSON.stringify({ data: { "forecast.json": JSON.stringify(stale, null, 1) } });
    expect((await system.kubectl("admin", ["patch", "configmap", "trendmaster-forecast", "-n", "trendmaster", "--type", "merge", "-p", patch])).code).toBe(0);

    // Generation 2 applies: its write must not be clamped to [1, 41].
    const second = await system.runForecasterOnce();
    expect({ code: second.code, stdout: second.stdout }).toMatchObject({ code: 0 });
    expect(second.stdout).toMatch(/cycle generation 2 on istio-system\/ratelimit-config: applied/);
    const gen2 = await system.forecastCache();
    const stored = await system.storedConfig();
    expect(stored.annotations["trendmaster.io/generation"]).toBe("2");
    expect((await storedStampVerdict(system.stampKeyFile, stored)).valid).toBe(true); // stamped with the key: the webhook was in the path
    const limit = Number(/value: p0\n\s+rate_limit: \{unit: minute, requests_per_unit: (\d+)\}/.exec(stored.text)?.[1]);
    expect(limit).toBe(gen2.rules["edge.PARTNER_p0"]?.recommended);
    expect(limit).toBeGreaterThan(41);
    // The webhook stamped what it admitted: the next cycle sees a guarded config.
    const third = await system.runForecasterOnce([], { DRY_RUN: "true" });
    expect(third.stdout).not.toContain("UNGUARDED");
  }, 120_000);

  it("rollback goes through the webhook too: clamped unless a break-glass user gives a reason", async () => {
    const band = (await system.forecastCache()).rules["edge.PARTNER_p0"]?.band;
    expect(band !== undefined && band.min > 40).toBe(true); // revision 1's limit for p0 (40) is below today's band
    const as = async (user: keyof typeof USERS) => ({
      KUBECONFIG: await system.api.writeKubeconfig(system.work, USERS[user].name),
      POD_NAMESPACE: RELEASE_NAMESPACE,
      TRENDMASTER_SETTINGS: system.settingsFile,
      HOME: system.work,
      LOG_LEVEL: "warn",
    });
    const clamped = await runTrendmaster(["rollback", "--to", "1"], await as("admin"));
    expect(clamped.code).toBe(1);
    expect(clamped.stderr).toContain("the admission webhook changed it (limits clamped to the forecast band)");
    expect((await system.storedConfig()).text).toContain(`requests_per_unit: ${band?.min}}`);
    const exact = await runTrendmaster(["rollback", "--to", "1", "--reason", "INC-42: restore pre-forecast limits"], await as("alice"));
    expect({ code: exact.code, stderr: exact.stderr }).toMatchObject({ code: 0, stderr: "" });
    expect((await system.storedConfig()).text).toBe(CONFIG);
  }, 60_000);
});
