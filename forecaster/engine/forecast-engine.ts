import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { recommendLimit, type Recommendation } from "../logic/recommend.js";
import type { ForecastJob, ForecastOutcome } from "./forecast-job.js";
import type { WorkerReply, WorkerRequest } from "./worker-protocol.js";

export type { ForecastJob, ForecastOutcome } from "./forecast-job.js";

export interface ForecastEngineOptions {
  /** Worker threads; defaults to the number of cores. */
  readonly workers?: number;
}

export interface ForecastEngine {
  forecastRule(job: ForecastJob): Promise<Recommendation>;
  /** The recommendation plus timings and every candidate model (backtest and benchmark tools). */
  forecastRuleDetailed(job: ForecastJob): Promise<ForecastOutcome>;
  /** Waits for no job: pending jobs are answered as failed, workers are terminated. */
  close(): Promise<void>;
}

interface Pending {
  readonly request: WorkerRequest;
  readonly resolve: (outcome: ForecastOutcome) => void;
}

interface Slot {
  worker: Worker;
  busy?: Pending;
}

/**
 * A pool of worker threads running forecast fits (WASM Prophet/MSTL block their thread for tens
 * to hundreds of milliseconds per rule). A job that fails or crashes its worker is answered with a
 * low-confidence recommendation that keeps the current limit and says why: one bad series never
 * ends a cycle. Idle workers do not keep the process alive.
 */
/**
 * A worker fits one rule at a time (a few MiB of series). Without a cap V8 lets each worker's heap
 * grow to its default limit before collecting, which took the 1,000-rule cycle past 512 MiB; a
 * worker that does hit the cap dies and its rule keeps its current limit (see above).
 */
const WORKER_RESOURCE_LIMITS = Object.freeze({ maxOldGenerationSizeMb: 96, maxYoungGenerationSizeMb: 8 });

export function createForecastEngine(options: ForecastEngineOptions = {}): ForecastEngine {
  const size = Math.max(1, Math.floor(options.workers ?? availableParallelism()));
  const workerUrl = new URL("./forecast-worker.js", import.meta.url);
  const queue: Pending[] = [];
  const slots: Slot[] = [];
  let nextId = 1;
  let closed = false;

  const spawn = (): Slot => {
    const slot: Slot = { worker: new Worker(workerUrl, { resourceLimits: WORKER_RESOURCE_LIMITS }) };
    slot.worker.unref();
    slot.worker.on("message", (reply: WorkerReply) => {
      const pending = slot.busy;
      if (pending === undefined || pending.request.id !== reply.id) return;
      slot.busy = undefined;
      slot.worker.unref();
      pending.resolve("outcome" in reply ? reply.outcome : failedOutcome(pending.request.job, `forecast failed: ${reply.error}`));
      dispatch();
    });
    slot.worker.on("error", (error) => replace(slot, `forecast worker crashed: ${error.message}`));
    slot.worker.on("exit", (code) => {
      if (!closed) replace(slot, `forecast worker exited with code ${code}`);
    });
    return slot;
  };

  const replace = (slot: Slot, reason: string): void => {
    const pending = slot.busy;
    slot.busy = undefined;
    const index = slots.indexOf(slot);
    if (index < 0) return;
    void slot.worker.terminate();
    if (!closed) slots[index] = spawn();
    else slots.splice(index, 1);
    pending?.resolve(failedOutcome(pending.request.job, reason));
    dispatch();
  };

  const dispatch = (): void => {
    for (const slot of slots) {
      if (slot.busy !== undefined) continue;
      const pending = queue.shift();
      if (pending === undefined) return;
      slot.busy = pending;
      slot.worker.ref();
      slot.worker.postMessage(pending.request);
    }
  };

  for (let i = 0; i < size; i++) slots.push(spawn());

  const forecastRuleDetailed = (job: ForecastJob): Promise<ForecastOutcome> =>
    new Promise((resolve) => {
      if (closed) {
        resolve(failedOutcome(job, "forecast engine is closed"));
        return;
      }
      queue.push({ request: { id: nextId++, job }, resolve });
      dispatch();
    });

  return {
    forecastRuleDetailed,
    forecastRule: async (job) => (await forecastRuleDetailed(job)).recommendation,
    close: async () => {
      closed = true;
      for (const pending of queue.splice(0)) pending.resolve(failedOutcome(pending.request.job, "forecast engine closed before the job ran"));
      const running = slots.splice(0);
      for (const slot of running) slot.busy?.resolve(failedOutcome(slot.busy.request.job, "forecast engine closed while the job ran"));
      await Promise.all(running.map((slot) => slot.worker.terminate()));
    },
  };
}

/** Model failure: keep the current limit, and say why. */
function failedOutcome(job: ForecastJob, reason: string): ForecastOutcome {
  const recommendation = recommendLimit({
    fullKey: job.fullKey,
    unit: job.unit,
    settings: job.settings,
    ...(job.currentLimit !== undefined ? { currentLimit: job.currentLimit } : {}),
    ...(job.override ? { override: job.override } : {}),
    forecast: { stepSeconds: job.series.stepSeconds, lastWeekCleanPeak: 0, historyDays: 0, anomalies: [], failure: reason },
  });
  return { recommendation, fitMs: 0, stepSeconds: job.series.stepSeconds, candidates: [] };
}
