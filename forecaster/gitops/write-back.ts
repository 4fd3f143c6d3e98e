/**
 * One cycle's write-back to Git for one target, in two steps so that a fault changes nothing:
 * `prepareWriteBack` only reads (branches, a shallow clone, the file, the edit, the open request)
 * and fails with a clear reason; `publishWriteBack` pushes TrendMaster's branch (or, in `direct`
 * mode, the tracked branch, never forced) and opens or updates the one request, putting the branch
 * back if the request cannot be written.
 */
import type { RateLimitRule } from "../../ratelimit/rule.js";
import type { Clock } from "../io/clock.js";
import type { AppliedLimit, SkippedLimit } from "../logic/limit-edit.js";
import type { CyclePlan } from "../logic/plan.js";
import { unifiedDiff } from "../logic/text-diff.js";
import { configDrift, type DriftEntry } from "./drift.js";
import { editConfigInFile, readConfigInFile } from "./edit-file.js";
import { GitTransportError, type Checkout, type GitIdentity } from "./git-transport.js";
import type { ConfigLocationSpec } from "./locate.js";
import { nothingLeftBody, requestBody, requestTitle } from "./pull-request-text.js";
import { ReviewApiError, type ReviewProvider, type ReviewRequest } from "./review-provider.js";

export type WriteBackMode = "pull-request" | "direct";

/** One place in Git that holds ratelimit-config's config. */
export interface GitTarget {
  /** Short name (`prd1`): the branch `trendmaster/<name>` and messages use it. */
  readonly name: string;
  readonly repositoryUrl: string;
  /** The branch Argo CD tracks. */
  readonly baseBranch: string;
  /** TrendMaster's own branch (pull-request mode). */
  readonly branch: string;
  readonly path: string;
  readonly location: ConfigLocationSpec;
  readonly mode: WriteBackMode;
  readonly author: GitIdentity;
  /** First line of the commit message; `{target}`, `{count}` and `{generation}` are filled in. */
  readonly commitMessage: string;
}

/** The remote as write-back uses it (git-transport.ts bound to one repository). */
export interface GitRemote {
  branches(): Promise<Map<string, string>>;
  checkout(branch: string): Promise<Checkout>;
}

export interface WriteBackDeps {
  readonly remote: GitRemote;
  /** Absent in direct mode. */
  readonly reviews?: ReviewProvider;
  readonly clock: Clock;
}

export interface WriteBackInput {
  readonly liveRules: readonly RateLimitRule[];
  readonly plan: CyclePlan;
  readonly generation?: number;
  /** ratelimit-config as `namespace/name`. */
  readonly live: string;
  readonly mergeDomains: boolean;
}

export type WriteBackFailure = GitTransportError["kind"] | "path-not-found" | "config-invalid" | "branch-taken" | "api-error";

export class WriteBackError extends Error {
  constructor(
    readonly kind: WriteBackFailure,
    message: string,
  ) {
    super(message);
  }
}

export interface WriteBackReport {
  readonly target: string;
  readonly mode: WriteBackMode;
  readonly path: string;
  /** The branch written (or that would be). */
  readonly branch: string;
  readonly outcome: "pushed" | "up-to-date" | "no-change" | "dry-run";
  readonly commit?: string;
  readonly request?: { readonly number: number; readonly url: string; readonly action: "opened" | "updated" | "unchanged" | "nothing-left" };
  readonly applied: readonly AppliedLimit[];
  readonly skipped: readonly SkippedLimit[];
  readonly drift: readonly DriftEntry[];
  /** The diff of the file in Git. */
  readonly diff: string;
}

/** Everything read and computed, nothing written yet. */
export interface PreparedWriteBack {
  readonly target: GitTarget;
  readonly checkout: Checkout;
  readonly baseText: string;
  readonly newText: string;
  readonly applied: readonly AppliedLimit[];
  readonly skipped: readonly SkippedLimit[];
  readonly drift: readonly DriftEntry[];
  readonly diff: string;
  /** TrendMaster's branch head before this cycle (undefined: no branch yet). */
  readonly ownHead?: string;
  /** The branch already holds exactly this change on the current base. */
  readonly upToDate: boolean;
  readonly openRequest?: ReviewRequest;
  readonly title: string;
  readonly body: string;
  readonly generation?: number;
}

async function guarded<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof WriteBackError) throw error;
    if (error instanceof GitTransportError) throw new WriteBackError(error.kind, error.message);
    if (error instanceof ReviewApiError) throw new WriteBackError("api-error", error.message);
    throw error;
  }
}

/** Reads and computes the change; throws WriteBackError (nothing written) on any fault. */
export async function prepareWriteBack(deps: WriteBackDeps, target: GitTarget, input: WriteBackInput): Promise<PreparedWriteBack> {
  return guarded(async () => {
    const branches = await deps.remote.branches();
    if (!branches.has(target.baseBranch)) throw new WriteBackError("not-found", `${target.repositoryUrl} has no branch '${target.baseBranch}'`);
    const checkout = await deps.remote.checkout(target.baseBranch);
    try {
      return await prepareOnCheckout(deps, target, input, checkout, branches);
    } catch (error) {
      await checkout.close();
      throw error;
    }
  });
}

async function prepareOnCheckout(deps: WriteBackDeps, target: GitTarget, input: WriteBackInput, checkout: Checkout, branches: Map<string, string>): Promise<PreparedWriteBack> {
  const at = `${target.repositoryUrl} ${target.baseBranch}`;
  const baseText = await checkout.readFile(checkout.baseCommit, target.path);
  if (baseText === undefined) throw new WriteBackError("path-not-found", `${target.path} not found in ${at}`);
  const options = { mergeDomains: input.mergeDomains };
  const read = readConfigInFile(target.path, baseText, target.location, options);
  if (!read.ok) throw new WriteBackError(read.kind === "not-found" ? "path-not-found" : "config-invalid", `${read.problem} (in ${at})`);
  const drift = configDrift(read.rules, input.liveRules);
  const edit = editConfigInFile(target.path, baseText, target.location, input.plan.changes, options);
  if (!edit.ok) throw new WriteBackError("config-invalid", `${edit.problem} (in ${at})`);
  const diff = edit.applied.length > 0 ? unifiedDiff(target.path, baseText, edit.text) : "";

  let ownHead: string | undefined;
  let upToDate = false;
  let openRequest: ReviewRequest | undefined;
  if (target.mode === "pull-request") {
    if (branches.has(target.branch)) {
      ownHead = await checkout.fetchBranch(target.branch);
      if (ownHead !== undefined) {
        const head = await checkout.authorOf(ownHead);
        // Someone else's commit on our branch is theirs to keep: TrendMaster never force-pushes over it.
        if (head.email !== target.author.email) throw new WriteBackError("branch-taken", `branch '${target.branch}' of ${target.repositoryUrl} ends in a commit by ${head.name} <${head.email}>, not by TrendMaster: left as it is (merge or delete it to let TrendMaster write again)`);
        upToDate = edit.applied.length > 0 && (await checkout.parentOf(ownHead)) === checkout.baseCommit && (await checkout.readFile(ownHead, target.path)) === edit.text;
      }
    }
    if (deps.reviews === undefined) throw new WriteBackError("api-error", "pull requests need gitops.provider and gitops.tokenFile (or set gitops.direct: true)");
    openRequest = await deps.reviews.findOpen(target.branch, target.baseBranch);
  }
  const textInput = { target: target.name, live: input.live, path: target.path, rules: input.plan.rules, applied: edit.applied, skipped: edit.skipped, drift, diff, ...(input.generation !== undefined ? { generation: input.generation } : {}) };
  return {
    target,
    checkout,
    baseText,
    newText: edit.text,
    applied: edit.applied,
    skipped: edit.skipped,
    drift,
    diff,
    ...(ownHead !== undefined ? { ownHead } : {}),
    upToDate,
    ...(openRequest ? { openRequest } : {}),
    title: requestTitle(textInput),
    body: requestBody(textInput),
    ...(input.generation !== undefined ? { generation: input.generation } : {}),
  };
}

/** The report of a prepared write-back that is not published (dry run). */
export function dryRunReport(prepared: PreparedWriteBack): WriteBackReport {
  return reportOf(prepared, prepared.applied.length > 0 ? "dry-run" : "no-change");
}

function reportOf(p: PreparedWriteBack, outcome: WriteBackReport["outcome"], extra: Partial<Pick<WriteBackReport, "commit" | "request">> = {}): WriteBackReport {
  const branch = p.target.mode === "direct" ? p.target.baseBranch : p.target.branch;
  return { target: p.target.name, mode: p.target.mode, path: p.target.path, branch, outcome, applied: p.applied, skipped: p.skipped, drift: p.drift, diff: p.diff, ...extra };
}

export function commitMessage(p: Pick<PreparedWriteBack, "target" | "applied" | "generation">): string {
  const first = p.target.commitMessage
    .replaceAll("{target}", p.target.name)
    .replaceAll("{count}", String(p.applied.length))
    .replaceAll("{generation}", p.generation === undefined ? "" : String(p.generation));
  const lines = p.applied.map((a) => `- ${a.fullKey}: ${a.from} -> ${a.to}`);
  return `${first}\n\n${lines.join("\n")}\n`;
}

/** Writes what was prepared; throws WriteBackError after putting TrendMaster's branch back. */
export async function publishWriteBack(deps: WriteBackDeps, prepared: PreparedWriteBack, input: WriteBackInput): Promise<WriteBackReport> {
  return guarded(async () => {
    const p = prepared;
    if (p.target.mode === "direct") return publishDirect(deps, p, input);
    const reviews = deps.reviews as ReviewProvider;
    if (p.applied.length === 0) {
      const open = p.openRequest;
      if (open === undefined) return reportOf(p, "no-change");
      const body = nothingLeftBody(p.target.name, p.target.path, p.generation);
      if (open.body === body) return reportOf(p, "no-change", { request: { number: open.number, url: open.url, action: "unchanged" } });
      await reviews.comment(open.number, `Nothing is left to change: \`${p.target.path}\` on \`${p.target.baseBranch}\` already holds every limit TrendMaster recommends.`);
      await reviews.update(open.number, { title: open.title, body });
      return reportOf(p, "no-change", { request: { number: open.number, url: open.url, action: "nothing-left" } });
    }
    let commit = p.ownHead;
    if (!p.upToDate) {
      // isomorphic-git has no --force-with-lease: check just before the push that nobody moved the branch since it was read.
      const headNow = (await deps.remote.branches()).get(p.target.branch);
      if (headNow !== p.ownHead) throw new WriteBackError("branch-taken", `branch '${p.target.branch}' of ${p.target.repositoryUrl} moved while the cycle ran (now ${headNow?.slice(0, 12) ?? "deleted"}): left as it is; the next cycle reads it again`);
      commit = await p.checkout.commitFile({ parent: p.checkout.baseCommit, path: p.target.path, text: p.newText, message: commitMessage(p), author: p.target.author, timestampSeconds: Math.floor(deps.clock.now().getTime() / 1000) });
      await p.checkout.push(p.target.branch, commit, { force: true });
    }
    try {
      const open = p.openRequest;
      let request: WriteBackReport["request"];
      if (open === undefined) {
        const created = await reviews.create({ head: p.target.branch, base: p.target.baseBranch, title: p.title, body: p.body });
        request = { number: created.number, url: created.url, action: "opened" };
      } else if (open.title !== p.title || open.body !== p.body) {
        await reviews.update(open.number, { title: p.title, body: p.body });
        request = { number: open.number, url: open.url, action: "updated" };
      } else request = { number: open.number, url: open.url, action: "unchanged" };
      return reportOf(p, p.upToDate ? "up-to-date" : "pushed", { ...(commit ? { commit } : {}), request });
    } catch (error) {
      if (!p.upToDate) await restoreOwnBranch(p, error);
      throw error;
    }
  });
}

/** Puts TrendMaster's branch back where it was (or deletes it) after the request could not be written. */
async function restoreOwnBranch(p: PreparedWriteBack, cause: unknown): Promise<void> {
  try {
    if (p.ownHead === undefined) await p.checkout.deleteBranch(p.target.branch);
    else await p.checkout.push(p.target.branch, p.ownHead, { force: true });
  } catch (error) {
    throw new WriteBackError("api-error", `${(cause as Error).message}; putting branch '${p.target.branch}' back also failed: ${(error as Error).message}`);
  }
}

const DIRECT_ATTEMPTS = 3;

/**
 * Commits on the tracked branch. A rejected push means someone pushed meanwhile: the numbers are
 * re-applied on their commit (a rebase of a numbers-only change), skipping any rule whose number
 * they changed, and pushed again; never forced, so no human commit is ever overwritten.
 */
async function publishDirect(deps: WriteBackDeps, p: PreparedWriteBack, input: WriteBackInput): Promise<WriteBackReport> {
  if (p.applied.length === 0) return reportOf(p, "no-change");
  const firstRead = readConfigInFile(p.target.path, p.baseText, p.target.location, { mergeDomains: input.mergeDomains });
  const basedOn = new Map(firstRead.ok ? firstRead.rules.map((r) => [r.fullKey, r.rateLimit?.requestsPerUnit]) : []);
  let checkout = p.checkout;
  let text = p.newText;
  let baseText = p.baseText;
  let applied = p.applied;
  let skipped = [...p.skipped];
  try {
    return await directAttempts();
  } finally {
    if (checkout !== p.checkout) await checkout.close();
  }

  async function directAttempts(): Promise<WriteBackReport> {
    for (let attempt = 1; ; attempt++) {
      const commit = await checkout.commitFile({ parent: checkout.baseCommit, path: p.target.path, text, message: commitMessage({ ...p, applied }), author: p.target.author, timestampSeconds: Math.floor(deps.clock.now().getTime() / 1000) });
      try {
        await checkout.push(p.target.baseBranch, commit, { force: false });
        return { ...reportOf(p, "pushed", { commit }), applied, skipped, diff: unifiedDiff(p.target.path, baseText, text) };
      } catch (error) {
        if (!(error instanceof GitTransportError) || error.kind !== "push-rejected" || attempt >= DIRECT_ATTEMPTS) throw error;
      }
      if (checkout !== p.checkout) await checkout.close();
      checkout = await deps.remote.checkout(p.target.baseBranch);
      const theirs = await checkout.readFile(checkout.baseCommit, p.target.path);
      if (theirs === undefined) throw new WriteBackError("path-not-found", `${p.target.path} was removed from ${p.target.baseBranch} meanwhile`);
      const now = readConfigInFile(p.target.path, theirs, p.target.location, { mergeDomains: input.mergeDomains });
      if (!now.ok) throw new WriteBackError("config-invalid", now.problem);
      const changes = new Map<string, number>();
      skipped = [...p.skipped];
      for (const a of p.applied) {
        const current = now.rules.find((r) => r.fullKey === a.fullKey)?.rateLimit?.requestsPerUnit;
        if (current !== basedOn.get(a.fullKey)) skipped.push({ fullKey: a.fullKey, reason: `changed in Git meanwhile (now ${current ?? "gone"}); that commit's value is kept` });
        else changes.set(a.fullKey, a.to);
      }
      const edit = editConfigInFile(p.target.path, theirs, p.target.location, changes, { mergeDomains: input.mergeDomains });
      if (!edit.ok) throw new WriteBackError("config-invalid", edit.problem);
      if (edit.applied.length === 0) return { ...reportOf(p, "no-change"), applied: [], skipped: [...skipped, ...edit.skipped], diff: "" };
      text = edit.text;
      baseText = theirs;
      applied = edit.applied;
      skipped.push(...edit.skipped);
    }
  }
}
