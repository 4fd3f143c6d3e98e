// The chart against the app it deploys: every rendered container's arguments, environment and
// mounted files pass the app's own start-up validation (the original chart's rendered config did
// not), and every metric the alerts and the dashboard query is one the app exports.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IPodSpec } from "kubernetes-models/v1/PodSpec";
import { buildForecasterConfig } from "../../forecaster/config.js";
import { ForecasterMetrics } from "../../forecaster/io/metrics.js";
import { buildWebhookConfig } from "../../webhook/config.js";
import { createWebhookMetrics } from "../../webhook/metrics.js";
import { helmPath, missingBinaryMessage } from "../support/binaries.js";
import { repoRoot } from "../support/paths.js";
import { webhookNodeArgs } from "../support/webhook-node-args.js";
import { RELEASE_NAMESPACE, findObject, renderChart, renderChartError, type KubeObject } from "./render.js";
import { FULLNAME, SCENARIOS, podSpecsOf, renderScenarios } from "./scenarios.js";

const haveHelm = helmPath() !== undefined;
if (!haveHelm) console.warn(missingBinaryMessage("helm"));
const describeWithHelm = haveHelm ? describe : describe.skip;

/** What a container sees at run time: its environment as the kubelet sets it, and its mounted files. */
interface ContainerView {
  env: Record<string, string>;
  readText(path: string): string | undefined;
  exists(path: string): boolean;
}

function containerView(objects: readonly KubeObject[], pod: IPodSpec, container: IContainer): ContainerView {
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    if (variable.value !== undefined) env[variable.name] = variable.value;
    else if (variable.valueFrom?.fieldRef?.fieldPath === "metadata.namespace") env[variable.name] = RELEASE_NAMESPACE;
    else if (variable.valueFrom?.fieldRef?.fieldPath === "metadata.name") env[variable.name] = `${FULLNAME}-7d9c8b6f5-x2x4q`;
    else throw new Error(`containerView: cannot resolve env ${variable.name}`);
  }
  const files = new Map<string, string>();
  for (const mount of container.volumeMounts ?? []) {
    const volume = pod.volumes?.find((v) => v.name === mount.name);
    if (volume?.configMap) {
      const configMap = findObject(objects, "ConfigMap", volume.configMap.name ?? "") as KubeObject & { data?: Record<string, string> };
      for (const [key, text] of Object.entries(configMap.data ?? {})) files.set(`${mount.mountPath}/${key}`, text);
    } else if (volume?.secret) {
      // The Secret's content is the cluster's; the kubelet projects the listed keys (or all of a cert-manager TLS Secret).
      const paths = volume.secret.items?.map((i) => i.path) ?? ["tls.crt", "tls.key", "ca.crt"];
      // A stamp key ring holds keys of at least 32 characters, as `openssl rand -base64 48` makes them.
      const content = mount.name === "stamp-key" ? `${"(secret content: a stamp key)".padEnd(64, "=")}\n` : "(secret content)";
      for (const path of paths) files.set(`${mount.mountPath}/${path}`, content);
    }
  }
  return { env, readText: (path) => files.get(path), exists: (path) => files.has(path) };
}

function forecasterContainers(objects: readonly KubeObject[]): { owner: string; view: ContainerView; args: readonly string[] }[] {
  return podSpecsOf(objects).flatMap(({ owner, spec }) =>
    spec.containers.filter((c) => c.name === "forecaster").map((c) => ({ owner, view: containerView(objects, spec, c), args: c.args ?? [] })),
  );
}

describeWithHelm("chart against the app's own configuration checks", () => {
  let rendered: Map<string, KubeObject[]>;
  beforeAll(async () => {
    rendered = await renderScenarios();
  });
  const objectsOf = (scenario: string): KubeObject[] => rendered.get(scenario) ?? [];

  it.each(SCENARIOS.map((s) => [s.name] as const))("every forecaster container's env and settings pass buildForecasterConfig: %s", (scenario) => {
    const containers = forecasterContainers(objectsOf(scenario));
    expect(containers.length).toBeGreaterThanOrEqual(1);
    for (const { owner, view } of containers) {
      const result = buildForecasterConfig({ env: view.env, readText: view.readText, cores: 2 });
      expect({ owner, problems: result.ok ? [] : result.problems }).toEqual({ owner, problems: [] });
      if (!result.ok) continue;
      // What the chart's RBAC and name policy assume about the running forecaster.
      expect(result.config.ratelimitConfig).toMatchObject({ namespace: "istio-system", name: "ratelimit-config" });
      expect(result.config.lease).toMatchObject({ namespace: RELEASE_NAMESPACE, name: "trendmaster-forecaster" });
      expect(result.config.history).toMatchObject({ namespace: RELEASE_NAMESPACE, namePrefix: "trendmaster-history" });
      expect(result.config.metrics.port).toBe(9090);
      expect(result.config.writer).toBe(`trendmaster-forecaster ${FULLNAME}-7d9c8b6f5-x2x4q`);
    }
  });

  it.each(SCENARIOS.map((s) => [s.name] as const))("the webhook container's args, env and mounts pass buildWebhookConfig: %s", (scenario) => {
    const objects = objectsOf(scenario);
    const pod = podSpecsOf(objects).find((p) => p.owner === `Deployment/${FULLNAME}`)?.spec as IPodSpec;
    const container = pod.containers.find((c) => c.name === "webhook") as IContainer;
    const view = containerView(objects, pod, container);
    const [command, ...args] = container.args ?? [];
    expect(command).toBe("webhook");
    const result = buildWebhookConfig({ args, env: view.env, readText: view.readText, exists: view.exists });
    expect(result.ok ? [] : result.problems).toEqual([]);
    if (!result.ok) return;
    expect(result.config.port).toBe(8443);
    expect(result.config.podNamespace).toBe(RELEASE_NAMESPACE);
    expect(result.config.settings.forecastCacheName).toBe("trendmaster-forecast");
  });

  it("the webhook container runs the image's entrypoint with the chart's heap flags before the script, flags this node accepts", async () => {
    const entrypoint = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(readFileSync(join(repoRoot(), "Dockerfile"), "utf8"))?.[1] ?? "[]") as string[];
    expect(entrypoint).toEqual(["node", "/app/dist/cli/main.js"]);
    const flags = webhookNodeArgs();
    expect(flags).toEqual(["--max-old-space-size=256", "--initial-old-space-size=128"]);
    const webhookOf = (objects: readonly KubeObject[]) => (podSpecsOf(objects).find((p) => p.owner === `Deployment/${FULLNAME}`)?.spec as IPodSpec).containers.find((c) => c.name === "webhook");
    expect(webhookOf(objectsOf("values-prd1.yaml"))?.command).toEqual(["node", ...flags, "/app/dist/cli/main.js"]);
    expect(webhookOf(await renderChart({ set: { "webhook.maxOldSpaceMiB": "0", "webhook.initialOldSpaceMiB": "0" } }))?.command).toEqual(entrypoint);
    expect(await renderChartError({ set: { "webhook.initialOldSpaceMiB": "512" } })).toContain("webhook.initialOldSpaceMiB (512) is larger than webhook.maxOldSpaceMiB (256)");
    // A flag node does not know stops the process before it serves: the pod would never start.
    const probe = spawnSync(process.execPath, [...flags, "-e", "process.exit(0)"], { encoding: "utf8" });
    expect({ status: probe.status, stderr: probe.stderr }).toEqual({ status: 0, stderr: "" });
  });

  it("a renamed Lease and history prefix in forecaster.settings move RBAC and the name policy with them", async () => {
    const objects = await renderChart({ setString: { "forecaster.settings.lease.name": "tm-leader", "forecaster.settings.history.namePrefix": "tm-revision" } });
    const [view] = forecasterContainers(objects).map((c) => c.view);
    const result = view && buildForecasterConfig({ env: view.env, readText: view.readText, cores: 2 });
    expect(result?.ok && [result.config.lease.name, result.config.history.namePrefix]).toEqual(["tm-leader", "tm-revision"]);
    const role = findObject(objects, "Role", `${FULLNAME}-forecaster`) as KubeObject & { rules: { resources: string[]; resourceNames?: string[] }[] };
    expect(role.rules.filter((r) => r.resources.includes("leases")).flatMap((r) => r.resourceNames ?? [])).toEqual(["tm-leader"]);
    const policy = objects.find((o) => o.kind === "ValidatingAdmissionPolicy") as KubeObject & { spec: { validations: { expression: string }[] } };
    expect(policy.spec.validations[0]?.expression).toContain("^tm-revision-[0-9]+$");
  });

  it("every trendmaster_* metric in the alerts and the dashboard is one the app exports", () => {
    const exported = new Set<string>();
    for (const registry of [new ForecasterMetrics(10, { defaultMetrics: false }).registry, createWebhookMetrics().registry]) {
      for (const metric of registry.getMetricsAsArray()) exported.add(metric.name);
    }
    const objects = objectsOf("values-prd1.yaml");
    const text = [JSON.stringify(findObject(objects, "PrometheusRule", FULLNAME)), JSON.stringify(findObject(objects, "ConfigMap", `${FULLNAME}-dashboard`))].join("\n");
    const referenced = new Set([...text.matchAll(/\btrendmaster_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, "")));
    expect(referenced.size).toBeGreaterThan(10);
    expect([...referenced].filter((name) => !exported.has(name)).sort()).toEqual([]);
  });
});
