import { WEBHOOK_MODES, type WebhookMode } from "./admission/policy.js";
import { parseWebhookSettings, type WebhookSettings } from "./settings.js";
import { parseStampKeyRing } from "../ratelimit/guard-stamp.js";
import { missingFiles } from "../forecaster/logic/settings-schema.js";
import { unreadableReason } from "../forecaster/logic/file-errors.js";

import { parseCommandLine, stringOption, usageLine, type CommandSpec } from "../cli/options.js";

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

/** The webhook's flags, as `trendmaster webhook --help` explains them. */
export const WEBHOOK_SPEC: CommandSpec = {
  name: "webhook",
  summary: "serve the admission webhook guarding ratelimit-config (enforce or audit mode)",
  synopsis: "--port P --cert F --key F [--forecast FILE] [--mode enforce|audit] [--settings FILE] [--max-connections N]",
  description:
    "Serves /mutate and /validate over HTTPS until SIGTERM or SIGINT, with /healthz, /readyz and /metrics.\n" +
    "Logs are JSON lines on stdout at LOG_LEVEL (default info).",
  options: [
    { name: "port", type: "string", valueName: "P", meaning: "HTTPS port to listen on (0 picks a free one) (required)" },
    { name: "cert", type: "string", valueName: "F", meaning: "TLS certificate file, PEM; re-read when it changes (required)" },
    { name: "key", type: "string", valueName: "F", meaning: "TLS private key file, PEM (required)" },
    { name: "forecast", type: "string", valueName: "FILE", meaning: "read forecasts from this file instead of the forecast cache ConfigMap", defaultValue: "the ConfigMap, through the API server" },
    { name: "mode", type: "string", valueName: "enforce|audit", meaning: "pin the mode; without it the settings file's webhook.mode applies, re-read when the file changes", defaultValue: "webhook.mode, else enforce" },
    { name: "settings", type: "string", valueName: "FILE", meaning: "the settings file (docs/settings.md)", defaultValue: "TRENDMASTER_SETTINGS, else /etc/trendmaster/settings.yaml" },
    { name: "max-connections", type: "string", valueName: "N", meaning: "open connections accepted at once; more are closed as they arrive", defaultValue: String(DEFAULT_MAX_CONNECTIONS) },
  ],
  notes: "exit status: 0 stopped by SIGTERM or SIGINT, 1 could not start, 2 bad flags or settings",
};

export const WEBHOOK_USAGE = usageLine(WEBHOOK_SPEC);

/** Parse flags, environment and settings file; every problem is reported at once. */
export function buildWebhookConfig(inputs: ConfigInputs): { ok: true; config: WebhookConfig } | { ok: false; problems: string[] } {
  const line = parseCommandLine(WEBHOOK_SPEC, inputs.args);
  const problems: string[] = line.ok ? [] : [...line.problems];
  const flags = line.values;
  const flag = (name: string): string | undefined => stringOption(flags, name);
  const portText = flag("port");
  let port = 0;
  if (portText === undefined) problems.push("--port is required");
  else if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) problems.push(`--port '${portText}' is not a port number (0-65535)`);
  else port = Number(portText);
  for (const option of ["--cert", "--key"] as const) {
    const path = flag(option.slice(2));
    if (path === undefined) problems.push(`${option} is required`);
    else if (!inputs.exists(path)) problems.push(`${option} '${path}' does not exist`);
  }
  const maxConnectionsText = flag("max-connections");
  let maxConnections = DEFAULT_MAX_CONNECTIONS;
  if (maxConnectionsText !== undefined) {
    if (/^\d{1,7}$/.test(maxConnectionsText) && Number(maxConnectionsText) >= 1) maxConnections = Number(maxConnectionsText);
    else problems.push(`--max-connections '${maxConnectionsText}' is not a whole number from 1 to 9999999`);
  }
  const forecastFile = flag("forecast");
  if (forecastFile !== undefined && !inputs.exists(forecastFile)) problems.push(`--forecast '${forecastFile}' does not exist`);
  const modeText = flag("mode");
  if (modeText !== undefined && !(WEBHOOK_MODES as readonly string[]).includes(modeText)) problems.push(`--mode '${modeText}' is not one of ${WEBHOOK_MODES.join(", ")}`);
  const logLevel = inputs.env.LOG_LEVEL ?? "info";
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL '${logLevel}' is not one of ${LOG_LEVELS.join(", ")}`);
  const settingsFlag = flag("settings");
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
      certFile: flag("cert") as string,
      keyFile: flag("key") as string,
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
