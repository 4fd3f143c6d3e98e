// A tiny admission webhook for tests: real HTTPS with a certificate from a CA the test made,
// answering each AdmissionReview as the test scripts it, and keeping every review it received.
import type { IncomingMessage, ServerResponse } from "node:http";
import { type Server, createServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Operation } from "fast-json-patch";
import { type CertificateAuthority, createCertificateAuthority, issueCertificate } from "../certificates.js";
import type { AdmissionRequest, AdmissionResponse } from "./admission-review.js";

/** What the script wants answered; `patch` is plain JSON patch operations (base64 is done here). */
export interface ScriptedAnswer {
  allowed: boolean;
  status?: AdmissionResponse["status"];
  patch?: Operation[];
  warnings?: string[];
  /** Answer with this body instead of a proper AdmissionReview. */
  rawBody?: unknown;
  /** Wait this long before answering (to exceed timeoutSeconds). */
  delayMilliseconds?: number;
}

export type Script = (request: AdmissionRequest) => ScriptedAnswer;

export interface ReceivedReview {
  path: string;
  request: AdmissionRequest;
}

export interface ScriptedWebhookServer {
  port: number;
  /** The CA that signed the serving certificate, base64 PEM as clientConfig.caBundle wants it. */
  caBundle: string;
  authority: CertificateAuthority;
  /** Every review received, oldest first. */
  received: ReceivedReview[];
  /** Scripts the answer for one path (e.g. "/validate"); unscripted paths allow everything. */
  script(path: string, answer: Script): void;
  stop(): Promise<void>;
}

export interface ScriptedWebhookOptions {
  /** Names in the serving certificate, e.g. "trendmaster-webhook.istio-system.svc". */
  dnsNames: string[];
}

function readJson(request: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown);
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
    request.on("error", reject);
  });
}

function answer(response: ServerResponse, body: unknown): void {
  response.writeHead(200, { "Content-Type": "application/json" });
  response.end(JSON.stringify(body));
}

export async function startScriptedWebhookServer(options: ScriptedWebhookOptions): Promise<ScriptedWebhookServer> {
  const authority = await createCertificateAuthority("scripted-webhook-ca");
  const serving = await issueCertificate(authority, { commonName: options.dnsNames[0] ?? "webhook", dnsNames: options.dnsNames, ipAddresses: ["127.0.0.1"] });
  const scripts = new Map<string, Script>();
  const received: ReceivedReview[] = [];
  const pending = new Set<NodeJS.Timeout>();

  const server: Server = createServer({ cert: serving.certPem, key: serving.keyPem }, (request, response) => {
    const path = new URL(request.url ?? "/", "https://webhook").pathname;
    void readJson(request).then(
      (body) => {
        const review = body as { request: AdmissionRequest };
        received.push({ path, request: review.request });
        const allowEverything: Script = () => ({ allowed: true });
        const scripted = (scripts.get(path) ?? allowEverything)(review.request);
        const reply = (): void => {
          if (scripted.rawBody !== undefined) return answer(response, scripted.rawBody);
          const admissionResponse: AdmissionResponse = { uid: review.request.uid, allowed: scripted.allowed };
          if (scripted.status !== undefined) admissionResponse.status = scripted.status;
          if (scripted.warnings !== undefined) admissionResponse.warnings = scripted.warnings;
          if (scripted.patch !== undefined) {
            admissionResponse.patchType = "JSONPatch";
            admissionResponse.patch = Buffer.from(JSON.stringify(scripted.patch)).toString("base64");
          }
          answer(response, { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", response: admissionResponse });
        };
        if (scripted.delayMilliseconds === undefined) return reply();
        const timer = setTimeout(() => {
          pending.delete(timer);
          if (!response.destroyed) reply();
        }, scripted.delayMilliseconds);
        pending.add(timer);
      },
      () => {
        response.writeHead(400).end("not JSON");
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));

  return {
    port: (server.address() as AddressInfo).port,
    caBundle: Buffer.from(authority.certPem).toString("base64"),
    authority,
    received,
    script: (path, script) => scripts.set(path, script),
    stop: async () => {
      for (const timer of pending) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
