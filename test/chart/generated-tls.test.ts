// TLS without cert-manager (certManager.enabled false): the chart's own CA and serving certificate,
// checked with the real openssl and a real TLS handshake against the name the API server dials.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:tls";
import { promisify } from "node:util";
import type { IMutatingWebhookConfiguration } from "kubernetes-models/admissionregistration.k8s.io/v1/MutatingWebhookConfiguration";
import type { IValidatingWebhookConfiguration } from "kubernetes-models/admissionregistration.k8s.io/v1/ValidatingWebhookConfiguration";
import { helmPath, missingBinaryMessage } from "../support/binaries.js";
import { findObject, lintChart, renderChart, RELEASE_NAMESPACE, type KubeObject } from "./render.js";
import { FULLNAME } from "./scenarios.js";

const run = promisify(execFile);
const haveHelm = helmPath() !== undefined;
if (!haveHelm) console.warn(missingBinaryMessage("helm"));

const decode = (base64: string | undefined): string => Buffer.from(base64 ?? "", "base64").toString("utf8");

(haveHelm ? describe : describe.skip)("TLS without cert-manager", () => {
  let objects: KubeObject[];
  let files: { ca: string; crt: string; key: string; dir: string };
  beforeAll(async () => {
    objects = await renderChart({ valuesFiles: ["values-prd1.yaml"], set: { "certManager.enabled": "false" } });
    const secret = findObject(objects, "Secret", `${FULLNAME}-tls`) as KubeObject & { type: string; data: Record<string, string> };
    expect(secret.type).toBe("kubernetes.io/tls");
    const dir = mkdtempSync(join(tmpdir(), "trendmaster-generated-tls-"));
    files = { ca: join(dir, "ca.crt"), crt: join(dir, "tls.crt"), key: join(dir, "tls.key"), dir };
    writeFileSync(files.ca, decode(secret.data["ca.crt"]));
    writeFileSync(files.crt, decode(secret.data["tls.crt"]));
    writeFileSync(files.key, decode(secret.data["tls.key"]));
  });

  it("renders no cert-manager object and no cainjector annotation; lints", async () => {
    expect(objects.filter((o) => o.apiVersion.startsWith("cert-manager.io/"))).toEqual([]);
    for (const kind of ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"]) {
      expect(findObject(objects, kind, FULLNAME).metadata.annotations?.["cert-manager.io/inject-ca-from"]).toBeUndefined();
    }
    expect((await lintChart({ valuesFiles: ["values-prd1.yaml"], set: { "certManager.enabled": "false" } })).ok).toBe(true);
  });

  it("both webhook configurations carry the Secret's CA as caBundle", () => {
    const secret = findObject(objects, "Secret", `${FULLNAME}-tls`) as KubeObject & { data: Record<string, string> };
    const mutating = findObject(objects, "MutatingWebhookConfiguration", FULLNAME) as unknown as IMutatingWebhookConfiguration;
    const validating = findObject(objects, "ValidatingWebhookConfiguration", FULLNAME) as unknown as IValidatingWebhookConfiguration;
    expect(mutating.webhooks?.[0]?.clientConfig.caBundle).toBe(secret.data["ca.crt"]);
    expect(validating.webhooks?.[0]?.clientConfig.caBundle).toBe(secret.data["ca.crt"]);
  });

  it("openssl: the serving certificate verifies against the CA and names the Service", async () => {
    const verify = await run("openssl", ["verify", "-CAfile", files.ca, files.crt]);
    expect(verify.stdout.trim()).toBe(`${files.crt}: OK`);
    const { stdout } = await run("openssl", ["x509", "-in", files.crt, "-noout", "-ext", "subjectAltName"]);
    for (const name of [FULLNAME, `${FULLNAME}.${RELEASE_NAMESPACE}`, `${FULLNAME}.${RELEASE_NAMESPACE}.svc`, `${FULLNAME}.${RELEASE_NAMESPACE}.svc.cluster.local`]) expect(stdout).toContain(`DNS:${name}`);
  });

  it("a TLS client trusting only the caBundle completes a handshake for the Service's DNS name", async () => {
    const server = createServer({ cert: readFileSync(files.crt), key: readFileSync(files.key) }, (_request, response) => response.end("ok"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const authorized = await new Promise<boolean>((resolve, reject) => {
        const socket = connect({ host: "127.0.0.1", port, ca: readFileSync(files.ca), servername: `${FULLNAME}.${RELEASE_NAMESPACE}.svc` }, () => {
          resolve(socket.authorized);
          socket.end();
        });
        socket.on("error", reject);
      });
      expect(authorized).toBe(true);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
