import { decodeForecastCache, type ConfigMapPayload } from "../../ratelimit/forecast-cache.js";
import type { ForecastSnapshot } from "../admission/policy.js";
import { coalesce, type ForecastSource } from "./forecast-source.js";

/** Reading and watching one ConfigMap: the Kubernetes API in production, a fake in tests. */
export interface ConfigMapAccess {
  /** The ConfigMap now, or undefined when it does not exist. Throws when the API cannot be reached. */
  read(): Promise<ConfigMapPayload | undefined>;
  /** Calls `onEvent` for each change (type ADDED/MODIFIED/DELETED), `onDone` when the watch ends. */
  watch(onEvent: (type: string, configMap: ConfigMapPayload | undefined) => void, onDone: (error?: unknown) => void): Promise<{ abort(): void }>;
}

export interface WatchedForecastOptions {
  /** Wait before re-listing after a watch ends or a read fails; client-node's cache does the same. */
  readonly retryDelayMs?: number;
  readonly setTimer?: (callback: () => void, ms: number) => { unref?(): unknown };
  readonly onChange?: (snapshot: ForecastSnapshot) => void;
  readonly onError?: (message: string) => void;
}

function decode(configMap: ConfigMapPayload | undefined): ForecastSnapshot {
  if (!configMap) return { state: "absent" };
  try {
    return { state: "loaded", cache: decodeForecastCache(configMap) };
  } catch (error) {
    return { state: "unreadable", problem: (error as Error).message };
  }
}

/** The cache ConfigMap: read, then watched; re-listed after every watch end. */
export function createWatchedForecastSource(access: ConfigMapAccess, options: WatchedForecastOptions = {}): ForecastSource {
  const retryDelayMs = options.retryDelayMs ?? 5_000;
  const setTimer = options.setTimer ?? ((callback: () => void, ms: number) => setTimeout(callback, ms));
  let snapshot: ForecastSnapshot = { state: "unknown" };
  let stopped = false;
  let watch: { abort(): void } | undefined;
  const update = (next: ForecastSnapshot) => {
    snapshot = next;
    options.onChange?.(next);
  };
  const read = coalesce(async (): Promise<ForecastSnapshot> => {
    try {
      update(decode(await access.read()));
    } catch (error) {
      // The API is unreachable: keep what we had (readiness stays as it was).
      options.onError?.(`reading the forecast cache: ${(error as Error).message}`);
    }
    return snapshot;
  });
  const scheduleRestart = () => {
    if (!stopped) setTimer(() => void startWatch(), retryDelayMs).unref?.();
  };
  const startWatch = async (): Promise<void> => {
    if (stopped) return;
    await read();
    try {
      watch = await access.watch(
        (type, configMap) => {
          if (type === "DELETED") update({ state: "absent" });
          else if (type === "ADDED" || type === "MODIFIED") update(decode(configMap));
          // BOOKMARK and ERROR carry no ConfigMap: ERROR ends the watch, which re-lists.
        },
        (error) => {
          if (error) options.onError?.(`forecast cache watch ended: ${(error as Error).message ?? String(error)}`);
          scheduleRestart();
        },
      );
    } catch (error) {
      options.onError?.(`watching the forecast cache: ${(error as Error).message}`);
      scheduleRestart();
    }
  };
  return {
    current: () => snapshot,
    refresh: read,
    start: startWatch,
    stop() {
      stopped = true;
      watch?.abort();
    },
  };
}
