// The chart's opt-in keys: extraEnv/extraVolumes/extraVolumeMounts and podAnnotations/podLabels on
// every pod and container, the NetworkPolicy, and a guarded ConfigMap in another namespace/name.
import type { INetworkPolicy } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicy";
import type { IValidatingWebhookConfiguration } from "kubernetes-models/admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration";
import yaml from "js-yaml";
import { helmPath, missingBinaryMessage } from "../support/binaries.js";
import { canI } from "./rbac-authorizer.js";
import { findObject, objectsOfKind, renderChart, type KubeObject } from "./render.js";
import { FULLNAME, SCENARIOS, renderScenarios, workloadPodSpecsOf } from "./scenarios.js";

const OPT_INS = SCENARIOS.find((s) => s.name.startsWith("opt-ins"))?.name ?? "";
const haveHelm = helmPath() !== undefined;
if (!haveHelm) console.warn(missingBinaryMessage("helm"));

(haveHelm ? describe : describe.skip)("the chart's opt-in keys", () => {
  let rendered: Map<string, KubeObject[]>;
  beforeAll(async () => {
    rendered = await renderScenarios();
  });
  const objectsOf = (scenario: string): KubeObject[] => rendered.get(scenario) ?? [];

  it("extraEnv, extraVolumeMounts on every container and extraVolumes, podLabels, podAnnotations on every pod", () => {
    const pods = workloadPodSpecsOf(objectsOf(OPT_INS));
    expect(pods.map((p) => p.owner).sort()).toEqual([`CronJob/${FULLNAME}-cronjob`, `Deployment/${FULLNAME}`]);
    for (const { spec } of pods) {
      expect(spec.volumes).toContainEqual({ name: "corp-ca", secret: { secretName: "corp-ca" } });
      for (const container of spec.containers) {
        expect(container.env).toContainEqual({ name: "HTTPS_PROXY", value: "http://proxy.example.com:3128" });
        expect(container.volumeMounts).toContainEqual({ name: "corp-ca", mountPath: "/etc/corp-ca", readOnly: true });
      }
    }
    const deployment = findObject(objectsOf(OPT_INS), "Deployment", FULLNAME) as KubeObject & { spec: { template: { metadata: { labels: Record<string, string>; annotations: Record<string, string> } } } };
    expect(deployment.spec.template.metadata.labels).toMatchObject({ team: "platform", app: FULLNAME });
    expect(deployment.spec.template.metadata.annotations).toMatchObject({ "example.com/team": "platform" });
  });

  it("no NetworkPolicy unless asked for", () => {
    expect(objectsOfKind(objectsOf("values-prd1.yaml"), "NetworkPolicy")).toEqual([]);
  });

  it("the NetworkPolicy admits the API server's CIDRs and Prometheus to the webhook pods, ingress only", () => {
    const policy = findObject(objectsOf(OPT_INS), "NetworkPolicy", FULLNAME) as unknown as INetworkPolicy;
    expect(policy.spec?.policyTypes).toEqual(["Ingress"]);
    expect(policy.spec?.podSelector.matchLabels).toEqual({ "app.kubernetes.io/name": FULLNAME, "app.kubernetes.io/instance": "trendmaster-ai", "app.kubernetes.io/component": "webhook" });
    const ingress = policy.spec?.ingress ?? [];
    expect(ingress[0]).toEqual({ ports: [{ port: 8443, protocol: "TCP" }], from: [{ ipBlock: { cidr: "10.0.0.0/16" } }, { ipBlock: { cidr: "172.20.0.0/16" } }] });
    expect(ingress[1]).toEqual({
      ports: [{ port: 8443, protocol: "TCP" }, { port: 9090, protocol: "TCP" }],
      from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } } }],
    });
    // The pods it selects are the webhook Deployment's.
    const deployment = findObject(objectsOf(OPT_INS), "Deployment", FULLNAME) as KubeObject & { spec: { template: { metadata: { labels: Record<string, string> } } } };
    expect(deployment.spec.template.metadata.labels).toMatchObject(policy.spec?.podSelector.matchLabels ?? { missing: "selector" });
  });

  it("a guarded ConfigMap elsewhere: webhooks, RBAC and both processes' settings follow ratelimitConfig.namespace/name", async () => {
    const objects = await renderChart({ valuesFiles: ["values-prd1.yaml"], setString: { "ratelimitConfig.namespace": "ratelimit", "ratelimitConfig.name": "ratelimit-limits" } });
    const webhooks = findObject(objects, "ValidatingWebhookConfiguration", FULLNAME) as unknown as IValidatingWebhookConfiguration;
    expect(webhooks.webhooks?.[0]?.matchConditions?.[0]?.expression).toBe("request.namespace == 'ratelimit' && object.metadata.name == 'ratelimit-limits'");
    expect(webhooks.webhooks?.[0]?.namespaceSelector).toEqual({ matchLabels: { "kubernetes.io/metadata.name": "ratelimit" } });
    const forecaster = { namespace: "trendmaster", name: FULLNAME };
    expect(canI(objects, { serviceAccount: forecaster, verb: "update", apiGroup: "", resource: "configmaps", namespace: "ratelimit", name: "ratelimit-limits" })).toBe(true);
    expect(canI(objects, { serviceAccount: forecaster, verb: "update", apiGroup: "", resource: "configmaps", namespace: "istio-system", name: "ratelimit-config" })).toBe(false);
    const settings = findObject(objects, "ConfigMap", `${FULLNAME}-settings`) as KubeObject & { data: Record<string, string> };
    expect((yaml.load(settings.data["settings.yaml"] ?? "") as { ratelimitConfig: unknown }).ratelimitConfig).toEqual({ namespace: "ratelimit", name: "ratelimit-limits" });
  });
});
