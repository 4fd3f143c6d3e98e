/**
 * The settings file's one schema (docs/settings.md), for both processes: every key at every depth
 * and the type of every value. Each process checks the whole file with it at start, so a typo in
 * a section the process does not read (`webhook.modee` in the forecaster, `forecaster.histroyDays`
 * in the webhook) still stops it. Ranges and cross-field rules stay with the readers that use the values.
 */
import { ALERT_KINDS } from "./alerts.js";
import type { ForecastSettings } from "./settings.js";
import { describe } from "../settings-reader.js";

/** Which process reads a file named in the settings: it must exist when that process starts. */
export type SettingsReader = "webhook" | "forecaster";

export type SchemaNode =
  | { readonly kind: "map"; readonly keys: Readonly<Record<string, SchemaNode>> }
  /** Any keys (rule full keys), each value of one shape. */
  | { readonly kind: "dict"; readonly value: SchemaNode; readonly describeKeys: string }
  | { readonly kind: "string" | "number" | "integer" | "boolean" | "stringList" | "any" }
  | { readonly kind: "file"; readonly readBy: readonly SettingsReader[] }
  /** A scalar or, written out, a mapping (a query preset or template; an alert switch or route). */
  | { readonly kind: "scalarOrMap"; readonly scalar: "string" | "boolean"; readonly map: SchemaNode & { readonly kind: "map" } };

const map = (keys: Record<string, SchemaNode>) => ({ kind: "map", keys }) as const;
const STRING = { kind: "string" } as const;
const NUMBER = { kind: "number" } as const;
const INTEGER = { kind: "integer" } as const;
const BOOLEAN = { kind: "boolean" } as const;
const LIST = { kind: "stringList" } as const;
const BOTH_FILE = { kind: "file", readBy: ["webhook", "forecaster"] } as const;
const FORECASTER_FILE = { kind: "file", readBy: ["forecaster"] } as const;

/** The engine settings the file may set (docs/forecast-formula.md); the others are fixed. */
export const FORECAST_NUMBER_KEYS = [
  "horizonHours", "quantile", "headroom", "maxStepUp", "maxStepDown", "bandMaxFactor", "burstFactor", "floor", "ceiling",
  "minHistoryDays", "fullHistoryDays", "maxHistoryDays", "calibrationOrigins", "maxCalibrationSpread", "modelStepSeconds",
  "anomalySigmas", "anomalyMinRelative", "anomalyMaxRunMinutes", "maxInterpolatedGapMinutes", "prophetFits",
  "maxPlausibleRequestsPerSecond",
] as const satisfies readonly (keyof ForecastSettings)[];

const forecastKeys: Record<string, SchemaNode> = { models: LIST, combine: STRING };
for (const key of FORECAST_NUMBER_KEYS) forecastKeys[key] = NUMBER;

const alertRoutes: Record<string, SchemaNode> = {};
for (const kind of ALERT_KINDS) alertRoutes[kind] = { kind: "scalarOrMap", scalar: "boolean", map: map({ enabled: BOOLEAN, channels: LIST }) };

export const SETTINGS_SCHEMA = map({
  ratelimitConfig: map({ namespace: STRING, name: STRING, mergeDomains: BOOLEAN }),
  forecastCache: map({ name: STRING }),
  webhook: map({ mode: STRING, maxForecastAgeHours: NUMBER, breakGlass: map({ users: LIST, groups: LIST }), forecasterUsers: LIST }),
  guardStamp: map({ keyFile: BOTH_FILE }),
  forecaster: map({
    prometheus: map({
      query: { kind: "scalarOrMap", scalar: "string", map: map({ name: STRING, expr: STRING, batch: { kind: "any" }, dotSeparatedStatName: BOOLEAN }) },
      bearerTokenFile: FORECASTER_FILE,
      basicAuth: map({ user: STRING, passwordFile: FORECASTER_FILE }),
      caFile: FORECASTER_FILE,
      insecureSkipVerify: BOOLEAN,
      timeoutMs: INTEGER,
      retries: INTEGER,
      retryBaseDelayMs: NUMBER,
      maxPointsPerRequest: INTEGER,
      concurrency: INTEGER,
      batchSize: INTEGER,
    }),
    sourceDir: STRING,
    historyDays: NUMBER,
    stepSeconds: INTEGER,
    forecast: map(forecastKeys),
    overrides: { kind: "dict", describeKeys: "rule full key (domain.key_value...)", value: map({ exclude: BOOLEAN, pin: INTEGER, headroom: NUMBER, floor: INTEGER, ceiling: INTEGER, maxPlausibleRequestsPerSecond: NUMBER }) },
    minConfidenceToApply: STRING,
    history: map({ keep: INTEGER, namePrefix: STRING }),
    maxConflictRetries: INTEGER,
    lease: map({ name: STRING, durationSeconds: INTEGER }),
    scheduleJitterSeconds: INTEGER,
    runOnStart: BOOLEAN,
    maxCycleMinutes: NUMBER,
    workers: INTEGER,
    fetchChunkRules: INTEGER,
    recycleWorkersEveryRules: INTEGER,
    metrics: map({ port: INTEGER, maxRuleSeries: INTEGER, pushgatewayUrl: STRING }),
    effectiveness: map({ enabled: BOOLEAN, overLimitMetric: STRING, totalHitsMetric: STRING, keyLabels: LIST, windowHours: NUMBER }),
  }),
  report: map({ url: STRING }),
  gitops: map({
    outputMode: STRING, repositoryUrl: STRING, baseBranch: STRING, branch: STRING, target: STRING, path: STRING, format: STRING, keyPath: STRING,
    dataKey: STRING, configMapName: STRING, domain: STRING, direct: BOOLEAN, provider: STRING, apiUrl: STRING, project: STRING, username: STRING,
    tokenFile: FORECASTER_FILE, caFile: FORECASTER_FILE, proxyUrl: STRING, noProxy: LIST, author: map({ name: STRING, email: STRING }), commitMessage: STRING, workDir: STRING,
  }),
  slack: map({ botTokenFile: BOTH_FILE, webhookUrlFile: BOTH_FILE, channels: LIST, apiUrl: STRING, timeoutMs: INTEGER, alerts: map(alertRoutes) }),
});

/** A file the settings name, with the setting's path. */
export interface NamedFile {
  readonly path: string;
  readonly file: string;
  readonly readBy: readonly SettingsReader[];
}

export interface SchemaCheck {
  /** `path: problem`, every one found, in file order. */
  readonly problems: readonly string[];
  readonly files: readonly NamedFile[];
}

const isMapping = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
const isBoolean = (value: unknown) => typeof value === "boolean" || value === "true" || value === "false";

/** Check a parsed settings document against the schema. `null` (an empty YAML key) means "default" everywhere. */
export function checkSettingsSchema(document: unknown, schema: SchemaNode = SETTINGS_SCHEMA): SchemaCheck {
  const problems: string[] = [];
  const files: NamedFile[] = [];
  const walk = (value: unknown, node: SchemaNode, path: string): void => {
    if (value === undefined || value === null) return;
    const at = path === "" ? "the settings file" : path;
    const wrong = (expected: string) => problems.push(`${at}: must be ${expected}, got ${describe(value)}`);
    switch (node.kind) {
      case "map": {
        if (!isMapping(value)) return void wrong("a mapping");
        const known = Object.keys(node.keys);
        for (const [key, child] of Object.entries(value)) {
          const childPath = path === "" ? key : `${path}.${key}`;
          const childNode = Object.hasOwn(node.keys, key) ? node.keys[key] : undefined;
          if (childNode === undefined) problems.push(`${childPath}: unknown setting (known: ${known.join(", ")})`);
          else walk(child, childNode, childPath);
        }
        return;
      }
      case "dict":
        if (!isMapping(value)) return void wrong(`a mapping of ${node.describeKeys} to settings`);
        for (const [key, child] of Object.entries(value)) walk(child, node.value, `${path}['${key}']`);
        return;
      case "string":
        if (typeof value !== "string" || value === "") wrong("a non-empty string");
        return;
      case "file":
        if (typeof value !== "string" || value === "") return void wrong("a non-empty string (a file path)");
        files.push({ path, file: value, readBy: node.readBy });
        return;
      case "number":
        if (typeof value !== "number" || !Number.isFinite(value)) wrong("a number");
        return;
      case "integer":
        if (typeof value !== "number" || !Number.isInteger(value)) wrong("an integer");
        return;
      case "boolean":
        if (!isBoolean(value)) wrong("true or false");
        return;
      case "stringList":
        if (!Array.isArray(value) || value.some((item) => typeof item !== "string" || item === "")) wrong("a list of non-empty strings");
        return;
      case "scalarOrMap":
        if (isMapping(value)) return walk(value, node.map, path);
        if (node.scalar === "boolean" ? !isBoolean(value) : typeof value !== "string" || value === "") wrong(`${node.scalar === "boolean" ? "true or false" : "a non-empty string"} or a mapping`);
        return;
      case "any":
        return;
    }
  };
  walk(document, schema, "");
  return { problems, files };
}

/** The files `reader` reads that do not exist (one problem each, by setting path). */
export function missingFiles(files: readonly NamedFile[], reader: SettingsReader, exists: (file: string) => boolean): string[] {
  return files.filter((f) => f.readBy.includes(reader) && !exists(f.file)).map((f) => `${f.path}: '${f.file}' does not exist (mount the Secret there)`);
}

/**
 * The reader's own problems first (they know ranges and say more), then the schema's about paths
 * the reader did not report: keys and types in sections this process does not read.
 */
export function mergeProblems(schemaProblems: readonly string[], readerProblems: readonly string[]): string[] {
  const pathOf = (problem: string) => problem.slice(0, Math.max(0, problem.indexOf(": ")));
  const reported = new Set(readerProblems.map(pathOf));
  return [...new Set([...readerProblems, ...schemaProblems.filter((p) => !reported.has(pathOf(p)))])];
}
