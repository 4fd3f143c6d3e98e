import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import express, { type NextFunction, type Request, type Response } from "express";
import type { Logger } from "pino";
import type { Endpoint } from "./admission/admit.js";
import { secureContextOptions, type TlsMaterial } from "./io/tls-reloader.js";
import type { WebhookMetrics } from "./metrics.js";
import { BodyPool, readBodyInto } from "./body-reader.js";
import type { ReviewService, WireReply } from "./review-service.js";

export interface ServerDeps {
  readonly reviews: ReviewService;
  readonly metrics: WebhookMetrics;
  readonly logger: Logger;
  /** Ready: TLS material loaded and the forecast cache read (or known to be absent). */
  readonly ready: () => { ready: boolean; reason?: string };
  readonly bodyLimitBytes: number;
}

const NO_BODY = Buffer.alloc(0);

/** Express app: admission endpoints, health and metrics. No policy here: the review service decides. */
export function createWebhookApp(deps: ServerDeps): express.Express {
  const app = express();
  app.disable("x-powered-by");
  // ETags on 200 KiB admission answers would hash every body for a client that never revalidates.
  app.set("etag", false);
  // The body as bytes: the review service recognises a repeated review by them before any decoding.
  const bodies = new BodyPool();
  const readBody = readBodyInto(bodies, deps.bodyLimitBytes, express.raw({ limit: deps.bodyLimitBytes, type: () => true }));

  for (const endpoint of ["mutate", "validate"] as const satisfies readonly Endpoint[]) {
    app.post(`/${endpoint}`, (req: Request, res: Response, next: NextFunction) => {
      const stop = deps.metrics.latency.startTimer({ endpoint });
      res.on("finish", () => stop());
      next();
    }, readBody, async (req: Request, res: Response) => {
      const body = Buffer.isBuffer(req.body) ? req.body : NO_BODY;
      let reply: WireReply;
      try {
        reply = await deps.reviews.reviewBytes(endpoint, body);
      } finally {
        // The review service keeps no reference to the bytes it was given.
        bodies.release(body);
      }
      // Bytes with their length, written as they are: no string round trip, no ETag.
      let length = 0;
      for (const chunk of reply.chunks) length += chunk.length;
      res.writeHead(reply.status, { "Content-Type": "application/json; charset=utf-8", "Content-Length": length });
      for (const chunk of reply.chunks) res.write(chunk);
      res.end();
    });
  }
  app.get("/healthz", (_req, res) => {
    res.type("text/plain").send("ok\n");
  });
  app.get("/readyz", (_req, res) => {
    const state = deps.ready();
    res.status(state.ready ? 200 : 503).type("text/plain").send(state.ready ? "ready\n" : `not ready: ${state.reason ?? "starting"}\n`);
  });
  app.get("/metrics", async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: "not found: POST /mutate or /validate, GET /healthz, /readyz, /metrics" });
  });
  // Body errors (bad JSON, too large, bad encoding) end here with a clean 4xx; nothing else may throw past it.
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const e = error as { status?: number; statusCode?: number; type?: string; message?: string };
    const status = e.status ?? e.statusCode ?? 500;
    const clientError = status >= 400 && status < 500;
    deps.metrics.badRequests.inc({ reason: clientError ? (e.type ?? "bad-request") : "server-error" });
    if (!clientError) deps.logger.error({ err: e.message }, "request failed");
    if (res.headersSent) return void res.end();
    res.status(clientError ? status : 500).json({ error: clientError ? (e.message ?? "bad request") : "internal error" });
  });
  return app;
}

export interface RunningServer {
  readonly server: Server;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * How long a client may take and how many may connect. The API server gives an admission call at
 * most its timeoutSeconds (10 s by default, 30 s at most), so a request that is not in within a few
 * seconds will be abandoned anyway; slow or silent clients must not pile up sockets.
 */
export interface ConnectionLimits {
  /** Open connections at most; more are closed as they arrive. */
  readonly maxConnections: number;
  /** From TCP accept to a finished TLS handshake. */
  readonly handshakeTimeoutMs: number;
  /** From the connection's handshake (or the end of the previous response) to a request's last header. */
  readonly headersTimeoutMs: number;
  /** From the start of a request to its last body byte. */
  readonly requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this (longer than the API server's own reuse would race). */
  readonly keepAliveTimeoutMs: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = {
  maxConnections: 1_000,
  handshakeTimeoutMs: 5_000,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 65_000,
};

/** HTTPS server (TLS 1.2+, AEAD suites) for the app; the caller swaps certificates with server.setSecureContext. */
export function startHttpsServer(app: express.Express, tls: TlsMaterial, port: number, host?: string, limits: ConnectionLimits = DEFAULT_CONNECTION_LIMITS): Promise<RunningServer> {
  const server = createServer(
    {
      ...secureContextOptions(tls),
      handshakeTimeout: limits.handshakeTimeoutMs,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      // Node checks the header and request timeouts this often (30 s by default: a slow client then lasts 30 s).
      connectionsCheckingInterval: 1_000,
    },
    app,
  );
  server.maxConnections = limits.maxConnections;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve({
        server,
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeIdleConnections();
          }),
      });
    });
  });
}
