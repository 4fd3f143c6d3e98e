/**
 * Admission webhook latency and throughput over HTTPS (keep-alive), beside a bare Node HTTPS server
 * answering a fixed AdmissionReview of the same size, in the same run.
 * The request: an UPDATE of a 1,000-rule ratelimit-config that needs 10 clamps.
 * Target: p99 under 10 ms at 200 requests/s, and at least half of the bare server's throughput.
 * Run: npx tsc -p . && node dist/bench/webhook-latency.js [seconds per run, default 10]
 */
import { spawn, type ChildProcess } from "node:child_process";
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

interface Run {
  readonly result: AutocannonResult;
  readonly serverCpuMsPerRequest: number;
}

function row(name: string, run: Run): string {
  const r = run.result;
  const failed = r.errors + r.timeouts + r.non2xx;
  return `${name.padEnd(44)} ${r.latency.p50.toFixed(1).padStart(7)} ${r.latency.p99.toFixed(1).padStart(7)} ${r.requests.average.toFixed(0).padStart(7)} ${String(r.requests.total).padStart(6)} ${String(failed).padStart(6)} ${run.serverCpuMsPerRequest.toFixed(2).padStart(11)}`;
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
    const body = JSON.stringify(admissionReview({ operation: "UPDATE", object: stored, oldObject: stored }));

    const [hookPort, barePort] = [await freePort(), await freePort()];
    const root = repoRoot();
    const env = { ...process.env, LOG_LEVEL: "warn" };
    const hook = spawn(process.execPath, [join(root, "dist", "cli", "main.js"), "webhook", "--port", String(hookPort), "--cert", cert, "--key", key, "--forecast", join(dir, "forecast.json"), "--settings", join(dir, "settings.yaml")], { env, stdio: ["ignore", "inherit", "inherit"] });
    children.push(hook);
    await waitHealthy(hookPort, pki.caCert, hook);

    // One request first: check the answer, and give the bare server the same answer to send.
    const first = await httpsRequest(testAgent(pki.caCert, 1), hookPort, "POST", "/mutate", body);
    const review = JSON.parse(first.text) as AdmissionReview;
    if (first.status !== 200 || review.response?.warnings?.length !== CLAMPS) throw new Error(`unexpected webhook answer: ${first.status} ${first.text.slice(0, 300)}`);
    writeFileSync(join(dir, "answer.json"), first.text);
    const bare = spawn(process.execPath, [join(root, "dist", "bench", "webhook-bare-server.js"), String(barePort), cert, key, join(dir, "answer.json")], { stdio: ["ignore", "inherit", "inherit"] });
    children.push(bare);
    await waitHealthy(barePort, pki.caCert, bare);

    const load = async (port: number, extra: { overallRate?: number; connections?: number; requests?: Parameters<typeof autocannon>[0]["requests"] }): Promise<Run> => {
      const server = port === hookPort ? hook : bare;
      const cpuBefore = cpuSeconds(server.pid);
      const result = await autocannon({ url: `https://127.0.0.1:${port}/mutate`, method: "POST", body, headers: { "content-type": "application/json" }, duration: seconds, connections: extra.connections ?? 10, ...extra });
      return { result, serverCpuMsPerRequest: ((cpuSeconds(server.pid) - cpuBefore) * 1000) / Math.max(1, result.requests.total) };
    };

    // Warm both (JIT, TLS sessions) before measuring.
    await load(hookPort, { connections: 4, overallRate: 100 });
    await load(barePort, { connections: 4, overallRate: 100 });
    const hookAt200 = await load(hookPort, { overallRate: 200 });
    const hookAt50 = await load(hookPort, { overallRate: 50 });
    const hookMax = await load(hookPort, {});
    const bareMax = await load(barePort, {});
    const bareAt200 = await load(barePort, { overallRate: 200 });
    const bareAt50 = await load(barePort, { overallRate: 50 });
    // Every request a config the webhook has not seen (a changed comment): the full parse on each.
    const marker = "# ratelimit-config: generated for tests and benchmarks";
    const parts = body.split(marker);
    let revision = 0;
    const coldAt20 = await load(hookPort, { overallRate: 20, connections: 4, requests: [{ setupRequest: (request) => ({ ...request, body: parts.join(`# revision ${revision++}`) }) }] });

    console.log(`admission webhook over HTTPS, keep-alive: UPDATE of a ${RULES}-rule config needing ${CLAMPS} clamps`);
    console.log(`request ${(Buffer.byteLength(body) / 1024).toFixed(0)} KiB, answer ${(first.text.length / 1024).toFixed(0)} KiB, ${seconds} s per run, node ${process.version}`);
    console.log(`${"run".padEnd(44)} ${"p50 ms".padStart(7)} ${"p99 ms".padStart(7)} ${"req/s".padStart(7)} ${"total".padStart(6)} ${"failed".padStart(6)} ${"server CPU".padStart(11)}`);
    console.log(row("webhook, 200 req/s (10 connections)", hookAt200));
    console.log(row("webhook, 50 req/s (10 connections)", hookAt50));
    console.log(row("webhook, max (10 connections)", hookMax));
    console.log(row("bare HTTPS server, max (10 connections)", bareMax));
    console.log(row("bare HTTPS server, 200 req/s (10 connections)", bareAt200));
    console.log(row("bare HTTPS server, 50 req/s (10 connections)", bareAt50));
    console.log(row("webhook, new config each request, 20 req/s", coldAt20));
    const share = hookMax.result.requests.average / bareMax.result.requests.average;
    console.log("(server CPU: milliseconds of CPU the server process used per request, client excluded)");
    console.log(`p99 at 200 req/s: ${hookAt200.result.latency.p99.toFixed(1)} ms (target < 10 ms: ${hookAt200.result.latency.p99 < 10 ? "met" : "NOT met"})`);
    console.log(`throughput: ${(share * 100).toFixed(0)}% of the bare server (target >= 50%: ${share >= 0.5 ? "met" : "NOT met"}); by server CPU per request: ${((bareMax.serverCpuMsPerRequest / hookMax.serverCpuMsPerRequest) * 100).toFixed(0)}%`);
    console.log(`load average during the run: ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")} on ${availableParallelism()} cores (the client runs on the same cores)`);
  } finally {
    // Let the servers exit before their files go (the webhook would log their disappearance).
    await Promise.all(children.map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : (child.once("exit", resolve), child.kill("SIGTERM"))))));
    pki.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
