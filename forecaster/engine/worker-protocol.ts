import type { ForecastJob, ForecastOutcome } from "./forecast-job.js";

/** Main thread to worker: one job. */
export interface WorkerRequest {
  readonly id: number;
  readonly job: ForecastJob;
}

/** Worker to main thread: the outcome, or why the job threw. */
export type WorkerReply = { readonly id: number; readonly outcome: ForecastOutcome } | { readonly id: number; readonly error: string };
