// The forecaster cycle against the kube-apiserver stand-in over HTTPS, with the real kubectl as the
// human (or ArgoCD) writing at the same time, and a local server playing Slack. The forecaster
// talks to the stand-in through @kubernetes/client-node exactly as it would to a cluster.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import yaml from "js-yaml";
import { join } from "node:path";
import { buildForecasterConfig, type ForecasterConfig } from "../forecaster/config.js";
import type { ConfigMapObject, ConfigMapStore } from "../forecaster/io/configmaps.js";
import { KubeConfigMapStore } from "../forecaster/io/configmaps.js";
import { ForecasterMetrics } from "../forecaster/io/metrics.js";
import { SlackNotifier } from "../forecaster/io/slack.js";
import { createRuntime, loadKubeConfig, runLeasedCycle, runOnce, type ForecasterRuntime } from "../forecaster/main.js";
import { FakeTrafficSource, quietLog, TableForecaster } from "./fakes/cycle-fakes.js";
import { kubectlPath, missingBinaryMessage } from "./support/binaries.js";
import { runKubectl, type KubectlResult } from "./support/kubectl.js";
import { runTrendmaster } from "./e2e/cli-process.js";
import { startKubeApiStandIn, type KubeApiStandIn } from "./stand-ins/kube-apiserver/index.js";
import { startSlackApiStandIn, type SlackApiStandIn } from "./stand-ins/slack-api.js";

const kubectl = kubectlPath();
if (kubectl === undefined) console.warn(missingBinaryMessage("kubectl"));
const describeWithKubectl = kubectl === undefined ? describe.skip : describe;

const CONFIG = `# Edge rate limits. Owned by the platform team; TrendMaster tunes the numbers.
domain: edge
descriptors:
  # Partners, per minute
  - key: PARTNER
    value: acme
    rate_limit:
      unit: minute
      requests_per_unit: 100   # reviewed 2026-10
  - key: PARTNER
    value: globex
    rate_limit: {unit: second, requests_per_unit: 10}
  - key: PATH
    value: "/health"
  - key: PARTNER
    value: initech
    descriptors:
      - key: PATH
        value: /orders
        rate_limit:
          unit: hour
          requests_per_unit: 5000
`;

const MANIFEST = `apiVersion: v1
kind: ConfigMap
metadata:
  name: ratelimit-config
  namespace: istio-system
  finalizers: ["example.com/keep-while-referenced"]
  ownerReferences:
    - apiVersion: argoproj.io/v1alpha1
      kind: Application
      name: edge-ratelimits
      uid: 6f1c2b9e-6a53-4d7e-9d8a-2f6e3f1b0c11
data:
  config.yaml: |
${CONFIG.split("\n").map((l) => (l === "" ? "" : `    ${l}`)).join("\n")}`;

/** A ConfigMapStore that runs `before` once, just before the first write to ratelimit-config. */
class InterferingStore implements ConfigMapStore {
  #fired = false;
  constructor(
    private readonly inner: ConfigMapStore,
    private readonly before: () => Promise<void>,
  ) {}
  get(namespace: string, name: string) {
    return this.inner.get(namespace, name);
  }
  list(namespace: string, selector: string) {
    return this.inner.list(namespace, selector);
  }
  create(cm: ConfigMapObject) {
    return this.inner.create(cm);
  }
  delete(namespace: string, name: string) {
    return this.inner.delete(namespace, name);
  }
  async replace(cm: ConfigMapObject) {
    if (!this.#fired && cm.metadata.name === "ratelimit-config") {
      this.#fired = true;
      await this.before();
    }
    return this.inner.replace(cm);
  }
}

describeWithKubectl("forecaster cycle against the kube-apiserver stand-in", () => {
  let api: KubeApiStandIn;
  let slack: SlackApiStandIn;
  let work: string;
  let kubeconfig: string;
  let settingsFile: string;
  const k = (args: string[], env?: Record<string, string>): Promise<KubectlResult> => runKubectl(kubectl as string, kubeconfig, args, env ? { env } : {});

  const cliEnv = (extra: Record<string, string> = {}): Record<string, string> => ({ KUBECONFIG: kubeconfig, POD_NAMESPACE: "trendmaster", LOG_LEVEL: "warn", TRENDMASTER_SETTINGS: settingsFile, HOME: work, ...extra });

  function config(env: Record<string, string> = {}): ForecasterConfig {
    const result = buildForecasterConfig({ env: cliEnv({ LOG_LEVEL: "silent", ...env }), readText: (p) => (p === settingsFile ? SETTINGS(slack, work) : p === join(work, "slack-token") ? slack.token : undefined), overrides: { sourceDir: join(work, "traffic") } });
    if (!result.ok) throw new Error(result.problems.join("\n"));
    return result.config;
  }

  function runtime(recommended: Record<string, number | "low">, options: { env?: Record<string, string>; store?: (inner: ConfigMapStore) => ConfigMapStore; forecastDelayMs?: number } = {}): Promise<ForecasterRuntime> {
    const c = config(options.env);
    const inner = new KubeConfigMapStore(loadKubeConfig(c));
    const table = new TableForecaster(recommended);
    const delay = options.forecastDelayMs ?? 0;
    const forecaster = { forecastRule: async (job: Parameters<TableForecaster["forecastRule"]>[0]) => (await new Promise((r) => setTimeout(r, delay)), table.forecastRule(job)) };
    return createRuntime(c, {
      configMaps: options.store ? options.store(inner) : inner,
      traffic: new FakeTrafficSource(),
      forecaster,
      notifier: new SlackNotifier(c.slack as NonNullable<ForecasterConfig["slack"]>),
      log: quietLog,
      metrics: new ForecasterMetrics(50, { defaultMetrics: false }),
    });
  }

  const stored = async (): Promise<{ text: string; resourceVersion: string; annotations: Record<string, string> }> => {
    const cm = JSON.parse((await k(["get", "configmap", "ratelimit-config", "-n", "istio-system", "-o", "json"])).stdout) as { data: Record<string, string>; metadata: { resourceVersion: string; annotations?: Record<string, string> } };
    return { text: cm.data["config.yaml"] ?? "", resourceVersion: cm.metadata.resourceVersion, annotations: cm.metadata.annotations ?? {} };
  };

  beforeAll(async () => {
    api = await startKubeApiStandIn({ namespaces: ["default", "kube-system", "istio-system", "trendmaster"], users: [{ name: "admin", groups: ["system:masters"] }] });
    slack = await startSlackApiStandIn();
    work = await mkdtemp(join(tmpdir(), "forecaster-e2e-"));
    kubeconfig = await api.writeKubeconfig(work, "admin");
    settingsFile = join(work, "settings.yaml");
    await writeFile(settingsFile, SETTINGS(slack, work));
    await writeFile(join(work, "slack-token"), slack.token);
    const created = await runKubectl(kubectl as string, kubeconfig, ["apply", "-f", "-"], { stdin: MANIFEST });
    expect(created).toMatchObject({ code: 0, stdout: "configmap/ratelimit-config created\n" });
  });

  afterAll(async () => {
    await slack?.close();
    await api?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it("applies only the recomputed numbers over HTTPS, history first, and tells Slack", async () => {
    const before = await stored();
    expect(before.text).toBe(CONFIG);
    const rt = await runtime({ "edge.PARTNER_acme": 200, "edge.PARTNER_initech.PATH_/orders": 6000 });
    const { exitCode, report } = await runOnce(rt, () => {});
    expect(exitCode).toBe(0);
    expect(report?.outcome).toBe("applied");
    const after = await stored();
    expect(after.text).toBe(CONFIG.replace("requests_per_unit: 100 ", "requests_per_unit: 200 ").replace("requests_per_unit: 5000", "requests_per_unit: 6000"));
    expect(after.annotations).toMatchObject({ "trendmaster.io/generation": "1", "trendmaster.io/rules-changed": '["edge.PARTNER_acme","edge.PARTNER_initech.PATH_/orders"]' });
    // What the forecaster does not model survives its whole-object update.
    const meta = JSON.parse((await k(["get", "configmap", "ratelimit-config", "-n", "istio-system", "-o", "jsonpath={.metadata}"])).stdout) as { finalizers?: string[]; ownerReferences?: Array<{ name: string }> };
    expect(meta.finalizers).toEqual(["example.com/keep-while-referenced"]);
    expect(meta.ownerReferences?.map((o) => o.name)).toEqual(["edge-ratelimits"]);
    // kubectl's last-applied annotation is kept: a later `kubectl apply` still three-way merges.
    expect(after.annotations["kubectl.kubernetes.io/last-applied-configuration"]).toContain("ratelimit-config");
    const revisions = await k(["get", "configmaps", "-n", "trendmaster", "-l", "app.kubernetes.io/component=history", "-o", "jsonpath={.items[*].metadata.name}"]);
    expect(revisions.stdout).toBe("trendmaster-history-1");
    const revision = JSON.parse((await k(["get", "configmap", "trendmaster-history-1", "-n", "trendmaster", "-o", "json"])).stdout) as { data: Record<string, string>; metadata: { annotations: Record<string, string> } };
    expect(revision.data["config.yaml"]).toBe(CONFIG);
    expect(revision.metadata.annotations["trendmaster.io/content-written-by"]).toBe("kubectl-client-side-apply");
    const cache = JSON.parse((await k(["get", "configmap", "trendmaster-forecast", "-n", "trendmaster", "-o", "jsonpath={.data.forecast\\.json}"])).stdout) as { generation: number; rules: Record<string, { recommended: number }> };
    expect(cache.generation).toBe(1);
    expect(cache.rules["edge.PARTNER_acme"]?.recommended).toBe(200);
    const change = slack.messages.find((m) => m.channel === "#rate-limits" && m.text.includes("changed 2 rate limit"));
    expect(change?.body).toContain("edge.PARTNER_acme");
    expect(change?.body).toMatch(/edge\.PARTNER_acme\s+minute\s+100\s+200\s+\+100%/);
  });

  it("writes nothing to ratelimit-config when nothing changed", async () => {
    const before = await stored();
    const rt = await runtime({ "edge.PARTNER_acme": 200 });
    const { report } = await runOnce(rt, () => {});
    expect(report?.outcome).toBe("no-change");
    expect((await stored()).resourceVersion).toBe(before.resourceVersion);
  });

  it("dry-run reports the full diff and leaves ratelimit-config alone", async () => {
    const before = await stored();
    const rt = await runtime({ "edge.PARTNER_acme": 300 }, { env: { DRY_RUN: "true" } });
    const { report } = await runOnce(rt, () => {});
    expect(report?.outcome).toBe("dry-run");
    expect(report?.diff).toContain("-      requests_per_unit: 200   # reviewed 2026-10\n+      requests_per_unit: 300   # reviewed 2026-10");
    expect((await stored()).resourceVersion).toBe(before.resourceVersion);
  });

  it("a concurrent `kubectl edit` between read and write: 409, re-read, both edits kept", async () => {
    const editor = join(work, "editor.sh");
    // The human raises globex and annotates the partners section while the cycle computes.
    await writeFile(editor, `#!/bin/sh\nsed -i -e 's/requests_per_unit: 10}/requests_per_unit: 25}/' -e 's/# Partners, per minute/# Partners, per minute (see runbook)/' "$1"\n`, { mode: 0o755 });
    const rt = await runtime({ "edge.PARTNER_acme": 250, "edge.PARTNER_globex": 12 }, {
      store: (inner) =>
        new InterferingStore(inner, async () => {
          const edit = await k(["edit", "configmap", "ratelimit-config", "-n", "istio-system"], { KUBE_EDITOR: editor });
          expect(edit).toMatchObject({ code: 0, stdout: "configmap/ratelimit-config edited\n" });
        }),
    });
    const { report } = await runOnce(rt, () => {});
    expect(report?.outcome).toBe("applied");
    expect(report?.conflicts).toBe(1);
    const text = (await stored()).text;
    expect(text).toContain("# Partners, per minute (see runbook)");
    expect(text).toContain("requests_per_unit: 25}"); // the human's value for globex stands
    expect(text).toContain("requests_per_unit: 250   # reviewed 2026-10");
    expect(report?.skipped).toEqual([{ fullKey: "edge.PARTNER_globex", reason: "changed meanwhile from 10 to 25 by another writer; their value is kept" }]);
  });

  it("`trendmaster history` lists revisions and `rollback --to N` restores each byte for byte", async () => {
    const listed = await runTrendmaster(["history"], cliEnv());
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain("rev 1    content written by kubectl-client-side-apply");
    expect(listed.stdout).toMatch(/rev 3 +content written by kubectl-edit/);
    const revisions: Record<number, string> = {};
    for (const n of [1, 2, 3]) {
      revisions[n] = JSON.parse((await k(["get", "configmap", `trendmaster-history-${n}`, "-n", "trendmaster", "-o", "json"])).stdout).data["config.yaml"] as string;
    }
    for (const n of [1, 3, 2]) {
      const result = await runTrendmaster(["rollback", "--to", String(n)], cliEnv());
      expect(result).toMatchObject({ code: 0 });
      expect(result.stdout).toContain(`istio-system/ratelimit-config restored to revision ${n}`);
      expect((await stored()).text).toBe(revisions[n]);
    }
    const after = await runTrendmaster(["history"], cliEnv());
    expect(after.stdout).toContain("by rollback to revision 1 by admin");
    // The same listing for machines: the documented field names, parsed back.
    const listedJson = JSON.parse((await runTrendmaster(["history", "-o", "json"], cliEnv())).stdout) as { target: string; keep: number; current: { exists: boolean }; revisions: Array<Record<string, unknown>> };
    expect(listedJson).toMatchObject({ target: "istio-system/ratelimit-config", current: { exists: true } });
    expect(Object.keys(listedJson.revisions[0] ?? {}).sort()).toEqual(["change", "configMap", "digest", "replacedAt", "replacedBy", "revision", "writtenAt", "writtenBy"]);
    expect(listedJson.revisions.map((r) => r.revision)).toEqual([...listedJson.revisions.map((r) => r.revision)].sort((a, b) => Number(b) - Number(a)));
    const shownYaml = yaml.load((await runTrendmaster(["history", "--show", "1", "-o", "yaml"], cliEnv())).stdout) as { revision: number; data: Record<string, string> };
    expect(shownYaml.revision).toBe(1);
    expect(shownYaml.data["config.yaml"]).toBe(revisions[1]);
    // The last rollback restored revision 2: restoring it again writes nothing.
    const rolledJson = await runTrendmaster(["rollback", "--to", "2", "--json"], cliEnv());
    expect(rolledJson.code).toBe(0);
    expect(JSON.parse(rolledJson.stdout)).toEqual({ target: "istio-system/ratelimit-config", status: "already-current", revision: 2, written: false });
    const missing = await runTrendmaster(["rollback", "--to", "99"], cliEnv());
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("revision 99 of istio-system/ratelimit-config not found; available:");
  });

  it("two forecasters racing for the Lease: one runs the cycle, the other skips", async () => {
    const [a, b] = await Promise.all([runtime({ "edge.PARTNER_acme": 111 }, { forecastDelayMs: 300 }), runtime({ "edge.PARTNER_acme": 222 }, { forecastDelayMs: 300 })]);
    const results = await Promise.all([runLeasedCycle(a), runLeasedCycle(b)]);
    expect(results.map((r) => r.kind).sort()).toEqual(["ran", "skipped"]);
    const value = results[0]?.kind === "ran" ? 111 : 222;
    expect((await stored()).text).toContain(`requests_per_unit: ${value}   # reviewed`);
    const lease = JSON.parse((await k(["get", "lease", "trendmaster-forecaster", "-n", "trendmaster", "-o", "json"])).stdout) as { spec: { holderIdentity?: string; renewTime: string } };
    expect(lease.spec.holderIdentity ?? "").toBe(""); // handed back
    expect(lease.spec.renewTime).toMatch(/\.\d{6}Z$/);
  });

  it("`run --once` with Prometheus down: limits kept, Slack told, exit 1", async () => {
    const before = await stored();
    slack.messages.length = 0;
    const result = await runTrendmaster(["run", "--once"], cliEnv({ PROMETHEUS_URL: "http://127.0.0.1:9/prometheus" }));
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("failed");
    expect((await stored()).resourceVersion).toBe(before.resourceVersion);
    const alert = slack.messages.find((m) => m.channel === "#oncall");
    expect(alert?.text).toContain("cycle FAILED, current limits kept");
    expect(alert?.body).toContain("127.0.0.1:9");
    // Not a terminal: logs stay JSON on stderr; -o json and -o yaml carry the same report.
    const down = { PROMETHEUS_URL: "http://127.0.0.1:9/prometheus", LOG_LEVEL: "info" };
    const piped = await runTrendmaster(["run", "--once", "-o", "json"], cliEnv(down));
    expect(piped.code).toBe(1);
    const report = JSON.parse(piped.stdout) as { outcome: string; errors: string[] };
    expect(report.outcome).toBe("failed");
    const logLines = piped.stderr.trim().split("\n");
    expect(logLines.length).toBeGreaterThan(0);
    for (const line of logLines) expect(JSON.parse(line)).toHaveProperty("msg");
    const asYaml = await runTrendmaster(["run", "--once", "-o", "yaml"], cliEnv(down));
    expect((yaml.load(asYaml.stdout) as { outcome: string; errors: string[] }).errors).toEqual(report.errors);
    // At a terminal: the human report, and logs only at warning and above, as short lines.
    const atTerminal = await runTrendmaster(["run", "--once"], cliEnv({ ...down, TRENDMASTER_TERMINAL: "1" }));
    expect(atTerminal.code).toBe(1);
    expect(atTerminal.stdout).toContain("failed");
    for (const line of atTerminal.stderr.trim().split("\n").filter((l) => l !== "")) expect(line).toMatch(/^(warning|error|fatal): /);
    const verbose = await runTrendmaster(["run", "--once", "-v"], cliEnv({ ...down, TRENDMASTER_TERMINAL: "1" }));
    expect(verbose.stderr).toMatch(/^info: /m);
    expect(verbose.stderr).not.toMatch(/^\{/m);
  });

  it("a Slack outage never fails a cycle", async () => {
    slack.down = true;
    try {
      const rt = await runtime({ "edge.PARTNER_acme": 400 });
      const { exitCode, report } = await runOnce(rt, () => {});
      expect(exitCode).toBe(0);
      expect(report?.outcome).toBe("applied");
    } finally {
      slack.down = false;
    }
  });
});

/** The settings file the CLI runs use: Slack to the stand-in, fast Prometheus failure. */
function SETTINGS(slack: SlackApiStandIn, work: string): string {
  return `
forecaster:
  scheduleJitterSeconds: 0
  workers: 1
  prometheus:
    retries: 0
    timeoutMs: 3000
slack:
  apiUrl: ${slack.apiUrl}
  botTokenFile: ${join(work, "slack-token")}
  channels: ["#rate-limits"]
  alerts:
    system_errors: {channels: ["#oncall"]}
`;
}
