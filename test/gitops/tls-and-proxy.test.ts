/**
 * The custom CA and the HTTPS proxy apply to Git and to the pull-request API alike: the real git
 * http-backend and the GitHub stand-in behind a TLS front whose certificate only the test CA
 * signs, reached directly or through a CONNECT proxy that records where it tunnelled.
 */
import { createServer as createHttpServer, request as httpRequest, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { connect as netConnect, type AddressInfo, type Socket } from "node:net";
import { gitHubProvider } from "../../forecaster/gitops/github.js";
import { GitTransportError, openCheckout, remoteBranches } from "../../forecaster/gitops/git-transport.js";
import { gitHttpClient, type HttpAgentSettings } from "../../forecaster/gitops/http-agent.js";
import { fetchWithAgent } from "../../forecaster/gitops/node-fetch-agent.js";
import { createCertificateAuthority, issueCertificate } from "../stand-ins/kube-apiserver/certificates.js";
import { startGitHubPullsApiStandIn, type GitHubPullsApiStandIn } from "../stand-ins/github-pulls-api.js";
import { startGitServer, type GitServer } from "../support/git-server.js";

const TOKEN = "ghp_tls-proxy-token-83ab";

/** An HTTPS server forwarding every request to `upstream` (plain HTTP), like a TLS-terminating load balancer. */
async function tlsFront(upstream: string, cert: { certPem: string; keyPem: string }): Promise<{ url: string; server: Server }> {
  const target = new URL(upstream);
  const server = createHttpsServer({ cert: cert.certPem, key: cert.keyPem }, (req, res) => {
    const forward = httpRequest({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on("error", () => res.writeHead(502).end());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `https://localhost:${(server.address() as AddressInfo).port}`, server };
}

/** A CONNECT proxy: tunnels to the requested host:port and records each target. */
async function connectProxy(): Promise<{ url: string; tunnels: string[]; close(): void }> {
  const tunnels: string[] = [];
  // A tunnelled socket leaves the HTTP server's keeping: closing the server would leave it open.
  const tunnelSockets = new Set<Socket>();
  const server = createHttpServer((_req, res) => res.writeHead(405).end());
  server.on("connect", (req, client: Socket, head: Buffer) => {
    tunnels.push(req.url ?? "");
    const [host, port] = (req.url ?? "").split(":");
    const upstream = netConnect(Number(port), host === "localhost" ? "127.0.0.1" : host, () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
    for (const socket of [client, upstream]) {
      tunnelSockets.add(socket);
      socket.once("close", () => tunnelSockets.delete(socket));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const close = () => {
    for (const socket of tunnelSockets) socket.destroy();
    server.closeAllConnections();
    server.close();
  };
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, tunnels, close };
}

let git: GitServer;
let github: GitHubPullsApiStandIn;
let ca: string;
const fronts: Server[] = [];
let gitUrl: string;
let apiUrl: string;

beforeAll(async () => {
  git = await startGitServer({ user: "x-access-token", password: TOKEN });
  await git.createRepository("charts", { "values.yaml": "ratelimit:\n  config: |\n    domain: d\n    descriptors: []\n" });
  github = await startGitHubPullsApiStandIn({ token: TOKEN, branchExists: async () => true });
  const authority = await createCertificateAuthority("trendmaster-test-git-ca");
  ca = authority.certPem;
  const cert = await issueCertificate(authority, { commonName: "localhost", dnsNames: ["localhost"] });
  const gitFront = await tlsFront(git.baseUrl, cert);
  const apiFront = await tlsFront(github.apiUrl, cert);
  fronts.push(gitFront.server, apiFront.server);
  gitUrl = `${gitFront.url}/charts.git`;
  apiUrl = apiFront.url;
});
afterAll(async () => {
  for (const server of fronts) {
    server.closeAllConnections();
    server.close();
  }
  await github.close();
  await git.close();
});

const remote = (settings: HttpAgentSettings) => ({ url: gitUrl, username: "x-access-token", token: TOKEN, http: gitHttpClient(settings) });

describe("custom CA and HTTPS proxy", () => {
  it("without the CA the server is refused as untrusted, with it the clone works", async () => {
    const error = await remoteBranches(remote({})).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(GitTransportError);
    expect((error as GitTransportError).message).toMatch(/^reading the branches of https:\/\/localhost:\d+\/charts\.git failed: the server's TLS certificate is not trusted \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\): give its CA in gitops\.caFile$/);
    const checkout = await openCheckout(remote({ ca }), "main");
    try {
      expect(await checkout.readFile(checkout.baseCommit, "values.yaml")).toContain("domain: d");
    } finally {
      await checkout.close();
    }
  });

  it("through the proxy: Git and the API both tunnel with CONNECT, the CA still checked", async () => {
    const proxy = await connectProxy();
    try {
      const settings = { ca, proxyUrl: proxy.url };
      const checkout = await openCheckout(remote(settings), "main");
      await checkout.close();
      const provider = gitHubProvider({ apiUrl, repository: "platform/charts", token: TOKEN, fetch: fetchWithAgent(settings) });
      expect(await provider.findOpen("trendmaster/prd1", "main")).toBeUndefined();
      const port = (u: string): string => new URL(u).port;
      expect(new Set(proxy.tunnels)).toEqual(new Set([`localhost:${port(gitUrl)}`, `localhost:${port(apiUrl)}`]));
      // A host in noProxy is reached directly.
      const before = proxy.tunnels.length;
      await remoteBranches(remote({ ...settings, noProxy: ["localhost"] }));
      expect(proxy.tunnels.length).toBe(before);
    } finally {
      proxy.close();
    }
  });
});
