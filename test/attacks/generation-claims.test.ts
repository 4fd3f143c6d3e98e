// Attack: claim a forecast generation to switch clamping off. Every writer can set
// trendmaster.io/generation; only the forecaster's own identity (its ServiceAccount, from the
// settings the chart renders) is believed, and even its claim never switches clamping off.
// Driven through the real kubectl, the kube-apiserver stand-in with each user's identity, and the
// real webhook process over TLS, with bands from a real forecaster cycle over a real Prometheus.
import type { ForecastCache } from "../../ratelimit/forecast-cache.js";
import { raisedWarning, ruleForecast, withLimit } from "../e2e/ratelimit-config-text.js";
import { configMapManifest, missingPrerequisite, startTrendMasterSystem, USERS, type TrendMasterSystem, type UserKey } from "../e2e/system.js";

const missing = await missingPrerequisite();
if (missing !== undefined) process.stderr.write(`skipping the generation-claim attacks: ${missing}\n`);
const describeWithSystem = missing === undefined ? describe : describe.skip;

const CONFIG = `domain: edge
descriptors:
  - key: PARTNER
    value: acme
    rate_limit: {unit: minute, requests_per_unit: 400}
  - key: PARTNER
    value: globex
    rate_limit: {unit: minute, requests_per_unit: 800}
`;
const ACME = "edge.PARTNER_acme";
const GLOBEX = "edge.PARTNER_globex";
/** Every requests_per_unit set to 1: what an attacker would store. */
const ALL_ONE = withLimit(withLimit(CONFIG, "acme", 1), "globex", 1);

describeWithSystem("attack: claiming a forecast generation to bypass clamping", () => {
  let system: TrendMasterSystem;
  let cache: ForecastCache;
  let clamped: string;
  let clampWarnings: string;

  const replace = (user: UserKey, annotations: Record<string, string>) =>
    system.kubectl(user, ["replace", "-f", "-"], { stdin: configMapManifest("istio-system", "ratelimit-config", ALL_ONE, annotations) });
  const rereads = async () => Number(/^trendmaster_webhook_forecast_rereads_total (\d+)$/m.exec(await system.webhookMetrics())?.[1] ?? NaN);

  beforeAll(async () => {
    system = await startTrendMasterSystem({ partners: [{ partner: "acme", meanPerStep: 500 }, { partner: "globex", meanPerStep: 1000 }], config: CONFIG });
    expect(await system.runForecasterOnce()).toMatchObject({ code: 0, stderr: "" });
    await system.webhookHasForecast(1);
    cache = await system.forecastCache();
    const acme = ruleForecast(cache, ACME);
    const globex = ruleForecast(cache, GLOBEX);
    clamped = withLimit(withLimit(CONFIG, "acme", acme.band.min), "globex", globex.band.min);
    clampWarnings = `Warning: ${raisedWarning(acme, 1)}\nWarning: ${raisedWarning(globex, 1)}\n`;
  }, 90_000);

  afterAll(async () => {
    await system?.stop();
  });

  it("without the annotation: every limit raised into the band (the baseline)", async () => {
    expect(await replace("admin", {})).toEqual({ code: 0, stdout: "configmap/ratelimit-config replaced\n", stderr: clampWarnings });
    expect((await system.storedConfig()).text).toBe(clamped);
  });

  it.each<[string, UserKey]>([
    ["admin (system:masters, not on the break-glass list)", "admin"],
    ["bob, a developer", "bob"],
    ["alice, on the break-glass list, without override-reason", "alice"],
  ])("%s claims generation 999: the claim is ignored, named in a warning, and every limit clamped", async (_name, user) => {
    const before = await rereads();
    const result = await replace(user, { "trendmaster.io/generation": "999" });
    expect(result).toEqual({
      code: 0,
      stdout: "configmap/ratelimit-config replaced\n",
      stderr: `Warning: trendmaster.io/generation ignored: ${USERS[user].name} is not the forecaster; limits checked against generation 1's bands\n${clampWarnings}`,
    });
    const stored = await system.storedConfig();
    expect(stored.text).toBe(clamped);
    // Not even a cache re-read: only the forecaster's claim asks for one.
    expect(await rereads()).toBe(before);
  });

  it("the forecaster's own identity claims a generation the cache does not have: re-read, then clamped against the bands in force", async () => {
    const before = await rereads();
    const result = await replace("forecaster", { "trendmaster.io/generation": "999" });
    expect(result).toEqual({
      code: 0,
      stdout: "configmap/ratelimit-config replaced\n",
      stderr: `Warning: trendmaster.io/generation 999 is not in the forecast cache (the webhook has generation 1): limits checked against generation 1's bands\n${clampWarnings}`,
    });
    expect((await system.storedConfig()).text).toBe(clamped);
    // Re-read once per review: mutate, then validate.
    expect(await rereads()).toBe(before + 2);
  });

  it("a server-side dry run with the claim says the same and stores nothing", async () => {
    const stored = await system.storedConfig();
    const result = await system.kubectl("bob", ["replace", "--dry-run=server", "-o", "jsonpath={.data.config\\.yaml}", "-f", "-"], {
      stdin: configMapManifest("istio-system", "ratelimit-config", ALL_ONE, { "trendmaster.io/generation": "999" }),
    });
    expect(result.stdout).toBe(clamped);
    expect(result.stderr).toContain("trendmaster.io/generation ignored: bob@example.com is not the forecaster");
    expect(await system.storedConfig()).toEqual(stored);
  });
});
