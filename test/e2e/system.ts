/**
 * The whole TrendMaster system as a user meets it, started once per test file: the kube-apiserver
 * stand-in honouring the Helm chart's webhook configurations and RBAC (rendered by the real helm),
 * the real webhook process behind them, a real Prometheus with backfilled traffic, the real forecaster
 * (`trendmaster run --once` / `trendmaster forecaster`), a Slack stand-in, and the real kubectl.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { V1MutatingWebhookConfiguration, V1ValidatingWebhookConfiguration } from "@kubernetes/client-node";
import type { ForecastCache } from "../../ratelimit/forecast-cache.js";
import { chartAuthorizer } from "../chart/rbac-authorizer.js";
import { objectsOfKind, renderChart, RELEASE_NAME, RELEASE_NAMESPACE, type KubeObject, type RenderOptions } from "../chart/render.js";
import { helmPath, kubectlPath } from "../support/binaries.js";
import { runKubectl, type KubectlOptions, type KubectlResult } from "../support/kubectl.js";
import { findPrometheusBinaries, freeLoopbackPort, type RunningPrometheus } from "../support/prometheus-server.js";
import { createCertificateAuthority, issueCertificate } from "../stand-ins/kube-apiserver/certificates.js";
import { startKubeApiStandIn, type KubeApiStandIn, type StandInUser } from "../stand-ins/kube-apiserver/index.js";
import { startSlackApiStandIn, type SlackApiStandIn } from "../stand-ins/slack-api.js";
import { runTrendmaster, startTrendmaster, type CliResult, type TrendmasterProcess } from "./cli-process.js";
import { PARTNER_QUERY, STEP_SECONDS, startPrometheusWithTraffic, type PartnerTraffic } from "./partner-traffic.js";

/** The chart's fullname, hence the webhook Service and the serving certificate's DNS name. */
export const WEBHOOK_SERVICE = `${RELEASE_NAME}.${RELEASE_NAMESPACE}.svc`;
export const BREAK_GLASS_GROUP = "sre-oncall";

/** Who writes: the forecaster and webhook as their service accounts, humans with their groups. */
export const USERS = {
  admin: { name: "admin", groups: ["system:masters"] },
  // The chart names the forecaster's ServiceAccount after the release (the guide's `--as=...:trendmaster-ai`).
  forecaster: { name: `system:serviceaccount:${RELEASE_NAMESPACE}:${RELEASE_NAME}`, groups: ["system:serviceaccounts", `system:serviceaccounts:${RELEASE_NAMESPACE}`] },
  webhook: { name: `system:serviceaccount:${RELEASE_NAMESPACE}:${RELEASE_NAME}-webhook`, groups: ["system:serviceaccounts", `system:serviceaccounts:${RELEASE_NAMESPACE}`] },
  /** On call, in the break-glass group. */
  alice: { name: "alice@example.com", groups: [BREAK_GLASS_GROUP, "platform"] },
  /** A developer, not allowed to break the glass. */
  bob: { name: "bob@example.com", groups: ["developers"] },
} as const satisfies Record<string, StandInUser>;
export type UserKey = keyof typeof USERS;

export type WebhookMode = "enforce" | "audit";

export interface SystemOptions {
  readonly partners: readonly PartnerTraffic[];
  /** ratelimit-config's config.yaml, applied by the admin with kubectl before anything else. */
  readonly config: string;
  readonly days?: number;
  /** Chart values the webhook configurations and RBAC are rendered with (default: the chart's defaults). */
  readonly chart?: RenderOptions;
}

export interface TrendMasterSystem {
  readonly api: KubeApiStandIn;
  readonly prometheus: RunningPrometheus;
  readonly slack: SlackApiStandIn;
  readonly work: string;
  /** The stamp key ring both processes read (guardStamp.keyFile): rewrite it to rotate keys. */
  readonly stampKeyFile: string;
  /** The settings file both processes read. */
  readonly settingsFile: string;
  /** Where `trendmaster forecaster` serves /metrics. */
  readonly metricsUrl: string;
  /** The real kubectl as `user`. */
  kubectl(user: UserKey, args: readonly string[], options?: KubectlOptions): Promise<KubectlResult>;
  /** ratelimit-config as stored, read back with kubectl. */
  storedConfig(): Promise<StoredConfig>;
  /** The forecast cache ConfigMap's content, read back with kubectl. */
  forecastCache(): Promise<ForecastCache>;
  /** `trendmaster run --once` as the forecaster's service account against the real Prometheus. */
  runForecasterOnce(args?: readonly string[], env?: Readonly<Record<string, string>>): Promise<CliResult>;
  /** `trendmaster forecaster` (the Deployment's process) with the same settings. */
  startForecaster(args: readonly string[], env?: Readonly<Record<string, string>>): TrendmasterProcess;
  /** Starts the webhook process again after stopWebhook (the system starts with one running). */
  startWebhook(): Promise<TrendmasterProcess>;
  /** Stops the webhook process: the apiserver's calls to it are then refused (an outage). */
  stopWebhook(): Promise<void>;
  /** Waits until the webhook has read forecast generation `generation` from the cache ConfigMap. */
  webhookHasForecast(generation: number): Promise<void>;
  /**
   * Leaves the webhook with the forecast it holds now: its watch of the cache ends and its reads
   * are refused (403) until the returned function is called; it then re-lists within 5 s.
   */
  cutWebhookOffFromForecastCache(): () => void;
  /** The webhook's /metrics (Prometheus text). */
  webhookMetrics(): Promise<string>;
  /** Rewrites the settings file with another webhook.mode and waits until the webhook has switched. */
  setWebhookMode(mode: WebhookMode): Promise<void>;
  stop(): Promise<void>;
}

export interface StoredConfig {
  readonly text: string;
  readonly resourceVersion: string;
  readonly annotations: Readonly<Record<string, string>>;
  readonly data: Readonly<Record<string, string>>;
}

/** Why the system cannot start here (a missing binary), or undefined when it can. */
export async function missingPrerequisite(): Promise<string | undefined> {
  if (kubectlPath() === undefined) return "kubectl is not in .cache/bin/ — run scripts/install-kube-binaries.sh";
  if (helmPath() === undefined) return "helm is not in .cache/bin/ — run scripts/install-kube-binaries.sh";
  const prometheus = await findPrometheusBinaries();
  if ("missing" in prometheus) return prometheus.missing;
  try {
    await createCertificateAuthority("probe");
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}

/** The one settings file both processes read, laid out as the chart's settings ConfigMap (docs/settings.md). */
function settingsYaml(mode: WebhookMode, slack: SlackApiStandIn, slackTokenFile: string, days: number, metricsPort: number, stampKeyFile: string): string {
  return `ratelimitConfig:
  namespace: istio-system
  name: ratelimit-config
forecastCache:
  name: trendmaster-forecast
webhook:
  mode: ${mode}
  maxForecastAgeHours: 24
  breakGlass:
    users: []
    groups: [${BREAK_GLASS_GROUP}]
  forecasterUsers: ["${USERS.forecaster.name}"]
guardStamp:
  keyFile: ${stampKeyFile}
forecaster:
  scheduleJitterSeconds: 0
  workers: 1
  stepSeconds: ${STEP_SECONDS}
  historyDays: ${days}
  metrics: {port: ${metricsPort}}
  effectiveness: {enabled: false}
  forecast:
    minHistoryDays: 2
    models: [recent-peak, seasonal-naive]
  prometheus:
    retries: 0
    timeoutMs: 5000
    query:
      name: partner
      expr: '${PARTNER_QUERY}'
slack:
  apiUrl: ${slack.apiUrl}
  botTokenFile: ${slackTokenFile}
  channels: ["#rate-limits"]
  alerts:
    system_errors: {channels: ["#oncall"]}
`;
}

/** The chart's webhook configurations with the caBundle cert-manager's cainjector would set. */
function webhookConfigurations(objects: readonly KubeObject[], caBundle: string): { mutating: V1MutatingWebhookConfiguration[]; validating: V1ValidatingWebhookConfiguration[] } {
  const withCa = <T extends { webhooks?: Array<{ clientConfig: { caBundle?: string } }> }>(configuration: T): T => {
    const copy = structuredClone(configuration);
    for (const webhook of copy.webhooks ?? []) webhook.clientConfig.caBundle = caBundle;
    return copy;
  };
  return {
    mutating: objectsOfKind(objects, "MutatingWebhookConfiguration").map((o) => withCa(o as unknown as V1MutatingWebhookConfiguration)),
    validating: objectsOfKind(objects, "ValidatingWebhookConfiguration").map((o) => withCa(o as unknown as V1ValidatingWebhookConfiguration)),
  };
}

/** GET https://127.0.0.1:<port><path> trusting `ca`: status and body, status 0 when nothing answers. */
function httpsGet(port: number, path: string, ca: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const request = httpsRequest({ host: "127.0.0.1", port, path, ca, servername: WEBHOOK_SERVICE, agent: false }, (response) => {
      let body = "";
      response.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on("error", () => resolve({ status: 0, body: "" }));
    request.end();
  });
}

export function configMapManifest(namespace: string, name: string, configText: string, annotations: Readonly<Record<string, string>> = {}): string {
  const annotationLines = Object.entries(annotations).map(([key, value]) => `    ${key}: ${JSON.stringify(value)}\n`).join("");
  const indented = configText.split("\n").map((line) => (line === "" ? "" : `    ${line}`)).join("\n");
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\n${annotationLines === "" ? "" : `  annotations:\n${annotationLines}`}data:\n  config.yaml: |\n${indented}`;
}

export async function startTrendMasterSystem(options: SystemOptions): Promise<TrendMasterSystem> {
  const days = options.days ?? 4;
  const cleanups: Array<() => Promise<unknown>> = [];
  const work = await mkdtemp(join(tmpdir(), "trendmaster-e2e-"));
  cleanups.push(() => rm(work, { recursive: true, force: true }));
  try {
    const prometheusBinaries = await findPrometheusBinaries();
    if ("missing" in prometheusBinaries) throw new Error(prometheusBinaries.missing);
    const prometheusStarting = startPrometheusWithTraffic(prometheusBinaries, options.partners, { days, nowMs: Date.now() });
    // Stopped however the start ends, even when something else fails before it is awaited.
    cleanups.push(() => prometheusStarting.then((running) => running.stop()));

    // The webhook's serving certificate, for the Service name the apiserver dials.
    const authority = await createCertificateAuthority("trendmaster-e2e-ca");
    const serving = await issueCertificate(authority, { commonName: WEBHOOK_SERVICE, dnsNames: [WEBHOOK_SERVICE] });
    const certFile = join(work, "tls.crt");
    const keyFile = join(work, "tls.key");
    await writeFile(certFile, serving.certPem);
    await writeFile(keyFile, serving.keyPem, { mode: 0o600 });
    const chart = await renderChart(options.chart ?? {});
    // Service accounts get what the chart's RBAC grants them; people get what their own roles would.
    const chartRbac = chartAuthorizer(chart);

    let webhookPort = 0;
    let webhookCutOffFromCache = false;
    const api = await startKubeApiStandIn({
      users: Object.values(USERS).map((user) => ({ name: user.name, groups: [...user.groups] })),
      namespaces: ["default", "kube-system", "istio-system", RELEASE_NAMESPACE],
      authorize: (attributes) => {
        const { user, resource, namespace } = attributes;
        if (webhookCutOffFromCache && user.username === USERS.webhook.name && resource === "configmaps" && namespace === RELEASE_NAMESPACE) return false;
        return user.username.startsWith("system:serviceaccount:") ? chartRbac(attributes) : true;
      },
      // The Service trendmaster-ai in the release namespace is wherever the webhook process listens now.
      admission: { ...webhookConfigurations(chart, Buffer.from(authority.certPem).toString("base64")), resolveService: ({ namespace, name }) => (namespace === RELEASE_NAMESPACE && name === RELEASE_NAME && webhookPort !== 0 ? { host: "127.0.0.1", port: webhookPort } : undefined) },
    });
    cleanups.push(() => api.stop());
    const slack = await startSlackApiStandIn();
    cleanups.push(() => slack.close());
    const slackTokenFile = join(work, "slack-token");
    await writeFile(slackTokenFile, slack.token);
    // The stamp key ring, as the chart mounts it from a Secret into both containers.
    const stampKeyFile = join(work, "stamp-key");
    await writeFile(stampKeyFile, `${randomBytes(36).toString("base64")}\n`, { mode: 0o400 });
    const settingsFile = join(work, "settings.yaml");
    const metricsPort = await freeLoopbackPort();
    await writeFile(settingsFile, settingsYaml("enforce", slack, slackTokenFile, days, metricsPort, stampKeyFile));

    const kubeconfigs = new Map<UserKey, string>();
    for (const key of Object.keys(USERS) as UserKey[]) kubeconfigs.set(key, await api.writeKubeconfig(work, USERS[key].name));
    const kubeconfigOf = (user: UserKey): string => kubeconfigs.get(user) as string;
    const kubectl = (user: UserKey, args: readonly string[], kubectlOptions: KubectlOptions = {}): Promise<KubectlResult> => runKubectl(kubectlPath() as string, kubeconfigOf(user), [...args], kubectlOptions);

    let webhook: TrendmasterProcess | undefined;
    const startWebhook = async (): Promise<TrendmasterProcess> => {
      const started = startTrendmaster(["webhook", "--port", "0", "--cert", certFile, "--key", keyFile, "--settings", settingsFile], {
        KUBECONFIG: kubeconfigOf("webhook"),
        POD_NAMESPACE: RELEASE_NAMESPACE,
        LOG_LEVEL: "info",
        HOME: work,
      });
      webhook = started;
      const listening = await started.waitForLine(/"msg":"webhook listening"/);
      const port = (JSON.parse(listening) as { port: number }).port;
      // Ready once it has read the forecast cache through the API (absent counts as read).
      const deadline = Date.now() + 15_000;
      while ((await httpsGet(port, "/readyz", authority.certPem)).status !== 200) {
        if (Date.now() > deadline) throw new Error(`webhook not ready within 15 s:\n${started.output()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      webhookPort = port;
      return started;
    };
    const stopWebhook = async (): Promise<void> => {
      const running = webhook;
      webhook = undefined;
      // webhookPort stays: the Service still points at the dead endpoint, so calls are refused.
      await running?.stop();
    };
    cleanups.push(stopWebhook);
    await startWebhook();

    const prometheus = await prometheusStarting;

    const forecasterEnv = (extra: Readonly<Record<string, string>> = {}): Record<string, string> => ({
      KUBECONFIG: kubeconfigOf("forecaster"),
      POD_NAMESPACE: RELEASE_NAMESPACE,
      PROMETHEUS_URL: prometheus.url,
      TRENDMASTER_SETTINGS: settingsFile,
      LOG_LEVEL: "warn",
      HOME: work,
      ...extra,
    });

    const created = await kubectl("admin", ["apply", "-f", "-"], { stdin: configMapManifest("istio-system", "ratelimit-config", options.config) });
    if (created.code !== 0) throw new Error(`creating ratelimit-config failed: ${created.stderr}`);

    const system: TrendMasterSystem = {
      api,
      prometheus,
      slack,
      work,
      stampKeyFile,
      settingsFile,
      metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
      kubectl,
      async storedConfig() {
        const result = await kubectl("admin", ["get", "configmap", "ratelimit-config", "-n", "istio-system", "-o", "json"]);
        if (result.code !== 0) throw new Error(`kubectl get ratelimit-config: ${result.stderr}`);
        const object = JSON.parse(result.stdout) as { data?: Record<string, string>; metadata: { resourceVersion: string; annotations?: Record<string, string> } };
        return { text: object.data?.["config.yaml"] ?? "", data: object.data ?? {}, resourceVersion: object.metadata.resourceVersion, annotations: object.metadata.annotations ?? {} };
      },
      async forecastCache() {
        const result = await kubectl("admin", ["get", "configmap", "trendmaster-forecast", "-n", RELEASE_NAMESPACE, "-o", "jsonpath={.data.forecast\\.json}"]);
        if (result.code !== 0) throw new Error(`kubectl get trendmaster-forecast: ${result.stderr}`);
        return JSON.parse(result.stdout) as ForecastCache;
      },
      runForecasterOnce: (args = [], env = {}) => runTrendmaster(["run", "--once", ...args], forecasterEnv(env)),
      startForecaster: (args, env = {}) => startTrendmaster(["forecaster", ...args], forecasterEnv(env)),
      startWebhook,
      stopWebhook,
      async webhookHasForecast(generation) {
        const running = webhook;
        if (running === undefined) throw new Error("webhookHasForecast: the webhook is not running");
        await running.waitForLine(new RegExp(`"state":"loaded","generation":${generation},.*"msg":"forecast cache read"`));
      },
      cutWebhookOffFromForecastCache() {
        webhookCutOffFromCache = true;
        api.closeWatches();
        return () => {
          webhookCutOffFromCache = false;
        };
      },
      async webhookMetrics() {
        const { status, body } = await httpsGet(webhookPort, "/metrics", authority.certPem);
        if (status !== 200) throw new Error(`webhook /metrics answered ${status}`);
        return body;
      },
      async setWebhookMode(mode) {
        const running = webhook;
        if (running === undefined) throw new Error("setWebhookMode: the webhook is not running");
        const from = running.output().length;
        await writeFile(settingsFile, settingsYaml(mode, slack, slackTokenFile, days, metricsPort, stampKeyFile));
        // The webhook polls the file (every 2 s) and logs the switch.
        await running.waitForLine(new RegExp(`"msg":"webhook mode changed"`), 10_000, from);
      },
      async stop() {
        for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
      },
    };
    return system;
  } catch (error) {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
    throw error;
  }
}
