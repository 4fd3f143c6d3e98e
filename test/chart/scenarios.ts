// The values sets every chart test renders: the defaults, the guide's two environment files, and
// each mode the chart switches on.
import type { IDeployment } from "kubernetes-models/apps/v1/Deployment";
import type { ICronJob } from "kubernetes-models/batch/v1/CronJob";
import type { IPodSpec } from "kubernetes-models/v1/PodSpec";
import { join } from "node:path";
import { repoRoot } from "../support/paths.js";
import { findObject, renderChart, type KubeObject, type RenderOptions } from "./render.js";

export interface Scenario {
  readonly name: string;
  readonly options: RenderOptions;
}

export const SCENARIOS: readonly Scenario[] = [
  { name: "default values", options: {} },
  { name: "values-orp2.yaml", options: { valuesFiles: ["values-orp2.yaml"] } },
  { name: "values-prd1.yaml", options: { valuesFiles: ["values-prd1.yaml"] } },
  { name: "CronJob mode (prd1)", options: { valuesFiles: ["values-prd1.yaml"], setString: { "forecaster.mode": "cronjob" } } },
  { name: "dry-run mode (prd1 with dry_run true)", options: { valuesFiles: ["values-prd1.yaml"], setString: { "trendmaster_ai.dry_run": "true" } } },
  { name: "Slack bot token (prd1)", options: { valuesFiles: ["values-prd1.yaml"], setString: { "slack.existingSecret": "trendmaster-slack" } } },
  {
    name: "Slack webhook URL, existing ClusterIssuer, monitoring",
    options: {
      valuesFiles: ["values-orp2.yaml"],
      setString: { "slack.existingSecret": "trendmaster-slack", "slack.webhookUrlKey": "url", "certManager.issuer.name": "platform-ca", "certManager.issuer.kind": "ClusterIssuer" },
      set: { "certManager.issuer.create": "false" },
    },
  },
  { name: "no cert-manager (prd1)", options: { valuesFiles: ["values-prd1.yaml"], set: { "certManager.enabled": "false" } } },
  {
    name: "opt-ins: NetworkPolicy, extra env and volumes, pod labels (prd1)",
    options: { valuesFiles: ["values-prd1.yaml", join(repoRoot(), "test", "chart", "values", "opt-ins.yaml")] },
  },
];

/** Renders every scenario once; tests share the result. */
export async function renderScenarios(): Promise<Map<string, KubeObject[]>> {
  const rendered = new Map<string, KubeObject[]>();
  await Promise.all(SCENARIOS.map(async (s) => rendered.set(s.name, await renderChart(s.options))));
  return rendered;
}

export const FULLNAME = "trendmaster-ai";

export function deploymentOf(objects: readonly KubeObject[]): IDeployment {
  return findObject(objects, "Deployment", FULLNAME) as unknown as IDeployment;
}

export function cronJobOf(objects: readonly KubeObject[]): ICronJob {
  return findObject(objects, "CronJob", `${FULLNAME}-cronjob`) as unknown as ICronJob;
}

/** The pods that run TrendMaster (webhook Deployment, CronJob), without the `helm test` pod. */
export function workloadPodSpecsOf(objects: readonly KubeObject[]): { owner: string; spec: IPodSpec }[] {
  return podSpecsOf(objects).filter((p) => !p.owner.startsWith("Pod/"));
}

/** Every pod template the chart renders, named by its owner (the `helm test` pod as Pod/NAME). */
export function podSpecsOf(objects: readonly KubeObject[]): { owner: string; spec: IPodSpec }[] {
  const pods: { owner: string; spec: IPodSpec }[] = [];
  for (const object of objects) {
    if (object.kind === "Deployment") {
      const spec = (object as unknown as IDeployment).spec?.template.spec;
      if (spec) pods.push({ owner: `Deployment/${object.metadata.name}`, spec });
    } else if (object.kind === "CronJob") {
      const spec = (object as unknown as ICronJob).spec?.jobTemplate.spec?.template.spec;
      if (spec) pods.push({ owner: `CronJob/${object.metadata.name}`, spec });
    } else if (object.kind === "Pod") {
      // The `helm test` pod.
      const spec = (object as unknown as { spec?: IPodSpec }).spec;
      if (spec) pods.push({ owner: `Pod/${object.metadata.name}`, spec });
    } else if (["Job", "StatefulSet", "DaemonSet", "ReplicaSet"].includes(object.kind)) {
      throw new Error(`podSpecsOf: ${object.kind}/${object.metadata.name} is not covered; add it`);
    }
  }
  return pods;
}

export function envOf(spec: IPodSpec, container: string): Record<string, string> {
  const found = spec.containers.find((c) => c.name === container);
  if (found === undefined) throw new Error(`no container ${container}`);
  const env: Record<string, string> = {};
  for (const variable of found.env ?? []) env[variable.name] = variable.value ?? (variable.valueFrom ? "<valueFrom>" : "");
  return env;
}
