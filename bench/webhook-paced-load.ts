/**
 * Open-loop load at a fixed rate for bench/webhook-latency.ts: one request every 1/rate seconds on
 * a schedule, over at most `connections` keep-alive HTTPS connections, each latency measured from
 * the request's scheduled time (a stalled server delays the requests queued behind it, and that
 * delay counts: no coordinated omission).
 *
 * Why not autocannon's overallRate: it gives each connection a per-second quota that it fires back
 * to back when each second starts (10 connections at 200 req/s: bursts of 10 in flight, then
 * idle), and below 1,000 req/s its latency correction assumes a 1 ms interval
 * (Math.ceil(1 / rate)), adding a phantom sample per millisecond of each response.
 */
import { Agent, request } from "node:https";

export interface PacedOptions {
  readonly port: number;
  readonly path: string;
  readonly ca: Buffer;
  readonly rate: number;
  readonly seconds: number;
  readonly connections: number;
  /** The body of the i-th request. */
  readonly body: (index: number) => Buffer;
}

export interface PacedResult {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly total: number;
  readonly failed: number;
  readonly requestsPerSecond: number;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

export async function pacedLoad(options: PacedOptions): Promise<PacedResult> {
  const agent = new Agent({ ca: options.ca, keepAlive: true, maxSockets: options.connections });
  const latencies: number[] = [];
  let failed = 0;
  const intervalMs = 1000 / options.rate;
  const count = Math.round(options.rate * options.seconds);
  const pending: Promise<void>[] = [];
  const send = (index: number, scheduledAt: number): Promise<void> =>
    new Promise((done) => {
      const body = options.body(index);
      const req = request(
        { host: "127.0.0.1", servername: "localhost", port: options.port, method: "POST", path: options.path, agent, headers: { "content-type": "application/json", "content-length": body.length } },
        (res) => {
          res.on("data", () => undefined);
          res.on("end", () => {
            if (res.statusCode === 200) latencies.push(performance.now() - scheduledAt);
            else failed++;
            done();
          });
        },
      );
      req.on("error", () => {
        failed++;
        done();
      });
      req.end(body);
    });
  const start = performance.now();
  let next = 0;
  await new Promise<void>((finished) => {
    const tick = () => {
      const now = performance.now();
      while (next < count && start + next * intervalMs <= now) {
        pending.push(send(next, start + next * intervalMs));
        next++;
      }
      if (next >= count) return finished();
      setTimeout(tick, Math.max(0, start + next * intervalMs - performance.now()));
    };
    tick();
  });
  await Promise.all(pending);
  const elapsedS = (performance.now() - start) / 1000;
  agent.destroy();
  const sorted = latencies.sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.at(-1) ?? Number.NaN, total: latencies.length, failed, requestsPerSecond: latencies.length / elapsedS };
}
