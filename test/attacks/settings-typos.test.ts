// Attack (or accident): a settings file with typos that would silently leave the guard in a weaker
// state (a misspelt `mode` starting enforce, a misspelt break-glass list), files it names missing,
// and a process that cannot reach the API server. Both real processes, `trendmaster webhook` and
// `trendmaster run --once`, check the whole file with one schema at start: every problem by its
// path, exit 2, one clear line each and no stack trace.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runTrendmaster, startTrendmaster } from "../e2e/cli-process.js";
import { createTestPki, hasOpenssl, type TestPki } from "../../webhook/test-support/tls-fixtures.js";

const describeTls = hasOpenssl() ? describe : describe.skip;
if (!hasOpenssl()) process.stderr.write("skipping the settings attacks: openssl is not installed\n");

const WEBHOOK_USAGE = "usage: trendmaster webhook --port P --cert F --key F [--forecast FILE] [--mode enforce|audit] [--settings FILE] [--max-connections N]\n";
const WEBHOOK_KEYS = "mode, maxForecastAgeHours, breakGlass, forecasterUsers";
const TOP_KEYS = "ratelimitConfig, forecastCache, webhook, guardStamp, forecaster, report, gitops, slack";

describeTls("attack: settings the guard would silently misread", () => {
  let dir: string;
  let pki: TestPki;
  let home: string;
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  /** A process environment with nothing of this machine's: no KUBECONFIG, an empty HOME, not a pod. */
  const env = (extra: Record<string, string>): Record<string, string> => ({ HOME: home, POD_NAMESPACE: "trendmaster", ...extra });
  const webhook = (settings: string, extra: Record<string, string> = {}, forecast = true) =>
    runTrendmaster(["webhook", "--port", "0", "--cert", join(dir, "tls.crt"), "--key", join(dir, "tls.key"), ...(forecast ? ["--forecast", join(dir, "forecast.json")] : []), "--settings", settings], env(extra));
  const runOnce = (settings: string, extra: Record<string, string> = {}) => runTrendmaster(["run", "--once", "--source-dir", dir], env({ TRENDMASTER_SETTINGS: settings, ...extra }));
  const noStackTrace = (text: string) => expect(text).not.toMatch(/^\s+at .+\(.+:\d+:\d+\)$/m);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "tm-settings-attack-"));
    home = join(dir, "home");
    mkdirSync(home);
    pki = createTestPki();
    pki.issue(join(dir, "tls.crt"), join(dir, "tls.key"));
    writeFileSync(join(dir, "forecast.json"), "{}");
  });
  afterAll(() => {
    pki?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("misspelt `mode` and `breakGlass`: neither process starts, both name every misspelt key", async () => {
    const settings = file("typos.yaml", "webhook:\n  modee: audit\n  breakGlas:\n    users: [mallory]\n");
    const hook = await webhook(settings);
    expect(hook).toEqual({
      code: 2,
      stdout: "",
      stderr:
        `trendmaster webhook: settings file '${settings}': webhook.modee: unknown setting (known: ${WEBHOOK_KEYS})\n` +
        `trendmaster webhook: settings file '${settings}': webhook.breakGlas: unknown setting (known: ${WEBHOOK_KEYS})\n` +
        WEBHOOK_USAGE,
    });
    const run = await runOnce(settings);
    expect(run).toEqual({
      code: 2,
      stdout: "",
      stderr: `trendmaster run: invalid configuration (2 problems):\n  - webhook.modee: unknown setting (known: ${WEBHOOK_KEYS})\n  - webhook.breakGlas: unknown setting (known: ${WEBHOOK_KEYS})\n`,
    });
  });

  it("the webhook refuses a broken forecaster section and unknown top-level keys, listed together by path", async () => {
    const settings = file("sections.yaml", "forecaster:\n  historyDays: lots\n  histroy: {keep: 3}\n  forecast: {headroom: [1]}\nratelimitconfig: {name: x}\n");
    const hook = await webhook(settings);
    expect(hook.code).toBe(2);
    expect(hook.stderr.split("\n").filter((line) => line.startsWith("trendmaster webhook:"))).toEqual([
      `trendmaster webhook: settings file '${settings}': forecaster.historyDays: must be a number, got 'lots'`,
      `trendmaster webhook: settings file '${settings}': forecaster.histroy: unknown setting (known: prometheus, sourceDir, historyDays, stepSeconds, forecast, overrides, minConfidenceToApply, history, maxConflictRetries, lease, scheduleJitterSeconds, runOnStart, maxCycleMinutes, workers, fetchChunkRules, recycleWorkersEveryRules, metrics, effectiveness)`,
      `trendmaster webhook: settings file '${settings}': forecaster.forecast.headroom: must be a number, got a list`,
      `trendmaster webhook: settings file '${settings}': ratelimitconfig: unknown setting (known: ${TOP_KEYS})`,
    ]);
  });

  it("files the settings name must exist at start: each process reports the ones it reads", async () => {
    const settings = file("files.yaml", "guardStamp: {keyFile: /nonexistent/stamp-key}\nforecaster:\n  prometheus: {bearerTokenFile: /nonexistent/token}\n");
    const run = await runTrendmaster(["run", "--once"], env({ TRENDMASTER_SETTINGS: settings, PROMETHEUS_URL: "http://127.0.0.1:9" }));
    expect(run).toEqual({
      code: 2,
      stdout: "",
      stderr:
        "trendmaster run: invalid configuration (2 problems):\n" +
        "  - guardStamp.keyFile: '/nonexistent/stamp-key' does not exist (mount the Secret there)\n" +
        "  - forecaster.prometheus.bearerTokenFile: '/nonexistent/token' does not exist (mount the Secret there)\n",
    });
    // The Prometheus token is the forecaster's alone: the webhook reports only the key it reads.
    expect(await webhook(settings)).toEqual({ code: 2, stdout: "", stderr: `trendmaster webhook: settings file '${settings}': guardStamp.keyFile: '/nonexistent/stamp-key' does not exist (mount the Secret there)\n${WEBHOOK_USAGE}` });
  });

  it("a settings path that is a directory: one line, exit 2", async () => {
    expect(await runOnce(dir)).toEqual({ code: 2, stdout: "", stderr: `trendmaster run: invalid configuration (1 problem):\n  - TRENDMASTER_SETTINGS: '${dir}' is a directory, not a file\n` });
    expect(await webhook(dir)).toEqual({ code: 2, stdout: "", stderr: `trendmaster webhook: settings file '${dir}' is a directory, not a file\n${WEBHOOK_USAGE}` });
  });

  it("an unreadable KUBECONFIG, and no kubeconfig outside a pod: one line, exit 2, no stack trace", async () => {
    const settings = file("good.yaml", "webhook: {mode: enforce}\n");
    const cases: Array<[Record<string, string>, string]> = [
      [{ KUBECONFIG: "/nonexistent/kubeconfig" }, "KUBECONFIG: '/nonexistent/kubeconfig' does not exist"],
      [{ KUBECONFIG: dir }, `KUBECONFIG: '${dir}' is a directory, not a kubeconfig file`],
      [{ KUBECONFIG: file("not-a-kubeconfig", "clusters: [oops\n") }, `KUBECONFIG: '${join(dir, "not-a-kubeconfig")}' is not a kubeconfig`],
      [{}, `no kubeconfig: KUBECONFIG is not set, ${join(home, ".kube", "config")} does not exist, and this is not a pod with a ServiceAccount (no in-cluster config)`],
    ];
    for (const [extra, line] of cases) {
      const [run, hook] = await Promise.all([runOnce(settings, extra), webhook(settings, extra, false)]);
      expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 2, stdout: "" });
      expect(run.stderr.startsWith(`trendmaster run: ${line}`)).toBe(true);
      expect(run.stderr.trimEnd().split("\n")).toHaveLength(1);
      expect({ code: hook.code, stdout: hook.stdout }).toEqual({ code: 2, stdout: "" });
      expect(hook.stderr.startsWith(`trendmaster webhook: ${line}`)).toBe(true);
      expect(hook.stderr.trimEnd().split("\n")).toHaveLength(1);
      noStackTrace(run.stderr + hook.stderr);
    }
    // Eight process starts: generous for a machine busy with the rest of the suite.
  }, 180_000);

  it("the same webhook starts with the settings spelt right (the refusals above are the typos' doing)", async () => {
    const settings = file("right.yaml", "webhook:\n  mode: audit\n  breakGlass:\n    users: [mallory]\n");
    const hook = startTrendmaster(["webhook", "--port", "0", "--cert", join(dir, "tls.crt"), "--key", join(dir, "tls.key"), "--forecast", join(dir, "forecast.json"), "--settings", settings], { ...env({}), LOG_LEVEL: "info" });
    try {
      expect(JSON.parse(await hook.waitForLine(/"msg":"webhook listening"/))).toMatchObject({ mode: "audit" });
    } finally {
      await hook.stop();
    }
  });
});
