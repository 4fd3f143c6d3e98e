/** How a cycle's Git write-back reads in `trendmaster run --once` output and in the log line. */
import { describeDrift } from "./drift.js";
import type { GitStepResult } from "./cycle-step.js";

/** `git: pushed 1a2b3c4 to trendmaster/prd1, pull request #3 opened (url)` */
export function summarizeGitStep(git: GitStepResult): string {
  const request = git.request ? `, ${git.mode === "direct" ? "" : "pull request "}#${git.request.number} ${git.request.action === "nothing-left" ? "told nothing is left to change" : git.request.action} (${git.request.url})` : "";
  if (git.outcome === "dry-run") return `git: would commit ${git.applied.length} change(s) to ${git.path} on branch '${git.branch}' (dry run, nothing pushed)`;
  if (git.outcome === "pushed") return `git: pushed ${git.commit?.slice(0, 12) ?? "?"} to branch '${git.branch}' (${git.applied.length} change(s) in ${git.path})${request}`;
  if (git.outcome === "up-to-date") return `git: branch '${git.branch}' already holds these changes${request}`;
  return `git: nothing to change in ${git.path}${request}`;
}

/** The lines `run --once` prints about Git: the summary, the drift, and in a dry run the commit it would make. */
export function formatGitStep(git: GitStepResult, diffPrintedAlready: boolean): string[] {
  const lines = [summarizeGitStep(git)];
  if (git.drift.length > 0) lines.push(`Git and the cluster differ (${git.drift.length}; recommendations follow the live config):`, ...git.drift.slice(0, 50).map((d) => `  ${describeDrift(d)}`));
  if (git.commitMessage !== undefined) lines.push("", "commit it would make:", ...git.commitMessage.trimEnd().split("\n").map((l) => (l === "" ? "" : `    ${l}`)));
  if (!diffPrintedAlready && git.diff !== "") lines.push("", git.diff.trimEnd());
  return lines;
}
