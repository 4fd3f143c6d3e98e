// The guide's values blocks as written (string booleans, "INFO"), the chart's modes, the values
// schema rejecting wrong values, and the CEL the API server evaluates before calling anything.
import { run as runCel } from "@bufbuild/cel";
import yaml from "js-yaml";
import type { IMutatingWebhookConfiguration } from "kubernetes-models/admissionregistration.k8s.io/v1/MutatingWebhookConfiguration";
import type { IValidatingAdmissionPolicy } from "kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy";
import type { IValidatingWebhookConfiguration } from "kubernetes-models/admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration";
import type { ICertificate } from "@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate";
import type { IService } from "kubernetes-models/v1/Service";
import { helmPath, missingBinaryMessage } from "../support/binaries.js";
import { RELEASE_NAMESPACE, findObject, objectsOfKind, renderChart, renderChartError, type KubeObject } from "./render.js";
import { FULLNAME, cronJobOf, deploymentOf, envOf, podSpecsOf, renderScenarios } from "./scenarios.js";

const haveHelm = helmPath() !== undefined;
if (!haveHelm) console.warn(missingBinaryMessage("helm"));
const describeWithHelm = haveHelm ? describe : describe.skip;

interface RenderedSettings {
  ratelimitConfig: { namespace: string; name: string };
  forecastCache: { name: string };
  webhook: { mode: string; maxForecastAgeHours: number; breakGlass: { users: string[]; groups: string[] }; forecasterUsers: string[] };
  guardStamp: { keyFile: string };
  forecaster: Record<string, unknown>;
  slack: Record<string, unknown>;
}

function settingsOf(objects: readonly KubeObject[]): RenderedSettings {
  const configMap = findObject(objects, "ConfigMap", `${FULLNAME}-settings`) as KubeObject & { data: Record<string, string> };
  return yaml.load(configMap.data["settings.yaml"] ?? "") as RenderedSettings;
}

describeWithHelm("chart values", () => {
  let rendered: Map<string, KubeObject[]>;
  beforeAll(async () => {
    rendered = await renderScenarios();
  });
  const objectsOf = (scenario: string): KubeObject[] => rendered.get(scenario) ?? [];

  it.each([
    ["values-orp2.yaml", "https://trickster.orp2.ott.example.com", "true", "audit"],
    ["values-prd1.yaml", "https://trickster.prd1.ott.example.com", "false", "enforce"],
    ["dry-run mode (prd1 with dry_run true)", "https://trickster.prd1.ott.example.com", "true", "audit"],
  ])("%s: the guide's block reaches the forecaster as env, lower-cased log level, webhook mode from dry_run", (scenario, url, dryRun, mode) => {
    const objects = objectsOf(scenario);
    const expected = { PROMETHEUS_URL: url, DRY_RUN: dryRun, LOG_LEVEL: "info", SCHEDULE: "0 */6 * * *", TRENDMASTER_SETTINGS: "/etc/trendmaster/settings.yaml", POD_NAMESPACE: "<valueFrom>", POD_NAME: "<valueFrom>" };
    const sidecar = deploymentOf(objects).spec?.template.spec;
    expect(sidecar && envOf(sidecar, "forecaster")).toMatchObject(expected);
    const job = cronJobOf(objects).spec?.jobTemplate.spec?.template.spec;
    expect(job && envOf(job, "forecaster")).toMatchObject(expected);
    expect(settingsOf(objects).webhook.mode).toBe(mode);
  });

  it("values-prd1.yaml: the guide's resources go to the forecaster, its Slack channels to the alerts' labels", () => {
    const objects = objectsOf("values-prd1.yaml");
    const forecaster = deploymentOf(objects).spec?.template.spec?.containers.find((c) => c.name === "forecaster");
    expect(forecaster?.resources).toEqual({ requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "2", memory: "2Gi" } });
    const rule = findObject(objects, "PrometheusRule", FULLNAME) as KubeObject & { spec: { groups: { rules: { labels: Record<string, string>; annotations: Record<string, string> }[] }[] } };
    const first = rule.spec.groups[0]?.rules[0];
    expect(first?.labels).toMatchObject({ severity: "critical", slack_channel: "#ott-ratelimit-alerts" });
    expect(first?.annotations.slack_channels).toBe("#ott-ratelimit-alerts,#ott-oncall");
  });

  it("the settings file carries what docs/settings.md names, and nothing secret", () => {
    const allAlerts = { rate_limit_changes: true, ml_confidence_low: true, system_errors: true };
    expect(settingsOf(objectsOf("values-prd1.yaml"))).toEqual({
      ratelimitConfig: { namespace: "istio-system", name: "ratelimit-config" },
      forecastCache: { name: "trendmaster-forecast" },
      webhook: { mode: "enforce", maxForecastAgeHours: 24, breakGlass: { users: [], groups: [] }, forecasterUsers: [`system:serviceaccount:${RELEASE_NAMESPACE}:${FULLNAME}`] },
      guardStamp: { keyFile: "/var/run/secrets/trendmaster/stamp/key" },
      forecaster: {},
      slack: { channels: ["#ott-ratelimit-alerts", "#ott-oncall"], alerts: allAlerts, botTokenFile: "/var/run/secrets/trendmaster/slack/token" },
    });
    expect(settingsOf(objectsOf("default values")).slack).toEqual({});
    expect(settingsOf(objectsOf("Slack bot token (prd1)")).slack).toEqual({
      channels: ["#ott-ratelimit-alerts", "#ott-oncall"],
      alerts: allAlerts,
      botTokenFile: "/var/run/secrets/trendmaster/slack/token",
    });
    expect(settingsOf(objectsOf("Slack webhook URL, existing ClusterIssuer, monitoring")).slack).toEqual({
      channels: ["#alerts", "#platform-team"],
      alerts: allAlerts,
      webhookUrlFile: "/var/run/secrets/trendmaster/slack/webhook-url",
    });
  });

  it("sidecar mode: two containers on the real ports, CronJob suspended; CronJob mode: webhook only, CronJob active", () => {
    const sidecar = objectsOf("values-prd1.yaml");
    const cron = objectsOf("CronJob mode (prd1)");
    const containers = (objects: readonly KubeObject[]) => deploymentOf(objects).spec?.template.spec?.containers.map((c) => [c.name, c.args, c.ports?.map((p) => p.containerPort)]);
    expect(containers(sidecar)).toEqual([
      ["webhook", ["webhook", "--port", "8443", "--cert", "/tls/tls.crt", "--key", "/tls/tls.key", "--settings", "/etc/trendmaster/settings.yaml"], [8443]],
      ["forecaster", ["forecaster"], [9090]],
    ]);
    expect(containers(cron)).toEqual([containers(sidecar)?.[0]]);
    expect(cronJobOf(sidecar).spec?.suspend).toBe(true);
    expect(cronJobOf(cron).spec?.suspend).toBe(false);
    const ports = (objects: readonly KubeObject[]) => (findObject(objects, "Service", FULLNAME) as unknown as IService).spec?.ports?.map((p) => [p.name, p.port, p.targetPort]);
    expect(ports(sidecar)).toEqual([["https", 443, "https"], ["metrics", 9090, "metrics"]]);
    expect(ports(cron)).toEqual([["https", 443, "https"]]);
  });

  it.each(["values-prd1.yaml", "CronJob mode (prd1)"])("%s: the CronJob the guide's manual run names runs one cycle, one at a time", (scenario) => {
    const cronJob = cronJobOf(objectsOf(scenario));
    expect(cronJob.metadata?.name).toBe("trendmaster-ai-cronjob");
    expect(cronJob.spec?.concurrencyPolicy).toBe("Forbid");
    expect(cronJob.spec?.successfulJobsHistoryLimit).toBe(3);
    expect(cronJob.spec?.failedJobsHistoryLimit).toBe(3);
    expect(cronJob.spec?.schedule).toBe("0 */6 * * *");
    const pod = cronJob.spec?.jobTemplate.spec?.template.spec;
    expect(pod?.restartPolicy).toBe("Never");
    expect(pod?.containers.map((c) => c.args)).toEqual([["run", "--once"]]);
  });

  it("probes hit the real health endpoints", () => {
    const spec = deploymentOf(objectsOf("values-prd1.yaml")).spec?.template.spec;
    const probes = spec?.containers.map((c) => [c.name, c.readinessProbe?.httpGet?.path, c.readinessProbe?.httpGet?.scheme ?? "HTTP", c.livenessProbe?.httpGet?.path, c.livenessProbe?.httpGet?.port]);
    expect(probes).toEqual([
      ["webhook", "/readyz", "HTTPS", "/healthz", "https"],
      ["forecaster", "/readyz", "HTTP", "/healthz", "metrics"],
    ]);
  });

  it("default: 2 replicas spread across nodes, a PodDisruptionBudget keeping one", () => {
    const objects = objectsOf("default values");
    const spec = deploymentOf(objects).spec;
    expect(spec?.replicas).toBe(2);
    expect(spec?.template.spec?.topologySpreadConstraints?.[0]).toMatchObject({ topologyKey: "kubernetes.io/hostname", maxSkew: 1 });
    expect(findObject(objects, "PodDisruptionBudget", FULLNAME)).toMatchObject({ spec: { minAvailable: 1, selector: { matchLabels: spec?.selector.matchLabels } } });
  });

  it("both webhooks: configmaps CREATE/UPDATE, NoneOnDryRun, short timeout, Ignore by default, CA from cert-manager", () => {
    const objects = objectsOf("values-prd1.yaml");
    const mutating = findObject(objects, "MutatingWebhookConfiguration", FULLNAME) as unknown as IMutatingWebhookConfiguration;
    const validating = findObject(objects, "ValidatingWebhookConfiguration", FULLNAME) as unknown as IValidatingWebhookConfiguration;
    for (const [config, path] of [[mutating, "/mutate"], [validating, "/validate"]] as const) {
      expect(config.metadata?.annotations?.["cert-manager.io/inject-ca-from"]).toBe(`${RELEASE_NAMESPACE}/${FULLNAME}-tls`);
      const hook = config.webhooks?.[0];
      expect(config.webhooks).toHaveLength(1);
      expect(hook).toMatchObject({
        sideEffects: "NoneOnDryRun",
        failurePolicy: "Ignore",
        timeoutSeconds: 5,
        admissionReviewVersions: ["v1"],
        clientConfig: { service: { name: FULLNAME, namespace: RELEASE_NAMESPACE, path, port: 443 } },
        rules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["configmaps"], scope: "Namespaced" }],
      });
    }
    const certificate = findObject(objects, "Certificate", `${FULLNAME}-tls`) as unknown as ICertificate;
    expect(certificate.spec.dnsNames).toEqual([FULLNAME, `${FULLNAME}.${RELEASE_NAMESPACE}`, `${FULLNAME}.${RELEASE_NAMESPACE}.svc`, `${FULLNAME}.${RELEASE_NAMESPACE}.svc.cluster.local`]);
    expect(certificate.spec).toMatchObject({ secretName: `${FULLNAME}-tls`, renewBefore: "720h", issuerRef: { kind: "Issuer", name: `${FULLNAME}-ca` } });
    const ca = findObject(objects, "Certificate", `${FULLNAME}-ca`) as unknown as ICertificate;
    expect(ca.spec).toMatchObject({ isCA: true, issuerRef: { kind: "Issuer", name: `${FULLNAME}-selfsigned` } });
    expect(findObject(objects, "Issuer", `${FULLNAME}-ca`)).toMatchObject({ spec: { ca: { secretName: `${FULLNAME}-ca` } } });
  });

  it("an existing issuer signs the serving certificate; no issuers of our own then", () => {
    const objects = objectsOf("Slack webhook URL, existing ClusterIssuer, monitoring");
    expect(objectsOfKind(objects, "Issuer")).toEqual([]);
    expect(objects.filter((o) => o.kind === "Certificate").map((o) => o.metadata.name)).toEqual([`${FULLNAME}-tls`]);
    expect((findObject(objects, "Certificate", `${FULLNAME}-tls`) as unknown as ICertificate).spec.issuerRef).toEqual({ group: "cert-manager.io", kind: "ClusterIssuer", name: "platform-ca" });
  });

  const request = (namespace: string, name: string) => ({ request: { namespace, name, operation: "UPDATE" }, object: { metadata: { name, namespace } } });
  it.each([
    ["ratelimit-config in istio-system", request("istio-system", "ratelimit-config"), true],
    ["another ConfigMap in istio-system", request("istio-system", "istio"), false],
    ["a ratelimit-config elsewhere", request("default", "ratelimit-config"), false],
  ])("the webhooks' matchConditions CEL: %s", (_name, input, expected) => {
    for (const kind of ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"]) {
      const config = findObject(objectsOf("values-prd1.yaml"), kind, FULLNAME) as unknown as IValidatingWebhookConfiguration;
      const conditions = config.webhooks?.[0]?.matchConditions ?? [];
      expect(conditions).toHaveLength(1);
      expect(conditions.every((c) => runCel(c.expression, input) === true)).toBe(expected);
    }
  });

  const policyInput = (name: string) => ({
    request: { name, namespace: RELEASE_NAMESPACE, operation: "CREATE", userInfo: { username: `system:serviceaccount:${RELEASE_NAMESPACE}:${FULLNAME}` } },
  });
  it.each([
    ["the forecast cache", "trendmaster-forecast", true],
    ["a history revision", "trendmaster-history-42", true],
    ["the chart's settings", `${FULLNAME}-settings`, false],
    ["a look-alike history name", "trendmaster-history-42-x", false],
  ])("the ValidatingAdmissionPolicy lets the forecaster write %s: %s -> %s", (_name, configMap, allowed) => {
    const policy = objectsOfKind(objectsOf("values-prd1.yaml"), "ValidatingAdmissionPolicy")[0] as unknown as IValidatingAdmissionPolicy;
    const matches = (policy.spec?.matchConditions ?? []).every((c) => runCel(c.expression, policyInput(configMap)) === true);
    expect(matches).toBe(true);
    expect(runCel(policy.spec?.matchConditions?.[0]?.expression ?? "", { request: { ...policyInput(configMap).request, userInfo: { username: "alice" } } })).toBe(false);
    const passes = (policy.spec?.validations ?? []).every((v) => runCel(v.expression, policyInput(configMap)) === true);
    expect(passes).toBe(allowed);
  });

  /** Kubernetes memory quantities the chart uses, in MiB. */
  const mebibytes = (quantity: string | number | undefined): number => {
    const match = /^(\d+)(Mi|Gi)$/.exec(String(quantity));
    if (match === null) throw new Error(`unexpected memory quantity ${String(quantity)}`);
    return Number(match[1]) * (match[2] === "Gi" ? 1024 : 1);
  };
  it.each([
    // A 1,000-rule cycle peaks at 420-455 MiB RSS; the webhook's working set after warm-up is 120-150 MiB.
    ["forecaster", 455],
    ["webhook", 150],
  ])("default values: the %s's memory request is at or above its measured working set (%d MiB)", (container, workingSetMiB) => {
    for (const { spec } of podSpecsOf(objectsOf("default values"))) {
      const found = spec.containers.find((c) => c.name === container);
      if (found !== undefined) expect(mebibytes(found.resources?.requests?.memory)).toBeGreaterThanOrEqual(workingSetMiB);
    }
  });

  it("forecaster.pushgateway.url reaches the settings file's forecaster.metrics, beside the forecaster.settings given", async () => {
    const objects = await renderChart({ valuesFiles: ["values-prd1.yaml"], setString: { "forecaster.mode": "cronjob", "forecaster.pushgateway.url": "http://prometheus-pushgateway.monitoring.svc:9091" }, set: { "forecaster.settings.metrics.maxRuleSeries": "50" } });
    expect(settingsOf(objects).forecaster).toEqual({ metrics: { maxRuleSeries: 50, pushgatewayUrl: "http://prometheus-pushgateway.monitoring.svc:9091" } });
    expect(settingsOf(objectsOf("CronJob mode (prd1)")).forecaster).toEqual({});
  });

  it.each([
    ["INFO", "info"],
    ["Debug", "debug"],
    ["WARNING", "warn"],
    ["error", "error"],
  ])("log_level %s becomes LOG_LEVEL=%s", async (level, expected) => {
    const objects = await renderChart({ setString: { "trendmaster_ai.log_level": level } });
    const spec = deploymentOf(objects).spec?.template.spec;
    expect(spec && [envOf(spec, "webhook").LOG_LEVEL, envOf(spec, "forecaster").LOG_LEVEL]).toEqual([expected, expected]);
  });

  it("YAML booleans and the guide's string booleans render the same chart", async () => {
    const strings = await renderChart({ setString: { "trendmaster_ai.dry_run": "false", "trendmaster_ai.enabled": "true", "monitoring.trendmaster_ai.enabled": "true" } });
    const booleans = await renderChart({ set: { "trendmaster_ai.dry_run": "false", "trendmaster_ai.enabled": "true", "monitoring.trendmaster_ai.enabled": "true" } });
    expect(booleans).toEqual(strings);
    expect(settingsOf(strings).webhook.mode).toBe("enforce");
    expect(strings.some((o) => o.kind === "PrometheusRule")).toBe(true);
  });

  it.each([["false"], ["False"]])("enabled %s renders nothing at all", async (value) => {
    expect(await renderChart({ setString: { "trendmaster_ai.enabled": value } })).toEqual([]);
  });

  it.each([
    ["dry_run that is no boolean", { setString: { "trendmaster_ai.dry_run": "yes" } }, "trendmaster_ai.dry_run"],
    ["unknown log level", { setString: { "trendmaster_ai.log_level": "verbose" } }, "trendmaster_ai.log_level must be one of"],
    ["six-field schedule", { setString: { "trendmaster_ai.schedule": "0 0 */6 * * *" } }, "trendmaster_ai.schedule: Does not match pattern"],
    ["schedule in words", { setString: { "trendmaster_ai.schedule": "every 6h" } }, "trendmaster_ai.schedule: Does not match pattern"],
    ["prometheus_url without a scheme", { setString: { "trendmaster_ai.prometheus_url": "trickster.prd1.ott.example.com" } }, "trendmaster_ai.prometheus_url: Does not match pattern"],
    ["misspelled key in the guide's block", { setString: { "trendmaster_ai.dryrun": "true" } }, "Additional property dryrun is not allowed"],
    ["misspelled alert", { setString: { "monitoring.trendmaster_ai.alerts.system_error": "true" } }, "Additional property system_error is not allowed"],
    ["a PrometheusRule switch among the guide's Slack alerts", { setString: { "monitoring.trendmaster_ai.alerts.cycle_failures": "true" } }, "Additional property cycle_failures is not allowed"],
    ["a misspelled PrometheusRule alert", { setString: { "monitoring.trendmaster_ai.prometheusRule.alerts.stale_forecast": "true" } }, "Additional property stale_forecast is not allowed"],
    ["failurePolicy Reject", { setString: { "webhook.failurePolicy": "Reject" } }, "webhook.failurePolicy must be one of the following"],
    ["webhook timeout of 30s", { set: { "webhook.timeoutSeconds": "30" } }, "webhook.timeoutSeconds: Must be less than or equal to 10"],
    ["forecaster mode daemon", { setString: { "forecaster.mode": "daemon" } }, "forecaster.mode must be one of the following"],
    ["resources with a bad quantity", { setString: { "trendmaster_ai.resources.limits.memory": "1 GB" } }, "trendmaster_ai.resources.limits.memory"],
    ["a Pushgateway URL without a scheme", { setString: { "forecaster.pushgateway.url": "pushgateway:9091" } }, "forecaster.pushgateway.url: Does not match pattern"],
    ["Slack channel with spaces", { setString: { "monitoring.trendmaster_ai.slack_channels[0]": "#ott rate limits" } }, "monitoring.trendmaster_ai.slack_channels.0"],
  ])("the schema rejects %s", async (_name, options, message) => {
    const error = await renderChartError(options);
    expect(error).toContain("values don't meet the specifications of the schema");
    expect(error).toContain(message);
  });

  it.each([
    ["a release in istio-system", { namespace: "istio-system" }, 'install TrendMaster in its own namespace, not "istio-system"'],
    ["an existing issuer without a name", { set: { "certManager.issuer.create": "false" } }, "certManager.issuer.name is required"],
    ["a Slack bot token with no channel to post to", { setString: { "slack.existingSecret": "trendmaster-slack", "monitoring.trendmaster_ai.enabled": "true" } }, "set monitoring.trendmaster_ai.slack_channels"],
    ["a PodDisruptionBudget that blocks every drain", { set: { "podDisruptionBudget.minAvailable": "2" } }, "podDisruptionBudget.minAvailable (2) must be below webhook.replicas (2)"],
  ])("the chart refuses %s", async (_name, options, message) => {
    expect(await renderChartError(options)).toContain(message);
  });
});
