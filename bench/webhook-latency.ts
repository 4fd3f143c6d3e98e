/**
 * Admission webhook latency and throughput over HTTPS (keep-alive), beside a bare Node HTTPS server
 * answering a fixed AdmissionReview of the same size, in the same run.
 * The request: an UPDATE of a 1,000-rule ratelimit-config that needs 10 clamps, each with its own uid.
 * Latency at a fixed rate comes from an open-loop paced client (bench/webhook-paced-load.ts says
 * why not autocannon's rate option), throughput from autocannon at full speed.
 * Target: p99 under 10 ms at 200 requests/s, and at least half of the bare server's throughput.
 * The webhook runs with the V8 heap flags the chart starts it with (helm-chart/values.yaml
 * webhook.maxOldSpaceMiB, initialOldSpaceMiB), and once more with V8's defaults to show what they
 * change; the bare server and this process (the load generator) run with them too, so neither's
 * collections count against the webhook.
 * Run: npx tsc -p . && node dist/bench/webhook-latency.js [seconds per run, default 10]
 * Profile the webhook: BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" node dist/bench/webhook-latency.js (all servers)
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import autocannon, { type AutocannonResult } from "autocannon";
import { encodeForecastCache } from "../ratelimit/forecast-cache.js";
import type { AdmissionReview } from "../webhook/admission/review.js";
import { admissionReview, largeConfig, rateLimitConfigMap } from "../webhook/test-support/admission-fixtures.js";
import { httpsRequest, testAgent } from "../webhook/test-support/https-client.js";
import { createTestPki, hasOpenssl } from "../webhook/test-support/tls-fixtures.js";
import { repoRoot } from "../test/support/paths.js";
import { webhookNodeArgs } from "../test/support/webhook-node-args.js";
import { pacedLoad } from "./webhook-paced-load.js";

const seconds = Number(process.argv[2] ?? 10);

const RULES = 1000;
const CLAMPS = 10;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const port = (probe.address() as { port: number }).port;
      probe.close(() => resolve(port));
    });
  });
}

async function waitHealthy(port: number, ca: Buffer, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`server on ${port} exited with ${child.exitCode}`);
    try {
      if ((await httpsRequest(testAgent(ca, 1), port, "GET", "/healthz")).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`server on ${port} never became healthy`);
}

/** CPU seconds a process has used (user + system), from /proc: what a run cost the server, whatever else shares the cores. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** Peak resident memory of a process, from /proc (MiB). */
function peakRssMiB(pid: number | undefined): number {
  try {
    const kib = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return Number(kib) / 1024;
  } catch {
    return Number.NaN;
  }
}

interface Run {
  readonly p50: number;
  readonly p99: number;
  readonly requestsPerSecond: number;
  readonly total: number;
  readonly failed: number;
  readonly serverCpuMsPerRequest: number;
}

function fromAutocannon(r: AutocannonResult): Omit<Run, "serverCpuMsPerRequest"> {
  return { p50: r.latency.p50, p99: r.latency.p99, requestsPerSecond: r.requests.average, total: r.requests.total, failed: r.errors + r.timeouts + r.non2xx };
}

function row(name: string, run: Run): string {
  return `${name.padEnd(48)} ${run.p50.toFixed(1).padStart(7)} ${run.p99.toFixed(1).padStart(7)} ${run.requestsPerSecond.toFixed(0).padStart(7)} ${String(run.total).padStart(6)} ${String(run.failed).padStart(6)} ${run.serverCpuMsPerRequest.toFixed(2).padStart(11)}`;
}

async function main(): Promise<void> {
  if (!hasOpenssl()) {
    console.log("webhook-latency: skipped, no openssl command to make certificates");
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "tm-webhook-bench-"));
  const pki = createTestPki();
  const children: ChildProcess[] = [];
  try {
    const cert = join(dir, "tls.crt");
    const key = join(dir, "tls.key");
    pki.issue(cert, key);
    const { text, cache } = largeConfig(RULES, CLAMPS);
    writeFileSync(join(dir, "forecast.json"), encodeForecastCache(cache).data?.["forecast.json"] as string);
    writeFileSync(join(dir, "settings.yaml"), "webhook:\n  mode: enforce\n");
    const stored = rateLimitConfigMap({ "config.yaml": text });
    // The API server gives every call its own uid: so does the load, to both servers alike.
    const bodies = Array.from({ length: 64 }, () => Buffer.from(JSON.stringify(admissionReview({ uid: randomUUID(), operation: "UPDATE", object: stored, oldObject: stored }))));
    const bodyAt = (index: number): Buffer => bodies[index % bodies.length] as Buffer;
    const body = bodyAt(0);

    const [hookPort, defaultsPort, barePort] = [await freePort(), await freePort(), await freePort()];
    const root = repoRoot();
    const env = { ...process.env, LOG_LEVEL: "warn" };
    const extraArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? "").split(" ").filter((arg) => arg !== "");
    const nodeArgs = [...heapArgs, ...extraArgs];
    const startWebhook = async (port: number, args: readonly string[]): Promise<ChildProcess> => {
      const child = spawn(process.execPath, [...args, join(root, "dist", "cli", "main.js"), "webhook", "--port", String(port), "--cert", cert, "--key", key, "--forecast", join(dir, "forecast.json"), "--settings", join(dir, "settings.yaml")], { env, stdio: ["ignore", "inherit", "inherit"] });
      children.push(child);
      await waitHealthy(port, pki.caCert, child);
      return child;
    };
    const hook = await startWebhook(hookPort, nodeArgs);
    const defaults = await startWebhook(defaultsPort, extraArgs);

    // Two requests first: check the answers (the second, another uid, comes from memory), and give the bare server the same answer to send.
    const agent = testAgent(pki.caCert, 1);
    const first = await httpsRequest(agent, hookPort, "POST", "/mutate", body);
    const review = JSON.parse(first.text) as AdmissionReview;
    if (first.status !== 200 || review.response?.warnings?.length !== CLAMPS) throw new Error(`unexpected webhook answer: ${first.status} ${first.text.slice(0, 300)}`);
    for (const index of [1, 2, 1]) {
      const again = await httpsRequest(agent, hookPort, "POST", "/mutate", bodyAt(index));
      const uid = (JSON.parse(bodyAt(index).toString("utf8")) as { request: { uid: string } }).request.uid;
      if (again.text !== first.text.replace(review.response.uid, uid)) throw new Error(`the answer for uid ${uid} is not the first answer with that uid`);
    }
    writeFileSync(join(dir, "answer.json"), first.text);
    const bare = spawn(process.execPath, [...nodeArgs, join(root, "dist", "bench", "webhook-bare-server.js"), String(barePort), cert, key, join(dir, "answer.json")], { stdio: ["ignore", "inherit", "inherit"] });
    children.push(bare);
    await waitHealthy(barePort, pki.caCert, bare);

    const measured = async (port: number, work: () => Promise<Omit<Run, "serverCpuMsPerRequest">>): Promise<Run> => {
      const pid = (port === hookPort ? hook : port === defaultsPort ? defaults : bare).pid;
      const cpuBefore = cpuSeconds(pid);
      const run = await work();
      return { ...run, serverCpuMsPerRequest: ((cpuSeconds(pid) - cpuBefore) * 1000) / Math.max(1, run.total) };
    };
    // Closed loop, as fast as the server answers: throughput.
    const flat = (port: number, connections = 10) => {
      let index = 0;
      return measured(port, async () =>
        fromAutocannon(await autocannon({ url: `https://127.0.0.1:${port}/mutate`, method: "POST", headers: { "content-type": "application/json" }, duration: seconds, connections, requests: [{ setupRequest: (request) => ({ ...request, body: bodyAt(index++) }) }] })),
      );
    };
    // Open loop at a fixed rate: latency.
    const paced = (port: number, rate: number) => measured(port, () => pacedLoad({ port, path: "/mutate", ca: pki.caCert, rate, seconds, connections: 10, body: bodyAt }));

    // Each server warmed (JIT, TLS sessions) right before its paced runs: a server left idle
    // meanwhile would meet them after its idle-time collections, the other one would not.
    await paced(hookPort, 100);
    const hookAt200 = await paced(hookPort, 200);
    const hookAt50 = await paced(hookPort, 50);
    await paced(barePort, 100);
    const bareAt200 = await paced(barePort, 200);
    const bareAt50 = await paced(barePort, 50);
    await paced(defaultsPort, 100);
    const defaultsAt200 = await paced(defaultsPort, 200);
    const hookMax = await flat(hookPort);
    const bareMax = await flat(barePort);
    // The same config in a review that differs elsewhere (the stored object's resourceVersion, as after
    // another write): no remembered answer, the JSON parsed and the answer serialized, the config's
    // load and clamp plan remembered by content.
    const version = Buffer.from(`"resourceVersion":"4242"`);
    const versionAt = body.indexOf(version);
    const newVersionAt50 = await measured(hookPort, () =>
      pacedLoad({ port: hookPort, path: "/mutate", ca: pki.caCert, rate: 50, seconds, connections: 4, body: (index) => Buffer.concat([body.subarray(0, versionAt), Buffer.from(`"resourceVersion":"${5000 + index}"`), body.subarray(versionAt + version.length)]) }),
    );
    // Every request a config the webhook has not seen (a changed comment): the full parse on each.
    const marker = Buffer.from("# ratelimit-config: generated for tests and benchmarks");
    const at = body.indexOf(marker);
    const coldAt20 = await measured(hookPort, () =>
      pacedLoad({ port: hookPort, path: "/mutate", ca: pki.caCert, rate: 20, seconds, connections: 4, body: (index) => Buffer.concat([body.subarray(0, at), Buffer.from(`# revision ${index}`), body.subarray(at + marker.length)]) }),
    );

    console.log(`admission webhook over HTTPS, keep-alive: UPDATE of a ${RULES}-rule config needing ${CLAMPS} clamps`);
    console.log(`request ${(body.length / 1024).toFixed(0)} KiB, answer ${(first.text.length / 1024).toFixed(0)} KiB, ${seconds} s per run, node ${process.version}`);
    console.log(`node flags: ${nodeArgs.join(" ") || "(none)"} for the webhook, the bare server and the load generator (helm-chart/values.yaml webhook.maxOldSpaceMiB, initialOldSpaceMiB${extraArgs.length > 0 ? " + BENCH_SERVER_NODE_ARGS" : ""}); "V8 defaults": ${extraArgs.join(" ") || "none"}`);
    console.log(`${"run".padEnd(48)} ${"p50 ms".padStart(7)} ${"p99 ms".padStart(7)} ${"req/s".padStart(7)} ${"total".padStart(6)} ${"failed".padStart(6)} ${"server CPU".padStart(11)}`);
    console.log(row("webhook, 200 req/s paced (up to 10 connections)", hookAt200));
    console.log(row("webhook, 50 req/s paced (up to 10 connections)", hookAt50));
    console.log(row("webhook, max (autocannon, 10 connections)", hookMax));
    console.log(row("bare HTTPS server, max (autocannon, 10 conn.)", bareMax));
    console.log(row("bare HTTPS server, 200 req/s paced", bareAt200));
    console.log(row("bare HTTPS server, 50 req/s paced", bareAt50));
    console.log(row("webhook with V8 defaults, 200 req/s paced", defaultsAt200));
    console.log(row("webhook, new resourceVersion each request, 50/s", newVersionAt50));
    console.log(row("webhook, new config each request, 20 req/s", coldAt20));
    const share = hookMax.requestsPerSecond / bareMax.requestsPerSecond;
    console.log("(server CPU: milliseconds of CPU the server process used per request, client excluded)");
    console.log("(paced: one request every 1/rate s, latency from its scheduled time; every request a new uid, as the API server sends)");
    console.log(`p99 at 200 req/s: ${hookAt200.p99.toFixed(1)} ms (target < 10 ms: ${hookAt200.p99 < 10 ? "met" : "NOT met"}); the bare server's: ${bareAt200.p99.toFixed(1)} ms; the webhook's with V8 defaults: ${defaultsAt200.p99.toFixed(1)} ms`);
    console.log(`throughput: ${(share * 100).toFixed(0)}% of the bare server (target >= 50%: ${share >= 0.5 ? "met" : "NOT met"}); by server CPU per request: ${((bareMax.serverCpuMsPerRequest / hookMax.serverCpuMsPerRequest) * 100).toFixed(0)}%`);
    console.log(`peak RSS: webhook ${peakRssMiB(hook.pid).toFixed(0)} MiB (with V8 defaults ${peakRssMiB(defaults.pid).toFixed(0)} MiB), bare server ${peakRssMiB(bare.pid).toFixed(0)} MiB`);
    console.log(`load average during the run: ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")} on ${availableParallelism()} cores (the client runs on the same cores)`);
  } finally {
    // Let the servers exit before their files go (the webhook would log their disappearance).
    await Promise.all(children.map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : (child.once("exit", resolve), child.kill("SIGTERM"))))));
    pki.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

const heapArgs = webhookNodeArgs();
if (heapArgs.every((arg) => process.execArgv.includes(arg))) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
} else {
  // The load generator takes in 65 MB/s of answers: with V8's defaults its own full collections
  // would stall it and count as server latency. Run it again under the webhook's heap settings.
  const rerun = spawnSync(process.execPath, [...process.execArgv, ...heapArgs, ...process.argv.slice(1)], { stdio: "inherit" });
  process.exitCode = rerun.status ?? 1;
}
