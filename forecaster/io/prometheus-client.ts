/**
 * Client for the Prometheus HTTP API (also spoken by Trickster, Thanos and reverse proxies):
 * query_range, instant query and a health check, with auth, retries with backoff, and errors that
 * carry the endpoint, the query and Prometheus' own error text. Credentials never enter messages.
 */
import { readFile } from "node:fs/promises";
import type { PointColumns } from "../logic/range-grid.js";
import { scanMatrixValues, type ScannedBody } from "./prometheus-values-scanner.js";
import { createNodeHttpTransport, HttpTransportError, type HttpResponse, type HttpTransport } from "./http-transport.js";
import type { PrometheusClientSettings } from "./prometheus-settings.js";

/** One series of a matrix result, translated from the wire `{metric, values: [[sec, "v"]]}`. */
export interface PromSeries extends PointColumns {
  readonly labels: Readonly<Record<string, string>>;
  readonly timestampsMs: Float64Array;
  readonly values: Float64Array;
}

export interface PromResult<T> {
  readonly data: T;
  /** Values arrays the fast path read into columns; `data` refers to them as `{"$values": index}`. */
  readonly columns?: ScannedBody["columns"];
  /** `warnings` (and Prometheus 3 `infos`) of the response: partial data, truncated results… */
  readonly warnings: readonly string[];
  /** HTTP attempts this call took. */
  readonly attempts: number;
}

export interface HealthReport {
  readonly healthy: boolean;
  /** Server version, or why it is unhealthy. */
  readonly detail: string;
}

type FailureKind = "timeout" | "network" | "truncated" | "malformed" | "http" | "api";

export class PrometheusRequestError extends Error {
  constructor(
    message: string,
    readonly kind: FailureKind,
    readonly endpoint: string,
    readonly query: string | undefined,
    readonly attempts: number,
    readonly status?: number,
    readonly errorType?: string,
  ) {
    super(message);
    this.name = "PrometheusRequestError";
  }
}

export interface PrometheusClientDeps {
  readonly transport?: HttpTransport;
  /** Retry waits; tests pass a fake. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

/** The API's envelope: `{status, data, errorType, error, warnings, infos}`. */
interface WireEnvelope {
  readonly status?: unknown;
  readonly data?: unknown;
  readonly errorType?: unknown;
  readonly error?: unknown;
  readonly warnings?: unknown;
  readonly infos?: unknown;
}

const MAX_GET_URL_LENGTH = 4_000;
const MAX_RETRY_DELAY_MS = 30_000;
const QUERY_IN_MESSAGE_CHARS = 500;

export class PrometheusClient {
  readonly #settings: PrometheusClientSettings;
  readonly #base: URL;
  readonly #send: HttpTransport;
  readonly #close: () => void;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;

  /** Builds the client; reads caFile once (certificates, unlike tokens, need a restart to rotate). */
  static async create(settings: PrometheusClientSettings, deps: PrometheusClientDeps = {}): Promise<PrometheusClient> {
    if (deps.transport !== undefined) return new PrometheusClient(settings, deps.transport, () => {}, deps);
    const ca = settings.caFile === undefined ? undefined : await readFile(settings.caFile, "utf8");
    const transport = createNodeHttpTransport({ ca, rejectUnauthorized: !settings.insecureSkipVerify }, settings.concurrency);
    return new PrometheusClient(settings, transport.send, transport.close, deps);
  }

  private constructor(settings: PrometheusClientSettings, send: HttpTransport, close: () => void, deps: PrometheusClientDeps) {
    this.#settings = settings;
    this.#base = new URL(settings.url);
    this.#send = send;
    this.#close = close;
    this.#sleep = deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#random = deps.random ?? Math.random;
  }

  close(): void {
    this.#close();
  }

  /** One query_range request: the caller keeps (end-start)/step within the server's point limit. */
  async queryRange(query: string, startMs: number, endMs: number, stepSeconds: number): Promise<PromResult<PromSeries[]>> {
    const params = { query, start: formatSeconds(startMs), end: formatSeconds(endMs), step: String(stepSeconds) };
    const result = await this.#call("query_range", params, query);
    return { ...result, data: parseMatrix(result.data, result.columns ?? [], "query_range", query, result.attempts) };
  }

  /** An instant query; vector results come back as one-point series. */
  async queryInstant(query: string, timeMs?: number): Promise<PromResult<PromSeries[]>> {
    const params: Record<string, string> = { query };
    if (timeMs !== undefined) params.time = formatSeconds(timeMs);
    const result = await this.#call("query", params, query);
    return { ...result, data: parseVector(result.data, "query", query, result.attempts) };
  }

  /** Build info when the server has the status endpoint; else (Trickster, some proxies) an instant `vector(1)`. */
  async checkHealth(): Promise<HealthReport> {
    try {
      const info = await this.#call("status/buildinfo", {}, undefined);
      const version = isRecord(info.data) && typeof info.data.version === "string" ? info.data.version : "unknown version";
      return { healthy: true, detail: `Prometheus ${version} at ${this.#describeEndpoint("")}` };
    } catch (err) {
      if (!(err instanceof PrometheusRequestError) || err.status !== 404) return { healthy: false, detail: errorMessage(err) };
    }
    try {
      await this.queryInstant("vector(1)");
      return { healthy: true, detail: `query API answers at ${this.#describeEndpoint("")} (no buildinfo endpoint)` };
    } catch (err) {
      return { healthy: false, detail: errorMessage(err) };
    }
  }

  async #call(endpoint: string, params: Record<string, string>, query: string | undefined): Promise<PromResult<unknown>> {
    const url = new URL(this.#base);
    url.pathname = `${this.#base.pathname.replace(/\/+$/, "")}/api/v1/${endpoint}`;
    const form = new URLSearchParams(params);
    for (const [name, value] of form) url.searchParams.append(name, value);
    // Long batched queries go in a form body: proxies cut URLs at 4-8 KiB.
    const usePost = url.href.length > MAX_GET_URL_LENGTH;
    if (usePost) url.search = this.#base.search;
    const where = this.#describeEndpoint(endpoint);
    const maxAttempts = this.#settings.retries + 1;
    for (let attempt = 1; ; attempt++) {
      const headers: Record<string, string> = { accept: "application/json", ...(await this.#authHeaders()) };
      if (usePost) headers["content-type"] = "application/x-www-form-urlencoded";
      let outcome: { ok: true; result: PromResult<unknown> } | { ok: false; error: PrometheusRequestError; retryAfterMs?: number };
      try {
        const response = await this.#send({ method: usePost ? "POST" : "GET", url, headers, body: usePost ? form.toString() : undefined, timeoutMs: this.#settings.timeoutMs });
        outcome = interpretResponse(response, endpoint, where, query, attempt);
      } catch (err) {
        if (!(err instanceof HttpTransportError)) throw err;
        outcome = { ok: false, error: new PrometheusRequestError(describeFailure(err.message, where, query, attempt), err.kind, endpoint, query, attempt) };
      }
      if (outcome.ok) return outcome.result;
      if (!isRetryable(outcome.error) || attempt >= maxAttempts) throw outcome.error;
      const backoff = this.#settings.retryBaseDelayMs * 2 ** (attempt - 1) * (0.5 + this.#random() / 2);
      await this.#sleep(Math.min(MAX_RETRY_DELAY_MS, Math.max(backoff, outcome.retryAfterMs ?? 0)));
    }
  }

  async #authHeaders(): Promise<Record<string, string>> {
    const s = this.#settings;
    if (s.bearerTokenFile !== undefined) return { authorization: `Bearer ${(await readSecretFile(s.bearerTokenFile, "bearerTokenFile")).trim()}` };
    if (s.bearerToken !== undefined) return { authorization: `Bearer ${s.bearerToken.reveal()}` };
    if (s.basicAuth !== undefined) {
      const password = s.basicAuth.passwordFile !== undefined ? (await readSecretFile(s.basicAuth.passwordFile, "basicAuth.passwordFile")).replace(/\r?\n$/, "") : (s.basicAuth.password?.reveal() ?? "");
      return { authorization: `Basic ${Buffer.from(`${s.basicAuth.user}:${password}`).toString("base64")}` };
    }
    return {};
  }

  #describeEndpoint(endpoint: string): string {
    const path = `${this.#base.pathname.replace(/\/+$/, "")}${endpoint === "" ? "" : `/api/v1/${endpoint}`}`;
    return `${this.#base.protocol}//${this.#base.host}${path}`;
  }
}

async function readSecretFile(path: string, setting: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    // The path is configuration, not a secret; the content never appears.
    throw new Error(`cannot read prometheus.${setting} '${path}': ${(err as NodeJS.ErrnoException).code ?? "error"}`);
  }
}

function isRetryable(error: PrometheusRequestError): boolean {
  if (error.kind === "http") return error.status === 429 || (error.status !== undefined && error.status >= 500);
  return error.kind !== "api";
}

function interpretResponse(
  response: HttpResponse,
  endpoint: string,
  where: string,
  query: string | undefined,
  attempt: number,
): { ok: true; result: PromResult<unknown> } | { ok: false; error: PrometheusRequestError; retryAfterMs?: number } {
  let envelope: WireEnvelope | undefined;
  // Big matrices: typed columns instead of millions of small arrays (prometheus-values-scanner.ts).
  const scanned = endpoint === "query_range" && response.status === 200 ? scanMatrixValues(response.body) : undefined;
  try {
    const parsed: unknown = JSON.parse(scanned?.outline ?? response.body);
    if (isRecord(parsed)) envelope = parsed;
  } catch {
    envelope = undefined;
  }
  const apiError = envelope !== undefined && typeof envelope.error === "string" ? envelope.error : undefined;
  const errorType = envelope !== undefined && typeof envelope.errorType === "string" ? envelope.errorType : undefined;
  if (response.status < 200 || response.status >= 300) {
    const text = apiError !== undefined ? `${errorType ?? "error"}: ${apiError}` : snippet(response.body);
    const retryAfterMs = parseRetryAfter(response.headers["retry-after"]);
    const error = new PrometheusRequestError(describeFailure(`HTTP ${response.status}: ${text}`, where, query, attempt), "http", endpoint, query, attempt, response.status, errorType);
    return { ok: false, error, retryAfterMs };
  }
  if (envelope === undefined) {
    return { ok: false, error: new PrometheusRequestError(describeFailure(`HTTP ${response.status} with a body that is not a JSON object: ${snippet(response.body)}`, where, query, attempt), "malformed", endpoint, query, attempt, response.status) };
  }
  if (envelope.status !== "success") {
    const text = `${errorType ?? "error"}: ${apiError ?? `status '${String(envelope.status)}'`}`;
    return { ok: false, error: new PrometheusRequestError(describeFailure(text, where, query, attempt), "api", endpoint, query, attempt, response.status, errorType) };
  }
  const warnings = [...stringList(envelope.warnings), ...stringList(envelope.infos)];
  return { ok: true, result: { data: envelope.data, columns: scanned?.columns, warnings, attempts: attempt } };
}

function describeFailure(what: string, where: string, query: string | undefined, attempts: number): string {
  const tries = attempts === 1 ? "" : ` after ${attempts} attempts`;
  const q = query === undefined ? "" : ` for query ${query.length > QUERY_IN_MESSAGE_CHARS ? `${query.slice(0, QUERY_IN_MESSAGE_CHARS)}…` : query}`;
  return `${where} failed${tries}${q}: ${what}`;
}

function parseMatrix(data: unknown, columns: ScannedBody["columns"], endpoint: string, query: string, attempts: number): PromSeries[] {
  if (!isRecord(data) || data.resultType !== "matrix" || !Array.isArray(data.result)) {
    throw new PrometheusRequestError(`${endpoint} for query ${query}: expected a matrix result, got ${snippet(JSON.stringify(data) ?? "nothing")}`, "malformed", endpoint, query, attempts);
  }
  return data.result.map((item: unknown) => {
    const scannedColumns = isRecord(item) && isRecord(item.values) && typeof item.values.$values === "number" ? columns[item.values.$values] : undefined;
    if (!isRecord(item) || !isRecord(item.metric) || (!Array.isArray(item.values) && scannedColumns === undefined)) {
      throw new PrometheusRequestError(`${endpoint} for query ${query}: malformed series ${snippet(JSON.stringify(item) ?? "")}`, "malformed", endpoint, query, attempts);
    }
    const labels = stringRecord(item.metric);
    return scannedColumns !== undefined ? { labels, ...scannedColumns } : pointColumns(labels, Array.isArray(item.values) ? item.values : [], endpoint, query, attempts);
  });
}

function parseVector(data: unknown, endpoint: string, query: string, attempts: number): PromSeries[] {
  if (!isRecord(data) || !Array.isArray(data.result)) throw new PrometheusRequestError(`${endpoint} for query ${query}: expected a result list`, "malformed", endpoint, query, attempts);
  if (data.resultType === "scalar") return [pointColumns({}, [data.result], endpoint, query, attempts)];
  return data.result.map((item: unknown) => {
    if (!isRecord(item) || !isRecord(item.metric)) throw new PrometheusRequestError(`${endpoint} for query ${query}: malformed sample`, "malformed", endpoint, query, attempts);
    return pointColumns(stringRecord(item.metric), [item.value], endpoint, query, attempts);
  });
}

function pointColumns(labels: Record<string, string>, points: readonly unknown[], endpoint: string, query: string, attempts: number): PromSeries {
  const timestampsMs = new Float64Array(points.length);
  const values = new Float64Array(points.length);
  points.forEach((point, i) => {
    if (!Array.isArray(point) || typeof point[0] !== "number" || typeof point[1] !== "string") {
      throw new PrometheusRequestError(`${endpoint} for query ${query}: malformed point ${snippet(JSON.stringify(point) ?? "")}`, "malformed", endpoint, query, attempts);
    }
    // Timestamps are seconds with millisecond precision; round away float noise.
    timestampsMs[i] = Math.round(point[0] * 1000);
    values[i] = parseSampleValue(point[1]);
  });
  return { labels, timestampsMs, values };
}

/** Prometheus' float text: Go formatting plus `NaN`, `+Inf`, `-Inf`. */
export function parseSampleValue(text: string): number {
  if (text === "+Inf" || text === "Inf") return Number.POSITIVE_INFINITY;
  if (text === "-Inf") return Number.NEGATIVE_INFINITY;
  return Number(text);
}

function formatSeconds(ms: number): string {
  return (ms / 1000).toFixed(3).replace(/\.?0+$/, "");
}

function parseRetryAfter(header: string | string[] | undefined): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringRecord(value: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (typeof v === "string") out[k] = v;
  return out;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}

function snippet(text: string): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length > 200 ? `${oneLine.slice(0, 200)}…` : oneLine === "" ? "(empty body)" : oneLine;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
