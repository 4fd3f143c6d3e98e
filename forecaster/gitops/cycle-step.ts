/**
 * The cycle's Git step: prepare (read-only), then publish unless dry-run. The cycle runs it before
 * it writes anything in the cluster, so a fault here leaves the repository, the request and the
 * cluster as they were. Failures come back as one line naming the kind of fault.
 */
import type { RateLimitRule } from "../../ratelimit/rule.js";
import type { CyclePlan } from "../logic/plan.js";
import { describeDrift } from "./drift.js";
import { commitMessage, dryRunReport, prepareWriteBack, publishWriteBack, WriteBackError, type GitTarget, type WriteBackDeps, type WriteBackReport } from "./write-back.js";

/** What the cycle needs to write back: the deps for this cycle, built fresh (the token is re-read). */
export interface GitWriteBack {
  readonly target: GitTarget;
  /** Builds the remote and the provider for one cycle (reads the token file then). */
  connect(): Promise<WriteBackDeps>;
}

export interface GitStepInput {
  readonly liveRules: readonly RateLimitRule[];
  readonly plan: CyclePlan;
  readonly generation?: number;
  readonly live: string;
  readonly mergeDomains: boolean;
  readonly dryRun: boolean;
}

/** The report, plus the commit message a dry run would have used. */
export type GitStepResult = WriteBackReport & { readonly commitMessage?: string };

/** Failure messages start with the fault's kind, so logs, alerts and exit reasons name it. */
const FAULT_WORDS: Readonly<Record<WriteBackError["kind"], string>> = {
  unreachable: "Git repository unreachable",
  "auth-refused": "Git authentication refused",
  "not-found": "Git repository or branch not found",
  "push-rejected": "Git push rejected",
  "git-error": "Git error",
  "path-not-found": "config not found in Git",
  "config-invalid": "Git copy of the config is invalid",
  "branch-taken": "TrendMaster's branch holds a commit by someone else",
  "api-error": "pull request API error",
};

export class GitStepError extends Error {}

export async function runGitStep(writeBack: GitWriteBack, input: GitStepInput, log: { info(fields: object, message: string): void; warn(fields: object, message: string): void }): Promise<GitStepResult> {
  const target = writeBack.target;
  try {
    const deps = await writeBack.connect();
    const prepared = await prepareWriteBack(deps, target, input);
    try {
      if (prepared.drift.length > 0) log.warn({ target: target.name, drift: prepared.drift.slice(0, 20).map(describeDrift), total: prepared.drift.length }, "the Git copy of the config differs from the live one; recommendations are computed against the live one");
      if (input.dryRun) return { ...dryRunReport(prepared), ...(prepared.applied.length > 0 ? { commitMessage: commitMessage(prepared) } : {}) };
      const report = await publishWriteBack(deps, prepared, input);
      log.info({ target: target.name, outcome: report.outcome, branch: report.branch, commit: report.commit, request: report.request }, "git write-back done");
      return report;
    } finally {
      await prepared.checkout.close();
    }
  } catch (error) {
    if (error instanceof WriteBackError) throw new GitStepError(`${FAULT_WORDS[error.kind]}: ${error.message}; nothing written`);
    throw new GitStepError(`Git write-back failed: ${(error as Error).message}; nothing written`);
  }
}
