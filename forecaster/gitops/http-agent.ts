/**
 * The HTTPS connections of write-back (Git smart HTTP and the pull-request APIs): a custom CA
 * bundle for an in-house Git server, and an HTTPS proxy reached with CONNECT, as corporate
 * networks require. One agent serves both, so a setting cannot apply to one and not the other.
 */
import { request as httpRequest, type Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent, type AgentOptions } from "node:https";
import type { Duplex } from "node:stream";
import { connect as tlsConnect, type ConnectionOptions } from "node:tls";
import httpNode from "isomorphic-git/http/node";
import type { GitHttpRequest, GitHttpResponse, HttpClient } from "isomorphic-git";

export interface HttpAgentSettings {
  /** PEM bundle of the CAs to trust (Node's `ca`: it replaces the public roots for these connections). */
  readonly ca?: string;
  /** `http://proxy:3128` (credentials allowed in the URL); HTTPS requests tunnel through it. */
  readonly proxyUrl?: string;
  /** Hosts reached directly (NO_PROXY: exact names or `.suffix`). */
  readonly noProxy?: readonly string[];
}

/** An https.Agent that opens each connection through the proxy with CONNECT, then TLS inside. */
class ProxyTunnelAgent extends HttpsAgent {
  constructor(
    private readonly proxy: URL,
    options: AgentOptions,
  ) {
    super(options);
  }

  override createConnection(options: ConnectionOptions & { host?: string; port?: number }, callback: (error: Error | null, socket?: Duplex) => void): Duplex | undefined {
    const target = `${options.host ?? "localhost"}:${options.port ?? 443}`;
    const headers: Record<string, string> = { host: target };
    if (this.proxy.username !== "") headers["proxy-authorization"] = `Basic ${Buffer.from(`${decodeURIComponent(this.proxy.username)}:${decodeURIComponent(this.proxy.password)}`).toString("base64")}`;
    const connect = httpRequest({ host: this.proxy.hostname, port: Number(this.proxy.port || 80), method: "CONNECT", path: target, headers });
    connect.once("connect", (response, socket) => {
      if (response.statusCode !== 200) {
        socket.destroy();
        callback(new Error(`HTTPS proxy ${this.proxy.host} refused the tunnel to ${target}: HTTP ${response.statusCode ?? "?"}`));
        return;
      }
      callback(null, tlsConnect({ ...options, socket, servername: options.servername ?? options.host ?? "" }));
    });
    connect.once("error", (error) => callback(new Error(`HTTPS proxy ${this.proxy.host} unreachable: ${error.message}`)));
    connect.end();
    return undefined;
  }
}

function bypassesProxy(host: string, noProxy: readonly string[]): boolean {
  return noProxy.some((entry) => entry === "*" || host === entry || (entry.startsWith(".") && host.endsWith(entry)) || host.endsWith(`.${entry}`));
}

/** The agent for `url`: undefined (Node's default) for plain HTTP or when nothing is configured. */
export function agentFor(url: string, settings: HttpAgentSettings): HttpsAgent | HttpAgent | undefined {
  const parsed = new URL(url);
  if (parsed.protocol !== "https:") return undefined;
  const options: AgentOptions = { keepAlive: true, ...(settings.ca !== undefined ? { ca: settings.ca } : {}) };
  if (settings.proxyUrl !== undefined && !bypassesProxy(parsed.hostname, settings.noProxy ?? [])) return new ProxyTunnelAgent(new URL(settings.proxyUrl), options);
  return settings.ca !== undefined ? new HttpsAgent(options) : undefined;
}

/** isomorphic-git's Node client, with the agent for each request's URL. */
export function gitHttpClient(settings: HttpAgentSettings): HttpClient {
  const agents = new Map<string, HttpsAgent | HttpAgent | undefined>();
  return {
    request(request: GitHttpRequest): Promise<GitHttpResponse> {
      const origin = new URL(request.url).origin;
      if (!agents.has(origin)) agents.set(origin, agentFor(request.url, settings));
      const agent = agents.get(origin);
      return httpNode.request({ ...request, ...(agent ? { agent } : {}) } as GitHttpRequest);
    },
  };
}
