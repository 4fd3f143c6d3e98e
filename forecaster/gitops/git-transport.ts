/**
 * The Git side of write-back, through isomorphic-git (pure JavaScript: the image carries no git
 * binary). A shallow, checkout-free clone into a temporary folder; files are read and written as
 * blobs and trees, so a repository with a large working tree costs only the objects on the path.
 * Pushes name one branch and are forced only when the caller says the branch is TrendMaster's own.
 */
import * as fs from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import git, { Errors, type HttpClient, type TreeEntry } from "isomorphic-git";

/** Who signs TrendMaster's commits. */
export interface GitIdentity {
  readonly name: string;
  readonly email: string;
}

export interface GitRemoteOptions {
  /** The repository's HTTPS (or HTTP) clone URL, without credentials. */
  readonly url: string;
  /** Basic-auth user for the token (GitHub accepts any, e.g. `x-access-token`; GitLab `oauth2`). */
  readonly username: string;
  /** The token, read from the mounted Secret; never logged. Absent: anonymous. */
  readonly token?: string;
  readonly http: HttpClient;
  /** Where the temporary clone goes (default: the OS temp folder). */
  readonly workDir?: string;
}

/** Which of the problems a cycle reports happened: each maps to one clear message. */
export type GitFailureKind = "unreachable" | "auth-refused" | "not-found" | "push-rejected" | "git-error";

export class GitTransportError extends Error {
  constructor(
    readonly kind: GitFailureKind,
    message: string,
  ) {
    super(message);
  }
}

/** A shallow clone of one branch, plus whatever else was fetched into it. */
export interface Checkout {
  readonly baseBranch: string;
  readonly baseCommit: string;
  /** The file's text at `commit`, or undefined when the path is not in that commit. */
  readFile(commit: string, path: string): Promise<string | undefined>;
  /** The remote branch's head, fetched (one commit deep) into the clone; undefined when the branch does not exist. */
  fetchBranch(branch: string): Promise<string | undefined>;
  /** Author of a fetched commit. */
  authorOf(commit: string): Promise<GitIdentity & { readonly message: string }>;
  /** The first parent of a fetched commit (undefined for a root commit). */
  parentOf(commit: string): Promise<string | undefined>;
  /** Deletes the remote `branch` (only ever TrendMaster's own). */
  deleteBranch(branch: string): Promise<void>;
  /** A commit on `parent` whose tree differs from it only in `path`. */
  commitFile(change: { parent: string; path: string; text: string; message: string; author: GitIdentity; timestampSeconds: number }): Promise<string>;
  /** Points the remote `branch` at `commit`; `force` only for TrendMaster's own branch. */
  push(branch: string, commit: string, options: { force: boolean }): Promise<void>;
  close(): Promise<void>;
}

/** Heads of the remote's branches (`main` → sha), from one request. */
export async function remoteBranches(remote: GitRemoteOptions): Promise<Map<string, string>> {
  try {
    const refs = await git.listServerRefs({ http: remote.http, url: remote.url, prefix: "refs/heads/", onAuth: authOf(remote) });
    return new Map(refs.map((r) => [r.ref.slice("refs/heads/".length), r.oid]));
  } catch (error) {
    throw transportError(error, remote, "reading the branches of");
  }
}

/** Clones `branch` one commit deep without checking it out. */
export async function openCheckout(remote: GitRemoteOptions, branch: string): Promise<Checkout> {
  const dir = await mkdtemp(join(remote.workDir ?? tmpdir(), "trendmaster-gitops-"));
  const cache = {};
  const onAuth = authOf(remote);
  const common = { fs, dir, cache };
  try {
    await git.clone({ ...common, http: remote.http, url: remote.url, ref: branch, singleBranch: true, depth: 1, noCheckout: true, noTags: true, onAuth });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw transportError(error, remote, `cloning branch '${branch}' of`);
  }
  const baseCommit = await git.resolveRef({ ...common, ref: `refs/remotes/origin/${branch}` });

  const checkout: Checkout = {
    baseBranch: branch,
    baseCommit,
    async readFile(commit, path) {
      try {
        const { blob } = await git.readBlob({ ...common, oid: commit, filepath: path });
        return new TextDecoder("utf-8", { fatal: true }).decode(blob);
      } catch (error) {
        if (error instanceof Errors.NotFoundError) return undefined;
        if (error instanceof TypeError) throw new GitTransportError("git-error", `${path} is not UTF-8 text`);
        throw error;
      }
    },
    async fetchBranch(name) {
      try {
        const result = await git.fetch({ ...common, http: remote.http, url: remote.url, ref: name, remoteRef: name, singleBranch: true, depth: 1, tags: false, onAuth });
        return result.fetchHead ?? undefined;
      } catch (error) {
        if (error instanceof Errors.NotFoundError) return undefined;
        throw transportError(error, remote, `fetching branch '${name}' of`);
      }
    },
    async authorOf(commit) {
      const { commit: c } = await git.readCommit({ ...common, oid: commit });
      return { name: c.author.name, email: c.author.email, message: c.message };
    },
    async parentOf(commit) {
      const { commit: c } = await git.readCommit({ ...common, oid: commit });
      return c.parent[0];
    },
    async deleteBranch(name) {
      try {
        await git.push({ ...common, http: remote.http, url: remote.url, ref: name, remoteRef: `refs/heads/${name}`, delete: true, onAuth });
      } catch (error) {
        throw transportError(error, remote, `deleting branch '${name}' of`);
      }
    },
    async commitFile({ parent, path, text, message, author, timestampSeconds }) {
      const { commit } = await git.readCommit({ ...common, oid: parent });
      const blob = await git.writeBlob({ ...common, blob: new TextEncoder().encode(text) });
      const tree = await replaceInTree(common, commit.tree, path.split("/"), blob);
      const signature = { name: author.name, email: author.email, timestamp: timestampSeconds, timezoneOffset: 0 };
      return git.writeCommit({ ...common, commit: { message: message.endsWith("\n") ? message : `${message}\n`, tree, parent: [parent], author: signature, committer: signature } });
    },
    async push(name, commit, { force }) {
      await git.writeRef({ ...common, ref: `refs/heads/${name}`, value: commit, force: true });
      // What the server's hooks say (branch protection and the like) is the reason a user needs.
      const said: string[] = [];
      const onMessage = (message: string): void => void said.push(...message.split("\n").map((l) => l.trim()).filter((l) => l !== ""));
      const rejected = (reason: string): GitTransportError =>
        new GitTransportError("push-rejected", redactToken(`push of branch '${name}' to ${remote.url} rejected: ${reason}${said.length > 0 ? ` (server said: ${said.join(" / ").slice(0, 300)})` : ""}`, remote.token));
      let result;
      try {
        result = await git.push({ ...common, http: remote.http, url: remote.url, ref: name, remoteRef: `refs/heads/${name}`, force, onAuth, onMessage });
      } catch (error) {
        if (error instanceof Errors.GitPushError) return Promise.reject(rejected(error.data.result.refs[`refs/heads/${name}`]?.error ?? error.data.result.error ?? "no reason given"));
        if (error instanceof Errors.PushRejectedError) return Promise.reject(rejected(`${error.data.reason}: the branch moved since it was fetched`));
        throw transportError(error, remote, `pushing branch '${name}' to`);
      }
      const refResult = result.refs[`refs/heads/${name}`];
      if (!result.ok || (refResult !== undefined && !refResult.ok)) throw rejected(refResult?.error ?? result.error ?? "no reason given");
    },
    close: () => rm(dir, { recursive: true, force: true }),
  };
  return checkout;
}

type Common = { fs: typeof fs; dir: string; cache: object };

/** The tree `treeOid` with the file at `segments` replaced by `blob` (a new tree per level on the path). */
async function replaceInTree(common: Common, treeOid: string, segments: readonly string[], blob: string): Promise<string> {
  const [head, ...rest] = segments as [string, ...string[]];
  const { tree } = await git.readTree({ ...common, oid: treeOid });
  const entry = tree.find((e) => e.path === head);
  let replacement: TreeEntry;
  if (rest.length === 0) {
    if (entry !== undefined && entry.type !== "blob") throw new GitTransportError("not-found", `${head} is a ${entry.type}, not a file`);
    replacement = { mode: entry?.mode ?? "100644", path: head, oid: blob, type: "blob" };
  } else {
    if (entry === undefined || entry.type !== "tree") throw new GitTransportError("not-found", `folder ${head} not found`);
    replacement = { ...entry, oid: await replaceInTree(common, entry.oid, rest, blob) };
  }
  const entries = entry === undefined ? [...tree, replacement] : tree.map((e) => (e === entry ? replacement : e));
  return git.writeTree({ ...common, tree: entries });
}

function authOf(remote: GitRemoteOptions): (() => { username: string; password: string }) | undefined {
  const token = remote.token;
  return token === undefined ? undefined : () => ({ username: remote.username, password: token });
}

function redactToken(text: string, token: string | undefined): string {
  return token ? text.split(token).join("[token]") : text;
}

/** Network codes that mean the server was never reached (or stopped answering). */
const UNREACHABLE = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "ECONNRESET", "EHOSTUNREACH", "ENETUNREACH", "EPIPE"]);
/** TLS codes that mean the server answered with a certificate we do not trust. */
const UNTRUSTED = new Set(["CERT_HAS_EXPIRED", "DEPTH_ZERO_SELF_SIGNED_CERT", "UNABLE_TO_VERIFY_LEAF_SIGNATURE", "SELF_SIGNED_CERT_IN_CHAIN", "UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "ERR_TLS_CERT_ALTNAME_INVALID"]);

/** One wording per failure; the token is cut out of anything a server or library echoed. */
export function transportError(error: unknown, remote: Pick<GitRemoteOptions, "url" | "token">, doing: string): GitTransportError {
  if (error instanceof GitTransportError) return error;
  const redact = (text: string): string => redactToken(text, remote.token);
  const e = error as Error & { code?: string; data?: { statusCode?: number; statusMessage?: string; reason?: string }; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code;
  if (error instanceof Errors.HttpError) {
    const status = e.data?.statusCode ?? 0;
    if (status === 401 || status === 403) return new GitTransportError("auth-refused", `${doing} ${remote.url} failed: authentication refused (HTTP ${status}): check the token in the Secret and its rights on the repository`);
    if (status === 404) return new GitTransportError("not-found", `${doing} ${remote.url} failed: repository not found (HTTP 404)`);
    return new GitTransportError("unreachable", `${doing} ${remote.url} failed: HTTP ${status} ${redact(e.data?.statusMessage ?? "")}`.trimEnd());
  }
  if (error instanceof Errors.UserCanceledError) return new GitTransportError("auth-refused", `${doing} ${remote.url} failed: authentication refused: check the token in the Secret and its rights on the repository`);
  if (error instanceof Errors.PushRejectedError) return new GitTransportError("push-rejected", `${doing} ${remote.url} rejected: ${e.data?.reason ?? "rejected"} (the branch moved)`);
  if (error instanceof Errors.GitPushError) return new GitTransportError("push-rejected", `${doing} ${remote.url} rejected: ${redact(e.message)}`);
  if (error instanceof Errors.NotFoundError) return new GitTransportError("not-found", `${doing} ${remote.url} failed: ${redact(e.message)}`);
  if (code !== undefined && UNREACHABLE.has(code)) return new GitTransportError("unreachable", `${doing} ${remote.url} failed: repository unreachable (${code})`);
  if (code !== undefined && UNTRUSTED.has(code)) return new GitTransportError("unreachable", `${doing} ${remote.url} failed: the server's TLS certificate is not trusted (${code}): give its CA in gitops.caFile`);
  return new GitTransportError("git-error", `${doing} ${remote.url} failed: ${redact(e.message ?? String(error))}`);
}
