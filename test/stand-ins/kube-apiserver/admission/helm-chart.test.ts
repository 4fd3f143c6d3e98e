// Our own Helm chart's webhook configurations, rendered by the real helm, honoured by the
// stand-in: only writes to istio-system/ratelimit-config reach the webhook, mutating first.
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { type V1MutatingWebhookConfiguration, type V1ValidatingWebhookConfiguration, loadAllYaml } from "@kubernetes/client-node";
import { helmPath, kubectlPath, missingBinaryMessage } from "../../../support/binaries.js";
import { runKubectl } from "../../../support/kubectl.js";
import { repoRoot } from "../../../support/paths.js";
import { type KubeApiStandIn, startKubeApiStandIn } from "../index.js";
import { type ScriptedWebhookServer, startScriptedWebhookServer } from "./scripted-webhook-server.js";

const kubectl = kubectlPath();
const helm = helmPath();
if (kubectl === undefined) console.warn(missingBinaryMessage("kubectl"));
if (helm === undefined) console.warn(missingBinaryMessage("helm"));
const describeWithBinaries = kubectl === undefined || helm === undefined ? describe.skip : describe;

const RELEASE_NAMESPACE = "trendmaster";

interface RenderedWebhooks {
  mutating: V1MutatingWebhookConfiguration[];
  validating: V1ValidatingWebhookConfiguration[];
}

/** `helm template`, keeping the webhook configurations, with the caBundle cert-manager would inject. */
async function renderWebhookConfigurations(caBundle: string): Promise<RenderedWebhooks> {
  const { stdout } = await promisify(execFile)(helm as string, ["template", "tm", join(repoRoot(), "helm-chart"), "--namespace", RELEASE_NAMESPACE]);
  const documents = (loadAllYaml(stdout) as Array<{ kind?: string; webhooks?: Array<{ clientConfig: { caBundle?: string } }> } | null>).filter((document) => document !== null);
  for (const document of documents) for (const webhook of document.webhooks ?? []) webhook.clientConfig.caBundle = caBundle;
  return {
    mutating: documents.filter((document) => document.kind === "MutatingWebhookConfiguration") as V1MutatingWebhookConfiguration[],
    validating: documents.filter((document) => document.kind === "ValidatingWebhookConfiguration") as V1ValidatingWebhookConfiguration[],
  };
}

describeWithBinaries("the Helm chart's webhook configurations in the kube-apiserver stand-in", () => {
  let api: KubeApiStandIn;
  let webhook: ScriptedWebhookServer;
  let rendered: RenderedWebhooks;
  let serviceNames: string[];

  beforeAll(async () => {
    webhook = await startScriptedWebhookServer({ dnsNames: [`trendmaster-ai.${RELEASE_NAMESPACE}.svc`] });
    rendered = await renderWebhookConfigurations(webhook.caBundle);
    api = await startKubeApiStandIn({ users: [{ name: "operator", groups: ["sre"] }], namespaces: ["default", "istio-system", RELEASE_NAMESPACE] });
  });
  afterAll(async () => {
    await api?.stop();
    await webhook?.stop();
  });
  beforeEach(() => {
    webhook.received.length = 0;
    serviceNames = [];
    api.setAdmission({
      ...rendered,
      resolveService: ({ namespace, name }) => {
        serviceNames.push(`${namespace}/${name}`);
        return { host: "127.0.0.1", port: webhook.port };
      },
    });
  });

  const apply = (name: string, namespace: string) =>
    runKubectl(kubectl as string, api.kubeconfigPath(), ["apply", "-f", "-"], {
      stdin: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\ndata:\n  config.yaml: "domain: edge"\n`,
    });

  it("renders one mutating and one validating configuration", () => {
    expect([rendered.mutating.length, rendered.validating.length]).toEqual([1, 1]);
  });

  it("sends writes to istio-system/ratelimit-config through /mutate, then /validate", async () => {
    webhook.script("/mutate", () => ({ allowed: true, patch: [{ op: "add", path: "/metadata/annotations/trendmaster.io~1guarded-digest", value: "sha256:test" }] }));
    expect((await apply("ratelimit-config", "istio-system")).code).toBe(0);
    expect(webhook.received.map((review) => `${review.path} ${review.request.operation}`)).toEqual(["/mutate CREATE", "/validate CREATE"]);
    expect(webhook.received[1]?.request.object?.metadata.annotations?.["trendmaster.io/guarded-digest"]).toBe("sha256:test");
    expect(new Set(serviceNames)).toEqual(new Set([`${RELEASE_NAMESPACE}/trendmaster-ai`]));
  });

  it.each([
    ["another ConfigMap in istio-system (matchConditions)", "other-config", "istio-system"],
    ["a ratelimit-config elsewhere (namespaceSelector)", "ratelimit-config", "default"],
  ])("leaves %s alone", async (_case, name, namespace) => {
    expect((await apply(name, namespace)).code).toBe(0);
    expect(webhook.received).toEqual([]);
  });

  it("lets writes through unguarded when the webhook is unreachable (failurePolicy Ignore)", async () => {
    await runKubectl(kubectl as string, api.kubeconfigPath(), ["delete", "configmap", "ratelimit-config", "-n", "istio-system", "--ignore-not-found"]);
    api.setAdmission({ ...rendered, resolveService: () => ({ host: "127.0.0.1", port: 1 }) });
    expect((await apply("ratelimit-config", "istio-system")).stdout).toBe("configmap/ratelimit-config created\n");
    expect(api.getObject("configmaps", "istio-system", "ratelimit-config")?.metadata.annotations?.["trendmaster.io/guarded-digest"]).toBeUndefined();
  });
});
