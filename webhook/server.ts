import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import express, { type NextFunction, type Request, type Response } from "express";
import type { Logger } from "pino";
import type { Endpoint } from "./admission/admit.js";
import { secureContextOptions, type TlsMaterial } from "./io/tls-reloader.js";
import type { WebhookMetrics } from "./metrics.js";
import type { ReviewService } from "./review-service.js";

export interface ServerDeps {
  readonly reviews: ReviewService;
  readonly metrics: WebhookMetrics;
  readonly logger: Logger;
  /** Ready: TLS material loaded and the forecast cache read (or known to be absent). */
  readonly ready: () => { ready: boolean; reason?: string };
  readonly bodyLimitBytes: number;
}

/** Express app: admission endpoints, health and metrics. No policy here: the review service decides. */
export function createWebhookApp(deps: ServerDeps): express.Express {
  const app = express();
  app.disable("x-powered-by");
  // ETags on 200 KiB admission answers would hash every body for a client that never revalidates.
  app.set("etag", false);
  // The body as bytes, decoded once below: body-parser's JSON path decodes through a stream decoder first.
  const readBody = express.raw({ limit: deps.bodyLimitBytes, type: () => true });

  for (const endpoint of ["mutate", "validate"] as const satisfies readonly Endpoint[]) {
    app.post(`/${endpoint}`, (req: Request, res: Response, next: NextFunction) => {
      const stop = deps.metrics.latency.startTimer({ endpoint });
      res.on("finish", () => stop());
      next();
    }, readBody, async (req: Request, res: Response) => {
      let body: unknown;
      try {
        body = JSON.parse(Buffer.isBuffer(req.body) ? req.body.toString("utf8") : "");
      } catch (error) {
        deps.metrics.badRequests.inc({ reason: "entity.parse.failed" });
        res.status(400).json({ error: `body is not JSON: ${(error as Error).message}` });
        return;
      }
      const reply = await deps.reviews.review(endpoint, body);
      res.status(reply.status).type("application/json").send(JSON.stringify(reply.body));
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

/** HTTPS server (TLS 1.2+) for the app; the caller swaps certificates with server.setSecureContext. */
export function startHttpsServer(app: express.Express, tls: TlsMaterial, port: number, host?: string): Promise<RunningServer> {
  const server = createServer({ ...secureContextOptions(tls), keepAliveTimeout: 65_000 }, app);
  // A client may not hold a socket open without sending a full request for long.
  server.headersTimeout = 20_000;
  server.requestTimeout = 30_000;
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
