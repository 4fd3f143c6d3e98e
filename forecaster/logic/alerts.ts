/**
 * Which Slack alerts a cycle raises and what they say: short, with the facts an on-call engineer
 * needs (the diff table, which rules are low-confidence and why, what failed). Pure; io/slack.ts
 * delivers them.
 */
import { changesTable, type CycleReport } from "./cycle-report.js";

/** The integration guide's alert kinds, each switchable in the settings file. */
export const ALERT_KINDS = ["rate_limit_changes", "ml_confidence_low", "system_errors"] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

export interface Alert {
  readonly kind: AlertKind;
  /** One line: Slack's notification text. */
  readonly title: string;
  /** Slack mrkdwn body. */
  readonly body: string;
}

const MAX_LISTED = 15;

function listed(lines: readonly string[]): string {
  const shown = lines.slice(0, MAX_LISTED).map((l) => `• ${l}`);
  if (lines.length > MAX_LISTED) shown.push(`… and ${lines.length - MAX_LISTED} more`);
  return shown.join("\n");
}

function truncate(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The alerts a cycle raises, in the order they should be sent. */
/** `reportUrl`: where the report page is served; change messages link to it. */
export function alertsForCycle(report: CycleReport, options: { readonly reportUrl?: string } = {}): Alert[] {
  const alerts: Alert[] = [];
  const gen = report.generation === undefined ? "" : ` (forecast generation ${report.generation})`;
  if (report.changes.length > 0 && report.outcome !== "failed" && report.outcome !== "aborted") {
    const verb = report.dryRun ? "would change" : report.applied.length > 0 ? "changed" : "planned";
    const count = report.dryRun ? report.changes.length : report.applied.length;
    const skipped = report.skipped.length > 0 ? `\n${report.skipped.length} change(s) skipped:\n${listed(report.skipped.map((s) => `\`${s.fullKey}\`: ${truncate(s.reason)}`))}` : "";
    if (count > 0 || skipped !== "") {
      const applied = new Set(report.applied.map((a) => a.fullKey));
      const rows = report.dryRun ? report.changes : report.changes.filter((c) => applied.has(c.fullKey));
      const git = report.outputMode === "git" ? report.gitops : undefined;
      if (git !== undefined) {
        // In git mode nothing changed in the cluster: the alert points at the request to review.
        const where = git.request ? `${git.mode === "direct" ? "" : "pull request "}#${git.request.number} (${git.request.url})` : `branch ${git.branch}`;
        const gitVerb = report.dryRun ? "would propose" : git.mode === "direct" ? "committed" : "proposed";
        alerts.push({
          kind: "rate_limit_changes",
          title: `TrendMaster ${gitVerb} ${count} rate limit change(s) for ${report.target} in Git${report.dryRun ? " [dry run]" : `: ${where}`}`,
          body: `*TrendMaster ${gitVerb} ${count} rate limit change(s) for \`${report.target}\` in \`${git.path}\`*${gen}${report.dryRun ? " — dry run, nothing pushed" : `, ${where}`}\n${rows.length > 0 ? `\`\`\`\n${changesTable(rows)}\n\`\`\`` : ""}${skipped}${options.reportUrl !== undefined ? `\n<${options.reportUrl}|Open the report>: each rule's traffic, forecast and limits` : ""}`,
        });
      } else {
        alerts.push({
          kind: "rate_limit_changes",
          title: `TrendMaster ${verb} ${count} rate limit(s) in ${report.target}${report.dryRun ? " [dry run]" : ""}`,
          body: `*TrendMaster ${verb} ${count} rate limit(s) in \`${report.target}\`*${gen}${report.dryRun ? " — DRY_RUN, nothing written" : ""}\n${rows.length > 0 ? `\`\`\`\n${changesTable(rows)}\n\`\`\`` : ""}${skipped}${report.historyRevision !== undefined ? `\nPrevious content: history revision ${report.historyRevision} (\`trendmaster rollback --to ${report.historyRevision}\`)` : ""}${options.reportUrl !== undefined ? `\n<${options.reportUrl}|Open the report>: each rule's traffic, forecast and limits` : ""}`,
        });
      }
    }
  }
  const low = report.plan?.rules.filter((r) => r.state === "low-confidence") ?? [];
  if (low.length > 0) {
    alerts.push({
      kind: "ml_confidence_low",
      title: `TrendMaster: ${low.length} rule(s) with low forecast confidence kept their limits`,
      body: `*${low.length} rule(s) in \`${report.target}\` have low forecast confidence; their limits were kept*${gen}\n${listed(low.map((r) => `\`${r.fullKey}\` (${r.current}/${r.unit}): ${truncate(r.reason)}`))}`,
    });
  }
  const problems: string[] = [...report.errors];
  if (report.guard?.status === "unguarded" && report.unguardedIsNew) {
    problems.unshift(`UNGUARDED change: \`${report.target}\` was written without the webhook (last writer ${report.guard.writtenBy}${report.guard.writtenAt ? ` at ${report.guard.writtenAt}` : ""}); its limits were not checked against the forecast band`);
  }
  const failedRules = report.plan?.rules.filter((r) => r.state === "failed" || r.state === "unmapped") ?? [];
  if (problems.length > 0 || failedRules.length > 0) {
    const ruleLines = failedRules.map((r) => `\`${r.fullKey}\` ${r.state}: ${truncate(r.reason)}`);
    const outcome = report.outcome === "failed" ? "cycle FAILED, current limits kept" : report.outcome === "aborted" ? "cycle aborted, nothing written" : "cycle completed with problems";
    alerts.push({
      kind: "system_errors",
      title: `TrendMaster ${outcome} on ${report.target}`,
      body: `*TrendMaster ${outcome}* on \`${report.target}\`${gen}\n${listed([...problems.map((p) => truncate(p, 500)), ...ruleLines])}`,
    });
  }
  return alerts;
}

/** An alert about a failure outside any cycle (settings, startup, lease). */
export function systemAlert(title: string, detail: string): Alert {
  return { kind: "system_errors", title: `TrendMaster: ${title}`, body: `*TrendMaster: ${title}*\n${truncate(detail, 1500)}` };
}
