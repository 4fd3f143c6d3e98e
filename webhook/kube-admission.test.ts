// The webhook behind the kube-apiserver stand-in: writes through the Kubernetes API are mutated and
// validated by it, and the forecast cache is read and watched through client-node.
import { DEFAULT_MAX_CONNECTIONS } from "./config.js";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiException, CoreV1Api, KubeConfig, type V1ConfigMap, type V1MutatingWebhookConfiguration, type V1ValidatingWebhookConfiguration } from "@kubernetes/client-node";
import { pino } from "pino";
import { ANNOTATIONS, GUARDED_DIGEST_ANNOTATION } from "../ratelimit/annotations.js";
import { configDataDigest } from "../ratelimit/digest.js";
import { parseStampKeyRing, verifyGuardStamp } from "../ratelimit/guard-stamp.js";
import { encodeForecastCache } from "../ratelimit/forecast-cache.js";
import { startKubeApiStandIn, type KubeApiStandIn } from "../test/stand-ins/kube-apiserver/index.js";
import { kubeConfigMapAccess } from "./io/kube-configmap-access.js";
import { createWatchedForecastSource } from "./io/watched-forecast-source.js";
import { runWebhook, type RunningWebhook } from "./main.js";
import { parseWebhookSettings } from "./settings.js";
import { forecastCache } from "./test-support/admission-fixtures.js";
import { createTestPki, hasOpenssl, type TestPki } from "./test-support/tls-fixtures.js";

const describeTls = hasOpenssl() ? describe : describe.skip;
const STAMP_KEY = "kube-admission-test-stamp-key-0123456789abcdef";

const config = (limit: number) => `domain: edge\ndescriptors:\n  - key: PARTNER\n    value: acme\n    rate_limit:\n      unit: minute\n      requests_per_unit: ${limit}  # contract\n`;
const cacheAt = (generation: number, min: number, max: number) =>
  encodeForecastCache(forecastCache({ "edge.PARTNER_acme": { label: "PARTNER=acme", band: { min, max }, peak: { value: min, at: "2026-11-30T19:00:00Z" } } }, generation, new Date().toISOString()));

function waitFor(predicate: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const poll = () => (predicate() ? resolve() : Date.now() > deadline ? reject(new Error("timed out waiting")) : setTimeout(poll, 20));
    poll();
  });
}

describeTls("webhook behind the kube-apiserver stand-in", () => {
  let api: KubeApiStandIn;
  let pki: TestPki;
  let dir: string;
  let webhook: RunningWebhook;
  let forecast: ReturnType<typeof createWatchedForecastSource>;
  const client = (user: string) => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(api.kubeconfigPath(user));
    return kubeConfig.makeApiClient(CoreV1Api);
  };
  const stored = () => api.getObject("configmaps", "istio-system", "ratelimit-config") as unknown as V1ConfigMap;
  async function write(user: string, limit: number, annotations: Record<string, string> = {}): Promise<V1ConfigMap> {
    const core = client(user);
    const current = await core.readNamespacedConfigMap({ name: "ratelimit-config", namespace: "istio-system" });
    const body: V1ConfigMap = { ...current, metadata: { ...current.metadata, annotations: { ...current.metadata?.annotations, ...annotations } }, data: { "config.yaml": config(limit) } };
    return core.replaceNamespacedConfigMap({ name: "ratelimit-config", namespace: "istio-system", body });
  }
  const limitOf = (cm: V1ConfigMap) => Number(/requests_per_unit: (\d+)/.exec(cm.data?.["config.yaml"] ?? "")?.[1]);

  beforeAll(async () => {
    api = await startKubeApiStandIn({
      users: [{ name: "admin", groups: ["system:masters"] }, { name: "alice", groups: ["devs"] }, { name: "oncall", groups: ["sre"] }, { name: "system:serviceaccount:trendmaster:trendmaster", groups: ["system:serviceaccounts"] }],
      namespaces: ["default", "istio-system", "trendmaster"],
    });
    api.seedObject({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "trendmaster-forecast", namespace: "trendmaster" }, data: cacheAt(7, 5000, 9000).data ?? {} });
    api.seedObject({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ratelimit-config", namespace: "istio-system" }, data: { "config.yaml": config(6000) } });
    pki = createTestPki();
    dir = mkdtempSync(join(tmpdir(), "tm-webhook-kube-"));
    pki.issue(join(dir, "tls.crt"), join(dir, "tls.key"));
    writeFileSync(join(dir, "stamp-key"), `${STAMP_KEY}\n`);
    const settings = parseWebhookSettings(`webhook:\n  breakGlass:\n    groups: [sre]\n  forecasterUsers: ["system:serviceaccount:trendmaster:trendmaster"]\nguardStamp:\n  keyFile: ${join(dir, "stamp-key")}\n`);
    if (!settings.ok) throw new Error(settings.problems.join("; "));
    forecast = createWatchedForecastSource(await kubeConfigMapAccess("trendmaster", "trendmaster-forecast", api.kubeconfigPath("system:serviceaccount:trendmaster:trendmaster")), { retryDelayMs: 60_000 });
    webhook = await runWebhook(
      { port: 0, certFile: join(dir, "tls.crt"), keyFile: join(dir, "tls.key"), settingsFile: join(dir, "settings.yaml"), settings: settings.settings, podNamespace: "trendmaster", logLevel: "silent", bodyLimitBytes: 8 << 20, maxConnections: DEFAULT_MAX_CONNECTIONS },
      { logger: pino({ level: "silent" }), host: "127.0.0.1", forecast },
    );
    const clientConfig = (path: string) => ({ url: `https://127.0.0.1:${webhook.port}${path}`, caBundle: pki.caCert.toString("base64") });
    const rules = [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["configmaps"], scope: "Namespaced" }];
    const objectSelector = { matchLabels: {} };
    const mutating: V1MutatingWebhookConfiguration = {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "MutatingWebhookConfiguration",
      metadata: { name: "trendmaster" },
      webhooks: [{ name: "mutate.trendmaster.io", clientConfig: clientConfig("/mutate"), rules, objectSelector, sideEffects: "NoneOnDryRun", admissionReviewVersions: ["v1"], failurePolicy: "Fail", timeoutSeconds: 5, reinvocationPolicy: "IfNeeded" }],
    };
    const validating: V1ValidatingWebhookConfiguration = {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingWebhookConfiguration",
      metadata: { name: "trendmaster" },
      webhooks: [{ name: "validate.trendmaster.io", clientConfig: clientConfig("/validate"), rules, objectSelector, sideEffects: "None", admissionReviewVersions: ["v1"], failurePolicy: "Fail", timeoutSeconds: 5 }],
    };
    api.setAdmission({ mutating: [mutating], validating: [validating] });
  });

  afterAll(async () => {
    await webhook?.stop();
    await api?.stop();
    pki?.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("clamps a human's write and stamps what it admitted with the key from its key file", async () => {
    await write("alice", 1000);
    const cm = stored();
    expect(limitOf(cm)).toBe(5000);
    expect(cm.data?.["config.yaml"]).toBe(config(5000));
    const ring = parseStampKeyRing(STAMP_KEY);
    if (!ring.ok) throw new Error(ring.problem);
    expect(verifyGuardStamp(ring.ring, { namespace: "istio-system", name: "ratelimit-config" }, configDataDigest(cm.data), cm.metadata?.annotations?.[GUARDED_DIGEST_ANNOTATION]).valid).toBe(true);
  });

  it("denies a config the ratelimit service would not load, with the loader's text", async () => {
    const core = client("alice");
    const current = await core.readNamespacedConfigMap({ name: "ratelimit-config", namespace: "istio-system" });
    const failure = await core.replaceNamespacedConfigMap({ name: "ratelimit-config", namespace: "istio-system", body: { ...current, data: { "config.yaml": "domain: edge\ndescriptors:\n  - key: a\n    rate_limit: {unit: hours, requests_per_unit: 1}\n" } } }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ApiException);
    expect(JSON.parse(String((failure as ApiException<string>).body)).message).toBe(`admission webhook "validate.trendmaster.io" denied the request: config.yaml: invalid rate limit unit 'hours'`);
  });

  it("admits break-glass from an allowed group unclamped", async () => {
    await write("oncall", 20000, { [ANNOTATIONS.overrideReason]: "INC-7 partner launch" });
    expect(limitOf(stored())).toBe(20000);
  });

  it("re-reads the cache through the API before judging a write from a newer generation", async () => {
    // End the watch (it re-lists only after a minute): the webhook still holds generation 7 ...
    api.closeWatches();
    await new Promise((r) => setTimeout(r, 50));
    const admin = client("admin");
    const cache = await admin.readNamespacedConfigMap({ name: "trendmaster-forecast", namespace: "trendmaster" });
    await admin.replaceNamespacedConfigMap({ name: "trendmaster-forecast", namespace: "trendmaster", body: { ...cache, data: cacheAt(8, 100, 300).data ?? {} } });
    const held = forecast.current();
    expect(held.state === "loaded" && held.cache.generation).toBe(7);
    // ... when the forecaster writes 250, computed from generation 8: against 7 it would become 5000.
    await write("system:serviceaccount:trendmaster:trendmaster", 250, { [ANNOTATIONS.generation]: "8", [ANNOTATIONS.overrideReason]: "" });
    expect(limitOf(stored())).toBe(250);
    // And a later human write is clamped against generation 8.
    await write("alice", 1000);
    expect(limitOf(stored())).toBe(300);
  });

  it("follows the cache ConfigMap through the watch", async () => {
    const source = createWatchedForecastSource(await kubeConfigMapAccess("trendmaster", "trendmaster-forecast", api.kubeconfigPath("system:serviceaccount:trendmaster:trendmaster")));
    await source.start();
    const admin = client("admin");
    const cache = await admin.readNamespacedConfigMap({ name: "trendmaster-forecast", namespace: "trendmaster" });
    await admin.replaceNamespacedConfigMap({ name: "trendmaster-forecast", namespace: "trendmaster", body: { ...cache, data: cacheAt(9, 1, 2).data ?? {} } });
    await waitFor(() => { const s = source.current(); return s.state === "loaded" && s.cache.generation === 9; });
    await admin.deleteNamespacedConfigMap({ name: "trendmaster-forecast", namespace: "trendmaster" });
    await waitFor(() => source.current().state === "absent");
    source.stop();
  });
});
