import { buildForecasterConfig, type ConfigInputs } from "./config.js";

const files = (map: Record<string, string>): ConfigInputs["readText"] => (path) => map[path];

function build(env: Record<string, string>, settings?: string) {
  return buildForecasterConfig({ env: { ...(settings === undefined ? {} : { TRENDMASTER_SETTINGS: "/s.yaml" }), ...env }, readText: files(settings === undefined ? {} : { "/s.yaml": settings }) });
}

describe("buildForecasterConfig", () => {
  it("defaults: the integration guide's namespace/name, 6-hourly, apply mode, frozen", () => {
    const result = buildForecasterConfig({ env: { PROMETHEUS_URL: "http://prometheus:9090" }, readText: () => undefined, cores: 2 });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const c = result.config;
    expect(c.ratelimitConfig).toEqual({ namespace: "istio-system", name: "ratelimit-config", mergeDomains: false });
    expect(c.cache).toEqual({ namespace: "default", name: "trendmaster-forecast" });
    expect(c.schedule).toBe("0 */6 * * *");
    expect(c.dryRun).toBe(false);
    expect(c.history.keep).toBe(20);
    expect(c.metrics.port).toBe(9090);
    expect(c.workers).toBe(2);
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.forecast)).toBe(true);
  });

  it.each([
    ["true", true],
    ["True", true],
    ["false", false],
    ["FALSE", false],
  ])("DRY_RUN=%s reads as %s", (text, expected) => {
    const result = build({ PROMETHEUS_URL: "http://p:9090", DRY_RUN: text });
    expect(result.ok && result.config.dryRun).toBe(expected);
  });

  it("checks the sections it does not read against the one schema, and the files it reads, all at once", () => {
    const settings = `
webhook: {modee: audit, breakGlas: {users: [alice]}, maxForecastAgeHours: soon}
guardStamp: {keyFile: /missing/stamp-key}
forecaster:
  prometheus: {bearerTokenFile: /nonexistent, caFile: /ca.pem}
extra: true
`;
    const result = buildForecasterConfig({ env: { PROMETHEUS_URL: "http://p:9090", TRENDMASTER_SETTINGS: "/s.yaml" }, readText: files({ "/s.yaml": settings, "/ca.pem": "pem" }) });
    expect(result).toEqual({
      ok: false,
      problems: [
        "extra: unknown setting (known: ratelimitConfig, forecastCache, webhook, guardStamp, forecaster, report, gitops, slack)",
        "webhook.modee: unknown setting (known: mode, maxForecastAgeHours, breakGlass, forecasterUsers)",
        "webhook.breakGlas: unknown setting (known: mode, maxForecastAgeHours, breakGlass, forecasterUsers)",
        "webhook.maxForecastAgeHours: must be a number, got 'soon'",
        "guardStamp.keyFile: '/missing/stamp-key' does not exist (mount the Secret there)",
        "forecaster.prometheus.bearerTokenFile: '/nonexistent' does not exist (mount the Secret there)",
      ],
    });
  });

  it("names a settings path that is a directory in one line", () => {
    const isDirectory = (path: string): string | undefined => {
      throw Object.assign(new Error(`EISDIR: illegal operation on a directory, read '${path}'`), { code: "EISDIR" });
    };
    expect(buildForecasterConfig({ env: { PROMETHEUS_URL: "http://p:9090", TRENDMASTER_SETTINGS: "/etc/trendmaster" }, readText: isDirectory })).toEqual({
      ok: false,
      problems: ["TRENDMASTER_SETTINGS: '/etc/trendmaster' is a directory, not a file"],
    });
  });

  it("reports every wrong setting at once, each naming the setting and the value", () => {
    const settings = `
ratelimitConfig: {namespace: Istio, name: ratelimit-config}
forecaster:
  historyDays: 0
  histroy: {keep: 3}
  minConfidenceToApply: sure
  forecast: {headroom: -1, models: [arima], quantile: 1.5}
  overrides:
    edge.PARTNER_acme: {pin: 1.5, colour: red}
slack:
  botTokenFile: /missing/token
  alerts: {rate_limit_changes: maybe}
`;
    const result = build({ PROMETHEUS_URL: "ftp://p", DRY_RUN: "yes", SCHEDULE: "sometimes", LOG_LEVEL: "loud" }, settings);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toEqual([
      `DRY_RUN: must be "true" or "false", got 'yes'`,
      "LOG_LEVEL: must be one of trace, debug, info, warn, error, fatal, silent, got 'loud'",
      "SCHEDULE: 'sometimes' is not a cron expression (e.g. '0 */6 * * *': minute hour day-of-month month day-of-week)",
      "ratelimitConfig.namespace: 'Istio' is not a valid namespace name",
      "forecaster.histroy: unknown setting (known: prometheus, sourceDir, historyDays, stepSeconds, forecast, overrides, minConfidenceToApply, history, maxConflictRetries, lease, scheduleJitterSeconds, runOnStart, maxCycleMinutes, workers, fetchChunkRules, recycleWorkersEveryRules, metrics, effectiveness)",
      "PROMETHEUS_URL: protocol must be http or https, got 'ftp:'",
      "forecaster.historyDays: must be a number >= 1 and <= 90, got 0",
      "forecaster.forecast.quantile: must be a number > 0 and <= 1, got 1.5",
      "forecaster.forecast.headroom: must be a number >= 0 and <= 10, got -1",
      "forecaster.forecast.models: must be a non-empty list of recent-peak, seasonal-naive, mstl-ets, prophet; unknown: arima",
      "forecaster.overrides['edge.PARTNER_acme'].colour: unknown setting (known: exclude, pin, headroom, floor, ceiling, maxPlausibleRequestsPerSecond)",
      "forecaster.overrides['edge.PARTNER_acme'].pin: must be an integer >= 0 and <= 4294967295, got 1.5",
      "forecaster.minConfidenceToApply: must be one of low, medium, high, got 'sure'",
      "slack.alerts.rate_limit_changes: must be true or false, got 'maybe'",
      "slack.botTokenFile: '/missing/token' does not exist (mount the Secret there)",
      "slack.alerts.rate_limit_changes: enabled with a bot token but no channel (set slack.channels or slack.alerts.rate_limit_changes.channels)",
      "slack.alerts.ml_confidence_low: enabled with a bot token but no channel (set slack.channels or slack.alerts.ml_confidence_low.channels)",
      "slack.alerts.system_errors: enabled with a bot token but no channel (set slack.channels or slack.alerts.system_errors.channels)",
    ]);
  });

  it("needs PROMETHEUS_URL unless traffic comes from files", () => {
    expect(build({})).toEqual({ ok: false, problems: ["PROMETHEUS_URL: required (the Prometheus or Trickster base URL), unless forecaster.sourceDir or --source-dir is given"] });
    const files = buildForecasterConfig({ env: {}, readText: () => undefined, overrides: { sourceDir: "/traffic" } });
    expect(files.ok && files.config.traffic).toEqual({ kind: "files", path: "/traffic" });
    expect(buildForecasterConfig({ env: {}, readText: () => undefined, needsTraffic: false }).ok).toBe(true);
  });

  it("reads slack routes: booleans, per-kind channels, the bot token file", () => {
    const settings = `
slack:
  botTokenFile: /token
  channels: ["#rate-limits"]
  alerts:
    ml_confidence_low: "false"
    system_errors: {channels: ["#oncall"]}
`;
    const result = buildForecasterConfig({ env: { PROMETHEUS_URL: "http://p:9090", TRENDMASTER_SETTINGS: "/s.yaml" }, readText: files({ "/s.yaml": settings, "/token": "xoxb-1" }) });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config.slack?.alerts).toEqual({
      rate_limit_changes: { enabled: true, channels: ["#rate-limits"] },
      ml_confidence_low: { enabled: false, channels: ["#rate-limits"] },
      system_errors: { enabled: true, channels: ["#oncall"] },
    });
  });

  it("a missing settings file named by TRENDMASTER_SETTINGS is an error; the default path may be absent", () => {
    expect(buildForecasterConfig({ env: { PROMETHEUS_URL: "http://p:9090", TRENDMASTER_SETTINGS: "/s.yaml" }, readText: () => undefined })).toEqual({ ok: false, problems: ["TRENDMASTER_SETTINGS: '/s.yaml' does not exist"] });
    expect(buildForecasterConfig({ env: { PROMETHEUS_URL: "http://p:9090" }, readText: () => undefined }).ok).toBe(true);
  });
  it.each([
    ["an http(s) URL is kept for the change messages' link", "report: {url: 'https://trendmaster.example.com/report'}", { reportUrl: "https://trendmaster.example.com/report" }],
    ["anything else is refused, naming the setting and the value", "report: {url: 'trendmaster.example.com/report'}", ["report.url: 'trendmaster.example.com/report' is not an http(s) URL"]],
  ])("report.url: %s", (_name, settings, expected) => {
    const result = build({ PROMETHEUS_URL: "http://p:9090" }, settings);
    if (Array.isArray(expected)) expect(result.ok ? [] : result.problems).toEqual(expected);
    else expect(result.ok && result.config.reportUrl).toBe(expected.reportUrl);
  });
});
