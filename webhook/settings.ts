import yaml from "js-yaml";
import { WEBHOOK_MODES, type AdmissionPolicy, type WebhookMode } from "./admission/policy.js";
import type { SlackDelivery } from "./io/slack-notifier.js";
import { checkSettingsSchema, mergeProblems, type NamedFile } from "../forecaster/logic/settings-schema.js";

/** The parts of the settings file (docs/settings.md) the webhook reads. */
export interface WebhookSettings {
  readonly ratelimitConfig: { readonly namespace: string; readonly name: string };
  readonly forecastCacheName: string;
  readonly mode: WebhookMode;
  readonly maxForecastAgeHours: number;
  readonly breakGlass: { readonly users: readonly string[]; readonly groups: readonly string[] };
  readonly mergeDomains: boolean;
  /** webhook.forecasterUsers: the forecaster's identities, the only writers whose trendmaster.io/generation counts. */
  readonly forecasterUsers: readonly string[];
  /** guardStamp.keyFile: the key ring the guarded-digest stamp is signed with; absent: writes are not stamped. */
  readonly stampKeyFile?: string;
  /** Where break-glass notices go (the forecaster's slack section, its rate_limit_changes route); none when absent or disabled. */
  readonly slack?: SlackDelivery;
}

export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = Object.freeze({
  ratelimitConfig: Object.freeze({ namespace: "istio-system", name: "ratelimit-config" }),
  forecastCacheName: "trendmaster-forecast",
  mode: "enforce",
  maxForecastAgeHours: 24,
  breakGlass: Object.freeze({ users: Object.freeze([]), groups: Object.freeze([]) }),
  mergeDomains: false,
  forecasterUsers: Object.freeze([]),
});

type Record_ = Record<string, unknown>;

function isRecord(value: unknown): value is Record_ {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Read the settings file's text into WebhookSettings, reporting every wrong value at once
 * (`webhook.mode: 'strict' is not one of enforce, audit`). Sections the webhook does not read are
 * checked against the schema only (keys and types).
 */
export function parseWebhookSettings(text: string | undefined): { ok: true; settings: WebhookSettings; files: readonly NamedFile[] } | { ok: false; problems: string[]; files?: readonly NamedFile[] } {
  if (text === undefined) return { ok: true, settings: DEFAULT_WEBHOOK_SETTINGS, files: [] };
  let doc: unknown;
  try {
    doc = yaml.load(text);
  } catch (error) {
    return { ok: false, problems: [`not YAML: ${(error as Error).message.split("\n")[0]}`] };
  }
  if (doc === undefined || doc === null) return { ok: true, settings: DEFAULT_WEBHOOK_SETTINGS, files: [] };
  if (!isRecord(doc)) return { ok: false, problems: ["the settings file is not a YAML mapping"] };
  // The whole file against the one schema both processes use: a typo anywhere stops the webhook too.
  const schema = checkSettingsSchema(doc);
  const problems: string[] = [];
  const section = (value: unknown, path: string): Record_ => {
    if (value === undefined || value === null) return {};
    if (isRecord(value)) return value;
    problems.push(`${path}: is not a mapping`);
    return {};
  };
  const str = (record: Record_, key: string, path: string, fallback: string): string => {
    const value = record[key];
    if (value === undefined || value === null) return fallback;
    if (typeof value === "string" && value.trim() !== "") return value.trim();
    problems.push(`${path}.${key}: ${JSON.stringify(value)} is not a non-empty string`);
    return fallback;
  };
  const strings = (record: Record_, key: string, path: string): string[] => {
    const value = record[key];
    if (value === undefined || value === null) return [];
    if (Array.isArray(value) && value.every((v) => typeof v === "string" && v !== "")) return value as string[];
    problems.push(`${path}.${key}: is not a list of non-empty strings`);
    return [];
  };
  const rl = section(doc.ratelimitConfig, "ratelimitConfig");
  const cache = section(doc.forecastCache, "forecastCache");
  const hook = section(doc.webhook, "webhook");
  const glass = section(hook.breakGlass, "webhook.breakGlass");
  const slack = section(doc.slack, "slack");
  const stamp = section(doc.guardStamp, "guardStamp");
  const d = DEFAULT_WEBHOOK_SETTINGS;
  let mode = d.mode;
  if (hook.mode !== undefined && hook.mode !== null) {
    if ((WEBHOOK_MODES as readonly unknown[]).includes(hook.mode)) mode = hook.mode as WebhookMode;
    else problems.push(`webhook.mode: ${JSON.stringify(hook.mode)} is not one of ${WEBHOOK_MODES.join(", ")}`);
  }
  let maxForecastAgeHours = d.maxForecastAgeHours;
  if (hook.maxForecastAgeHours !== undefined && hook.maxForecastAgeHours !== null) {
    const hours = hook.maxForecastAgeHours;
    if (typeof hours === "number" && Number.isFinite(hours) && hours > 0) maxForecastAgeHours = hours;
    else problems.push(`webhook.maxForecastAgeHours: ${JSON.stringify(hours)} is not a positive number`);
  }
  let mergeDomains = d.mergeDomains;
  if (rl.mergeDomains !== undefined && rl.mergeDomains !== null) {
    const merge = rl.mergeDomains;
    if (typeof merge === "boolean" || merge === "true" || merge === "false") mergeDomains = merge === true || merge === "true";
    else problems.push(`ratelimitConfig.mergeDomains: ${JSON.stringify(merge)} is not a boolean`);
  }
  const slackDelivery = readSlack(slack, problems);
  const settings: WebhookSettings = Object.freeze({
    ratelimitConfig: Object.freeze({ namespace: str(rl, "namespace", "ratelimitConfig", d.ratelimitConfig.namespace), name: str(rl, "name", "ratelimitConfig", d.ratelimitConfig.name) }),
    forecastCacheName: str(cache, "name", "forecastCache", d.forecastCacheName),
    mode,
    maxForecastAgeHours,
    breakGlass: Object.freeze({ users: Object.freeze(strings(glass, "users", "webhook.breakGlass")), groups: Object.freeze(strings(glass, "groups", "webhook.breakGlass")) }),
    mergeDomains,
    forecasterUsers: Object.freeze(strings(hook, "forecasterUsers", "webhook")),
    ...(stamp.keyFile !== undefined && stamp.keyFile !== null ? { stampKeyFile: str(stamp, "keyFile", "guardStamp", "") } : {}),
    ...(slackDelivery !== undefined ? { slack: slackDelivery } : {}),
  });
  const all = mergeProblems(schema.problems, problems);
  return all.length > 0 ? { ok: false, problems: all, files: schema.files } : { ok: true, settings, files: schema.files };
}

/**
 * The forecaster's `slack` keys the webhook uses: webhookUrlFile, or botTokenFile with channels
 * (alerts.rate_limit_changes may disable notices or route them to other channels). The
 * forecaster checks the whole section; here only the types of what is read.
 */
function readSlack(slack: Record_, problems: string[]): SlackDelivery | undefined {
  const text = (key: string): string | undefined => {
    const value = slack[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value === "string" && value.trim() !== "") return value.trim();
    problems.push(`slack.${key}: ${JSON.stringify(value)} is not a non-empty string`);
    return undefined;
  };
  const list = (value: unknown, path: string): string[] | undefined => {
    if (value === undefined || value === null) return undefined;
    if (Array.isArray(value) && value.every((v) => typeof v === "string" && v !== "")) return value as string[];
    problems.push(`${path}: is not a list of non-empty strings`);
    return undefined;
  };
  const webhookUrlFile = text("webhookUrlFile");
  const botTokenFile = text("botTokenFile");
  const apiUrl = text("apiUrl") ?? "https://slack.com/api";
  if (!/^https?:\/\//.test(apiUrl)) problems.push(`slack.apiUrl: '${apiUrl}' is not an http(s) URL`);
  const timeout = slack.timeoutMs;
  let timeoutMs = 10_000;
  if (timeout !== undefined && timeout !== null) {
    if (typeof timeout === "number" && Number.isInteger(timeout) && timeout > 0) timeoutMs = timeout;
    else problems.push(`slack.timeoutMs: ${JSON.stringify(timeout)} is not a positive integer`);
  }
  let channels = list(slack.channels, "slack.channels") ?? [];
  let enabled = true;
  const route = isRecord(slack.alerts) ? slack.alerts.rate_limit_changes : undefined;
  if (typeof route === "boolean") enabled = route;
  else if (route === "true" || route === "false") enabled = route === "true";
  else if (isRecord(route)) {
    if (route.enabled !== undefined) enabled = route.enabled === true || route.enabled === "true";
    channels = list(route.channels, "slack.alerts.rate_limit_changes.channels") ?? channels;
  }
  if (!enabled || (webhookUrlFile === undefined && botTokenFile === undefined)) return undefined;
  return Object.freeze({ ...(webhookUrlFile !== undefined ? { webhookUrlFile } : {}), ...(botTokenFile !== undefined ? { botTokenFile } : {}), channels: Object.freeze(channels), apiUrl, timeoutMs });
}

/** The admission policy these settings give; `pinnedMode` (the --mode flag) wins over the file. */
export function policyOf(settings: WebhookSettings, pinnedMode: WebhookMode | undefined): AdmissionPolicy {
  return Object.freeze({
    mode: pinnedMode ?? settings.mode,
    maxForecastAgeMs: settings.maxForecastAgeHours * 3_600_000,
    breakGlass: settings.breakGlass,
    target: settings.ratelimitConfig,
    mergeDomains: settings.mergeDomains,
    forecasterUsers: settings.forecasterUsers,
  });
}
