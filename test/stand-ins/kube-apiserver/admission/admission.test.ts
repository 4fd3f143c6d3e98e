// Admission in the stand-in, proven end to end: the real kubectl writes, the stand-in calls a
// scripted webhook over real TLS, and what kubectl prints is what kube-apiserver would make it print.
import type { V1MutatingWebhook, V1MutatingWebhookConfiguration, V1ValidatingWebhook, V1ValidatingWebhookConfiguration } from "@kubernetes/client-node";
import { kubectlPath, missingBinaryMessage } from "../../../support/binaries.js";
import { type KubectlResult, runKubectl } from "../../../support/kubectl.js";
import { createCertificateAuthority } from "../certificates.js";
import { type KubeApiStandIn, type WebhookAdmissionOptions, startKubeApiStandIn } from "../index.js";
import { type ScriptedWebhookServer, startScriptedWebhookServer } from "./scripted-webhook-server.js";

const kubectl = kubectlPath();
if (kubectl === undefined) console.warn(missingBinaryMessage("kubectl"));
const describeWithKubectl = kubectl === undefined ? describe.skip : describe;

const SERVICE = { namespace: "istio-system", name: "trendmaster-webhook" };
const SERVICE_HOST = `${SERVICE.name}.${SERVICE.namespace}.svc`;
const CONFIG_MAP_RULE = { operations: ["CREATE", "UPDATE", "DELETE"], apiGroups: [""], apiVersions: ["v1"], resources: ["configmaps"], scope: "Namespaced" };

const configMapYaml = (name: string, namespace: string, data: Record<string, string> = { limit: "100" }): string =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\ndata:\n${Object.entries(data).map(([key, value]) => `  ${key}: "${value}"`).join("\n")}\n`;

describeWithKubectl("admission webhooks in the kube-apiserver stand-in", () => {
  let api: KubeApiStandIn;
  let webhook: ScriptedWebhookServer;

  const run = (args: string[], stdin?: string, user = "alice"): Promise<KubectlResult> =>
    runKubectl(kubectl as string, api.kubeconfigPath(user), args, stdin === undefined ? {} : { stdin });

  const webhookEntry = (name: string, path: string, overrides: Partial<V1ValidatingWebhook> = {}): V1ValidatingWebhook => ({
    name,
    clientConfig: { service: { ...SERVICE, path, port: 443 }, caBundle: webhook.caBundle },
    rules: [CONFIG_MAP_RULE],
    failurePolicy: "Fail",
    sideEffects: "None",
    admissionReviewVersions: ["v1"],
    namespaceSelector: { matchLabels: { "trendmaster.io/guarded": "true" } },
    ...overrides,
  });
  const validating = (...webhooks: V1ValidatingWebhook[]): V1ValidatingWebhookConfiguration => ({
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingWebhookConfiguration",
    metadata: { name: "trendmaster-validating" },
    webhooks,
  });
  const mutating = (...webhooks: V1MutatingWebhook[]): V1MutatingWebhookConfiguration => ({
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "MutatingWebhookConfiguration",
    metadata: { name: "trendmaster-mutating" },
    webhooks,
  });
  const admit = (configuration: Omit<WebhookAdmissionOptions, "resolveService">): void =>
    api.setAdmission({
      ...configuration,
      resolveService: ({ namespace, name }) => (namespace === SERVICE.namespace && name === SERVICE.name ? { host: "127.0.0.1", port: webhook.port } : undefined),
    });
  const reviewsAt = (path: string) => webhook.received.filter((review) => review.path === path).map((review) => review.request);

  beforeAll(async () => {
    webhook = await startScriptedWebhookServer({ dnsNames: [SERVICE_HOST] });
    api = await startKubeApiStandIn({
      users: [{ name: "alice", groups: ["trendmaster-operators"] }, { name: "forecaster", groups: ["system:serviceaccounts"] }],
      namespaces: ["default", { name: "istio-system", labels: { "trendmaster.io/guarded": "true" } }],
    });
  });
  afterAll(async () => {
    await api?.stop();
    await webhook?.stop();
  });
  beforeEach(() => {
    webhook.received.length = 0;
    api.setAdmission(undefined);
  });

  it("sends an exact AdmissionReview with the caller's user and groups", async () => {
    admit({ validating: [validating(webhookEntry("validate.trendmaster.io", "/validate"))] });
    expect((await run(["create", "-f", "-"], configMapYaml("reviewed", "istio-system"))).code).toBe(0);
    const [request] = reviewsAt("/validate");
    expect(request).toEqual({
      uid: expect.stringMatching(/^[0-9a-f-]{36}$/),
      kind: { group: "", version: "v1", kind: "ConfigMap" },
      resource: { group: "", version: "v1", resource: "configmaps" },
      requestKind: { group: "", version: "v1", kind: "ConfigMap" },
      requestResource: { group: "", version: "v1", resource: "configmaps" },
      name: "reviewed",
      namespace: "istio-system",
      operation: "CREATE",
      userInfo: { username: "alice", groups: ["trendmaster-operators", "system:authenticated"] },
      object: expect.objectContaining({ kind: "ConfigMap", data: { limit: "100" } }),
      oldObject: null,
      dryRun: false,
      options: { kind: "CreateOptions", apiVersion: "meta.k8s.io/v1", fieldManager: "kubectl-create", fieldValidation: "Strict" },
    });
  });

  it("shows a denial as kubectl prints it, and stores nothing", async () => {
    webhook.script("/validate", () => ({ allowed: false, status: { code: 403, reason: "Forbidden", message: "limit 100000 is above the guardrail ceiling 500" } }));
    admit({ validating: [validating(webhookEntry("validate.trendmaster.io", "/validate"))] });
    const result = await run(["create", "-f", "-"], configMapYaml("denied", "istio-system"));
    expect(result.stderr).toBe(
      'Error from server (Forbidden): error when creating "STDIN": admission webhook "validate.trendmaster.io" denied the request: limit 100000 is above the guardrail ceiling 500\n',
    );
    expect(api.getObject("configmaps", "istio-system", "denied")).toBeUndefined();
  });

  it("turns a bare denial into a 400 without explanation", async () => {
    webhook.script("/validate", () => ({ allowed: false }));
    admit({ validating: [validating(webhookEntry("validate.trendmaster.io", "/validate"))] });
    const result = await run(["create", "-f", "-"], configMapYaml("bare-denial", "istio-system"));
    expect(result.stderr).toBe('Error from server: error when creating "STDIN": admission webhook "validate.trendmaster.io" denied the request without explanation\n');
  });

  it("passes the webhook's warnings to kubectl", async () => {
    webhook.script("/validate", () => ({ allowed: true, warnings: ["limit raised by 40% in one step", 'audit mode: "would deny"'] }));
    admit({ validating: [validating(webhookEntry("validate.trendmaster.io", "/validate"))] });
    const result = await run(["create", "-f", "-"], configMapYaml("warned", "istio-system"));
    expect(result).toMatchObject({ code: 0, stderr: 'Warning: limit raised by 40% in one step\nWarning: audit mode: "would deny"\n' });
  });

  it("applies mutating patches before validating webhooks see the object", async () => {
    webhook.script("/mutate", () => ({ allowed: true, patch: [{ op: "add", path: "/metadata/labels", value: { "trendmaster.io/managed": "true" } }] }));
    admit({
      mutating: [mutating({ ...webhookEntry("mutate.trendmaster.io", "/mutate"), reinvocationPolicy: "Never" })],
      validating: [validating(webhookEntry("validate.trendmaster.io", "/validate"))],
    });
    expect((await run(["create", "-f", "-"], configMapYaml("mutated", "istio-system"))).code).toBe(0);
    expect(reviewsAt("/validate")[0]?.object?.metadata.labels).toEqual({ "trendmaster.io/managed": "true" });
    expect(api.getObject("configmaps", "istio-system", "mutated")?.metadata.labels).toEqual({ "trendmaster.io/managed": "true" });
  });

  it("reinvokes an IfNeeded webhook once when a later webhook changed the object", async () => {
    webhook.script("/second", (request) => (request.object?.metadata.labels?.second === undefined ? { allowed: true, patch: [{ op: "add", path: "/metadata/labels", value: { second: "yes" } }] } : { allowed: true }));
    admit({
      mutating: [
        mutating(
          { ...webhookEntry("first.trendmaster.io", "/first"), reinvocationPolicy: "IfNeeded" },
          { ...webhookEntry("second.trendmaster.io", "/second"), reinvocationPolicy: "IfNeeded" },
        ),
      ],
    });
    expect((await run(["create", "-f", "-"], configMapYaml("reinvoked", "istio-system"))).code).toBe(0);
    expect(reviewsAt("/first").map((request) => request.object?.metadata.labels ?? {})).toEqual([{}, { second: "yes" }]);
    expect(reviewsAt("/second")).toHaveLength(1);
  });

  it("honours namespaceSelector: unlabelled namespaces are not sent", async () => {
    admit({ validating: [validating(webhookEntry("validate.trendmaster.io", "/validate"))] });
    await run(["create", "-f", "-"], configMapYaml("unguarded", "default"));
    expect(webhook.received).toHaveLength(0);
  });

  it("evaluates matchConditions with CEL", async () => {
    const conditions = [
      { name: "only-ratelimit-config", expression: "object.metadata.name == 'ratelimit-config'" },
      { name: "not-the-forecaster", expression: "!request.userInfo.groups.exists(g, g == 'system:serviceaccounts')" },
    ];
    admit({ validating: [validating(webhookEntry("validate.trendmaster.io", "/validate", { matchConditions: conditions }))] });
    await run(["create", "-f", "-"], configMapYaml("other-config", "istio-system"));
    await run(["create", "-f", "-"], configMapYaml("ratelimit-config", "istio-system"), "forecaster");
    expect(webhook.received).toHaveLength(0);
    await run(["delete", "configmap", "ratelimit-config", "-n", "istio-system"], undefined, "forecaster");
    await run(["create", "-f", "-"], configMapYaml("ratelimit-config", "istio-system"));
    expect(reviewsAt("/validate").map((request) => request.name)).toEqual(["ratelimit-config"]);
  });

  it("refuses the request when a match condition errors under failurePolicy Fail", async () => {
    const conditions = [{ name: "reads-a-missing-field", expression: "object.spec.replicas > 1" }];
    admit({ validating: [validating(webhookEntry("validate.trendmaster.io", "/validate", { matchConditions: conditions }))] });
    const result = await run(["create", "-f", "-"], configMapYaml("cel-error", "istio-system"));
    expect(result.stderr).toMatch(/^Error from server \(Forbidden\): error when creating "STDIN": configmaps "cel-error" is forbidden: .*spec/);
  });

  it("verifies the webhook's certificate against caBundle", async () => {
    const stranger = await createCertificateAuthority("someone-else");
    const untrusted = webhookEntry("validate.trendmaster.io", "/validate", { clientConfig: { service: { ...SERVICE, path: "/validate" }, caBundle: Buffer.from(stranger.certPem).toString("base64") } });
    admit({ validating: [validating(untrusted)] });
    const result = await run(["create", "-f", "-"], configMapYaml("untrusted", "istio-system"));
    expect(result.stderr).toBe(
      `Error from server (InternalError): error when creating "STDIN": Internal error occurred: failed calling webhook "validate.trendmaster.io": failed to call webhook: Post "https://${SERVICE_HOST}:443/validate?timeout=10s": tls: failed to verify certificate: x509: certificate signed by unknown authority\n`,
    );
    admit({ validating: [validating({ ...untrusted, failurePolicy: "Ignore" })] });
    expect((await run(["create", "-f", "-"], configMapYaml("untrusted", "istio-system"))).code).toBe(0);
  });

  it("gives up on a slow webhook after timeoutSeconds, as failurePolicy says", async () => {
    webhook.script("/slow", () => ({ allowed: true, delayMilliseconds: 3000 }));
    admit({ validating: [validating(webhookEntry("slow.trendmaster.io", "/slow", { timeoutSeconds: 1 }))] });
    const startedAt = Date.now();
    const result = await run(["create", "-f", "-"], configMapYaml("slow", "istio-system"));
    expect(Date.now() - startedAt).toBeLessThan(2500);
    expect(result.stderr).toContain(`failed calling webhook "slow.trendmaster.io": failed to call webhook: Post "https://${SERVICE_HOST}:443/slow?timeout=1s": context deadline exceeded`);
    admit({ validating: [validating(webhookEntry("slow.trendmaster.io", "/slow", { timeoutSeconds: 1, failurePolicy: "Ignore" }))] });
    expect((await run(["create", "-f", "-"], configMapYaml("slow", "istio-system"))).code).toBe(0);
  });

  it("refuses a response for another request's uid", async () => {
    webhook.script("/confused", () => ({ allowed: true, rawBody: { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", response: { uid: "someone-else", allowed: true } } }));
    admit({ validating: [validating(webhookEntry("confused.trendmaster.io", "/confused"))] });
    const result = await run(["create", "-f", "-"], configMapYaml("confused", "istio-system"));
    expect(result.stderr).toMatch(/received invalid webhook response: expected response.uid="[0-9a-f-]{36}", got "someone-else"\n$/);
  });

  it("passes dryRun through and stores nothing", async () => {
    admit({ validating: [validating(webhookEntry("validate.trendmaster.io", "/validate", { sideEffects: "NoneOnDryRun" }))] });
    expect((await run(["create", "--dry-run=server", "-f", "-"], configMapYaml("dry", "istio-system"))).stdout).toBe("configmap/dry created (server dry run)\n");
    const [request] = reviewsAt("/validate");
    expect(request?.dryRun).toBe(true);
    expect(request?.options).toMatchObject({ kind: "CreateOptions", dryRun: ["All"] });
    expect(api.getObject("configmaps", "istio-system", "dry")).toBeUndefined();
  });

  it("sends oldObject on UPDATE and DELETE", async () => {
    await run(["create", "-f", "-"], configMapYaml("updated", "istio-system", { limit: "1" }));
    admit({ validating: [validating(webhookEntry("validate.trendmaster.io", "/validate"))] });
    await run(["patch", "configmap", "updated", "-n", "istio-system", "-p", '{"data":{"limit":"2"}}']);
    await run(["delete", "configmap", "updated", "-n", "istio-system"]);
    const [update, deletion] = reviewsAt("/validate");
    expect([update?.operation, update?.oldObject?.data, update?.object?.data, update?.options.kind]).toEqual(["UPDATE", { limit: "1" }, { limit: "2" }, "UpdateOptions"]);
    expect([deletion?.operation, deletion?.oldObject?.data, deletion?.object, deletion?.options.kind]).toEqual(["DELETE", { limit: "2" }, null, "DeleteOptions"]);
  });
});
