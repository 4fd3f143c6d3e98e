/**
 * The forecaster's plain-HTTP port (9090): /metrics for Prometheus, /healthz (the process answers and
 * no cycle is hung), /readyz (started, and the last cycle did not fail for a reason that needs a
 * human), /report (the latest forecast report page, when given). No decisions.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

export interface Readiness {
  /** undefined: ready; otherwise why not. */
  notReadyReason(): string | undefined;
  /** undefined: alive; otherwise why the process should be restarted. */
  notLiveReason?(): string | undefined;
}

/** Pages served beside the probes; each builds its own response. */
export interface HttpPages {
  report?(): Promise<{ readonly status: number; readonly contentType: string; readonly body: string }>;
}

export interface RunningHttpServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startHttpServer(port: number, registry: Registry, readiness: Readiness, host = "0.0.0.0", pages: HttpPages = {}): Promise<RunningHttpServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    if (path === "/metrics") {
      registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": registry.contentType }).end(text),
        (error: Error) => res.writeHead(500, { "content-type": "text/plain" }).end(`metrics: ${error.message}\n`),
      );
    } else if (path === "/healthz") {
      const reason = readiness.notLiveReason?.();
      res.writeHead(reason === undefined ? 200 : 503, { "content-type": "text/plain" }).end(reason === undefined ? "ok\n" : `unhealthy: ${reason}\n`);
    } else if (path === "/readyz") {
      const reason = readiness.notReadyReason();
      res.writeHead(reason === undefined ? 200 : 503, { "content-type": "text/plain" }).end(reason === undefined ? "ready\n" : `not ready: ${reason}\n`);
    } else if (path === "/report" && pages.report) {
      pages.report().then(
        (page) => res.writeHead(page.status, { "content-type": page.contentType, "cache-control": "no-store" }).end(req.method === "HEAD" ? undefined : page.body),
        (error: Error) => res.writeHead(500, { "content-type": "text/plain" }).end(`report: ${error.message}\n`),
      );
    } else {
      res.writeHead(404, { "content-type": "text/plain" }).end(`not found: try /metrics, /healthz, /readyz${pages.report ? ", /report" : ""}\n`);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
