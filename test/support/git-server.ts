/**
 * A real Git server on loopback: Debian's `git http-backend` (smart HTTP, the CGI program behind
 * GitHub-style HTTPS remotes) behind a small Node HTTP bridge that checks basic auth, serving bare
 * repositories from a temporary folder. Tests fill the repositories with the real `git` and read
 * results back with `git clone` and `git diff`.
 */
import { spawn, execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { shiftedClockEnv } from "./shifted-clock-env.js";

const execFileAsync = promisify(execFile);

export const GIT_HTTP_BACKEND = ["/usr/lib/git-core/git-http-backend", "/usr/libexec/git-core/git-http-backend"].find((p) => existsSync(p));

export interface GitServerOptions {
  readonly user: string;
  readonly password: string;
}

export interface GitServer {
  /** `http://127.0.0.1:port` */
  readonly baseUrl: string;
  readonly root: string;
  /** Requests the bridge answered, in order (`GET /repo.git/info/refs?service=git-upload-pack 200`). */
  readonly requests: string[];
  /** The clone URL of a repository (without credentials). */
  urlOf(repo: string): string;
  /** Creates a bare repository `repo` whose `branch` holds `files`, committed by a human. */
  createRepository(repo: string, files: Readonly<Record<string, string>>, options?: { branch?: string; extraCommits?: number }): Promise<string>;
  /** Every ref of the bare repository with its commit (`refs/heads/main` → sha). */
  refs(repo: string): Promise<Map<string, string>>;
  /** Runs the real git in `cwd` with a fixed environment (no user config, no prompts). */
  git(args: readonly string[], cwd: string, env?: Record<string, string>): Promise<string>;
  /** A pre-receive hook that refuses every push with `message`, or none. */
  refusePushes(repo: string, message: string | undefined): Promise<void>;
  close(): Promise<void>;
}

/** libfaketime's variables: under a shifted clock (scripts/test-shifted-clocks.sh) git is shifted too. */
/** The environment every git the tests run gets: no global or system config, no prompts. */
export function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...shiftedClockEnv(),
    PATH: process.env.PATH,
    HOME: tmpdir(),
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    GIT_AUTHOR_NAME: "Platform Team",
    GIT_AUTHOR_EMAIL: "platform@example.com",
    GIT_COMMITTER_NAME: "Platform Team",
    GIT_COMMITTER_EMAIL: "platform@example.com",
    ...extra,
  };
}

export async function startGitServer(options: GitServerOptions): Promise<GitServer> {
  if (GIT_HTTP_BACKEND === undefined) throw new Error("git http-backend not found: install Debian's git package (apt-get install git)");
  const root = await mkdtemp(join(tmpdir(), "trendmaster-git-server-"));
  const requests: string[] = [];
  const expected = `Basic ${Buffer.from(`${options.user}:${options.password}`).toString("base64")}`;
  const git = async (args: readonly string[], cwd: string, env: Record<string, string> = {}): Promise<string> => {
    const { stdout } = await execFileAsync("git", args, { cwd, env: gitEnv(env), maxBuffer: 256 * 1024 * 1024 });
    return stdout;
  };

  const server: Server = createServer((req, res) => {
    const done = (status: number): void => void requests.push(`${req.method} ${req.url} ${status}`);
    if (req.headers.authorization !== expected) {
      // Git retries with credentials after a 401 that names the realm.
      res.writeHead(401, { "WWW-Authenticate": 'Basic realm="trendmaster-test"', "Content-Type": "text/plain" });
      res.end("authentication required\n");
      req.resume();
      done(401);
      return;
    }
    bridge(req, res, root, options.user).then(done, (error: Error) => {
      if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain" });
      res.end(`bridge error: ${error.message}\n`);
      done(500);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    baseUrl,
    root,
    requests,
    urlOf: (repo) => `${baseUrl}/${repo}.git`,
    git,
    async createRepository(repo, files, { branch = "main", extraCommits = 0 } = {}) {
      const bare = join(root, `${repo}.git`);
      await mkdir(bare, { recursive: true });
      await git(["init", "--bare", "--quiet", `--initial-branch=${branch}`], bare);
      await git(["config", "http.receivepack", "true"], bare);
      const work = await mkdtemp(join(tmpdir(), "trendmaster-git-fill-"));
      try {
        await git(["init", "--quiet", `--initial-branch=${branch}`], work);
        // History first (a realistic repository is not one commit deep), then the files.
        if (extraCommits > 0) {
          const script = Array.from({ length: extraCommits }, (_, i) => {
            const when = 1_700_000_000 + i * 60;
            return `commit refs/heads/${branch}\ncommitter Platform Team <platform@example.com> ${when} +0000\ndata <<EOM\nchange ${i + 1}\nEOM\nM 100644 inline CHANGELOG.md\ndata <<EOM\nentry ${i + 1}\nEOM\n\n`;
          }).join("");
          await new Promise<void>((resolve, reject) => {
            const child = spawn("git", ["fast-import", "--quiet"], { cwd: work, env: gitEnv(), stdio: ["pipe", "ignore", "pipe"] });
            let stderr = "";
            child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
            child.on("error", reject);
            child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(`git fast-import failed: ${stderr}`))));
            child.stdin.end(script);
          });
          await git(["reset", "--quiet", "--hard", branch], work);
        }
        for (const [path, text] of Object.entries(files)) {
          await mkdir(dirname(join(work, path)), { recursive: true });
          await writeFile(join(work, path), text);
        }
        await git(["add", "--all"], work);
        await git(["commit", "--quiet", "-m", "Add environment values"], work);
        await git(["push", "--quiet", bare, `${branch}:${branch}`], work);
      } finally {
        await rm(work, { recursive: true, force: true });
      }
      return `${baseUrl}/${repo}.git`;
    },
    async refs(repo) {
      const out = await git(["for-each-ref", "--format=%(refname) %(objectname)"], join(root, `${repo}.git`));
      return new Map(out.trim().split("\n").filter((l) => l !== "").map((l) => l.split(" ") as [string, string]));
    },
    async refusePushes(repo, message) {
      const hook = join(root, `${repo}.git`, "hooks", "pre-receive");
      if (message === undefined) await rm(hook, { force: true });
      else await writeFile(hook, `#!/bin/sh\necho ${JSON.stringify(message)} >&2\nexit 1\n`, { mode: 0o755 });
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** One request through git http-backend (CGI): environment in, `Status:` and headers out, body streamed both ways. */
function bridge(req: IncomingMessage, res: ServerResponse, root: string, user: string): Promise<number> {
  const url = new URL(req.url ?? "/", "http://localhost");
  const env: NodeJS.ProcessEnv = {
    ...gitEnv(),
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: "1",
    REMOTE_USER: user,
    REMOTE_ADDR: "127.0.0.1",
    REQUEST_METHOD: req.method ?? "GET",
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.slice(1),
    CONTENT_TYPE: req.headers["content-type"] ?? "",
    ...(req.headers["content-encoding"] ? { HTTP_CONTENT_ENCODING: req.headers["content-encoding"] } : {}),
    ...(req.headers["git-protocol"] ? { GIT_PROTOCOL: String(req.headers["git-protocol"]) } : {}),
  };
  return new Promise((resolve, reject) => {
    const child = spawn(GIT_HTTP_BACKEND as string, [], { env, stdio: ["pipe", "pipe", "pipe"] });
    let head = Buffer.alloc(0);
    let headersDone = false;
    let status = 200;
    child.on("error", reject);
    // A backend that exits before reading the whole body (a refused request) must not crash the bridge.
    child.stdin.on("error", () => {});
    child.stderr.resume();
    child.stdout.on("data", (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end === -1) return;
      headersDone = true;
      const headers: Record<string, string> = {};
      for (const line of head.subarray(0, end).toString("latin1").split("\r\n")) {
        const colon = line.indexOf(":");
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === "status") status = Number.parseInt(value, 10);
        else headers[name] = value;
      }
      res.writeHead(status, headers);
      res.write(head.subarray(end + 4));
    });
    child.on("close", () => {
      if (!headersDone) res.writeHead(502).end("git http-backend gave no answer\n");
      else res.end();
      resolve(status);
    });
    req.pipe(child.stdin);
  });
}
