/** What one cycle did, for logs, metrics, alerts and `trendmaster run --once`'s output. */
import type { GuardCheck } from "./unguarded.js";
import type { AppliedLimit, SkippedLimit } from "./limit-edit.js";
import type { CyclePlan, LimitChange, RuleState } from "./plan.js";
import type { GitStepResult } from "../gitops/cycle-step.js";
import { formatGitStep, summarizeGitStep } from "../gitops/report-text.js";

export type CycleOutcome =
  /** Limits written to ratelimit-config. */
  | "applied"
  /** Nothing to change (or every change was skipped). */
  | "no-change"
  /** DRY_RUN: the diff was computed and reported, ratelimit-config untouched. */
  | "dry-run"
  /** The cycle could not do its job (traffic source down, config unreadable, write refused). */
  | "failed"
  /** Stopped (SIGTERM, lost Lease) before anything was written to ratelimit-config. */
  | "aborted";

export interface RuleMeasure {
  readonly fullKey: string;
  readonly value: number;
}

export interface CycleReport {
  readonly outcome: CycleOutcome;
  readonly dryRun: boolean;
  readonly startedAt: string;
  readonly durationMs: number;
  /** ratelimit-config as `namespace/name`. */
  readonly target: string;
  /** Forecast generation written to the cache (absent when the cycle stopped before). */
  readonly generation?: number;
  readonly plan?: CyclePlan;
  readonly counts: Readonly<Record<RuleState, number>>;
  /** The changes planned (written, or that would be written in dry-run). */
  readonly changes: readonly LimitChange[];
  /** What was actually written to ratelimit-config. */
  readonly applied: readonly AppliedLimit[];
  /** Planned changes not written, with why. */
  readonly skipped: readonly SkippedLimit[];
  /** Unified diff of ratelimit-config's data (what was written, or would be in dry-run). */
  readonly diff: string;
  /** 409 conflicts met while writing ratelimit-config. */
  readonly conflicts: number;
  /** History revision recorded before the write. */
  readonly historyRevision?: number;
  readonly guard?: GuardCheck;
  /** The unguarded change is new since the last alert about it. */
  readonly unguardedIsNew: boolean;
  /** Cycle-level failures: each one makes the outcome "failed" (or is why it was aborted). */
  readonly errors: readonly string[];
  /** Problems that did not stop the cycle: a rule's traffic or forecast, a server warning. */
  readonly warnings: readonly string[];
  readonly fetchSummary: string;
  /** Observed peak since the previous forecast ÷ its expected peak, per rule. */
  readonly accuracy: readonly RuleMeasure[];
  /** Share of requests answered OVER_LIMIT, per rule (from the ratelimit service's counters). */
  readonly throttledShare: readonly RuleMeasure[];
  /** The Git write-back (output modes `git` and `both`). */
  readonly gitops?: GitStepResult;
  /** Set when not `cluster`: in `git` mode `applied` and `diff` are those of the file in Git. */
  readonly outputMode?: "git" | "both";
}

export function isCycleFailure(report: CycleReport): boolean {
  return report.outcome === "failed" || report.outcome === "aborted";
}

/** One line for the log and the Job's output. */
export function summarizeCycle(report: CycleReport): string {
  const c = report.counts;
  const states = `${c.changed} changed, ${c.unchanged} unchanged, ${c["low-confidence"]} low-confidence, ${c.unmapped} unmapped, ${c.failed} failed, ${c.excluded} excluded`;
  const gen = report.generation === undefined ? "" : ` generation ${report.generation}`;
  const what =
    report.outcome === "applied" ? `applied ${report.applied.length} limit change(s)` :
    report.outcome === "dry-run" ? `dry run: ${report.changes.length} change(s) not applied` :
    report.outcome === "no-change" ? "no change" :
    report.outcome === "aborted" ? "aborted" : "failed";
  const errors = report.errors.length > 0 ? `; errors: ${report.errors.join("; ")}` : "";
  const git = report.gitops ? `; ${summarizeGitStep(report.gitops)}` : "";
  return `cycle${gen} on ${report.target}: ${what} (${states}) in ${(report.durationMs / 1000).toFixed(1)}s${git}${errors}`;
}

/** The changes as a fixed-width table: rule, unit, from, to, change, confidence. */
export function changesTable(changes: readonly LimitChange[], maxRows = 25): string {
  if (changes.length === 0) return "";
  const rows = changes.slice(0, maxRows).map((c) => [c.fullKey, c.unit, String(c.from), String(c.to), percent(c.from, c.to), c.confidence ?? ""]);
  const header = ["rule", "unit", "from", "to", "change", "confidence"];
  const widths = header.map((h, k) => Math.max(h.length, ...rows.map((r) => (r[k] as string).length)));
  const line = (cells: string[]) => cells.map((cell, k) => (k >= 2 && k <= 4 ? cell.padStart(widths[k] as number) : cell.padEnd(widths[k] as number))).join("  ").trimEnd();
  const more = changes.length > maxRows ? [`... and ${changes.length - maxRows} more`] : [];
  return [line(header), ...rows.map(line), ...more].join("\n");
}

function percent(from: number, to: number): string {
  if (from === 0) return "new";
  const p = ((to - from) / from) * 100;
  return `${p >= 0 ? "+" : ""}${p.toFixed(0)}%`;
}

/** The human report `trendmaster run --once` prints. */
export function formatCycleReport(report: CycleReport): string {
  const parts = [summarizeCycle(report), report.fetchSummary];
  if (report.guard?.status === "unguarded") parts.push(`UNGUARDED CHANGE: ${report.target} data carries no valid TrendMaster stamp: written while the webhook was not in the path (last written by ${report.guard.writtenBy} at ${report.guard.writtenAt || "?"})`);
  if (report.changes.length > 0) parts.push("", report.dryRun ? "changes (dry run, not applied):" : "changes:", changesTable(report.changes, 1000));
  const notChanged = report.plan?.rules.filter((r) => r.state === "low-confidence" || r.state === "failed" || r.state === "unmapped") ?? [];
  if (notChanged.length > 0) {
    parts.push("", "limits kept (low confidence, failed or unmapped):", ...notChanged.slice(0, 50).map((r) => `  ${r.fullKey} ${r.current}/${r.unit} [${r.state}]: ${r.reason}`));
    if (notChanged.length > 50) parts.push(`  ... and ${notChanged.length - 50} more`);
  }
  if (report.skipped.length > 0) parts.push("", "skipped:", ...report.skipped.map((s) => `  ${s.fullKey}: ${s.reason}`));
  if (report.historyRevision !== undefined) parts.push(`previous content saved as history revision ${report.historyRevision}`);
  if (report.diff !== "") parts.push("", report.diff.trimEnd());
  if (report.gitops) parts.push("", ...formatGitStep(report.gitops, report.diff === report.gitops.diff));
  if (report.warnings.length > 0) parts.push("", `warnings (${report.warnings.length}):`, ...report.warnings.slice(0, 50).map((w) => `  ${w}`));
  return `${parts.join("\n")}\n`;
}
