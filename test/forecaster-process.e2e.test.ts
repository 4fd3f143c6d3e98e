// The forecaster as real processes: `trendmaster run --once` with the real forecast engine over CSV
// traffic, and `trendmaster forecaster` serving /metrics, /healthz, /readyz and stopping cleanly on
// SIGTERM, both against the kube-apiserver stand-in.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { trafficCsvFileName } from "../forecaster/io/file-source.js";
import { kubectlPath, missingBinaryMessage } from "./support/binaries.js";
import { runKubectl } from "./support/kubectl.js";
import { cliPath } from "./support/paths.js";
import { freeLoopbackPort, generateTraffic } from "./support/prometheus-server.js";
import { startKubeApiStandIn, type KubeApiStandIn } from "./stand-ins/kube-apiserver/index.js";
import { latestTimeOfWeek, THURSDAY_AFTERNOON } from "./support/weekly-anchor.js";
import { shiftedClockEnv } from "./support/shifted-clock-env.js";

const kubectl = kubectlPath();
if (kubectl === undefined) console.warn(missingBinaryMessage("kubectl"));
const describeWithKubectl = kubectl === undefined ? describe.skip : describe;

const CONFIG = `domain: edge
descriptors:
  # acme's traffic grew: ~100/min on average, peaks well above
  - key: PARTNER
    value: acme
    rate_limit:
      unit: minute
      requests_per_unit: 100
  - key: PARTNER
    value: globex
    rate_limit: {unit: minute, requests_per_unit: 5000}   # far too high
  - key: PARTNER
    value: quiet
    rate_limit: {unit: minute, requests_per_unit: 50}
`;

const STEP = 300;

/** Two weeks of traffic up to endMs: the forecaster replays a recording from where it ends. */
async function writeTraffic(dir: string, endMs: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const points = 14 * 288;
  const startMs = endMs - points * STEP * 1000;
  const series: Record<string, number> = { "edge.PARTNER_acme": 500, "edge.PARTNER_globex": 1000 };
  let seed = 1;
  for (const [fullKey, meanPerStep] of Object.entries(series)) {
    const counts = generateTraffic({ seed: seed++, points, startMs, stepSeconds: STEP, meanPerStep });
    const rows = counts.map((c, k) => `${(startMs + k * STEP * 1000) / 1000},${c}`);
    await writeFile(join(dir, trafficCsvFileName(fullKey)), `timestamp,value\n${rows.join("\n")}\n`);
  }
  // edge.PARTNER_quiet has no file: its limit is kept (no traffic recorded).
}

function startCli(args: string[], env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [cliPath(), ...args], { env: { ...shiftedClockEnv(), PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.on("data", (c: Buffer) => (output += c.toString("utf8")));
  child.stderr?.on("data", (c: Buffer) => (output += c.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describeWithKubectl("forecaster processes against the kube-apiserver stand-in", () => {
  let api: KubeApiStandIn;
  let work: string;
  let kubeconfig: string;
  const env = (extra: Record<string, string> = {}): Record<string, string> => ({ KUBECONFIG: kubeconfig, POD_NAMESPACE: "trendmaster", LOG_LEVEL: "info", HOME: work, TRENDMASTER_SETTINGS: join(work, "settings.yaml"), ...extra });
  const stored = async (): Promise<{ text: string; resourceVersion: string }> => {
    const cm = JSON.parse((await runKubectl(kubectl as string, kubeconfig, ["get", "configmap", "ratelimit-config", "-n", "istio-system", "-o", "json"])).stdout) as { data: Record<string, string>; metadata: { resourceVersion: string } };
    return { text: cm.data["config.yaml"] ?? "", resourceVersion: cm.metadata.resourceVersion };
  };

  beforeAll(async () => {
    api = await startKubeApiStandIn({ namespaces: ["default", "istio-system", "trendmaster"] });
    work = await mkdtemp(join(tmpdir(), "forecaster-process-"));
    kubeconfig = await api.writeKubeconfig(work, "admin");
    await writeTraffic(join(work, "traffic"), latestTimeOfWeek(Date.now(), THURSDAY_AFTERNOON));
    api.seedObject({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ratelimit-config", namespace: "istio-system" }, data: { "config.yaml": CONFIG } });
  });

  afterAll(async () => {
    await api?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("`run --once --source-dir`: the real engine over CSV traffic changes only the numbers", async () => {
    await writeFile(join(work, "settings.yaml"), "forecaster:\n  workers: 2\n");
    const run = startCli(["run", "--once", "--source-dir", join(work, "traffic")], env());
    const code = await run.exited;
    expect({ code, output: run.output() }).toMatchObject({ code: 0 });
    expect(run.output()).toMatch(/cycle generation 1 on istio-system\/ratelimit-config: applied \d limit change\(s\)/);
    const text = (await stored()).text;
    const limits = [...text.matchAll(/requests_per_unit: (\d+)/g)].map((m) => Number(m[1]));
    expect(limits[0]).toBeGreaterThanOrEqual(100); // acme: raised, or kept when the engine's confidence is low
    expect(limits[1]).toBeLessThan(5000); // globex lowered
    expect(limits[2]).toBe(50); // quiet: no traffic, kept
    expect(text.replace(/requests_per_unit: \d+/g, "requests_per_unit: N")).toBe(CONFIG.replace(/requests_per_unit: \d+/g, "requests_per_unit: N"));
    const cache = JSON.parse((await runKubectl(kubectl as string, kubeconfig, ["get", "configmap", "trendmaster-forecast", "-n", "trendmaster", "-o", "jsonpath={.data.forecast\\.json}"])).stdout) as { rules: Record<string, { confidence: string; band?: { min: number; max: number }; recommended: number }> };
    expect(Object.keys(cache.rules).sort()).toEqual(["edge.PARTNER_acme", "edge.PARTNER_globex", "edge.PARTNER_quiet"]);
    expect(cache.rules["edge.PARTNER_quiet"]?.confidence).toBe("low");
    for (const key of ["edge.PARTNER_acme", "edge.PARTNER_globex"]) {
      const rule = cache.rules[key];
      if (rule?.band) expect(rule.band.min <= rule.recommended && rule.recommended <= rule.band.max).toBe(true);
    }
  }, 60_000);

  it("two `run --once` Jobs at the same time: one runs the cycle, the other exits 75", async () => {
    await writeFile(join(work, "settings.yaml"), "forecaster:\n  workers: 1\n");
    const jobs = [0, 1].map(() => startCli(["run", "--once", "--dry-run", "--source-dir", join(work, "traffic")], env({ LOG_LEVEL: "warn" })));
    const codes = await Promise.all(jobs.map((j) => j.exited));
    expect(codes.slice().sort()).toEqual([0, 75]);
    expect(jobs[codes.indexOf(75)]?.output()).toMatch(/another forecaster holds the Lease \(.+\): no cycle run; retry later/);
  }, 60_000);

  it("`forecaster`: serves /healthz /readyz /metrics, runs a cycle, exits 0 on SIGTERM and hands the Lease back", async () => {
    const port = await freeLoopbackPort();
    await writeFile(join(work, "settings.yaml"), `forecaster:\n  workers: 1\n  metrics: {port: ${port}}\n  scheduleJitterSeconds: 0\n`);
    const proc = startCli(["forecaster", "--run-now", "--dry-run", "--source-dir", join(work, "traffic")], env({ SCHEDULE: "0 0 1 1 *" }));
    try {
      const base = `http://127.0.0.1:${port}`;
      expect(await waitFor("healthz", async () => ((await fetch(`${base}/healthz`)).ok ? true : undefined), 15_000)).toBe(true);
      const metrics = await waitFor("a finished cycle", async () => {
        const text = await (await fetch(`${base}/metrics`)).text();
        return /trendmaster_cycles_total\{outcome="(dry-run|no-change)"\} 1/.test(text) ? text : undefined;
      }, 45_000);
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      expect(metrics).toMatch(/trendmaster_rules\{state="low-confidence"\} 1/);
      expect(metrics).toMatch(/trendmaster_rule_limit\{rule="edge.PARTNER_acme",kind="current"\} \d+/);
      expect(metrics).toContain("trendmaster_cycle_duration_seconds_bucket");
      proc.child.kill("SIGTERM");
      expect(await proc.exited).toBe(0);
    } finally {
      if (proc.child.exitCode === null) proc.child.kill("SIGKILL");
    }
    expect(proc.output()).toContain('"msg":"stopping: the running cycle stops at its next safe point"');
    const lease = api.getObject("leases", "trendmaster", "trendmaster-forecaster") as { spec?: { holderIdentity?: string } } | undefined;
    expect(lease?.spec?.holderIdentity ?? "").toBe("");
  }, 70_000);

  it("SIGTERM in the middle of a cycle: stops at a safe point, nothing half-written", async () => {
    const before = await stored();
    await writeFile(join(work, "settings.yaml"), `forecaster:\n  workers: 1\n  metrics: {port: 0}\n`);
    const proc = startCli(["forecaster", "--run-now", "--source-dir", join(work, "traffic")], env({ SCHEDULE: "0 0 1 1 *" }));
    await waitFor("the cycle to start", async () => (proc.output().includes("forecaster scheduled") ? true : undefined), 15_000);
    await new Promise((r) => setTimeout(r, 300));
    proc.child.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
    const after = await stored();
    // Either the cycle finished its write before the signal, or it wrote nothing: never part of one.
    if (after.resourceVersion !== before.resourceVersion) expect(proc.output()).toContain("ratelimit-config updated");
    else expect(after.text).toBe(before.text);
  }, 60_000);
});
