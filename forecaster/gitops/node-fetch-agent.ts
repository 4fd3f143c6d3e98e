/**
 * A fetch for the provider clients over node:http(s) with http-agent.ts's agent, so the custom CA
 * and the HTTPS proxy apply to API calls exactly as to Git (Node's built-in fetch takes no agent).
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { agentFor, type HttpAgentSettings } from "./http-agent.js";

export type FetchFunction = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export function fetchWithAgent(settings: HttpAgentSettings): FetchFunction {
  return async (input, init = {}) => {
    const request = input instanceof Request ? input : undefined;
    const url = new URL(request?.url ?? String(input));
    const headers = new Headers(init.headers ?? request?.headers);
    const method = init.method ?? request?.method ?? "GET";
    const body = init.body ?? (request ? await request.text() : undefined);
    const payload = body === undefined || body === null ? undefined : typeof body === "string" ? body : Buffer.from(await new Response(body).arrayBuffer());
    const agent = agentFor(url.toString(), settings);
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise<Response>((resolve, reject) => {
      const req = send(url, { method, headers: Object.fromEntries(headers), ...(agent ? { agent } : {}) }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const responseHeaders = new Headers();
          for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) responseHeaders.set(name, Array.isArray(value) ? value.join(", ") : value);
          const status = res.statusCode ?? 500;
          const nullBody = status === 204 || status === 304 || method === "HEAD";
          resolve(new Response(nullBody ? null : Buffer.concat(chunks), { status, statusText: res.statusMessage ?? "", headers: responseHeaders }));
        });
      });
      req.on("error", reject);
      if (init.signal) init.signal.addEventListener("abort", () => req.destroy(new Error("aborted")), { once: true });
      req.end(payload);
    });
  };
}
