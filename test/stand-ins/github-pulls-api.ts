/**
 * A stand-in for the slice of GitHub's REST API that write-back uses: pull requests (list, create,
 * update) and comments on them, with token auth. It answers in GitHub's wire shapes and refuses what
 * GitHub refuses: a second open pull request for the same head, a head branch that does not exist
 * in the (real) Git repository, an unknown token. `failNext` makes the next call fail, for faults.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface StandInPull {
  number: number;
  state: "open" | "closed";
  title: string;
  body: string;
  head: string;
  base: string;
  comments: string[];
}

export interface GitHubPullsApiStandIn {
  readonly apiUrl: string;
  /** `owner/repo` → pulls, in creation order. */
  readonly pulls: Map<string, StandInPull[]>;
  /** Every request, `METHOD /path status`. */
  readonly requests: string[];
  /** The next request (matching `method`, if given) answers `status` with GitHub's error body. */
  failNext(status: number, message: string, method?: string): void;
  close(): Promise<void>;
}

export interface GitHubStandInOptions {
  readonly token: string;
  /** Whether `owner/repo` has the branch (checked against the real Git server). */
  readonly branchExists: (repository: string, branch: string) => Promise<boolean>;
}

export async function startGitHubPullsApiStandIn(options: GitHubStandInOptions): Promise<GitHubPullsApiStandIn> {
  const pulls = new Map<string, StandInPull[]>();
  const requests: string[] = [];
  let failure: { status: number; message: string; method?: string } | undefined;
  let nextNumber = 1;

  const server: Server = createServer((req, res) => {
    readJson(req)
      .then((body) => handle(req, res, body))
      .catch((error: Error) => send(res, 500, { message: error.message }))
      .finally(() => requests.push(`${req.method} ${req.url} ${res.statusCode}`));
  });

  async function handle(req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>): Promise<void> {
    const auth = req.headers.authorization ?? "";
    if (auth !== `token ${options.token}` && auth !== `Bearer ${options.token}`) return send(res, 401, { message: "Bad credentials", documentation_url: "https://docs.github.com/rest" });
    if (failure && (failure.method === undefined || failure.method === req.method)) {
      const { status, message } = failure;
      failure = undefined;
      return send(res, status, { message });
    }
    const url = new URL(req.url ?? "/", "http://localhost");
    const pullsPath = /^\/repos\/([^/]+)\/([^/]+)\/pulls(?:\/(\d+))?$/.exec(url.pathname);
    const commentsPath = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(url.pathname);
    if (pullsPath) {
      const repository = `${pullsPath[1]}/${pullsPath[2]}`;
      const list = pulls.get(repository) ?? [];
      pulls.set(repository, list);
      const number = pullsPath[3] === undefined ? undefined : Number(pullsPath[3]);
      if (req.method === "GET" && number === undefined) {
        const state = url.searchParams.get("state") ?? "open";
        const head = url.searchParams.get("head");
        const base = url.searchParams.get("base");
        const found = list.filter((p) => (state === "all" || p.state === state) && (head === null || `${pullsPath[1]}:${p.head}` === head) && (base === null || p.base === base));
        return send(res, 200, found.map((p) => wire(repository, p)));
      }
      if (req.method === "POST" && number === undefined) {
        const { title, head, base } = body as { title?: string; head?: string; base?: string };
        if (typeof title !== "string" || typeof head !== "string" || typeof base !== "string") return send(res, 422, { message: "Validation Failed", errors: [{ resource: "PullRequest", code: "missing_field" }] });
        if (!(await options.branchExists(repository, head))) return send(res, 422, { message: "Validation Failed", errors: [{ resource: "PullRequest", field: "head", code: "invalid" }] });
        if (list.some((p) => p.state === "open" && p.head === head && p.base === base)) return send(res, 422, { message: "Validation Failed", errors: [{ message: `A pull request already exists for ${pullsPath[1]}:${head}.` }] });
        const pull: StandInPull = { number: nextNumber++, state: "open", title, body: typeof body.body === "string" ? body.body : "", head, base, comments: [] };
        list.push(pull);
        return send(res, 201, wire(repository, pull));
      }
      const pull = list.find((p) => p.number === number);
      if (pull === undefined) return send(res, 404, { message: "Not Found" });
      if (req.method === "GET") return send(res, 200, wire(repository, pull));
      if (req.method === "PATCH") {
        if (typeof body.title === "string") pull.title = body.title;
        if (typeof body.body === "string") pull.body = body.body;
        if (body.state === "open" || body.state === "closed") pull.state = body.state;
        return send(res, 200, wire(repository, pull));
      }
    }
    if (commentsPath) {
      const pull = pulls.get(`${commentsPath[1]}/${commentsPath[2]}`)?.find((p) => p.number === Number(commentsPath[3]));
      if (pull === undefined) return send(res, 404, { message: "Not Found" });
      if (req.method === "POST" && typeof body.body === "string") {
        pull.comments.push(body.body);
        return send(res, 201, { id: pull.comments.length, body: body.body });
      }
      if (req.method === "GET") return send(res, 200, pull.comments.map((c, i) => ({ id: i + 1, body: c })));
    }
    return send(res, 404, { message: "Not Found" });
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  function wire(repository: string, p: StandInPull): object {
    return { number: p.number, state: p.state, title: p.title, body: p.body, html_url: `https://github.example/${repository}/pull/${p.number}`, head: { ref: p.head }, base: { ref: p.base } };
  }

  return {
    apiUrl,
    pulls,
    requests,
    failNext(status, message, method) {
      failure = { status, message, ...(method ? { method } : {}) };
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
  res.end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text === "" ? {} : (JSON.parse(text) as Record<string, unknown>);
}
