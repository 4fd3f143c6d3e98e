/**
 * The forecaster's configuration: the integration guide's environment variables plus the settings file
 * (docs/settings.md), validated once at start with every problem reported at once, then frozen.
 * Nothing reads process.env after this.
 */
import yaml from "js-yaml";
import cron from "node-cron";
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { ALERT_KINDS, type AlertKind } from "./logic/alerts.js";
import type { Confidence } from "./logic/recommend.js";
import { DEFAULT_FORECAST_SETTINGS, MODEL_NAMES, type ForecastSettings, type ModelName, type RuleOverride } from "./logic/settings.js";
import { compileQueryTemplate, isQueryPresetName, type QueryPresetName, type QueryTemplate } from "./logic/query-template.js";
import { DEFAULT_PROMETHEUS_SETTINGS, RedactedSecret, validatePrometheusSettings, type PrometheusSourceSettings } from "./io/prometheus-settings.js";
import type { AlertRoute, SlackSettings } from "./io/slack.js";
import { parseStampKeyRing } from "../ratelimit/guard-stamp.js";
import { unreadableReason } from "./logic/file-errors.js";
import { describe, parseBoolean, SectionReader } from "./settings-reader.js";
import { checkSettingsSchema, FORECAST_NUMBER_KEYS, mergeProblems, missingFiles } from "./logic/settings-schema.js";
import { GITOPS_SETTING_KEYS, readOutputSettings, type OutputSettings } from "./gitops/settings.js";

export const DEFAULT_SETTINGS_FILE = "/etc/trendmaster/settings.yaml";
export const DEFAULT_SCHEDULE = "0 */6 * * *";
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Where traffic history comes from. */
export type TrafficSourceConfig =
  | { readonly kind: "prometheus"; readonly settings: PrometheusSourceSettings }
  | { readonly kind: "files"; readonly path: string };

export interface EffectivenessConfig {
  readonly enabled: boolean;
  /** Counters of the ratelimit service (statsd-exporter names): requests answered OVER_LIMIT, and all. */
  readonly overLimitMetric: string;
  readonly totalHitsMetric: string;
  /** Labels that, joined with dots, give a rule's full key (`domain.key1.key2`). */
  readonly keyLabels: readonly string[];
  readonly windowHours: number;
}

export interface ForecasterConfig {
  readonly ratelimitConfig: { readonly namespace: string; readonly name: string; readonly mergeDomains: boolean };
  readonly cache: { readonly namespace: string; readonly name: string };
  readonly history: { readonly namespace: string; readonly namePrefix: string; readonly keep: number };
  readonly lease: { readonly namespace: string; readonly name: string; readonly identity: string; readonly durationSeconds: number; readonly renewEverySeconds: number };
  readonly dryRun: boolean;
  readonly logLevel: LogLevel;
  /** KUBECONFIG; undefined: in-cluster (or ~/.kube/config outside a pod). */
  readonly kubeconfig?: string;
  readonly schedule: string;
  readonly scheduleJitterSeconds: number;
  readonly runOnStart: boolean;
  /** A cycle running longer than this is hung: /healthz fails so the kubelet restarts the container. */
  readonly maxCycleMinutes: number;
  readonly traffic: TrafficSourceConfig;
  /** Traffic source description without credentials, for the cache and logs. */
  readonly sourceDescription: string;
  readonly historyDays: number;
  readonly stepSeconds: number;
  readonly forecast: ForecastSettings;
  readonly overrides: Readonly<Record<string, RuleOverride>>;
  readonly minConfidenceToApply: Confidence;
  readonly maxConflictRetries: number;
  /** Forecast worker threads. */
  readonly workers: number;
  /** Rules fetched and forecast per chunk (bounds memory: two chunks of series at most). */
  readonly fetchChunkRules: number;
  /** Fresh forecast workers after this many rules (their WASM memory only grows); 0: never. */
  readonly recycleWorkersEveryRules: number;
  /** pushgatewayUrl: where `run --once` pushes its metrics after the cycle (CronJob mode); absent: no push. */
  readonly metrics: { readonly port: number; readonly maxRuleSeries: number; readonly pushgatewayUrl?: string };
  readonly effectiveness: EffectivenessConfig;
  /** Absent: no Slack configured (alerts are logged only). */
  readonly slack?: SlackSettings;
  /** guardStamp.keyFile: the key ring stamps are verified and signed with; absent: changes behind the webhook are not detected. */
  readonly stampKeyFile?: string;
  /** Where people open the forecaster's /report (e.g. an Ingress); change messages link to it. */
  readonly reportUrl?: string;
  /** Who writes, for history revisions: `trendmaster-forecaster <pod>`. */
  readonly writer: string;
  readonly settingsFile: string;
  /** Where cycles write (`gitops.outputMode`) and the Git write-back settings. */
  readonly output: OutputSettings;
}

export interface ConfigInputs {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** A file's text, or undefined when it does not exist. */
  readonly readText: (path: string) => string | undefined;
  /** Command-line choices that win over the environment. */
  readonly overrides?: { readonly dryRun?: boolean; readonly sourceDir?: string; readonly outputMode?: string };
  /** Cores available, for the default worker count. */
  readonly cores?: number;
  /** false for `history` and `rollback`: no traffic source is needed, PROMETHEUS_URL is not required. */
  readonly needsTraffic?: boolean;
}

export type ConfigResult = { readonly ok: true; readonly config: ForecasterConfig } | { readonly ok: false; readonly problems: readonly string[] };

const K8S_NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
function checkName(value: string): string | undefined {
  return value.length <= 253 && K8S_NAME.test(value) ? undefined : `'${value}' is not a valid Kubernetes object name`;
}
function checkNamespace(value: string): string | undefined {
  return value.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(value) ? undefined : `'${value}' is not a valid namespace name`;
}


export function buildForecasterConfig(inputs: ConfigInputs): ConfigResult {
  const problems: string[] = [];
  const env = inputs.env;

  // Environment.
  const settingsFile = env.TRENDMASTER_SETTINGS || DEFAULT_SETTINGS_FILE;
  const dryRunText = env.DRY_RUN;
  let dryRun = false;
  if (dryRunText !== undefined && dryRunText !== "") {
    const parsed = parseBoolean(dryRunText);
    if (parsed === undefined) problems.push(`DRY_RUN: must be "true" or "false", got '${dryRunText}'`);
    else dryRun = parsed;
  }
  if (inputs.overrides?.dryRun !== undefined) dryRun = inputs.overrides.dryRun || dryRun;
  const logLevel = (env.LOG_LEVEL || "info").toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) problems.push(`LOG_LEVEL: must be one of ${LOG_LEVELS.join(", ")}, got '${env.LOG_LEVEL}'`);
  const schedule = env.SCHEDULE || DEFAULT_SCHEDULE;
  if (!cron.validate(schedule)) problems.push(`SCHEDULE: '${schedule}' is not a cron expression (e.g. '${DEFAULT_SCHEDULE}': minute hour day-of-month month day-of-week)`);
  const podNamespace = env.POD_NAMESPACE || "default";
  const nsProblem = checkNamespace(podNamespace);
  if (nsProblem) problems.push(`POD_NAMESPACE: ${nsProblem}`);
  const kubeconfig = env.KUBECONFIG || undefined;
  const podName = env.POD_NAME || env.HOSTNAME || hostname();

  // Settings file.
  let root: unknown = {};
  let text: string | undefined;
  try {
    text = inputs.readText(settingsFile);
  } catch (error) {
    problems.push(`TRENDMASTER_SETTINGS: '${settingsFile}' ${unreadableReason(error)}`);
  }
  if (text !== undefined) {
    try {
      root = yaml.load(text) ?? {};
    } catch (error) {
      problems.push(`${settingsFile}: not YAML: ${(error as Error).message.split("\n")[0]}`);
    }
  } else if (env.TRENDMASTER_SETTINGS && problems.every((p) => !p.startsWith("TRENDMASTER_SETTINGS:"))) {
    problems.push(`TRENDMASTER_SETTINGS: '${settingsFile}' does not exist`);
  }
  // The whole file against the one schema both processes use; the readers below check what the forecaster reads.
  const schema = checkSettingsSchema(root);
  const top = SectionReader.of("", root, problems, ["ratelimitConfig", "forecastCache", "webhook", "guardStamp", "forecaster", "report", "gitops", "slack"]);
  const stampKeyFile = top.section("guardStamp", ["keyFile"]).optionalString("keyFile");

  const rc = top.section("ratelimitConfig", ["namespace", "name", "mergeDomains"]);
  const ratelimitConfig = {
    namespace: rc.string("namespace", "istio-system", checkNamespace),
    name: rc.string("name", "ratelimit-config", checkName),
    mergeDomains: rc.boolean("mergeDomains", false),
  };
  const fc = top.section("forecastCache", ["name"]);
  const cache = { namespace: podNamespace, name: fc.string("name", "trendmaster-forecast", checkName) };

  const f = top.section("forecaster", [
    "prometheus", "sourceDir", "historyDays", "stepSeconds", "forecast", "overrides", "minConfidenceToApply", "history", "maxConflictRetries",
    "lease", "scheduleJitterSeconds", "runOnStart", "maxCycleMinutes", "workers", "fetchChunkRules", "recycleWorkersEveryRules", "metrics", "effectiveness",
  ]);
  const historySection = f.section("history", ["keep", "namePrefix"]);
  const history = { namespace: podNamespace, keep: historySection.number("keep", 20, { min: 1, max: 1000, integer: true }), namePrefix: historySection.string("namePrefix", "trendmaster-history", checkName) };
  const leaseSection = f.section("lease", ["name", "durationSeconds"]);
  const durationSeconds = leaseSection.number("durationSeconds", 60, { min: 5, max: 3600, integer: true });
  const lease = {
    namespace: podNamespace,
    name: leaseSection.string("name", "trendmaster-forecaster", checkName),
    identity: `${podName}-${process.pid}-${randomBytes(3).toString("hex")}`,
    durationSeconds,
    renewEverySeconds: Math.max(1, Math.floor(durationSeconds / 3)),
  };

  // Traffic source: PROMETHEUS_URL, or a folder of CSV files.
  const sourceDir = inputs.overrides?.sourceDir ?? f.optionalString("sourceDir");
  const prometheusUrl = env.PROMETHEUS_URL;
  const promSection = f.section("prometheus", ["query", "bearerTokenFile", "basicAuth", "caFile", "insecureSkipVerify", "timeoutMs", "retries", "retryBaseDelayMs", "maxPointsPerRequest", "concurrency", "batchSize"]);
  let traffic: TrafficSourceConfig;
  let sourceDescription: string;
  if (sourceDir !== undefined) {
    traffic = { kind: "files", path: sourceDir };
    sourceDescription = `files:${sourceDir}`;
  } else {
    if (!prometheusUrl && inputs.needsTraffic !== false) problems.push("PROMETHEUS_URL: required (the Prometheus or Trickster base URL), unless forecaster.sourceDir or --source-dir is given");
    const settings = prometheusSettings(prometheusUrl ?? "http://unset.invalid", promSection);
    if (prometheusUrl) problems.push(...validatePrometheusSettings(settings).map((p) => p.replace(/^prometheus\.url/, "PROMETHEUS_URL").replace(/^prometheus\b/, "forecaster.prometheus")));
    traffic = { kind: "prometheus", settings };
    sourceDescription = redactUrl(prometheusUrl ?? "");
  }

  const stepSeconds = f.number("stepSeconds", 300, { min: 10, max: 86_400, integer: true });
  const historyDays = f.number("historyDays", 14, { min: 1, max: 90 });
  const forecast = forecastSettings(f.section("forecast", [...FORECAST_NUMBER_KEYS, "models", "combine"]));
  const overrides = ruleOverrides(f, problems);
  const minConfidenceToApply = f.oneOf<Confidence>("minConfidenceToApply", ["low", "medium", "high"], "medium");
  const maxConflictRetries = f.number("maxConflictRetries", 5, { min: 0, max: 50, integer: true });
  const scheduleJitterSeconds = f.number("scheduleJitterSeconds", 300, { min: 0, max: 3600, integer: true });
  const runOnStart = f.boolean("runOnStart", false);
  const maxCycleMinutes = f.number("maxCycleMinutes", 120, { min: 1, max: 1440 });
  const workers = f.number("workers", Math.max(1, inputs.cores ?? 1), { min: 1, max: 64, integer: true });
  const fetchChunkRules = f.number("fetchChunkRules", 100, { min: 1, max: 100_000, integer: true });
  const recycleWorkersEveryRules = f.number("recycleWorkersEveryRules", 250, { min: 0, integer: true });
  const m = f.section("metrics", ["port", "maxRuleSeries", "pushgatewayUrl"]);
  const pushgatewayUrl = m.optionalString("pushgatewayUrl");
  if (pushgatewayUrl !== undefined && !/^https?:\/\/[^/]/.test(pushgatewayUrl)) problems.push(`forecaster.metrics.pushgatewayUrl: '${pushgatewayUrl}' is not an http(s) URL`);
  const metrics = {
    port: m.number("port", 9090, { min: 0, max: 65535, integer: true }),
    maxRuleSeries: m.number("maxRuleSeries", 200, { min: 0, max: 10_000, integer: true }),
    ...(pushgatewayUrl !== undefined ? { pushgatewayUrl } : {}),
  };
  const e = f.section("effectiveness", ["enabled", "overLimitMetric", "totalHitsMetric", "keyLabels", "windowHours"]);
  const effectiveness: EffectivenessConfig = {
    enabled: e.boolean("enabled", true) && traffic.kind === "prometheus",
    overLimitMetric: e.string("overLimitMetric", "ratelimit_service_rate_limit_over_limit", checkMetricName),
    totalHitsMetric: e.string("totalHitsMetric", "ratelimit_service_rate_limit_total_hits", checkMetricName),
    keyLabels: e.stringList("keyLabels", ["domain", "key1", "key2"]),
    windowHours: e.number("windowHours", 6, { min: 0.1, max: 168 }),
  };

  const slack = slackSettings(top.section("slack", ["botTokenFile", "webhookUrlFile", "channels", "apiUrl", "timeoutMs", "alerts"]), problems, inputs.readText);

  const reportUrl = top.section("report", ["url"]).optionalString("url");
  if (reportUrl !== undefined && !/^https?:\/\/[^\s]+$/.test(reportUrl)) problems.push(`report.url: '${reportUrl}' is not an http(s) URL`);

  const output = readOutputSettings(top.section("gitops", GITOPS_SETTING_KEYS), inputs.readText, ratelimitConfig.name, inputs.overrides?.outputMode);

  const fileProblems = missingFiles(schema.files, "forecaster", (file) => fileExists(inputs.readText, file));
  if (stampKeyFile !== undefined && fileExists(inputs.readText, stampKeyFile)) {
    const ring = parseStampKeyRing(inputs.readText(stampKeyFile) ?? "");
    if (!ring.ok) fileProblems.push(`guardStamp.keyFile: '${stampKeyFile}' ${ring.problem}`);
  }
  const allProblems = mergeProblems([...schema.problems, ...fileProblems], problems);
  if (allProblems.length > 0) return { ok: false, problems: allProblems };
  const config: ForecasterConfig = {
    ratelimitConfig, cache, history, lease, dryRun, logLevel: logLevel as LogLevel, ...(kubeconfig ? { kubeconfig } : {}), schedule, scheduleJitterSeconds, runOnStart, maxCycleMinutes,
    traffic, sourceDescription, historyDays, stepSeconds, forecast, overrides, minConfidenceToApply, maxConflictRetries, workers, fetchChunkRules, recycleWorkersEveryRules, metrics, effectiveness,
    ...(slack ? { slack } : {}), ...(stampKeyFile !== undefined ? { stampKeyFile } : {}), ...(reportUrl !== undefined ? { reportUrl } : {}), writer: `trendmaster-forecaster ${podName}`, settingsFile, output,
  };
  return { ok: true, config: deepFreeze(config) };
}

/** A file the settings name exists when it can be read (a directory or an unreadable file is reported as read). */
function fileExists(readText: (path: string) => string | undefined, file: string): boolean {
  try {
    return readText(file) !== undefined;
  } catch {
    return true;
  }
}

function checkMetricName(name: string): string | undefined {
  return /^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name) ? undefined : `'${name}' is not a Prometheus metric name`;
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = "";
    parsed.password = "";
    parsed.search = "";
    return parsed.toString();
  } catch {
    return "(invalid URL)";
  }
}

function prometheusSettings(url: string, p: SectionReader): PrometheusSourceSettings {
  const d = DEFAULT_PROMETHEUS_SETTINGS;
  let query: QueryPresetName | QueryTemplate = d.query;
  const rawQuery = p.raw("query");
  if (typeof rawQuery === "string") {
    if (isQueryPresetName(rawQuery)) query = rawQuery;
    else p.problems.push(`${p.at("query")}: unknown preset '${rawQuery}' (nginx, ratelimit-service, or a template {name, expr, batch?})`);
  } else if (rawQuery !== undefined && rawQuery !== null) {
    const t = SectionReader.of(p.at("query"), rawQuery, p.problems, ["name", "expr", "batch", "dotSeparatedStatName"]);
    const template: QueryTemplate = {
      name: t.string("name", "custom"),
      expr: t.string("expr", ""),
      ...(t.has("batch") ? { batch: t.raw("batch") as QueryTemplate["batch"] & object } : {}),
      ...(t.has("dotSeparatedStatName") ? { dotSeparatedStatName: t.boolean("dotSeparatedStatName", false) } : {}),
    };
    if (!t.has("expr")) p.problems.push(`${p.at("query")}.expr: required`);
    else {
      const compiled = compileQueryTemplate(template);
      if (!compiled.ok) p.problems.push(...compiled.problems.map((x) => `${p.at("query")}: ${x}`));
    }
    query = template;
  }
  const basic = p.has("basicAuth") ? p.section("basicAuth", ["user", "passwordFile"]) : undefined;
  const bearerTokenFile = p.optionalString("bearerTokenFile");
  const caFile = p.optionalString("caFile");
  return {
    url,
    ...(bearerTokenFile !== undefined ? { bearerTokenFile } : {}),
    ...(basic ? { basicAuth: { user: basic.string("user", ""), ...(basic.has("passwordFile") ? { passwordFile: basic.string("passwordFile", "") } : {}) } } : {}),
    ...(caFile !== undefined ? { caFile } : {}),
    insecureSkipVerify: p.boolean("insecureSkipVerify", d.insecureSkipVerify),
    timeoutMs: p.number("timeoutMs", d.timeoutMs, { min: 1, integer: true }),
    retries: p.number("retries", d.retries, { min: 0, max: 20, integer: true }),
    retryBaseDelayMs: p.number("retryBaseDelayMs", d.retryBaseDelayMs, { min: 0 }),
    maxPointsPerRequest: p.number("maxPointsPerRequest", d.maxPointsPerRequest, { min: 1, max: 11_000, integer: true }),
    concurrency: p.number("concurrency", d.concurrency, { min: 1, max: 64, integer: true }),
    query,
    batchSize: p.number("batchSize", d.batchSize, { min: 1, integer: true }),
  };
}

function forecastSettings(s: SectionReader): ForecastSettings {
  const d = DEFAULT_FORECAST_SETTINGS;
  const numbers: Partial<Record<(typeof FORECAST_NUMBER_KEYS)[number], number>> = {};
  const limits: Partial<Record<(typeof FORECAST_NUMBER_KEYS)[number], { min?: number; max?: number; integer?: boolean; exclusiveMin?: boolean }>> = {
    quantile: { min: 0, max: 1, exclusiveMin: true },
    headroom: { min: 0, max: 10 },
    maxStepUp: { min: 1 },
    maxStepDown: { min: 1 },
    bandMaxFactor: { min: 1 },
    burstFactor: { min: 1 },
    floor: { min: 0, integer: true },
    ceiling: { min: 1, max: 4_294_967_295, integer: true },
    calibrationOrigins: { min: 0, integer: true },
    modelStepSeconds: { min: 1, integer: true },
    prophetFits: { min: 1, max: 50, integer: true },
    maxPlausibleRequestsPerSecond: { min: 0, exclusiveMin: true },
  };
  for (const key of FORECAST_NUMBER_KEYS) numbers[key] = s.number(key, d[key], limits[key] ?? { min: 0, exclusiveMin: key === "horizonHours" });
  let models: readonly ModelName[] = d.models;
  if (s.has("models")) {
    const list = s.stringList("models", d.models);
    const unknown = list.filter((m) => !(MODEL_NAMES as readonly string[]).includes(m));
    if (unknown.length > 0 || list.length === 0) s.problems.push(`${s.at("models")}: must be a non-empty list of ${MODEL_NAMES.join(", ")}; unknown: ${unknown.join(", ") || "(empty list)"}`);
    else models = list as ModelName[];
  }
  const combine = s.oneOf("combine", ["tightest", "median", "upper-median"] as const, d.combine);
  const settings: ForecastSettings = { ...d, ...numbers, models, combine };
  if (settings.floor > settings.ceiling) s.problems.push(`${s.path}: floor ${settings.floor} is above ceiling ${settings.ceiling}`);
  if (settings.minHistoryDays > settings.maxHistoryDays) s.problems.push(`${s.path}: minHistoryDays ${settings.minHistoryDays} is above maxHistoryDays ${settings.maxHistoryDays}`);
  return settings;
}

function ruleOverrides(f: SectionReader, problems: string[]): Record<string, RuleOverride> {
  const raw = f.raw("overrides");
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== "object" || Array.isArray(raw)) {
    problems.push(`${f.at("overrides")}: must be a mapping of rule full key (domain.key_value...) to {exclude, pin, headroom, floor, ceiling, maxPlausibleRequestsPerSecond}, got ${describe(raw)}`);
    return {};
  }
  const overrides: Record<string, RuleOverride> = {};
  for (const [fullKey, value] of Object.entries(raw as Record<string, unknown>)) {
    const o = SectionReader.of(`${f.at("overrides")}['${fullKey}']`, value, problems, ["exclude", "pin", "headroom", "floor", "ceiling", "maxPlausibleRequestsPerSecond"]);
    const override: RuleOverride = {
      ...(o.has("exclude") ? { exclude: o.boolean("exclude", false) } : {}),
      ...(o.has("pin") ? { pin: o.number("pin", 1, { min: 0, max: 4_294_967_295, integer: true }) } : {}),
      ...(o.has("headroom") ? { headroom: o.number("headroom", 0, { min: 0, max: 10 }) } : {}),
      ...(o.has("floor") ? { floor: o.number("floor", 0, { min: 0, integer: true }) } : {}),
      ...(o.has("ceiling") ? { ceiling: o.number("ceiling", 1, { min: 1, integer: true }) } : {}),
      ...(o.has("maxPlausibleRequestsPerSecond") ? { maxPlausibleRequestsPerSecond: o.number("maxPlausibleRequestsPerSecond", 1, { min: 0, exclusiveMin: true }) } : {}),
    };
    if (override.floor !== undefined && override.ceiling !== undefined && override.floor > override.ceiling) problems.push(`${o.path}: floor ${override.floor} is above ceiling ${override.ceiling}`);
    overrides[fullKey] = override;
  }
  return overrides;
}

function slackSettings(s: SectionReader, problems: string[], readText: (path: string) => string | undefined): SlackSettings | undefined {
  const botTokenFile = s.optionalString("botTokenFile");
  const webhookUrlFile = s.optionalString("webhookUrlFile");
  const channels = s.stringList("channels", []);
  const apiUrl = s.string("apiUrl", "https://slack.com/api", (u) => (/^https?:\/\//.test(u) ? undefined : `'${u}' is not an http(s) URL`));
  const timeoutMs = s.number("timeoutMs", 10_000, { min: 1, integer: true });
  const a = s.section("alerts", [...ALERT_KINDS]);
  const alerts = {} as Record<AlertKind, AlertRoute>;
  for (const kind of ALERT_KINDS) {
    const raw = a.raw(kind);
    if (raw === undefined || raw === null || typeof raw === "boolean" || typeof raw === "string") {
      alerts[kind] = { enabled: raw === undefined || raw === null ? true : a.boolean(kind, true), channels };
    } else {
      const route = a.section(kind, ["enabled", "channels"]);
      alerts[kind] = { enabled: route.boolean("enabled", true), channels: route.stringList("channels", channels) };
    }
  }
  if (botTokenFile === undefined && webhookUrlFile === undefined) {
    if (channels.length > 0) problems.push("slack: channels are set but neither botTokenFile nor webhookUrlFile is: alerts would go nowhere");
    return undefined;
  }
  for (const [setting, file] of [["botTokenFile", botTokenFile], ["webhookUrlFile", webhookUrlFile]] as const) {
    if (file !== undefined && readText(file) === undefined) problems.push(`slack.${setting}: '${file}' does not exist (mount the Secret there)`);
  }
  if (botTokenFile !== undefined) {
    for (const kind of ALERT_KINDS) {
      if (alerts[kind].enabled && alerts[kind].channels.length === 0) problems.push(`slack.alerts.${kind}: enabled with a bot token but no channel (set slack.channels or slack.alerts.${kind}.channels)`);
    }
  }
  return { ...(botTokenFile !== undefined ? { botTokenFile } : {}), ...(webhookUrlFile !== undefined ? { webhookUrlFile } : {}), apiUrl, alerts, timeoutMs };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !(value instanceof RedactedSecret) && !Object.isFrozen(value)) {
    for (const child of Object.values(value as Record<string, unknown>)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
