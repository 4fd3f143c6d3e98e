// The chart's claim that the app runs as uid 1001 with a read-only root filesystem and only /tmp
// writable, checked on the built app (dist/ and the production node_modules layout under one
// folder, as the image's /app). No container engine is needed: readonly-sandbox.sh makes a
// private mount namespace with / read-only, a tmpfs on /tmp, and drops to 1001:1001 with no
// capabilities. What it proves: the CLI, the validator and the webhook (TLS, health endpoints,
// forecast file) start and work without writing anywhere but /tmp. What it does not: that the
// Dockerfile builds (no engine here), nor the forecaster's cluster I/O (needs an API server).
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../support/paths.js";
import { runProcess } from "../support/run-process.js";
import { webhookNodeArgs } from "../support/webhook-node-args.js";

const SANDBOX = join(repoRoot(), "test", "chart", "readonly-sandbox.sh");
/** Where the sandbox mounts the repository, read-only. */
const APP = "/var/tmp/trendmaster-app";
const CLI = `${APP}/dist/cli/main.js`;

interface SandboxResult {
  /** The command's exit code as seen inside the sandbox. */
  code: number;
  stdout: string;
  stderr: string;
  /** Files uid 1001 left in /tmp. */
  written: string[];
}

function sandboxAvailable(): string | undefined {
  if (process.getuid?.() !== 0) return "not root: the read-only sandbox needs a mount namespace";
  for (const tool of ["unshare", "setpriv"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) return `${tool} not installed (util-linux)`;
  }
  const probe = spawnSync(SANDBOX, ["--app", repoRoot(), "--", "true"], { encoding: "utf8", timeout: 20_000 });
  if (probe.status === 90) return undefined; // the sandbox exists but does not hold: the tests below fail on it
  if (probe.status !== 0 || !probe.stderr.includes("__EXIT__ 0")) return `cannot build the sandbox here: ${probe.stderr.trim().split("\n")[0] ?? ""}`;
  return undefined;
}

async function runSandboxed(command: readonly string[], options: { tls?: boolean } = {}): Promise<SandboxResult> {
  const args = ["--app", repoRoot(), ...(options.tls ? ["--tls"] : []), "--", ...command];
  const { code: sandboxCode, stdout, stderr } = await runProcess(SANDBOX, args, { timeoutMs: 45_000 });
  if (sandboxCode === 90) throw new Error(`the sandbox does not hold: ${stderr}`);
  const exit = /__EXIT__ (\d+)/.exec(stderr);
  if (sandboxCode !== 0 || exit === null) throw new Error(`sandbox failed (${sandboxCode}): ${stderr}`);
  const written = [...stderr.matchAll(/^__WRITTEN__ (.+)$/gm)].map((m) => m[1] as string);
  return { code: Number(exit[1]), stdout, stderr: stderr.replace(/^__(EXIT|WRITTEN)__.*\n?/gm, ""), written };
}

const unavailable = sandboxAvailable();
if (unavailable !== undefined) console.warn(`skipping read-only root tests: ${unavailable}`);
const describeInSandbox = unavailable === undefined ? describe : describe.skip;

describeInSandbox("the built app as uid 1001 on a read-only root with only /tmp writable", () => {
  it("the sandbox holds: uid 1001 without capabilities, writes outside /tmp fail, /tmp works", async () => {
    const result = await runSandboxed(["sh", "-c", `id -u; id -g; grep CapEff /proc/self/status; touch ${APP}/x; touch /etc/x; touch /var/tmp/x; touch /tmp/ok`]);
    expect(result.stdout).toMatch(/^1001\n1001\nCapEff:\s+0000000000000000\n$/);
    expect(result.stderr.match(/Read-only file system/g)).toHaveLength(3);
    expect(result.written).toEqual(["/tmp/ok"]);
  });

  it("trendmaster --help", async () => {
    const result = await runSandboxed(["node", CLI, "--help"]);
    expect([result.code, result.stderr]).toEqual([0, ""]);
    expect(result.stdout).toContain("usage: trendmaster <command>");
    expect(result.written).toEqual([]);
  });

  it("trendmaster validate on the example config, and on a broken one", async () => {
    const good = await runSandboxed(["node", CLI, "validate", `${APP}/examples/ratelimit-config.yaml`]);
    expect([good.code, good.stdout, good.written]).toEqual([0, "ok\n", []]);
    const fixture = readdirSync(join(repoRoot(), "test", "fixtures", "bad-configs")).find((f) => f.endsWith(".yaml"));
    expect(fixture).toBeDefined();
    const bad = await runSandboxed(["node", CLI, "validate", `${APP}/test/fixtures/bad-configs/${fixture as string}`]);
    expect(bad.code).toBe(1);
    expect(bad.stdout.length).toBeGreaterThan(0);
    expect(bad.written).toEqual([]);
  });

  it("the webhook serves /healthz and /readyz over TLS from the mounted certificate", async () => {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    // Retried until both answer 200: /readyz legitimately lags the listening socket by the first forecast read.
    const probe = `const https=require("node:https");const get=(p)=>new Promise((ok,no)=>https.get({host:"127.0.0.1",port:${port},path:p,rejectUnauthorized:false},(r)=>{r.resume();ok(p+" "+r.statusCode)}).on("error",no));Promise.all([get("/healthz"),get("/readyz")]).then((s)=>{console.log(s.join(","));process.exit(s.every((x)=>x.endsWith(" 200"))?0:1);},()=>process.exit(1));`;
    const script = [
      `printf '%s' '{"generation":1,"generatedAt":"2026-01-01T00:00:00.000Z","source":"sandbox","model":"none","rules":{}}' > /tmp/forecast.json`,
      // Started as the chart's container command starts it: node with the webhook's heap flags, then the CLI.
      `node ${webhookNodeArgs().join(" ")} ${CLI} webhook --port ${port} --cert /tmp/tls/tls.crt --key /tmp/tls/tls.key --forecast /tmp/forecast.json >/tmp/webhook.log 2>&1 &`,
      "pid=$!",
      `ok=1; for i in $(seq 1 100); do if node -e '${probe}'; then ok=0; break; fi; sleep 0.2; done`,
      'kill "$pid"; wait "$pid"; cat /tmp/webhook.log >&2; exit $ok',
    ].join("\n");
    const result = await runSandboxed(["sh", "-c", script], { tls: true });
    expect(result.stdout.trim().split("\n").pop()).toBe("/healthz 200,/readyz 200");
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('"msg":"webhook listening"');
    expect(result.stderr).not.toMatch(/EROFS|EACCES/);
    // Only what this script itself wrote: the forecast file and the redirected log.
    expect(result.written.sort()).toEqual(["/tmp/forecast.json", "/tmp/webhook.log"]);
  });
});
