// The TrendMaster-AI integration guide's two values blocks pasted verbatim (orp2 and prd1), installed
// into `default` as the guide assumes: they render and lint, each key does what the guide says, and
// the guide's commands find what they look for (the app=trendmaster-ai label on every pod, the
// trendmaster-ai ServiceAccount and its `auth can-i` answer with the real kubectl, the CronJob).
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import yaml from "js-yaml";
import type { IPodSpec } from "kubernetes-models/v1/PodSpec";
import { startKubeApiStandIn, type KubeApiStandIn } from "../stand-ins/kube-apiserver/index.js";
import { helmPath, kubectlPath, missingBinaryMessage } from "../support/binaries.js";
import { runKubectl } from "../support/kubectl.js";
import { guideValuesText, writeGuideValuesFile, type GuideVariant } from "./guide-blocks.js";
import { canI, chartAuthorizer } from "./rbac-authorizer.js";
import { findObject, lintChart, objectsOfKind, renderChart, type KubeObject } from "./render.js";
import { cronJobOf, deploymentOf, envOf, workloadPodSpecsOf } from "./scenarios.js";

const NAMESPACE = "default";
const GUIDE_CAN_I = "kubectl auth can-i get configmaps --namespace=istio-system --as=system:serviceaccount:default:trendmaster-ai";
const VARIANTS: readonly GuideVariant[] = ["orp2", "prd1"];

interface SlackSettings {
  channels?: string[];
  alerts?: Record<string, boolean>;
  botTokenFile?: string;
}

function slackSettingsOf(objects: readonly KubeObject[]): SlackSettings {
  const configMap = findObject(objects, "ConfigMap", "trendmaster-ai-settings") as KubeObject & { data: Record<string, string> };
  return (yaml.load(configMap.data["settings.yaml"] ?? "") as { slack: SlackSettings }).slack;
}

/** The guide's values text with one line changed, as a values file. */
function editedGuideValues(variant: GuideVariant, from: string, to: string): string {
  const text = guideValuesText(variant);
  if (!text.includes(from)) throw new Error(`the guide's ${variant} values have no ${from}`);
  const file = join(mkdtempSync(join(tmpdir(), "trendmaster-guide-edit-")), "values.yaml");
  writeFileSync(file, text.replace(from, to));
  return file;
}

const slackVolumeOf = (spec: IPodSpec | undefined) => spec?.volumes?.find((v) => v.name === "slack");

const haveHelm = helmPath() !== undefined;
if (!haveHelm) console.warn(missingBinaryMessage("helm"));

(haveHelm ? describe : describe.skip)("the guide's values blocks, verbatim, in namespace default", () => {
  const rendered = new Map<GuideVariant, KubeObject[]>();
  beforeAll(async () => {
    for (const variant of VARIANTS) rendered.set(variant, await renderChart({ valuesFiles: [writeGuideValuesFile(variant)], namespace: NAMESPACE }));
  });
  const objectsOf = (variant: GuideVariant): KubeObject[] => rendered.get(variant) ?? [];

  it.each(VARIANTS)("%s: helm lint --strict passes", async (variant) => {
    const result = await lintChart({ valuesFiles: [writeGuideValuesFile(variant)], namespace: NAMESPACE });
    expect(result.stderr).not.toContain("Error");
    expect(result.ok).toBe(true);
  });

  it.each([
    ["orp2", "https://trickster.orp2.ott.example.com", "true", { requests: { cpu: "200m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } }],
    ["prd1", "https://trickster.prd1.ott.example.com", "false", { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } }],
  ] as const)("%s: trendmaster_ai.* reach the forecaster (URL, dry run, level, schedule, resources)", (variant, url, dryRun, resources) => {
    const spec = deploymentOf(objectsOf(variant)).spec?.template.spec;
    expect(spec && envOf(spec, "forecaster")).toMatchObject({ PROMETHEUS_URL: url, DRY_RUN: dryRun, LOG_LEVEL: "info", SCHEDULE: "0 */6 * * *" });
    expect(spec?.containers.find((c) => c.name === "forecaster")?.resources).toEqual(resources);
    expect(cronJobOf(objectsOf(variant)).spec?.schedule).toBe("0 */6 * * *");
  });

  it.each(VARIANTS)("%s: the three alerts switch Slack notifications on, sent to both channels with the token from the Secret", (variant) => {
    const objects = objectsOf(variant);
    expect(slackSettingsOf(objects)).toEqual({
      channels: ["#alerts", "#platform-team"],
      alerts: { rate_limit_changes: true, ml_confidence_low: true, system_errors: true },
      botTokenFile: "/var/run/secrets/trendmaster/slack/token",
    });
    for (const { spec } of workloadPodSpecsOf(objects)) {
      expect(slackVolumeOf(spec)?.secret).toMatchObject({ secretName: "trendmaster-ai-slack", items: [{ key: "token", path: "token" }] });
    }
  });

  it.each([["rate_limit_changes"], ["ml_confidence_low"], ["system_errors"]])("alerts.%s: \"false\" switches that notification off and leaves the others on", async (alert) => {
    const objects = await renderChart({ valuesFiles: [editedGuideValues("orp2", `${alert}: "true"`, `${alert}: "false"`)], namespace: NAMESPACE });
    const alerts = slackSettingsOf(objects).alerts ?? {};
    expect(alerts[alert]).toBe(false);
    expect(Object.entries(alerts).filter(([kind]) => kind !== alert).every(([, on]) => on)).toBe(true);
  });

  it("monitoring enabled \"false\": no Slack, no Secret mount, no PrometheusRule or ServiceMonitor", async () => {
    const objects = await renderChart({ valuesFiles: [editedGuideValues("orp2", `trendmaster_ai:\n    enabled: "true"`, `trendmaster_ai:\n    enabled: "false"`)], namespace: NAMESPACE });
    expect(slackSettingsOf(objects)).toEqual({});
    expect(workloadPodSpecsOf(objects).map(({ spec }) => slackVolumeOf(spec))).toEqual([undefined, undefined]);
    expect(objects.filter((o) => o.kind === "PrometheusRule" || o.kind === "ServiceMonitor")).toEqual([]);
  });

  it.each(VARIANTS)("%s: the PrometheusRule's alerts carry the guide's channels for Alertmanager routing", (variant) => {
    const rule = findObject(objectsOf(variant), "PrometheusRule", "trendmaster-ai") as KubeObject & { spec: { groups: { rules: { labels: Record<string, string>; annotations: Record<string, string> }[] }[] } };
    for (const alert of rule.spec.groups.flatMap((g) => g.rules)) {
      expect(alert.labels.slack_channel).toBe("#alerts");
      expect(alert.annotations.slack_channels).toBe("#alerts,#platform-team");
    }
  });

  it.each(VARIANTS)("%s: every pod, and every Job of the CronJob, carries app=trendmaster-ai", (variant) => {
    const objects = objectsOf(variant);
    const deployment = findObject(objects, "Deployment", "trendmaster-ai") as KubeObject & { spec: { template: { metadata: { labels: Record<string, string> } } } };
    expect(deployment.spec.template.metadata.labels.app).toBe("trendmaster-ai");
    const cronJob = cronJobOf(objects);
    expect(cronJob.spec?.jobTemplate.metadata?.labels?.app).toBe("trendmaster-ai");
    expect(cronJob.spec?.jobTemplate.spec?.template.metadata?.labels?.app).toBe("trendmaster-ai");
    for (const pod of objectsOfKind(objects, "Pod")) expect(pod.metadata.labels?.app).toBe("trendmaster-ai");
  });

  it.each(VARIANTS)("%s: the ServiceAccount trendmaster-ai runs the forecaster and may get istio-system ConfigMaps, as the guide checks", (variant) => {
    const objects = objectsOf(variant);
    expect(findObject(objects, "ServiceAccount", "trendmaster-ai").metadata.namespace).toBe(NAMESPACE);
    expect(cronJobOf(objects).spec?.jobTemplate.spec?.template.spec?.serviceAccountName).toBe("trendmaster-ai");
    const account = { namespace: NAMESPACE, name: "trendmaster-ai" };
    expect(canI(objects, { serviceAccount: account, verb: "get", apiGroup: "", resource: "configmaps", namespace: "istio-system" })).toBe(true);
    expect(canI(objects, { serviceAccount: account, verb: "list", apiGroup: "", resource: "configmaps", namespace: "istio-system" })).toBe(false);
    expect(canI(objects, { serviceAccount: account, verb: "update", apiGroup: "", resource: "configmaps", namespace: "istio-system", name: "istio" })).toBe(false);
  });

  it.each(VARIANTS)("%s: the manual run's CronJob trendmaster-ai-cronjob is in default", (variant) => {
    expect(cronJobOf(objectsOf(variant)).metadata?.namespace).toBe(NAMESPACE);
  });
});

const kubectl = kubectlPath();
if (kubectl === undefined) console.warn(missingBinaryMessage("kubectl"));
// The stand-in has no impersonation: the check runs with the ServiceAccount's own kubeconfig in
// place of --as, and kubectl still sends the SelfSubjectAccessReview the guide's line implies.
(haveHelm && kubectl !== undefined ? describe : describe.skip)("the guide's auth can-i check with the real kubectl", () => {
  let api: KubeApiStandIn;
  beforeAll(async () => {
    const objects = await renderChart({ valuesFiles: [writeGuideValuesFile("prd1")], namespace: NAMESPACE });
    api = await startKubeApiStandIn({ users: [{ name: "system:serviceaccount:default:trendmaster-ai", groups: ["system:serviceaccounts"] }], namespaces: ["default", "istio-system"], authorize: chartAuthorizer(objects) });
  });
  afterAll(async () => {
    await api?.stop();
  });

  it(GUIDE_CAN_I, async () => {
    const args = GUIDE_CAN_I.replace(/^kubectl /, "").replace(/\s+--as=\S+/, "").split(/\s+/);
    // KUBECONFIG is a colon-separated list: a path without the ServiceAccount's colons.
    const kubeconfig = join(mkdtempSync(join(tmpdir(), "trendmaster-guide-can-i-")), "kubeconfig.yaml");
    copyFileSync(api.kubeconfigPath("system:serviceaccount:default:trendmaster-ai"), kubeconfig);
    const result = await runKubectl(kubectl as string, kubeconfig, args);
    expect(result.stdout).toBe("yes\n");
    expect(result.code).toBe(0);
  });
});
