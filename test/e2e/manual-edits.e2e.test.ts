// Guarded manual edits and audit mode, as a user meets them: the real kubectl against the
// kube-apiserver stand-in, which calls the real webhook process through the Helm chart's webhook
// configurations. The guardrail bands come from a real forecaster cycle over a real Prometheus.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { storedStampVerdict } from "./stamp-check.js";
import type { ForecastCache } from "../../ratelimit/forecast-cache.js";
import { limitOf, raisedWarning, ruleForecast, withLimit } from "./ratelimit-config-text.js";
import { waitFor } from "./wait-for.js";
import { configMapManifest, missingPrerequisite, startTrendMasterSystem, type TrendMasterSystem, type UserKey } from "./system.js";

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
      requests_per_unit: 400   # reviewed 2026-10
  - key: PARTNER
    value: globex
    rate_limit: {unit: minute, requests_per_unit: 800}
  - key: PATH
    value: "/health"
`;

const ACME = "edge.PARTNER_acme";
const GLOBEX = "edge.PARTNER_globex";
const DENIED_BY = 'admission webhook "validate.ratelimit-config.trendmaster.io" denied the request: ';

describeWithSystem(`manual kubectl edits through the webhook${missing === undefined ? "" : ` (SKIPPED: ${missing})`}`, () => {
  let system: TrendMasterSystem;
  /** The forecast the webhook guards with: generation 1, from the cycle in beforeAll. */
  let cache: ForecastCache;

  const apply = (user: UserKey, text: string, options: { annotations?: Record<string, string>; args?: string[] } = {}) =>
    system.kubectl(user, ["apply", ...(options.args ?? []), "-f", "-"], { stdin: configMapManifest("istio-system", "ratelimit-config", text, options.annotations) });

  beforeAll(async () => {
    system = await startTrendMasterSystem({ partners: [{ partner: "acme", meanPerStep: 500 }, { partner: "globex", meanPerStep: 1000 }], config: CONFIG });
    const cycle = await system.runForecasterOnce();
    expect(cycle).toMatchObject({ code: 0, stderr: "" });
    await system.webhookHasForecast(1);
    cache = await system.forecastCache();
    expect(cache.generation).toBe(1);
  }, 60_000);

  afterAll(async () => {
    await system?.stop();
  });

  it("`kubectl apply` below the band: clamped, kubectl prints why, every other byte kept", async () => {
    const acme = ruleForecast(cache, ACME);
    const written = withLimit((await system.storedConfig()).text, "acme", 40);
    const result = await apply("bob", written);
    expect(result).toEqual({ code: 0, stdout: "configmap/ratelimit-config configured\n", stderr: `Warning: ${raisedWarning(acme, 40)}\n` });
    const stored = await system.storedConfig();
    expect(stored.text).toBe(withLimit(written, "acme", acme.band.min));
    expect((await storedStampVerdict(system.stampKeyFile, stored)).valid).toBe(true);
  });

  it("`kubectl edit` below the band: clamped the same way, the comment edited with it kept", async () => {
    const globex = ruleForecast(cache, GLOBEX);
    const before = (await system.storedConfig()).text;
    const current = limitOf(before, "globex");
    const editor = join(system.work, "edit-globex.sh");
    await writeFile(editor, `#!/bin/sh\nsed -i -e 's/requests_per_unit: ${current}}/requests_per_unit: 30}/' -e 's/# Partners, per minute/# Partners, per minute (see runbook)/' "$1"\n`, { mode: 0o755 });
    const result = await system.kubectl("bob", ["edit", "configmap", "ratelimit-config", "-n", "istio-system"], { env: { KUBE_EDITOR: editor } });
    expect(result).toEqual({ code: 0, stdout: "configmap/ratelimit-config edited\n", stderr: `Warning: ${raisedWarning(globex, 30)}\n` });
    const expected = withLimit(before, "globex", globex.band.min).replace("# Partners, per minute", "# Partners, per minute (see runbook)");
    expect((await system.storedConfig()).text).toBe(expected);
  });

  it("`kubectl get -o json | … | kubectl replace`: the full-object PUT is clamped the same way", async () => {
    const acme = ruleForecast(cache, ACME);
    const got = await system.kubectl("bob", ["get", "configmap", "ratelimit-config", "-n", "istio-system", "-o", "json"]);
    const object = JSON.parse(got.stdout) as { data: Record<string, string> };
    const written = withLimit(object.data["config.yaml"] as string, "acme", 10);
    object.data["config.yaml"] = written;
    const result = await system.kubectl("bob", ["replace", "-f", "-"], { stdin: JSON.stringify(object) });
    expect(result).toEqual({ code: 0, stdout: "configmap/ratelimit-config replaced\n", stderr: `Warning: ${raisedWarning(acme, 10)}\n` });
    expect((await system.storedConfig()).text).toBe(withLimit(written, "acme", acme.band.min));
  });

  it("an invalid config is denied with the ratelimit loader's message, and nothing is stored", async () => {
    const before = await system.storedConfig();
    const written = before.text.replace("unit: minute\n      requests_per_unit:", "unit: hours\n      requests_per_unit:");
    expect(written).not.toBe(before.text);
    const result = await apply("bob", written);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr.trimEnd().split("\n").at(-1)).toMatch(new RegExp(`${escapeRegExp(DENIED_BY)}config\\.yaml: invalid rate limit unit 'hours'$`));
    expect((await system.storedConfig()).resourceVersion).toBe(before.resourceVersion);
  });

  it("`kubectl apply --dry-run=server`: the warnings a real write would get, nothing stored", async () => {
    const acme = ruleForecast(cache, ACME);
    const before = await system.storedConfig();
    const result = await apply("bob", withLimit(before.text, "acme", 25), { args: ["--dry-run=server"] });
    expect(result).toEqual({ code: 0, stdout: "configmap/ratelimit-config configured (server dry run)\n", stderr: `Warning: ${raisedWarning(acme, 25)}\n` });
    const after = await system.storedConfig();
    expect(after.resourceVersion).toBe(before.resourceVersion);
    expect(after.text).toBe(before.text);
  });

  it("audit mode: the write is admitted unchanged, with the warnings enforce mode would give", async () => {
    const acme = ruleForecast(cache, ACME);
    await system.setWebhookMode("audit");
    try {
      const written = withLimit((await system.storedConfig()).text, "acme", 35);
      const result = await apply("bob", written);
      expect(result).toEqual({ code: 0, stdout: "configmap/ratelimit-config configured\n", stderr: `Warning: audit mode, not applied: ${raisedWarning(acme, 35)}\n` });
      const stored = await system.storedConfig();
      expect(stored.text).toBe(written);
      // Admitted by the webhook (stamped), not behind its back.
      expect((await storedStampVerdict(system.stampKeyFile, stored)).valid).toBe(true);
    } finally {
      await system.setWebhookMode("enforce");
    }
  });

  it("break-glass by a user outside the allow-list: the annotation is ignored, said so, and the limit clamped", async () => {
    const acme = ruleForecast(cache, ACME);
    const written = withLimit((await system.storedConfig()).text, "acme", 20);
    const result = await apply("bob", written, { annotations: { "trendmaster.io/override-reason": "INC-4711 partner launch" } });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(`Warning: trendmaster.io/override-reason ignored: bob@example.com is not on the break-glass allow-list\nWarning: ${raisedWarning(acme, 20)}\n`);
    expect((await system.storedConfig()).text).toBe(withLimit(written, "acme", acme.band.min));
  });

  it("break-glass by the on-call group: admitted unclamped, kubectl says who broke the glass and why, Slack is told", async () => {
    const acme = ruleForecast(cache, ACME);
    const written = withLimit((await system.storedConfig()).text, "acme", 20);
    const result = await apply("alice", written, { annotations: { "trendmaster.io/override-reason": "INC-4711 partner launch" } });
    expect(result).toEqual({ code: 0, stdout: "configmap/ratelimit-config configured\n", stderr: "Warning: break-glass by alice@example.com: limits admitted unclamped (INC-4711 partner launch)\n" });
    const stored = await system.storedConfig();
    expect(stored.text).toBe(written);
    expect(stored.annotations["trendmaster.io/override-reason"]).toBe("INC-4711 partner launch");
    const notice = await waitFor("the break-glass notice in Slack", async () => system.slack.messages.find((m) => m.text.includes("Break-glass write")), 10_000);
    const title = ":rotating_light: Break-glass write to istio-system/ratelimit-config by alice@example.com: INC-4711 partner launch";
    expect(notice).toMatchObject({ channel: "#rate-limits", text: title, body: `${title}\nPARTNER=acme: 20/minute (band ${acme.band.min}-${acme.band.max})` });
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
