/**
 * Settings of the Prometheus (or Trickster) traffic source, as the forecaster's config loads them
 * (URL from PROMETHEUS_URL). Secrets are either file paths, read on each request so rotated
 * tokens are picked up, or values wrapped in RedactedSecret so no log line can print them.
 */
import { inspect } from "node:util";
import { compileQueryTemplate, isQueryPresetName, QUERY_PRESETS, type CompileResult, type QueryPresetName, type QueryTemplate } from "../logic/query-template.js";

/** A secret value that prints as `[redacted]` in logs, JSON and util.inspect. */
export class RedactedSecret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return "[redacted]";
  }
  toJSON(): string {
    return "[redacted]";
  }
  [inspect.custom](): string {
    return "[redacted]";
  }
}

export interface PrometheusClientSettings {
  /** Base URL, path prefix kept: `https://trickster.example.com/prometheus`. */
  readonly url: string;
  /** File holding a bearer token (e.g. a projected service-account token). */
  readonly bearerTokenFile?: string;
  /** Bearer token value (e.g. from an env var), when there is no file. */
  readonly bearerToken?: RedactedSecret;
  readonly basicAuth?: {
    readonly user: string;
    readonly passwordFile?: string;
    readonly password?: RedactedSecret;
  };
  /** PEM file of the CA(s) to trust instead of the system ones (like Prometheus' own tls_config.ca_file). */
  readonly caFile?: string;
  /** Accept any server certificate. For test setups only. */
  readonly insecureSkipVerify: boolean;
  /** Per HTTP attempt, headers and body included. */
  readonly timeoutMs: number;
  /** Extra attempts after a 5xx, 429, timeout, network error or unreadable body. */
  readonly retries: number;
  /** First retry delay; doubles per attempt (with jitter), and a Retry-After header wins when longer. */
  readonly retryBaseDelayMs: number;
  /** Points per query_range request; Prometheus refuses more than 11,000 steps. */
  readonly maxPointsPerRequest: number;
  /** Queries in flight at once. */
  readonly concurrency: number;
}

export interface PrometheusSourceSettings extends PrometheusClientSettings {
  /** A preset name (`nginx`, `ratelimit-service`) or a custom template. */
  readonly query: QueryPresetName | QueryTemplate;
  /**
   * Rules per batched query when the template has a batch form; 1 queries rule by rule. Rule by
   * rule is the default: each query stays the same from cycle to cycle, which Trickster's cache
   * needs, and locally it is as fast (bench/prometheus-fetch.ts). Batch when each request is costly.
   */
  readonly batchSize: number;
}

export const DEFAULT_PROMETHEUS_SETTINGS = Object.freeze({
  insecureSkipVerify: false,
  timeoutMs: 30_000,
  retries: 3,
  retryBaseDelayMs: 250,
  maxPointsPerRequest: 11_000,
  concurrency: 4,
  query: "nginx",
  batchSize: 1,
} as const satisfies Partial<PrometheusSourceSettings>);

/** Every problem with the settings, each naming the setting and the offending value (secrets never shown). */
export function validatePrometheusSettings(settings: PrometheusSourceSettings): string[] {
  const problems: string[] = [];
  let url: URL | undefined;
  try {
    url = new URL(settings.url);
  } catch {
    problems.push(`prometheus.url: not a URL: '${settings.url.replace(/\/\/[^/@]*@/, "//[redacted]@")}'`);
  }
  if (url !== undefined && url.protocol !== "http:" && url.protocol !== "https:") problems.push(`prometheus.url: protocol must be http or https, got '${url.protocol}'`);
  if (url !== undefined && (url.username !== "" || url.password !== "")) problems.push("prometheus.url: put credentials in basicAuth, not in the URL");
  const bearer = settings.bearerTokenFile !== undefined || settings.bearerToken !== undefined;
  if (bearer && settings.basicAuth !== undefined) problems.push("prometheus: set either a bearer token or basicAuth, not both");
  if (settings.bearerTokenFile !== undefined && settings.bearerToken !== undefined) problems.push("prometheus: set either bearerTokenFile or bearerToken, not both");
  if (settings.basicAuth !== undefined && (settings.basicAuth.passwordFile === undefined) === (settings.basicAuth.password === undefined)) {
    problems.push("prometheus.basicAuth: set exactly one of passwordFile and password");
  }
  const positiveIntegers: [string, number][] = [
    ["timeoutMs", settings.timeoutMs],
    ["maxPointsPerRequest", settings.maxPointsPerRequest],
    ["concurrency", settings.concurrency],
    ["batchSize", settings.batchSize],
  ];
  for (const [name, value] of positiveIntegers) {
    if (!Number.isInteger(value) || value < 1) problems.push(`prometheus.${name}: must be a positive integer, got ${value}`);
  }
  if (!Number.isInteger(settings.retries) || settings.retries < 0) problems.push(`prometheus.retries: must be a whole number, got ${settings.retries}`);
  if (!(settings.retryBaseDelayMs >= 0)) problems.push(`prometheus.retryBaseDelayMs: must be >= 0, got ${settings.retryBaseDelayMs}`);
  if (settings.maxPointsPerRequest > 11_001) problems.push(`prometheus.maxPointsPerRequest: Prometheus refuses more than 11001 points per request, got ${settings.maxPointsPerRequest}`);
  // A custom template's own problems come from compileQueryTemplate (config.ts reports them there).
  if (typeof settings.query === "string" && !isQueryPresetName(settings.query)) problems.push(`prometheus.query: unknown preset '${settings.query}' (nginx, ratelimit-service, or a template object)`);
  return problems;
}

/** The query template the settings name (a preset) or give (a custom one), checked. */
export function compileSettingsTemplate(query: QueryPresetName | QueryTemplate): CompileResult {
  if (typeof query !== "string") return compileQueryTemplate(query);
  if (!isQueryPresetName(query)) return { ok: false, problems: [`unknown preset '${query}' (nginx, ratelimit-service, or a template object)`] };
  return compileQueryTemplate(QUERY_PRESETS[query]);
}
