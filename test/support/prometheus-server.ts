/**
 * A real Prometheus for tests and benchmarks: generate realistic counter series as OpenMetrics,
 * backfill them into a TSDB with `promtool tsdb create-blocks-from openmetrics`, and serve that
 * TSDB from `prometheus` on a free loopback port. Needs Debian's `prometheus` package.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream } from "node:fs";
import { access, mkdtemp, writeFile } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { once } from "node:events";
import { seededRandom } from "../../forecaster/logic/synthetic-traffic.js";

export interface PrometheusBinaries {
  readonly prometheus: string;
  readonly promtool: string;
}

/** The binaries on PATH, or why tests needing them must skip. */
export async function findPrometheusBinaries(): Promise<PrometheusBinaries | { readonly missing: string }> {
  const found: Partial<Record<"prometheus" | "promtool", string>> = {};
  for (const name of ["prometheus", "promtool"] as const) {
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
      const candidate = path.join(dir, name);
      try {
        await access(candidate);
        found[name] = candidate;
        break;
      } catch {
        // not in this directory
      }
    }
  }
  if (found.prometheus === undefined || found.promtool === undefined) {
    return { missing: "prometheus/promtool not on PATH: install Debian's package with `apt-get install -y --no-install-recommends prometheus`" };
  }
  return { prometheus: found.prometheus, promtool: found.promtool };
}

/** Small, fast, seeded PRNG (mulberry32): the same seed gives the same data everywhere. */
/** The same seeded PRNG the engine's synthetic series use, so every generated test is reproducible. */
export { seededRandom };

export interface TrafficShape {
  readonly seed: number;
  /** Grid points; the value at point k is the requests of the step ending at startMs + k·step. */
  readonly points: number;
  readonly startMs: number;
  readonly stepSeconds: number;
  /** Mean requests per step before cycles. */
  readonly meanPerStep: number;
  /** Short bursts (1–10 steps) started per step; default 0.0015 (about one every 2–3 days at 5-minute steps). */
  readonly spikeProbability?: number;
  /** Bursts multiply traffic by 2 up to this factor; default 8. */
  readonly maxSpikeFactor?: number;
}

/**
 * Whole request counts per step with a daily cycle (quiet nights, busy afternoons), quieter
 * weekends, multiplicative noise and rare short spikes: what an API partner's traffic looks like.
 * Returns a generator of the counts at grid points 0, 1, 2, … (for data too big to hold at once).
 */
export function trafficGenerator(shape: Omit<TrafficShape, "points">): () => number {
  const random = seededRandom(shape.seed);
  const phase = random() * 2 * Math.PI;
  let k = 0;
  let spikeLeft = 0;
  let spikeFactor = 1;
  return () => {
    const t = shape.startMs + k * shape.stepSeconds * 1000;
    k++;
    const hourOfDay = (t / 3_600_000) % 24;
    const dayOfWeek = (Math.floor(t / 86_400_000) + 4) % 7; // 1970-01-01 was a Thursday
    const daily = 1 + 0.6 * Math.sin((2 * Math.PI * (hourOfDay - 9)) / 24 + phase / 8);
    const weekly = dayOfWeek === 0 || dayOfWeek === 6 ? 0.55 : 1;
    const noise = 1 + 0.15 * (random() + random() + random() - 1.5);
    if (spikeLeft === 0 && random() < (shape.spikeProbability ?? 0.0015)) {
      spikeLeft = 1 + Math.floor(random() * 10);
      spikeFactor = 2 + random() * ((shape.maxSpikeFactor ?? 8) - 2);
    }
    const spike = spikeLeft > 0 ? spikeFactor : 1;
    if (spikeLeft > 0) spikeLeft--;
    return Math.max(0, Math.round(shape.meanPerStep * daily * weekly * noise * spike));
  };
}

/** All of a series' counts per step at once (see trafficGenerator). */
export function generateTraffic(shape: TrafficShape): number[] {
  const next = trafficGenerator(shape);
  return Array.from({ length: shape.points }, next);
}

export interface CounterSeries {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** [timestampMs, counter value], in time order. */
  readonly samples: readonly (readonly [number, number])[];
}

/**
 * Counter samples whose `increase(...[step])` at grid point k is exactly increments[k]: one sample
 * per grid point plus one a step before the first, so each window holds both its edges.
 * `resetAt` restarts the counter just after the sample before that point (a pod restart).
 */
export function counterSamples(increments: readonly number[], startMs: number, stepSeconds: number, options: { resetAt?: number; initial?: number } = {}): [number, number][] {
  const stepMs = stepSeconds * 1000;
  let value = options.initial ?? 1_000_000;
  const samples: [number, number][] = [[startMs - stepMs, value]];
  increments.forEach((inc, k) => {
    value = k === options.resetAt ? inc : value + inc;
    samples.push([startMs + k * stepMs, value]);
  });
  return samples;
}

/** OpenMetrics label-value escaping: backslash, double quote, newline. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** Writes series as an OpenMetrics text file (families kept contiguous, as the format requires). */
export async function writeOpenMetrics(file: string, series: Iterable<CounterSeries>): Promise<void> {
  const byName = new Map<string, CounterSeries[]>();
  for (const s of series) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
  const out = createWriteStream(file);
  for (const [name, list] of byName) {
    for (const s of list) {
      const labels = Object.entries(s.labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(",");
      const prefix = `${name}{${labels}} `;
      let chunk = "";
      for (const [t, v] of s.samples) {
        chunk += `${prefix}${v} ${t / 1000}\n`;
        if (chunk.length > 1 << 16) {
          if (!out.write(chunk)) await once(out, "drain");
          chunk = "";
        }
      }
      if (!out.write(chunk)) await once(out, "drain");
    }
  }
  out.end("# EOF\n");
  await once(out, "finish");
}

function run(command: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(" ")} exited ${code}: ${stderr.trim()}`))));
  });
}

/**
 * Backfills an OpenMetrics file into `tsdbDir`. promtool re-reads the whole file once per block,
 * so a larger `maxBlockDuration` (e.g. `24h`) makes long ranges far quicker to import.
 */
export async function backfill(openMetricsFile: string, tsdbDir: string, options: { maxBlockDuration?: string; promtool?: string } = {}): Promise<void> {
  const args = ["tsdb", "create-blocks-from", "openmetrics", "--quiet"];
  if (options.maxBlockDuration !== undefined) args.push(`--max-block-duration=${options.maxBlockDuration}`);
  await run(options.promtool ?? "promtool", [...args, openMetricsFile, tsdbDir]);
}

export async function freeLoopbackPort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

export interface RunningPrometheus {
  /** Base URL for the client, route prefix included. */
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts Prometheus over `tsdbDir` on a free loopback port and waits until it is ready. */
export async function startPrometheus(options: { tsdbDir: string; routePrefix?: string; prometheus?: string }): Promise<RunningPrometheus> {
  const workDir = await mkdtemp(path.join(tmpdir(), "trendmaster-prometheus-"));
  const configFile = path.join(workDir, "prometheus.yml");
  await writeFile(configFile, "global:\n  scrape_interval: 1m\nscrape_configs: []\n");
  const port = await freeLoopbackPort();
  const prefix = (options.routePrefix ?? "").replace(/\/+$/, "");
  const url = `http://127.0.0.1:${port}${prefix}`;
  const args = [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${options.tsdbDir}`,
    `--web.listen-address=127.0.0.1:${port}`,
    // Backfilled history is old; keep it all.
    "--storage.tsdb.retention.time=36500d",
    "--log.level=warn",
  ];
  if (prefix !== "") args.push(`--web.external-url=${url}`, `--web.route-prefix=${prefix}`);
  const child: ChildProcess = spawn(options.prometheus ?? "prometheus", args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited ${child.exitCode} before it was ready: ${stderr.trim()}`);
    try {
      const res = await fetch(`${url}/-/ready`);
      if (res.ok) return { url, stop };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus not ready within 30 s: ${stderr.trim()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
