// One HTTPS POST of an AdmissionReview to a webhook, as the apiserver's webhook client makes it:
// TLS verified against caBundle (and the service's DNS name), `?timeout=` on the URL, the
// webhook's timeoutSeconds enforced. Failures are worded like Go's net/http and crypto/x509.
import { request as httpsRequest } from "node:https";
import { checkServerIdentity } from "node:tls";
import type { V1MutatingWebhook } from "@kubernetes/client-node";

type ClientConfig = V1MutatingWebhook["clientConfig"];

/** Where a webhook Service really listens; tests map services to 127.0.0.1:<port>. */
export interface ServiceEndpoint {
  host: string;
  port: number;
}

export type ServiceResolver = (service: { namespace: string; name: string; port: number }) => ServiceEndpoint | undefined;

export type WebhookCallResult = { body: unknown } | { error: string };

interface Target {
  /** The URL as the apiserver names it in errors. */
  url: string;
  host: string;
  port: number;
  path: string;
  serverName: string;
}

function resolveTarget(clientConfig: ClientConfig, timeoutSeconds: number, resolveService: ServiceResolver): Target | string {
  const timeoutQuery = `timeout=${timeoutSeconds}s`;
  if (clientConfig.service !== undefined) {
    const { namespace, name } = clientConfig.service;
    const port = clientConfig.service.port ?? 443;
    const serverName = `${name}.${namespace}.svc`;
    const path = `${clientConfig.service.path ?? "/"}?${timeoutQuery}`;
    const endpoint = resolveService({ namespace, name, port });
    if (endpoint === undefined) return `services "${name}" not found`;
    return { url: `https://${serverName}:${port}${path}`, host: endpoint.host, port: endpoint.port, path, serverName };
  }
  if (clientConfig.url !== undefined) {
    const url = new URL(clientConfig.url);
    url.search = url.search === "" ? timeoutQuery : `${url.search.slice(1)}&${timeoutQuery}`;
    const host = url.hostname.replace(/^\[|\]$/g, "");
    return { url: url.toString(), host, port: Number(url.port || 443), path: `${url.pathname}${url.search}`, serverName: host };
  }
  return "no clientConfig.url or clientConfig.service";
}

function describeFailure(error: NodeJS.ErrnoException & { cert?: { subjectaltname?: string } }, target: Target): string {
  switch (error.code) {
    case "ECONNREFUSED":
      return `dial tcp ${target.host}:${target.port}: connect: connection refused`;
    case "UNABLE_TO_VERIFY_LEAF_SIGNATURE":
    case "SELF_SIGNED_CERT_IN_CHAIN":
    case "DEPTH_ZERO_SELF_SIGNED_CERT":
    case "UNABLE_TO_GET_ISSUER_CERT_LOCALLY":
      return "tls: failed to verify certificate: x509: certificate signed by unknown authority";
    case "ERR_TLS_CERT_ALTNAME_INVALID": {
      const names = (error.cert?.subjectaltname ?? "").split(", ").map((name) => name.replace(/^(DNS|IP Address):/, "")).filter((name) => name !== "");
      return `tls: failed to verify certificate: x509: certificate is valid for ${names.join(", ")}, not ${target.serverName}`;
    }
    case "CERT_HAS_EXPIRED":
      return "tls: failed to verify certificate: x509: certificate has expired or is not yet valid";
    default:
      return error.message;
  }
}

const isIpAddress = (host: string): boolean => /^[\d.]+$/.test(host) || host.includes(":");

export function callWebhook(clientConfig: ClientConfig, timeoutSeconds: number, review: object, resolveService: ServiceResolver): Promise<WebhookCallResult> {
  const target = resolveTarget(clientConfig, timeoutSeconds, resolveService);
  if (typeof target === "string") return Promise.resolve({ error: `failed to call webhook: ${target}` });
  const payload = JSON.stringify(review);
  const ca = clientConfig.caBundle === undefined ? undefined : Buffer.from(clientConfig.caBundle, "base64").toString("utf8");
  return new Promise((resolve) => {
    let settled = false;
    const settle = (result: WebhookCallResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      resolve(result);
    };
    const fail = (detail: string): void => settle({ error: `failed to call webhook: Post "${target.url}": ${detail}` });
    const request = httpsRequest(
      {
        host: target.host,
        port: target.port,
        path: target.path,
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json, */*", "Content-Length": Buffer.byteLength(payload) },
        ...(ca === undefined ? {} : { ca }),
        ...(isIpAddress(target.serverName) ? {} : { servername: target.serverName }),
        // Verify the name the apiserver would dial, not the address the test resolved it to.
        checkServerIdentity: (_host, certificate) => checkServerIdentity(target.serverName, certificate),
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const code = response.statusCode ?? 0;
          if (code < 200 || code > 299) {
            return settle({ error: `failed to call webhook: an error on the server ("${text.trim().slice(0, 200)}") has prevented the request from succeeding` });
          }
          try {
            settle({ body: JSON.parse(text) as unknown });
          } catch (error) {
            settle({ error: `failed to call webhook: couldn't get version/kind; json parse error: ${String(error)}` });
          }
        });
        response.on("error", (error) => fail(error.message));
      },
    );
    const deadline = setTimeout(() => {
      fail("context deadline exceeded");
      request.destroy();
    }, timeoutSeconds * 1000);
    request.on("error", (error) => fail(describeFailure(error, target)));
    request.end(payload);
  });
}
