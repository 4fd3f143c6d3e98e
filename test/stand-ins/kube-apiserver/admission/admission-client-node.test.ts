// What the forecaster sees through @kubernetes/client-node when admission refuses its write.
import { ApiException, CoreV1Api, KubeConfig, PatchStrategy, type V1ConfigMap, setHeaderOptions } from "@kubernetes/client-node";
import { type KubeApiStandIn, startKubeApiStandIn } from "../index.js";
import type { KubeObject } from "../objects.js";
import { type Script, type ScriptedWebhookServer, startScriptedWebhookServer } from "./scripted-webhook-server.js";

describe("admission through @kubernetes/client-node", () => {
  let api: KubeApiStandIn;
  let webhook: ScriptedWebhookServer;
  let core: CoreV1Api;

  beforeAll(async () => {
    webhook = await startScriptedWebhookServer({ dnsNames: ["guard.istio-system.svc"] });
    api = await startKubeApiStandIn({
      users: [
        {
          name: "system:serviceaccount:trendmaster:forecaster",
          uid: "6f4d1c2e-0000-4000-8000-000000000001",
          groups: ["system:serviceaccounts", "system:serviceaccounts:trendmaster"],
          extra: { "authentication.kubernetes.io/pod-name": ["trendmaster-ai-7d9f-abcde"] },
        },
      ],
      admission: {
        validating: [
          {
            metadata: { name: "guard" },
            webhooks: [
              {
                name: "validate.guard.trendmaster.io",
                clientConfig: { service: { namespace: "istio-system", name: "guard", path: "/validate" }, caBundle: webhook.caBundle },
                rules: [{ operations: ["UPDATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["configmaps"] }],
                timeoutSeconds: 5,
                sideEffects: "None",
                admissionReviewVersions: ["v1"],
              },
            ],
          },
        ],
        resolveService: () => ({ host: "127.0.0.1", port: webhook.port }),
      },
    });
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(api.kubeconfigPath());
    core = kubeConfig.makeApiClient(CoreV1Api);
  });
  afterAll(async () => {
    await api?.stop();
    await webhook?.stop();
  });

  it("gets the denial Status with the webhook's code, and the service account in userInfo", async () => {
    webhook.script("/validate", () => ({ allowed: false, status: { code: 422, reason: "Invalid", message: "descriptors[0].rate_limit.unit: invalid unit 'hours'" } }));
    const created = await core.createNamespacedConfigMap({ namespace: "istio-system", body: { metadata: { name: "ratelimit-config" }, data: { "config.yaml": "domain: edge" } } });
    const refusal = await core.replaceNamespacedConfigMap({ namespace: "istio-system", name: "ratelimit-config", body: { ...created, data: { "config.yaml": "bad" } } }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(ApiException);
    const { code, body } = refusal as ApiException<string>;
    expect(code).toBe(422);
    expect(JSON.parse(body)).toMatchObject({
      status: "Failure",
      reason: "Invalid",
      message: "admission webhook \"validate.guard.trendmaster.io\" denied the request: descriptors[0].rate_limit.unit: invalid unit 'hours'",
    });
    expect(webhook.received[0]?.request.userInfo).toEqual({
      username: "system:serviceaccount:trendmaster:forecaster",
      uid: "6f4d1c2e-0000-4000-8000-000000000001",
      groups: ["system:serviceaccounts", "system:serviceaccounts:trendmaster", "system:authenticated"],
      extra: { "authentication.kubernetes.io/pod-name": ["trendmaster-ai-7d9f-abcde"] },
    });
    expect(api.getObject("configmaps", "istio-system", "ratelimit-config")?.data).toEqual({ "config.yaml": "domain: edge" });
  });

  describe("a write that loses a race while a webhook is slow", () => {
    const dataOf = (object: KubeObject | null | undefined): Record<string, string> | undefined => object?.data as Record<string, string> | undefined;
    const slowWhile: Script = (request) => ({ allowed: true, delayMilliseconds: dataOf(request.object)?.slow === "yes" ? 300 : 0 });
    const concurrentPatch = (name: string): Promise<V1ConfigMap> =>
      new Promise((resolve) => setTimeout(resolve, 60)).then(() =>
        core.patchNamespacedConfigMap({ namespace: "istio-system", name, body: { data: { other: "1" } } }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch)),
      );

    it("is a Conflict when it named a resourceVersion", async () => {
      webhook.script("/validate", slowWhile);
      const read = await core.createNamespacedConfigMap({ namespace: "istio-system", body: { metadata: { name: "raced" }, data: {} } });
      const [outcome] = await Promise.allSettled([core.replaceNamespacedConfigMap({ namespace: "istio-system", name: "raced", body: { ...read, data: { slow: "yes" } } }), concurrentPatch("raced")]);
      expect(outcome.status === "rejected" && (outcome.reason as ApiException<string>).code).toBe(409);
      expect(api.getObject("configmaps", "istio-system", "raced")?.data).toEqual({ other: "1" });
    });

    it("is retried on the fresh object when it named none, as GuaranteedUpdate does", async () => {
      webhook.script("/validate", slowWhile);
      webhook.received.length = 0;
      await core.createNamespacedConfigMap({ namespace: "istio-system", body: { metadata: { name: "retried" }, data: {} } });
      const unconditional = { metadata: { name: "retried", namespace: "istio-system" }, data: { slow: "yes" } };
      const [outcome] = await Promise.allSettled([core.replaceNamespacedConfigMap({ namespace: "istio-system", name: "retried", body: unconditional }), concurrentPatch("retried")]);
      expect(outcome.status).toBe("fulfilled");
      expect(api.getObject("configmaps", "istio-system", "retried")?.data).toEqual({ slow: "yes" });
      const slowReviews = webhook.received.filter((review) => review.request.name === "retried" && dataOf(review.request.object)?.slow === "yes");
      // The first attempt saw the ConfigMap as created (empty data is omitted), the retry the patched one.
      expect(slowReviews.map((review) => review.request.oldObject?.data)).toEqual([undefined, { other: "1" }]);
    });
  });
});
