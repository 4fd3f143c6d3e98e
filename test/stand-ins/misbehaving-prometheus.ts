/**
 * A local HTTP server that speaks just enough of the Prometheus API to answer query_range, and
 * misbehaves on cue: slow answers, 5xx, 429, 4xx with Prometheus' error JSON, malformed JSON,
 * truncated bodies, dropped connections. Records every request for assertions.
 */
import http from "node:http";
import https from "node:https";
import { once } from "node:events";

export type Misbehavior =
  /** A valid answer: for query_range one series, value 1 at every step, plus these warnings. */
  | { readonly kind: "ok"; readonly warnings?: readonly string[] }
  | { readonly kind: "status"; readonly status: number; readonly body: string; readonly headers?: Readonly<Record<string, string>> }
  /** Waits before answering ok (to trip the client's timeout). */
  | { readonly kind: "slow"; readonly delayMs: number }
  | { readonly kind: "malformed-json" }
  /** Announces a longer body than it sends, then closes the connection. */
  | { readonly kind: "truncated" }
  /** Closes the connection without answering. */
  | { readonly kind: "drop" };

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly params: URLSearchParams;
  readonly headers: http.IncomingHttpHeaders;
}

export interface MisbehavingPrometheus {
  /** Base URL including the path prefix. */
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Behaviours for the next requests, in order; once used up, requests get `ok`. */
  script(...behaviors: Misbehavior[]): void;
  stop(): Promise<void>;
}

export function prometheusErrorBody(errorType: string, error: string): string {
  return JSON.stringify({ status: "error", errorType, error });
}

function matrixAnswer(params: URLSearchParams, warnings: readonly string[] | undefined): string {
  const start = Number(params.get("start"));
  const end = Number(params.get("end"));
  const step = Number(params.get("step"));
  const values: [number, string][] = [];
  for (let t = start; t <= end + 1e-9; t += step) values.push([t, "1"]);
  return JSON.stringify({ status: "success", data: { resultType: "matrix", result: [{ metric: {}, values }] }, ...(warnings === undefined ? {} : { warnings }) });
}

function vectorAnswer(): string {
  return JSON.stringify({ status: "success", data: { resultType: "vector", result: [{ metric: {}, value: [Date.now() / 1000, "1"] }] } });
}

/** Serves under `pathPrefix` (as behind a proxy), over HTTPS when given a key and certificate (PEM). */
export async function startMisbehavingPrometheus(options: { pathPrefix?: string; tls?: { key: string; cert: string } } = {}): Promise<MisbehavingPrometheus> {
  const prefix = (options.pathPrefix ?? "").replace(/\/+$/, "");
  const queue: Misbehavior[] = [];
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const handler: http.RequestListener = (req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://stand-in");
      const params = req.method === "POST" ? new URLSearchParams(body) : url.searchParams;
      requests.push({ method: req.method ?? "", path: url.pathname, params, headers: req.headers });
      const behavior = queue.shift() ?? { kind: "ok" };
      if (!url.pathname.startsWith(`${prefix}/api/v1/`)) {
        res.writeHead(404, { "content-type": "text/plain" }).end("404 page not found\n");
        return;
      }
      const json = { "content-type": "application/json" };
      switch (behavior.kind) {
        case "ok":
          res.writeHead(200, json).end(url.pathname.endsWith("/query") ? vectorAnswer() : matrixAnswer(params, behavior.warnings));
          return;
        case "status":
          res.writeHead(behavior.status, { ...json, ...behavior.headers }).end(behavior.body);
          return;
        case "slow": {
          const timer = setTimeout(() => {
            timers.delete(timer);
            if (!res.destroyed) res.writeHead(200, json).end(matrixAnswer(params, undefined));
          }, behavior.delayMs);
          timers.add(timer);
          return;
        }
        case "malformed-json":
          res.writeHead(200, json).end('{"status":"success","data":{"resultType":"matrix","result":[');
          return;
        case "truncated":
          res.writeHead(200, { ...json, "content-length": "1000" });
          res.write('{"status":"success","data":');
          setImmediate(() => res.socket?.destroy());
          return;
        case "drop":
          req.socket.destroy();
          return;
      }
    });
  };
  const server = options.tls === undefined ? http.createServer(handler) : https.createServer(options.tls, handler);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("stand-in has no port");
  return {
    url: `${options.tls === undefined ? "http" : "https"}://127.0.0.1:${address.port}${prefix}`,
    requests,
    script: (...behaviors) => queue.push(...behaviors),
    async stop() {
      for (const timer of timers) clearTimeout(timer);
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}
