/**
 * An HTTP proxy in front of the real Prometheus that can hold every query until the test lets it
 * through: a way to act (a human's `kubectl edit`) at a known point in the middle of a forecaster
 * cycle, after it has read ratelimit-config and before it writes it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface GatedProxy {
  /** Base URL to hand the forecaster as PROMETHEUS_URL. */
  readonly url: string;
  /** Resolves when the first request arrives (it is then held until open()). */
  readonly firstRequest: Promise<void>;
  /** Lets every held and future request through. */
  open(): void;
  close(): Promise<void>;
}

export async function startGatedProxy(targetUrl: string): Promise<GatedProxy> {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  let arrived: () => void = () => {};
  const firstRequest = new Promise<void>((resolve) => (arrived = resolve));
  const target = targetUrl.replace(/\/+$/, "");

  const forward = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    arrived();
    await opened;
    const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
    const headers: Record<string, string> = {};
    for (const name of ["content-type", "accept", "authorization"]) {
      const value = req.headers[name];
      if (typeof value === "string") headers[name] = value;
    }
    const answer = await fetch(`${target}${req.url ?? "/"}`, { method: req.method ?? "GET", headers, ...(body !== undefined ? { body } : {}) });
    res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/json" });
    res.end(Buffer.from(await answer.arrayBuffer()));
  };
  const server = createServer((req, res) => {
    forward(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" });
      res.end(`proxy error: ${(error as Error).message}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    firstRequest,
    open: () => open(),
    close: () =>
      new Promise<void>((resolve) => {
        open();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
