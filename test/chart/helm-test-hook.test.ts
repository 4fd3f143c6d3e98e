// The chart's `helm test` pod, run here as a process: the script the chart ships (files/helm-test.mjs,
// read from the rendered ConfigMap) with the rendered pod's env, against real TLS and the
// kube-apiserver stand-in authorising as the chart's RBAC does for the forecaster's ServiceAccount.
// The webhook's side is an HTTPS server answering /readyz as the webhook does; `trendmaster
// validate` is this repository's build (dist/cli/main.js), as /app/dist/cli/main.js in the image.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import yaml from "js-yaml";
import { createCertificateAuthority, issueCertificate } from "../stand-ins/kube-apiserver/certificates.js";
import { startKubeApiStandIn, type KubeApiStandIn, type KubeObject as StoredObject } from "../stand-ins/kube-apiserver/index.js";
import { helmPath, missingBinaryMessage } from "../support/binaries.js";
import { repoRoot } from "../support/paths.js";
import { runProcess } from "../support/run-process.js";
import { writeGuideValuesFile } from "./guide-blocks.js";
import { chartAuthorizer } from "./rbac-authorizer.js";
import { findObject, renderChart } from "./render.js";

const ACCOUNT = "system:serviceaccount:default:trendmaster-ai";
const haveHelm = helmPath() !== undefined;
if (!haveHelm) console.warn(missingBinaryMessage("helm"));

interface RenderedTestPod {
  metadata: { annotations: Record<string, string> };
  spec: { serviceAccountName: string; containers: { command: string[]; env: { name: string; value: string }[] }[] };
}

const configMap = (config: string, name = "ratelimit-config"): StoredObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: "istio-system" }, data: { "config.yaml": config } });

(haveHelm ? describe : describe.skip)("helm test", () => {
  const dir = mkdtempSync(join(tmpdir(), "trendmaster-helm-test-"));
  let api: KubeApiStandIn;
  let webhook: Server;
  let env: Record<string, string>;
  let pod: RenderedTestPod;
  const script = join(dir, "helm-test.mjs");

  beforeAll(async () => {
    const objects = await renderChart({ valuesFiles: [writeGuideValuesFile("prd1")], namespace: "default" });
    const scriptMap = findObject(objects, "ConfigMap", "trendmaster-ai-test") as unknown as { data: Record<string, string> };
    writeFileSync(script, scriptMap.data["helm-test.mjs"] ?? "");
    pod = findObject(objects, "Pod", "trendmaster-ai-test") as unknown as RenderedTestPod;

    api = await startKubeApiStandIn({ users: [{ name: ACCOUNT, groups: ["system:serviceaccounts"] }], namespaces: ["default", "istio-system"], authorize: chartAuthorizer(objects) });
    api.seedObject(configMap((yaml.load(readFileSync(join(repoRoot(), "examples", "ratelimit-config.yaml"), "utf8")) as { data: Record<string, string> }).data["config.yaml"] ?? ""));
    // The ServiceAccount's mounted token and CA, as the kubelet projects them.
    const kubeconfig = yaml.load(readFileSync(api.kubeconfigPath(ACCOUNT), "utf8")) as { clusters: { cluster: { server: string; "certificate-authority-data": string } }[]; users: { user: { token: string } }[] };
    const accountDir = join(dir, "serviceaccount");
    mkdirSync(accountDir);
    writeFileSync(join(accountDir, "token"), kubeconfig.users[0]?.user.token ?? "");
    writeFileSync(join(accountDir, "ca.crt"), Buffer.from(kubeconfig.clusters[0]?.cluster["certificate-authority-data"] ?? "", "base64"));

    const authority = await createCertificateAuthority("trendmaster-ai-ca");
    const serving = await issueCertificate(authority, { commonName: "trendmaster-ai", ipAddresses: ["127.0.0.1"] });
    writeFileSync(join(dir, "ca.crt"), authority.certPem);
    webhook = createServer({ cert: serving.certPem, key: serving.keyPem }, (request, response) => response.writeHead(request.url === "/readyz" ? 200 : 404).end("ok"));
    await new Promise<void>((resolve) => webhook.listen(0, "127.0.0.1", resolve));

    const podEnv = Object.fromEntries(pod.spec.containers[0]?.env.map((e) => [e.name, e.value]) ?? []);
    env = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      ...podEnv,
      // In the cluster: https://trendmaster-ai.default.svc:443 and the CA mounted at /tls/ca.crt.
      WEBHOOK_URL: `https://127.0.0.1:${(webhook.address() as AddressInfo).port}`,
      WEBHOOK_CA_FILE: join(dir, "ca.crt"),
      KUBERNETES_API_URL: kubeconfig.clusters[0]?.cluster.server ?? "",
      SERVICE_ACCOUNT_DIR: accountDir,
      TRENDMASTER_CLI: join(repoRoot(), "dist", "cli", "main.js"),
      TMPDIR: dir,
    };
  });
  afterAll(async () => {
    await api?.stop();
    if (webhook?.listening) await new Promise<void>((resolve) => webhook.close(() => resolve()));
  });

  const runTest = (extra: Record<string, string> = {}) => runProcess(process.execPath, [script], { env: { ...env, ...extra }, timeoutMs: 30_000 });

  it("is a test hook running the shipped script as the forecaster's ServiceAccount, for the guarded ConfigMap", () => {
    expect(pod.metadata.annotations["helm.sh/hook"]).toBe("test");
    expect(pod.spec.serviceAccountName).toBe("trendmaster-ai");
    expect(pod.spec.containers[0]?.command).toEqual(["node", "/test/helm-test.mjs"]);
    expect(env).toMatchObject({ RATELIMIT_NAMESPACE: "istio-system", RATELIMIT_NAME: "ratelimit-config" });
  });

  it("passes when the webhook answers and the live config loads", async () => {
    const result = await runTest();
    expect(result.stderr).toBe("");
    expect(result.stdout).toContain(`ok   the webhook answers ${env.WEBHOOK_URL}/readyz`);
    expect(result.stdout).toContain("ok   istio-system/ratelimit-config loads as the ratelimit service loads it");
    expect(result.code).toBe(0);
  });

  it("fails naming the problem when the live config would not load", async () => {
    // A guarded ConfigMap (ratelimitConfig.name) whose config the ratelimit service would refuse.
    api.seedObject(configMap("domain: edge\ndescriptors:\n  - key: PARTNER\n    rate_limit:\n      unit: hours\n      requests_per_unit: 10\n", "broken-ratelimit-config"));
    const result = await runTest({ RATELIMIT_NAME: "broken-ratelimit-config" });
    expect(result.stderr).toMatch(/^FAIL istio-system\/broken-ratelimit-config does not load: .*hours/m);
    expect(result.code).toBe(1);
  });

  it("fails naming the URL when the webhook does not answer", async () => {
    await new Promise<void>((resolve) => webhook.close(() => resolve()));
    const result = await runTest();
    expect(result.stderr).toContain(`FAIL the webhook does not answer at ${env.WEBHOOK_URL}/readyz:`);
    expect(result.code).toBe(1);
  });
});
