// What the forecaster sees through @kubernetes/client-node when admission refuses its write.
import { ApiException, CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { type KubeApiStandIn, startKubeApiStandIn } from "../index.js";
import { type ScriptedWebhookServer, startScriptedWebhookServer } from "./scripted-webhook-server.js";

describe("admission through @kubernetes/client-node", () => {
  let api: KubeApiStandIn;
  let webhook: ScriptedWebhookServer;
  let core: CoreV1Api;

  beforeAll(async () => {
    webhook = await startScriptedWebhookServer({ dnsNames: ["guard.istio-system.svc"] });
    api = await startKubeApiStandIn({
      users: [{ name: "system:serviceaccount:trendmaster:forecaster", groups: ["system:serviceaccounts", "system:serviceaccounts:trendmaster"] }],
      admission: {
        validating: [
          {
            metadata: { name: "guard" },
            webhooks: [
              {
                name: "validate.guard.trendmaster.io",
                clientConfig: { service: { namespace: "istio-system", name: "guard", path: "/validate" }, caBundle: webhook.caBundle },
                rules: [{ operations: ["UPDATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["configmaps"] }],
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
      groups: ["system:serviceaccounts", "system:serviceaccounts:trendmaster", "system:authenticated"],
    });
    expect(api.getObject("configmaps", "istio-system", "ratelimit-config")?.data).toEqual({ "config.yaml": "domain: edge" });
  });
});
