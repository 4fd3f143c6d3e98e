/**
 * A stand-in for Slack's Web API (chat.postMessage with a bot token) and incoming webhooks, on a
 * local HTTP port, capturing every message. `down` answers 503 like an outage.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface CapturedSlackMessage {
  /** `/chat.postMessage` or the webhook path. */
  readonly path: string;
  readonly token?: string;
  readonly channel?: string;
  readonly text: string;
  /** The mrkdwn of the message's section blocks, joined. */
  readonly body: string;
}

export interface SlackApiStandIn {
  /** Base for slack.apiUrl (`http://127.0.0.1:<port>/api`). */
  readonly apiUrl: string;
  /** An incoming-webhook URL on this server. */
  readonly webhookUrl: string;
  readonly messages: CapturedSlackMessage[];
  /** Bot token the API accepts; others get `invalid_auth`. */
  readonly token: string;
  down: boolean;
  close(): Promise<void>;
}

export async function startSlackApiStandIn(token = "xoxb-stand-in"): Promise<SlackApiStandIn> {
  const messages: CapturedSlackMessage[] = [];
  const state = { down: false };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = "";
    req.on("data", (chunk: Buffer) => (raw += chunk.toString("utf8")));
    req.on("end", () => {
      if (state.down) return void res.writeHead(503, { "content-type": "text/plain" }).end("service unavailable");
      let payload: { channel?: string; text?: string; blocks?: Array<{ text?: { text?: string } }> } = {};
      try {
        payload = JSON.parse(raw) as typeof payload;
      } catch {
        return void res.writeHead(400, { "content-type": "text/plain" }).end("invalid_payload");
      }
      const body = (payload.blocks ?? []).map((b) => b.text?.text ?? "").join("\n");
      const path = req.url ?? "";
      if (path === "/api/chat.postMessage") {
        const sent = (req.headers.authorization ?? "").replace(/^Bearer /, "");
        if (sent !== token) return void res.writeHead(200, { "content-type": "application/json" }).end('{"ok":false,"error":"invalid_auth"}');
        messages.push({ path: "/chat.postMessage", token: sent, ...(payload.channel ? { channel: payload.channel } : {}), text: payload.text ?? "", body });
        return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true, channel: payload.channel, ts: `${Date.now() / 1000}` }));
      }
      if (path.startsWith("/services/")) {
        messages.push({ path, text: payload.text ?? "", body });
        return void res.writeHead(200, { "content-type": "text/html" }).end("ok");
      }
      res.writeHead(404, { "content-type": "application/json" }).end('{"ok":false,"error":"unknown_method"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    apiUrl: `${base}/api`,
    webhookUrl: `${base}/services/T000/B000/stand-in`,
    messages,
    token,
    get down() {
      return state.down;
    },
    set down(value: boolean) {
      state.down = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
