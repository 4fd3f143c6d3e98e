// argocd/: every manifest matches the Argo CD CRD schemas, each Application renders the chart it
// points at, the project admits exactly what the chart renders, and the ratelimit-config owner's
// ignoreDifferences cover what TrendMaster writes.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import yaml from "js-yaml";
import type { IAppProject } from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1/AppProject";
import type { IApplication } from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application";
import { ANNOTATIONS, GUARDED_DIGEST_ANNOTATION } from "../../ratelimit/annotations.js";
import { helmPath, missingBinaryMessage } from "../support/binaries.js";
import { repoRoot } from "../support/paths.js";
import { schemaProblems } from "./kube-schemas.js";
import { CHART_DIR, renderChart, type KubeObject } from "./render.js";

const ARGOCD_DIR = join(repoRoot(), "argocd");

function loadManifests(): { file: string; object: KubeObject }[] {
  return readdirSync(ARGOCD_DIR)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .flatMap((file) => yaml.loadAll(readFileSync(join(ARGOCD_DIR, file), "utf8")).map((object) => ({ file, object: object as KubeObject })));
}

const manifests = loadManifests();
const trendmasterApps = manifests.filter((m) => m.file.startsWith("trendmaster-ai-")).map((m) => m.object as unknown as IApplication & KubeObject);
const project = manifests.find((m) => m.file === "project.yaml")?.object as unknown as IAppProject;
const ratelimitApp = manifests.find((m) => m.file === "istio-ratelimit-ignore-differences.yaml")?.object as unknown as IApplication;

describe("argocd manifests", () => {
  it("every manifest matches the Argo CD schemas", () => {
    expect(manifests.map((m) => m.file)).toEqual(["istio-ratelimit-ignore-differences.yaml", "project.yaml", "trendmaster-ai-orp2.yaml", "trendmaster-ai-prd1.yaml"]);
    expect(manifests.flatMap((m) => schemaProblems(m.object))).toEqual([]);
  });

  it.each(trendmasterApps.map((a) => [a.metadata.name, a] as const))("%s: fixed release name, values file shipped with the chart, automated sync with prune and self-heal", (_name, app) => {
    const source = app.spec.source;
    expect(source?.helm?.releaseName).toBe("trendmaster-ai");
    expect(source?.path).toBe("charts/trendmaster-ai");
    for (const file of source?.helm?.valueFiles ?? []) expect(readFileSync(join(CHART_DIR, file), "utf8")).toContain("trendmaster_ai:");
    expect(source?.helm?.valueFiles).toHaveLength(1);
    expect(app.spec.syncPolicy?.automated).toEqual({ prune: true, selfHeal: true });
    expect(app.spec.syncPolicy?.syncOptions).toEqual(expect.arrayContaining(["CreateNamespace=true", "RespectIgnoreDifferences=true"]));
    expect(app.spec.project).toBe(project.metadata?.name);
    expect(app.spec.destination.namespace).toBe("trendmaster");
  });

  it("the ratelimit-config owner ignores config.yaml and every annotation TrendMaster writes, and respects that on sync", () => {
    expect(ratelimitApp.spec.syncPolicy?.syncOptions).toContain("RespectIgnoreDifferences=true");
    const ignore = ratelimitApp.spec.ignoreDifferences?.find((i) => i.kind === "ConfigMap" && i.name === "ratelimit-config");
    expect(ignore?.namespace).toBe("istio-system");
    expect(ignore?.group).toBe("");
    const written = [GUARDED_DIGEST_ANNOTATION, ANNOTATIONS.generation, ANNOTATIONS.appliedAt, ANNOTATIONS.rulesChanged];
    expect(ignore?.jqPathExpressions?.sort()).toEqual(['.data."config.yaml"', ...written.map((a) => `.metadata.annotations."${a}"`)].sort());
  });
});

const haveHelm = helmPath() !== undefined;
if (!haveHelm) console.warn(missingBinaryMessage("helm"));
(haveHelm ? describe : describe.skip)("argocd Applications against the rendered chart", () => {
  const renderedByApp = new Map<string, KubeObject[]>();
  beforeAll(async () => {
    for (const app of trendmasterApps) {
      const helm = app.spec.source?.helm;
      renderedByApp.set(app.metadata.name, await renderChart({ valuesFiles: helm?.valueFiles ?? [], namespace: app.spec.destination.namespace ?? "" }));
    }
  });

  it.each(trendmasterApps.map((a) => [a.metadata.name, a] as const))("%s: ignoreDifferences names the webhook configurations the chart renders", (name, app) => {
    const webhooks = (renderedByApp.get(name) ?? []).filter((o) => o.kind.endsWith("WebhookConfiguration"));
    expect(webhooks).toHaveLength(2);
    for (const webhook of webhooks) {
      const ignore = app.spec.ignoreDifferences?.find((i) => i.kind === webhook.kind && i.name === webhook.metadata.name && i.group === "admissionregistration.k8s.io");
      expect(ignore?.jqPathExpressions).toEqual([".webhooks[]?.clientConfig.caBundle"]);
      expect(webhook.metadata.annotations?.["cert-manager.io/inject-ca-from"]).toBeDefined();
    }
  });

  it.each(trendmasterApps.map((a) => [a.metadata.name] as const))("%s: the AppProject admits every object the chart renders, and no more namespaces", (name) => {
    // Argo CD maps Helm's install/upgrade hooks to its own and leaves `helm test` hooks out of a
    // sync (no Argo CD equivalent): they never reach the project's whitelists.
    const objects = (renderedByApp.get(name) ?? []).filter((o) => o.metadata.annotations?.["helm.sh/hook"] !== "test");
    const group = (o: KubeObject) => (o.apiVersion.includes("/") ? o.apiVersion.split("/")[0] : "");
    const allowed = (list: readonly { group: string; kind: string }[] | undefined, o: KubeObject) => (list ?? []).some((e) => e.group === group(o) && e.kind === o.kind);
    const refused = objects.filter((o) => !(o.metadata.namespace === undefined ? allowed(project.spec?.clusterResourceWhitelist, o) : allowed(project.spec?.namespaceResourceWhitelist, o)));
    expect(refused.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
    const namespaces = new Set(objects.flatMap((o) => (o.metadata.namespace ? [o.metadata.namespace] : [])));
    expect([...namespaces].sort()).toEqual((project.spec?.destinations ?? []).map((d) => d.namespace).sort());
  });
});
