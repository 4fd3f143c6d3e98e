/**
 * The title and body of TrendMaster's pull (or merge) request: the change table, why each rule
 * moves, confidence, drift between Git and the cluster, and the diff of the file. Pure: the same
 * plan always gives the same text, so a later cycle updates the request only when something changed.
 */
import { changesTable } from "../logic/cycle-report.js";
import type { AppliedLimit, SkippedLimit } from "../logic/limit-edit.js";
import type { RulePlan } from "../logic/plan.js";
import { describeDrift, type DriftEntry } from "./drift.js";

/** Marks TrendMaster's own requests, so a later cycle finds its request by the body too. */
export function requestMarker(target: string): string {
  return `<!-- trendmaster:gitops target=${target} -->`;
}

export interface RequestTextInput {
  readonly target: string;
  /** `istio-system/ratelimit-config`. */
  readonly live: string;
  readonly path: string;
  readonly generation?: number;
  readonly rules: readonly RulePlan[];
  readonly applied: readonly AppliedLimit[];
  readonly skipped: readonly SkippedLimit[];
  readonly drift: readonly DriftEntry[];
  readonly diff: string;
}

/** GitHub refuses bodies above 65,536 characters; keep well under. */
const MAX_BODY_CHARS = 60_000;
const MAX_EXPLAINED = 100;

export function requestTitle(input: Pick<RequestTextInput, "target" | "applied">): string {
  const n = input.applied.length;
  return `TrendMaster: ${n} rate limit${n === 1 ? "" : "s"} to change in ${input.target}`;
}

export function requestBody(input: RequestTextInput): string {
  // Fewer table rows until the description fits: a 1,000-rule change must still open a request.
  for (const maxRows of [1000, 300, 100, 30]) {
    const body = bodyWith(input, maxRows);
    if (body.length <= MAX_BODY_CHARS) return body;
  }
  return bodyWith(input, 10).slice(0, MAX_BODY_CHARS);
}

function bodyWith(input: RequestTextInput, maxRows: number): string {
  const byKey = new Map(input.rules.map((r) => [r.fullKey, r]));
  const rows = input.applied.map((a) => {
    const plan = byKey.get(a.fullKey);
    return { fullKey: a.fullKey, label: plan?.label ?? a.fullKey, unit: plan?.unit ?? "minute", from: a.from, to: a.to, ...(plan?.confidence ? { confidence: plan.confidence } : {}) };
  });
  const explained = Math.min(MAX_EXPLAINED, maxRows);
  const parts = [
    requestMarker(input.target),
    `TrendMaster recommends these \`requests_per_unit\` values for \`${input.path}\`${input.generation !== undefined ? ` (forecast generation ${input.generation})` : ""}, computed against the live \`${input.live}\`. Only the numbers change; merge to let Argo CD sync them.`,
    "",
    "### Changes",
    "```",
    changesTable(rows, maxRows),
    "```",
    "",
    "### Why",
    ...input.applied.slice(0, explained).map((a) => {
      const plan = byKey.get(a.fullKey);
      return `- \`${a.fullKey}\` ${a.from} → ${a.to}/${plan?.unit ?? "?"}${plan?.confidence ? ` (confidence ${plan.confidence})` : ""}: ${plan?.reason ?? "recommended by the forecast"}`;
    }),
    ...(input.applied.length > explained ? [`- … and ${input.applied.length - explained} more (every change is in the commit)`] : []),
  ];
  if (input.skipped.length > 0) parts.push("", "### Not changed", ...input.skipped.slice(0, 50).map((s) => `- \`${s.fullKey}\`: ${s.reason}`), ...(input.skipped.length > 50 ? [`- … and ${input.skipped.length - 50} more`] : []));
  if (input.drift.length > 0) parts.push("", "### Git and the cluster differ", "Recommendations are computed against what is live:", ...input.drift.slice(0, 50).map((d) => `- ${describeDrift(d)}`), ...(input.drift.length > 50 ? [`- … and ${input.drift.length - 50} more`] : []));
  const head = parts.join("\n");
  const diff = ["", "### Diff", "```diff", input.diff.trimEnd(), "```"].join("\n");
  return head.length + diff.length <= MAX_BODY_CHARS ? `${head}\n${diff}\n` : `${head}\n\n(the diff is too long for this description: see the commit)\n`;
}

/** The body once nothing is left to change: the request stays for the record. */
export function nothingLeftBody(target: string, path: string, generation: number | undefined): string {
  return `${requestMarker(target)}\nNothing is left to change: \`${path}\` already holds every recommended limit${generation !== undefined ? ` (forecast generation ${generation})` : ""}. This request can be closed.\n`;
}
