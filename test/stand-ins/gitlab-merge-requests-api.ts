/**
 * A stand-in for the slice of GitLab's REST API v4 that write-back uses: a project's merge
 * requests (list, create, edit) and their notes, with PRIVATE-TOKEN auth, in GitLab's wire shapes.
 * It refuses what GitLab refuses: a second open merge request for the same source branch (409),
 * a source branch that does not exist in the (real) Git repository, an unknown token.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface StandInMergeRequest {
  iid: number;
  state: "opened" | "closed" | "merged";
  title: string;
  description: string;
  source_branch: string;
  target_branch: string;
  notes: string[];
}

export interface GitLabMergeRequestsApiStandIn {
  /** The instance URL (`http://127.0.0.1:port`); the API is under /api/v4. */
  readonly url: string;
  /** Project path (`group/project`) → merge requests. */
  readonly mergeRequests: Map<string, StandInMergeRequest[]>;
  readonly requests: string[];
  close(): Promise<void>;
}

export async function startGitLabMergeRequestsApiStandIn(options: { token: string; branchExists: (project: string, branch: string) => Promise<boolean> }): Promise<GitLabMergeRequestsApiStandIn> {
  const mergeRequests = new Map<string, StandInMergeRequest[]>();
  const requests: string[] = [];
  let url = "";

  const server: Server = createServer((req, res) => {
    readBody(req)
      .then((body) => handle(req, res, body))
      .catch((error: Error) => send(res, 500, { message: error.message }))
      .finally(() => requests.push(`${req.method} ${req.url} ${res.statusCode}`));
  });

  async function handle(req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>): Promise<void> {
    if (req.headers["private-token"] !== options.token) return send(res, 401, { message: "401 Unauthorized" });
    const u = new URL(req.url ?? "/", "http://localhost");
    const m = /^\/api\/v4\/projects\/([^/]+)\/merge_requests(?:\/(\d+)(\/notes)?)?$/.exec(u.pathname);
    if (!m) return send(res, 404, { message: "404 Not Found" });
    const project = decodeURIComponent(m[1] as string);
    const list = mergeRequests.get(project) ?? [];
    mergeRequests.set(project, list);
    const wire = (mr: StandInMergeRequest): object => ({ iid: mr.iid, state: mr.state, title: mr.title, description: mr.description, source_branch: mr.source_branch, target_branch: mr.target_branch, web_url: `https://gitlab.example/${project}/-/merge_requests/${mr.iid}` });
    if (m[2] === undefined) {
      if (req.method === "GET") {
        const state = u.searchParams.get("state");
        const source = u.searchParams.get("source_branch");
        const target = u.searchParams.get("target_branch");
        const found = list.filter((mr) => (state === null || state === "all" || mr.state === state) && (source === null || mr.source_branch === source) && (target === null || mr.target_branch === target));
        return send(res, 200, found.map(wire));
      }
      if (req.method === "POST") {
        const source = String(body.source_branch ?? "");
        const target = String(body.target_branch ?? "");
        if (!(await options.branchExists(project, source))) return send(res, 422, { message: ["Source branch does not exist"] });
        if (list.some((mr) => mr.state === "opened" && mr.source_branch === source && mr.target_branch === target)) return send(res, 409, { message: [`Another open merge request already exists for this source branch: !${list[0]?.iid}`] });
        const mr: StandInMergeRequest = { iid: list.length + 1, state: "opened", title: String(body.title ?? ""), description: String(body.description ?? ""), source_branch: source, target_branch: target, notes: [] };
        list.push(mr);
        return send(res, 201, wire(mr));
      }
    }
    const mr = list.find((x) => x.iid === Number(m[2]));
    if (mr === undefined) return send(res, 404, { message: "404 Not found" });
    if (m[3] !== undefined && req.method === "POST") {
      mr.notes.push(String(body.body ?? ""));
      return send(res, 201, { id: mr.notes.length, body: body.body });
    }
    if (m[3] === undefined && req.method === "PUT") {
      if (typeof body.title === "string") mr.title = body.title;
      if (typeof body.description === "string") mr.description = body.description;
      return send(res, 200, wire(mr));
    }
    if (m[3] === undefined && req.method === "GET") return send(res, 200, wire(mr));
    return send(res, 405, { message: "405 Method Not Allowed" });
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    mergeRequests,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (text === "") return {};
  if ((req.headers["content-type"] ?? "").includes("json")) return JSON.parse(text) as Record<string, unknown>;
  return Object.fromEntries(new URLSearchParams(text));
}
