/**
 * A stand-in for Slack's Web API (chat.postMessage with a bot token) and incoming webhooks, on a
 * local HTTP port, capturing every message. It reads requests as Slack does: form-encoded (what
 * `@slack/web-api` sends, with `blocks` as a JSON string) or JSON (what incoming webhooks get).
 * `down` answers 503 like an outage; `rateLimitNext` answers that many requests 429 with a
 * Retry-After; channels in `missingChannels` get `channel_not_found`.
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
  readonly unfurlLinks?: boolean;
}

export interface SlackApiStandIn {
  /** Base for slack.apiUrl (`http://127.0.0.1:<port>/api`). */
  readonly apiUrl: string;
  /** An incoming-webhook URL on this server. */
  readonly webhookUrl: string;
  readonly messages: CapturedSlackMessage[];
  /** Every request, answered or not, by path. */
  readonly requests: string[];
  /** Bot token the API accepts; others get `invalid_auth`. */
  readonly token: string;
  readonly missingChannels: Set<string>;
  down: boolean;
  /** How many of the next requests get 429 with `Retry-After: retryAfterSeconds`. */
  rateLimitNext: number;
  retryAfterSeconds: number;
  close(): Promise<void>;
}

interface SlackPayload {
  channel?: string;
  text?: string;
  blocks?: Array<{ text?: { text?: string } }>;
  unfurl_links?: boolean;
}

/** Slack's two request encodings; `undefined` when the body is neither. */
function parsePayload(raw: string, contentType: string): SlackPayload | undefined {
  try {
    if (contentType.startsWith("application/x-www-form-urlencoded")) {
      const form = new URLSearchParams(raw);
      const blocks = form.get("blocks");
      const unfurl = form.get("unfurl_links");
      return {
        ...(form.get("channel") !== null ? { channel: form.get("channel") as string } : {}),
        ...(form.get("text") !== null ? { text: form.get("text") as string } : {}),
        ...(blocks !== null ? { blocks: JSON.parse(blocks) as SlackPayload["blocks"] } : {}),
        ...(unfurl !== null ? { unfurl_links: unfurl === "true" } : {}),
      };
    }
    return JSON.parse(raw) as SlackPayload;
  } catch {
    return undefined;
  }
}

export async function startSlackApiStandIn(token = "xoxb-stand-in"): Promise<SlackApiStandIn> {
  const messages: CapturedSlackMessage[] = [];
  const requests: string[] = [];
  const missingChannels = new Set<string>();
  const state = { down: false, rateLimitNext: 0, retryAfterSeconds: 1 };
  const json = (res: ServerResponse, body: unknown) => void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = "";
    req.on("data", (chunk: Buffer) => (raw += chunk.toString("utf8")));
    req.on("end", () => {
      const path = req.url ?? "";
      requests.push(path);
      if (state.down) return void res.writeHead(503, { "content-type": "text/plain" }).end("service unavailable");
      if (state.rateLimitNext > 0) {
        state.rateLimitNext -= 1;
        return void res.writeHead(429, { "retry-after": String(state.retryAfterSeconds), "content-type": "application/json" }).end('{"ok":false,"error":"ratelimited"}');
      }
      const payload = parsePayload(raw, req.headers["content-type"] ?? "");
      if (payload === undefined) return void res.writeHead(400, { "content-type": "text/plain" }).end("invalid_payload");
      const body = (payload.blocks ?? []).map((b) => b.text?.text ?? "").join("\n");
      if (path === "/api/chat.postMessage") {
        const sent = (req.headers.authorization ?? "").replace(/^Bearer /, "");
        if (sent !== token) return json(res, { ok: false, error: "invalid_auth" });
        if (payload.channel === undefined) return json(res, { ok: false, error: "channel_not_found" });
        if (missingChannels.has(payload.channel)) return json(res, { ok: false, error: "channel_not_found" });
        messages.push({ path: "/chat.postMessage", token: sent, channel: payload.channel, text: payload.text ?? "", body, ...(payload.unfurl_links !== undefined ? { unfurlLinks: payload.unfurl_links } : {}) });
        return json(res, { ok: true, channel: payload.channel, ts: `${Date.now() / 1000}` });
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
    requests,
    token,
    missingChannels,
    get down() {
      return state.down;
    },
    set down(value: boolean) {
      state.down = value;
    },
    get rateLimitNext() {
      return state.rateLimitNext;
    },
    set rateLimitNext(value: number) {
      state.rateLimitNext = value;
    },
    get retryAfterSeconds() {
      return state.retryAfterSeconds;
    },
    set retryAfterSeconds(value: number) {
      state.retryAfterSeconds = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
