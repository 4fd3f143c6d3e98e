import { buildWebhookConfig, type ConfigInputs } from "./config.js";
import { DEFAULT_WEBHOOK_SETTINGS, parseWebhookSettings, policyOf } from "./settings.js";

const files: Record<string, string> = {
  "/tls/tls.crt": "cert",
  "/tls/tls.key": "key",
  "/f.json": "{}",
  // The Prometheus token is the forecaster's: the webhook does not need it mounted.
  "/named.yaml": "guardStamp: {keyFile: /nope/key}\nslack: {botTokenFile: /nope/token, channels: ['#c']}\nforecaster: {prometheus: {bearerTokenFile: /nope/prom}}\n",
  "/short-key.yaml": "guardStamp: {keyFile: /short.key}\n",
  "/short.key": "short\n",
  "/s.yaml": "webhook:\n  mode: audit\n  maxForecastAgeHours: 6\n  breakGlass:\n    users: [oncall]\n    groups: [sre]\nratelimitConfig:\n  namespace: rl\n  name: rl-config\n  mergeDomains: true\n",
};

function inputs(args: string[], env: Record<string, string> = {}): ConfigInputs {
  return { args, env, readText: (path) => files[path], exists: (path) => path in files };
}

const BASE = ["--port", "8443", "--cert", "/tls/tls.crt", "--key", "/tls/tls.key"];

describe("buildWebhookConfig", () => {
  it("reads flags, environment and settings into one frozen config", () => {
    const built = buildWebhookConfig(inputs([...BASE, "--forecast=/f.json", "--mode", "enforce", "--settings", "/s.yaml"], { POD_NAMESPACE: "trendmaster", LOG_LEVEL: "debug" }));
    if (!built.ok) throw new Error(built.problems.join("; "));
    expect(built.config).toMatchObject({ port: 8443, certFile: "/tls/tls.crt", keyFile: "/tls/tls.key", forecastFile: "/f.json", pinnedMode: "enforce", settingsFile: "/s.yaml", podNamespace: "trendmaster", logLevel: "debug" });
    expect(Object.isFrozen(built.config)).toBe(true);
    expect(policyOf(built.config.settings, built.config.pinnedMode)).toEqual({ mode: "enforce", maxForecastAgeMs: 6 * 3_600_000, breakGlass: { users: ["oncall"], groups: ["sre"] }, target: { namespace: "rl", name: "rl-config" }, mergeDomains: true, forecasterUsers: [] });
    expect(policyOf(built.config.settings, undefined).mode).toBe("audit");
  });

  it("uses defaults when the settings file is missing", () => {
    const built = buildWebhookConfig(inputs(BASE));
    expect(built.ok && built.config.settings).toBe(DEFAULT_WEBHOOK_SETTINGS);
    expect(built.ok && built.config.settingsFile).toBe("/etc/trendmaster/settings.yaml");
  });

  it.each<[string, string[], string[]]>([
    ["nothing", [], ["--port is required", "--cert is required", "--key is required"]],
    ["a bad port and mode", ["--port", "99999", "--cert", "/tls/tls.crt", "--key", "/tls/tls.key", "--mode", "strict"], ["--port '99999' is not a port number (0-65535)", "--mode 'strict' is not one of enforce, audit"]],
    ["a flag without value", [...BASE, "--forecast"], ["--forecast needs a value"]],
    ["a flag followed by a flag", ["--port", "--cert", "/tls/tls.crt", "--key", "/tls/tls.key"], ["--port needs a value", "--port is required"]],
    ["unknown flags and arguments", [...BASE, "--verbose", "extra"], ["unknown option '--verbose'", "unexpected argument 'extra'"]],
    ["missing files", ["--port", "1", "--cert", "/nope.crt", "--key", "/tls/tls.key", "--forecast", "/nope.json", "--settings", "/nope.yaml"], ["--cert '/nope.crt' does not exist", "--forecast '/nope.json' does not exist", "--settings '/nope.yaml' does not exist"]],
    ["a repeated flag", [...BASE, "--port", "9"], ["--port is given twice"]],
    ["files the settings name that the webhook reads", [...BASE, "--settings", "/named.yaml"], [
      "settings file '/named.yaml': guardStamp.keyFile: '/nope/key' does not exist (mount the Secret there)",
      "settings file '/named.yaml': slack.botTokenFile: '/nope/token' does not exist (mount the Secret there)",
    ]],
    ["a stamp key file without a usable key", [...BASE, "--settings", "/short-key.yaml"], ["settings file '/short-key.yaml': guardStamp.keyFile: '/short.key' key 1 is 5 characters long; at least 32 are needed"]],
  ])("reports every problem at once: %s", (_name, args, problems) => expect(buildWebhookConfig(inputs(args))).toEqual({ ok: false, problems }));
});

describe("parseWebhookSettings", () => {
  it.each<[string, string, string[]]>([
    ["a bad mode", "webhook:\n  mode: strict\n", [`webhook.mode: "strict" is not one of enforce, audit`]],
    ["a bad age", "webhook:\n  maxForecastAgeHours: -1\n", ["webhook.maxForecastAgeHours: -1 is not a positive number"]],
    ["a bad allow-list", "webhook:\n  breakGlass:\n    users: alice\n", ["webhook.breakGlass.users: is not a list of non-empty strings"]],
    ["a bad section", "webhook: 3\nratelimitConfig:\n  name: ''\n", ["webhook: is not a mapping", "ratelimitConfig.name: \"\" is not a non-empty string"]],
    ["a bad Slack section", "slack:\n  webhookUrlFile: 3\n  apiUrl: ftp://x\n  channels: '#c'\n", ["slack.webhookUrlFile: 3 is not a non-empty string", "slack.apiUrl: 'ftp://x' is not an http(s) URL", "slack.channels: is not a list of non-empty strings"]],
    ["misspelt keys, listed together", "webhook:\n  modee: audit\n  breakGlas: {users: [alice]}\nbogus: 1\n", [
      "webhook.modee: unknown setting (known: mode, maxForecastAgeHours, breakGlass, forecasterUsers)",
      "webhook.breakGlas: unknown setting (known: mode, maxForecastAgeHours, breakGlass, forecasterUsers)",
      "bogus: unknown setting (known: ratelimitConfig, forecastCache, webhook, guardStamp, forecaster, report, gitops, slack)",
    ]],
    ["a section it does not read, checked against the schema", "forecaster:\n  headroom: 0.2\n  historyDays: many\n", [
      "forecaster.headroom: unknown setting (known: prometheus, sourceDir, historyDays, stepSeconds, forecast, overrides, minConfidenceToApply, history, maxConflictRetries, lease, scheduleJitterSeconds, runOnStart, maxCycleMinutes, workers, fetchChunkRules, recycleWorkersEveryRules, metrics, effectiveness)",
      "forecaster.historyDays: must be a number, got 'many'",
    ]],
  ])("reports %s", (_name, text, problems) => expect(parseWebhookSettings(text)).toEqual({ ok: false, problems, files: [] }));

  it("reports text that is not YAML", () => {
    expect(parseWebhookSettings("webhook: [")).toEqual({ ok: false, problems: ["not YAML: unexpected end of the stream within a flow collection (2:1)"] });
  });

  it.each<[string, string, unknown]>([
    ["incoming webhooks", "slack:\n  webhookUrlFile: /s/urls\n", { webhookUrlFile: "/s/urls", channels: [], apiUrl: "https://slack.com/api", timeoutMs: 10_000 }],
    ["a bot token routed by rate_limit_changes", "slack:\n  botTokenFile: /s/token\n  channels: ['#ops']\n  alerts:\n    rate_limit_changes: {channels: ['#limits']}\n", { botTokenFile: "/s/token", channels: ["#limits"], apiUrl: "https://slack.com/api", timeoutMs: 10_000 }],
    ["rate_limit_changes disabled", "slack:\n  webhookUrlFile: /s/urls\n  alerts:\n    rate_limit_changes: false\n", undefined],
    ["no destination", "slack:\n  channels: ['#ops']\n", undefined],
  ])("reads Slack delivery: %s", (_name, text, slack) => {
    const parsed = parseWebhookSettings(text);
    expect(parsed.ok && parsed.settings.slack).toEqual(slack);
  });

  it("accepts valid sections it does not read, and reads the forecaster's identity and the stamp key file", () => {
    expect(parseWebhookSettings("forecaster:\n  forecast:\n    headroom: 0.2\nslack: {}\n")).toEqual({ ok: true, settings: DEFAULT_WEBHOOK_SETTINGS, files: [] });
    const parsed = parseWebhookSettings("webhook:\n  forecasterUsers: ['system:serviceaccount:tm:tm-forecaster']\nguardStamp:\n  keyFile: /k/key\nforecaster:\n  prometheus: {bearerTokenFile: /p/token}\n");
    if (!parsed.ok) throw new Error(parsed.problems.join("; "));
    expect(parsed.settings).toMatchObject({ forecasterUsers: ["system:serviceaccount:tm:tm-forecaster"], stampKeyFile: "/k/key" });
    expect(parsed.files).toEqual([
      { path: "guardStamp.keyFile", file: "/k/key", readBy: ["webhook", "forecaster"] },
      { path: "forecaster.prometheus.bearerTokenFile", file: "/p/token", readBy: ["forecaster"] },
    ]);
  });
});
