import { WEBHOOK_MODES, type WebhookMode } from "./admission/policy.js";
import { parseWebhookSettings, type WebhookSettings } from "./settings.js";
import { parseStampKeyRing } from "../ratelimit/guard-stamp.js";
import { missingFiles } from "../forecaster/logic/settings-schema.js";
import { unreadableReason } from "../forecaster/logic/file-errors.js";

export const WEBHOOK_USAGE = "usage: trendmaster webhook --port P --cert F --key F [--forecast FILE] [--mode enforce|audit] [--settings FILE] [--max-connections N]";

/** Open connections the webhook accepts at once unless --max-connections says otherwise. */
export const DEFAULT_MAX_CONNECTIONS = 1_000;

/**
 * The API server sends one AdmissionReview per write: a ConfigMap is at most 1 MiB (etcd's limit
 * is 1.5 MiB), an UPDATE carries it twice (object and oldObject), and JSON escaping of YAML
 * text adds a little. 8 MiB admits every real review and refuses abuse before it is parsed.
 */
export const BODY_LIMIT_BYTES = 8 * 1024 * 1024;

const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];

/** Everything the webhook process needs, validated once at start and frozen. */
export interface WebhookConfig {
  readonly port: number;
  readonly certFile: string;
  readonly keyFile: string;
  /** Local mode: read forecasts from this file; otherwise watch the cache ConfigMap. */
  readonly forecastFile?: string;
  /** --mode: pins the mode; without it the settings file's webhook.mode applies (re-read on change). */
  readonly pinnedMode?: WebhookMode;
  readonly settingsFile: string;
  /** The settings file as read at start. */
  readonly settings: WebhookSettings;
  /** Where the forecast cache ConfigMap lives. */
  readonly podNamespace: string;
  readonly logLevel: string;
  readonly bodyLimitBytes: number;
  /** --max-connections: connections beyond it are closed as they arrive. */
  readonly maxConnections: number;
}

export interface ConfigInputs {
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** A file's text, or undefined when it does not exist (other errors throw). */
  readonly readText: (path: string) => string | undefined;
  readonly exists: (path: string) => boolean;
}

const FLAGS = ["--port", "--cert", "--key", "--forecast", "--mode", "--settings", "--max-connections"] as const;
type Flag = (typeof FLAGS)[number];

/** Parse flags, environment and settings file; every problem is reported at once. */
export function buildWebhookConfig(inputs: ConfigInputs): { ok: true; config: WebhookConfig } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const values = new Map<Flag, string>();
  const args = inputs.args;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const eq = arg.indexOf("=");
    const name = (eq === -1 ? arg : arg.slice(0, eq)) as Flag;
    if (!FLAGS.includes(name)) {
      problems.push(arg.startsWith("-") ? `unknown option '${arg}'` : `unexpected argument '${arg}'`);
      continue;
    }
    const value = eq === -1 ? args[++i] : arg.slice(eq + 1);
    if (value === undefined || value === "" || (eq === -1 && value.startsWith("--"))) {
      problems.push(`${name} needs a value`);
      if (value?.startsWith("--")) i--;
      continue;
    }
    if (values.has(name)) problems.push(`${name} is given twice`);
    values.set(name, value);
  }
  const portText = values.get("--port");
  let port = 0;
  if (portText === undefined) problems.push("--port is required");
  else if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) problems.push(`--port '${portText}' is not a port number (0-65535)`);
  else port = Number(portText);
  for (const flag of ["--cert", "--key"] as const) {
    const path = values.get(flag);
    if (path === undefined) problems.push(`${flag} is required`);
    else if (!inputs.exists(path)) problems.push(`${flag} '${path}' does not exist`);
  }
  const maxConnectionsText = values.get("--max-connections");
  let maxConnections = DEFAULT_MAX_CONNECTIONS;
  if (maxConnectionsText !== undefined) {
    if (/^\d{1,7}$/.test(maxConnectionsText) && Number(maxConnectionsText) >= 1) maxConnections = Number(maxConnectionsText);
    else problems.push(`--max-connections '${maxConnectionsText}' is not a whole number from 1 to 9999999`);
  }
  const forecastFile = values.get("--forecast");
  if (forecastFile !== undefined && !inputs.exists(forecastFile)) problems.push(`--forecast '${forecastFile}' does not exist`);
  const modeText = values.get("--mode");
  if (modeText !== undefined && !(WEBHOOK_MODES as readonly string[]).includes(modeText)) problems.push(`--mode '${modeText}' is not one of ${WEBHOOK_MODES.join(", ")}`);
  const logLevel = inputs.env.LOG_LEVEL ?? "info";
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL '${logLevel}' is not one of ${LOG_LEVELS.join(", ")}`);
  const settingsFlag = values.get("--settings");
  const settingsFile = settingsFlag ?? inputs.env.TRENDMASTER_SETTINGS ?? "/etc/trendmaster/settings.yaml";
  let settingsText: string | undefined;
  try {
    settingsText = inputs.readText(settingsFile);
    if (settingsText === undefined && settingsFlag !== undefined) problems.push(`--settings '${settingsFile}' does not exist`);
  } catch (error) {
    problems.push(`settings file '${settingsFile}' ${unreadableReason(error)}`);
  }
  const parsed = parseWebhookSettings(settingsText);
  if (!parsed.ok) problems.push(...parsed.problems.map((p) => `settings file '${settingsFile}': ${p}`));
  // Files the webhook reads must be there at start; the forecaster's own are its business.
  problems.push(...missingFiles(parsed.files ?? [], "webhook", inputs.exists).map((p) => `settings file '${settingsFile}': ${p}`));
  if (parsed.ok) {
    const keyFile = parsed.settings.stampKeyFile;
    if (keyFile !== undefined && inputs.exists(keyFile)) {
      try {
        const ring = parseStampKeyRing(inputs.readText(keyFile) ?? "");
        if (!ring.ok) problems.push(`settings file '${settingsFile}': guardStamp.keyFile: '${keyFile}' ${ring.problem}`);
      } catch (error) {
        problems.push(`settings file '${settingsFile}': guardStamp.keyFile: '${keyFile}' ${unreadableReason(error)}`);
      }
    }
  }
  if (problems.length > 0 || !parsed.ok) return { ok: false, problems };
  return {
    ok: true,
    config: Object.freeze({
      port,
      certFile: values.get("--cert") as string,
      keyFile: values.get("--key") as string,
      ...(forecastFile !== undefined ? { forecastFile } : {}),
      ...(modeText !== undefined ? { pinnedMode: modeText as WebhookMode } : {}),
      settingsFile,
      settings: parsed.settings,
      podNamespace: inputs.env.POD_NAMESPACE || "default",
      logLevel,
      bodyLimitBytes: BODY_LIMIT_BYTES,
      maxConnections,
    }),
  };
}
