import type { ForecastSnapshot } from "../admission/policy.js";

/**
 * Where the webhook's forecasts come from: the cache ConfigMap watched through the Kubernetes API,
 * or a mounted file. `current()` is what admissions use; `refresh()` re-reads now (a forecaster
 * write computed from a newer generation than ours asks for it).
 */
export interface ForecastSource {
  current(): ForecastSnapshot;
  refresh(): Promise<ForecastSnapshot>;
  /** First read, then keep watching. Resolves once the first read is done (whatever its result). */
  start(): Promise<void>;
  stop(): void;
}

/** Runs `read` once at a time: callers arriving while it runs share its result. */
export function coalesce<T>(read: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  return () => {
    running ??= read().finally(() => {
      running = undefined;
    });
    return running;
  };
}
