/** Worker-thread entry: runs forecast jobs one at a time, so fits never block the cycle's event loop. */
import { parentPort } from "node:worker_threads";
import { runForecastJob, type ForecastJob } from "./forecast-job.js";
import type { WorkerReply, WorkerRequest } from "./worker-protocol.js";

if (parentPort === null) throw new Error("forecast-worker.js must run as a worker thread");
const port = parentPort;

port.on("message", (request: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    reply = { id: request.id, outcome: runForecastJob(request.job satisfies ForecastJob) };
  } catch (error) {
    reply = { id: request.id, error: (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "" };
  }
  port.postMessage(reply);
});
