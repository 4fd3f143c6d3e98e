/**
 * One HTTP exchange over node:http/https. Node 20's fetch can only take a custom CA or skip
 * verification through an undici Agent, which Node bundles but does not export (and undici is not
 * a dependency here); node:https takes `ca` and `rejectUnauthorized` directly, with keep-alive.
 */
import http from "node:http";
import https from "node:https";

export interface HttpRequest {
  readonly method: "GET" | "POST";
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Whole exchange, from connect to the last body byte. */
  readonly timeoutMs: number;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** Why an exchange produced no complete response. */
export class HttpTransportError extends Error {
  constructor(
    message: string,
    readonly kind: "timeout" | "network" | "truncated",
  ) {
    super(message);
    this.name = "HttpTransportError";
  }
}

export type HttpTransport = (request: HttpRequest) => Promise<HttpResponse>;

export interface TlsOptions {
  /** PEM text of the CAs to trust. */
  readonly ca?: string;
  readonly rejectUnauthorized: boolean;
}

export interface NodeHttpTransport {
  readonly send: HttpTransport;
  /** Closes idle keep-alive sockets. */
  close(): void;
}

export function createNodeHttpTransport(tls: TlsOptions, maxSockets: number): NodeHttpTransport {
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets });
  const httpsAgent = new https.Agent({ keepAlive: true, maxSockets, ca: tls.ca, rejectUnauthorized: tls.rejectUnauthorized });
  const send: HttpTransport = (request) =>
    new Promise<HttpResponse>((resolve, reject) => {
      const isHttps = request.url.protocol === "https:";
      const headers: Record<string, string> = { ...request.headers };
      if (request.body !== undefined) headers["content-length"] = String(Buffer.byteLength(request.body));
      const options: http.RequestOptions = { method: request.method, headers, agent: isHttps ? httpsAgent : httpAgent };
      const req = (isHttps ? https : http).request(request.url, options, (res) => {
        const chunks: Buffer[] = [];
        let received = 0;
        res.on("data", (chunk: Buffer) => {
          chunks.push(chunk);
          received += chunk.length;
        });
        res.on("aborted", () => fail(new HttpTransportError(`response body cut off after ${received} bytes`, "truncated")));
        res.on("error", (err) => fail(new HttpTransportError(`response body cut off after ${received} bytes: ${err.message}`, "truncated")));
        res.on("end", () => {
          const expected = Number(res.headers["content-length"]);
          if (Number.isFinite(expected) && res.headers["content-length"] !== undefined && received !== expected) {
            fail(new HttpTransportError(`response body cut off: ${received} of ${expected} bytes`, "truncated"));
            return;
          }
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") });
        });
      });
      let settled = false;
      const fail = (err: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.destroy();
        reject(err);
      };
      const timer = setTimeout(() => fail(new HttpTransportError(`no complete response within ${request.timeoutMs} ms`, "timeout")), request.timeoutMs);
      req.on("error", (err: NodeJS.ErrnoException) => fail(new HttpTransportError(err.code !== undefined ? `${err.code}: ${err.message}` : err.message, "network")));
      req.end(request.body);
    });
  return {
    send,
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
