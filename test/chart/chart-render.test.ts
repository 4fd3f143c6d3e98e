// helm lint --strict and helm template with the real helm, for every values set; every rendered
// object checked against the Kubernetes, cert-manager and prometheus-operator schemas.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import yaml from "js-yaml";
import type { IPrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";
import { helmPath, missingBinaryMessage } from "../support/binaries.js";
import { nameProblems, schemaProblems } from "./kube-schemas.js";
import { findObject, lintChart, type KubeObject } from "./render.js";
import { FULLNAME, SCENARIOS, renderScenarios } from "./scenarios.js";

const run = promisify(execFile);
const haveHelm = helmPath() !== undefined;
if (!haveHelm) console.warn(missingBinaryMessage("helm"));
const describeWithHelm = haveHelm ? describe : describe.skip;

/** Kinds that live in no namespace; everything else must name its namespace (ArgoCD applies objects as rendered). */
const CLUSTER_SCOPED = new Set(["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "ClusterRole", "ClusterRoleBinding", "ClusterIssuer"]);

describeWithHelm("helm-chart renders and validates", () => {
  let rendered: Map<string, KubeObject[]>;
  beforeAll(async () => {
    rendered = await renderScenarios();
  });
  const objectsOf = (scenario: string): KubeObject[] => rendered.get(scenario) ?? [];

  it.each(SCENARIOS.map((s) => [s.name, s] as const))("helm lint --strict passes: %s", async (_name, scenario) => {
    const result = await lintChart(scenario.options);
    expect(result.stderr).toBe("");
    expect(result.stdout).toContain("1 chart(s) linted, 0 chart(s) failed");
    expect(result.ok).toBe(true);
  });

  it.each(SCENARIOS.map((s) => [s.name] as const))("every object matches its schema: %s", (scenario) => {
    const objects = objectsOf(scenario);
    expect(objects.length).toBeGreaterThan(10);
    expect(objects.flatMap((o) => [...schemaProblems(o), ...nameProblems(o)])).toEqual([]);
  });

  it.each(SCENARIOS.map((s) => [s.name] as const))("namespaced objects name their namespace, cluster-scoped ones none: %s", (scenario) => {
    const wrong = objectsOf(scenario)
      .filter((o) => (CLUSTER_SCOPED.has(o.kind) ? o.metadata.namespace !== undefined : typeof o.metadata.namespace !== "string" || o.metadata.namespace === ""))
      .map((o) => `${o.kind}/${o.metadata.name}`);
    expect(wrong).toEqual([]);
  });

  it.each(SCENARIOS.map((s) => [s.name] as const))("no two objects share kind, namespace and name: %s", (scenario) => {
    const ids = objectsOf(scenario).map((o) => `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`);
    expect(ids.length).toBe(new Set(ids).size);
  });

  it("renders the objects the TrendMaster-AI integration guide names (default values)", () => {
    const kinds = new Set(objectsOf("default values").map((o) => `${o.kind}/${o.metadata.name}`));
    for (const expected of [
      `Deployment/${FULLNAME}`,
      `Service/${FULLNAME}`,
      `PodDisruptionBudget/${FULLNAME}`,
      `CronJob/${FULLNAME}-cronjob`,
      `MutatingWebhookConfiguration/${FULLNAME}`,
      `ValidatingWebhookConfiguration/${FULLNAME}`,
      `Issuer/${FULLNAME}-selfsigned`,
      `Certificate/${FULLNAME}-ca`,
      `Issuer/${FULLNAME}-ca`,
      `Certificate/${FULLNAME}-tls`,
      `ConfigMap/${FULLNAME}-settings`,
      `ServiceAccount/${FULLNAME}-webhook`,
      `ServiceAccount/${FULLNAME}`,
    ]) {
      expect(kinds).toContain(expected);
    }
    // Monitoring is off by default: no prometheus-operator CRDs needed.
    expect([...kinds].filter((k) => /^(ServiceMonitor|PrometheusRule)\//.test(k))).toEqual([]);
  });

  it("the guide's environment files turn on ServiceMonitor, PrometheusRule and the dashboard", () => {
    for (const scenario of ["values-orp2.yaml", "values-prd1.yaml"]) {
      const objects = objectsOf(scenario);
      expect(findObject(objects, "ServiceMonitor", FULLNAME).kind).toBe("ServiceMonitor");
      expect(findObject(objects, "PrometheusRule", FULLNAME).kind).toBe("PrometheusRule");
      const dashboard = findObject(objects, "ConfigMap", `${FULLNAME}-dashboard`) as KubeObject & { data: Record<string, string> };
      expect(dashboard.metadata.labels?.grafana_dashboard).toBe("1");
      const board = JSON.parse(dashboard.data["trendmaster.json"] ?? "") as { uid: string; panels: { title: string; targets?: { expr: string }[] }[] };
      expect(board.uid).toBe("trendmaster-ai");
      const titles = board.panels.map((p) => p.title);
      expect(titles).toEqual(expect.arrayContaining(["Limit: current and recommended", "Actual peak / forecast peak", "Clamps", "Cycles by outcome"]));
      const exprs = board.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)).join("\n");
      for (const metric of ["trendmaster_rule_limit", "trendmaster_rule_forecast_peak_ratio", "trendmaster_webhook_clamps_total", "trendmaster_cycles_total"]) expect(exprs).toContain(metric);
    }
  });

  it.each(["values-orp2.yaml", "values-prd1.yaml", "CronJob mode (prd1)"])("promtool accepts the PrometheusRule's alert rules: %s", async (scenario) => {
    const rule = findObject(objectsOf(scenario), "PrometheusRule", FULLNAME) as unknown as IPrometheusRule;
    const groups = rule.spec.groups ?? [];
    const common = ["TrendMasterCycleFailed", "TrendMasterForecastStale", "TrendMasterTargetDown", "TrendMasterUnguardedWrite", "TrendMasterWebhookErrors"];
    const expected = scenario.startsWith("CronJob") ? [...common, "TrendMasterCycleJobFailed"].sort() : common;
    expect(groups.flatMap((g) => (g.rules ?? []).map((r) => r.alert)).sort()).toEqual(expected);
    const promtool = await run("sh", ["-c", "command -v promtool"]).then((r) => r.stdout.trim(), () => "");
    if (promtool === "") {
      console.warn("skipping promtool check: promtool not installed (apt-get install prometheus)");
      return;
    }
    const file = join(mkdtempSync(join(tmpdir(), "trendmaster-rules-")), "rules.yaml");
    writeFileSync(file, yaml.dump({ groups }));
    const { stdout } = await run(promtool, ["check", "rules", file]);
    expect(stdout).toContain(`SUCCESS: ${expected.length} rules found`);
  });
});
