import { readFile } from "node:fs/promises";
import { unwatchFile, watchFile } from "node:fs";
import yaml from "js-yaml";
import { decodeForecastCache, FORECAST_BINARY_KEY, FORECAST_DATA_KEY, type ConfigMapPayload, type ForecastCache } from "../../ratelimit/forecast-cache.js";
import type { ForecastSnapshot } from "../admission/policy.js";
import { coalesce, type ForecastSource } from "./forecast-source.js";

/**
 * A forecast file as it may be found on disk: the cache ConfigMap's key mounted as a file
 * (forecast.json, or forecast.json.gz), or a ConfigMap manifest holding them.
 */
export function decodeForecastFile(bytes: Buffer): ForecastCache {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return decodeForecastCache({ binaryData: { [FORECAST_BINARY_KEY]: bytes.toString("base64") } });
  const text = bytes.toString("utf8");
  let doc: unknown;
  try {
    doc = text.trimStart().startsWith("{") ? JSON.parse(text) : yaml.load(text);
  } catch {
    doc = undefined;
  }
  const manifest = doc as { kind?: unknown } & ConfigMapPayload;
  if (typeof doc === "object" && doc !== null && manifest.kind === "ConfigMap") return decodeForecastCache({ ...(manifest.data ? { data: manifest.data } : {}), ...(manifest.binaryData ? { binaryData: manifest.binaryData } : {}) });
  return decodeForecastCache({ data: { [FORECAST_DATA_KEY]: text } });
}

export interface FileForecastOptions {
  /** How often the file's stat is polled: ConfigMap volumes swap a symlink, which inotify watches on the file miss. */
  readonly pollIntervalMs?: number;
  readonly onChange?: (snapshot: ForecastSnapshot) => void;
}

/** Local mode: forecasts from a file, re-read when it changes. A missing file means no forecast. */
export function createFileForecastSource(path: string, options: FileForecastOptions = {}): ForecastSource {
  let snapshot: ForecastSnapshot = { state: "unknown" };
  const read = coalesce(async (): Promise<ForecastSnapshot> => {
    let next: ForecastSnapshot;
    try {
      next = { state: "loaded", cache: decodeForecastFile(await readFile(path)) };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      next = code === "ENOENT" ? { state: "absent" } : { state: "unreadable", problem: `${path}: ${code ?? (error as Error).message}` };
    }
    snapshot = next;
    options.onChange?.(next);
    return next;
  });
  const listener = () => void read();
  return {
    current: () => snapshot,
    refresh: read,
    async start() {
      await read();
      watchFile(path, { interval: options.pollIntervalMs ?? 2_000, persistent: false }, listener);
    },
    stop: () => unwatchFile(path, listener),
  };
}
