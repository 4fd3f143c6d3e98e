/**
 * How the Git copy of the config differs from what is live: rules only in one of them, and limits
 * or units that differ. Recommendations are computed against what is live; drift is reported so a
 * reviewer knows the pull request also brings Git back in line (or that Git is ahead, unsynced).
 */
import type { RateLimitRule } from "../../ratelimit/rule.js";

export type DriftEntry =
  | { readonly kind: "only-in-git"; readonly fullKey: string }
  | { readonly kind: "only-live"; readonly fullKey: string }
  | { readonly kind: "differs"; readonly fullKey: string; readonly git: string; readonly live: string };

function limitText(rule: RateLimitRule): string {
  const r = rule.rateLimit;
  if (r === undefined) return "no rate_limit";
  if (r.unlimited) return "unlimited";
  return `${r.requestsPerUnit}/${r.unit ?? "?"}`;
}

/** Drift between the rules of the Git copy and the live rules of the same domains. */
export function configDrift(git: readonly RateLimitRule[], live: readonly RateLimitRule[]): DriftEntry[] {
  const domains = new Set(git.map((r) => r.domain));
  const liveByKey = new Map(live.filter((r) => domains.has(r.domain)).map((r) => [r.fullKey, r]));
  const gitKeys = new Set(git.map((r) => r.fullKey));
  const drift: DriftEntry[] = [];
  for (const rule of git) {
    const other = liveByKey.get(rule.fullKey);
    if (other === undefined) drift.push({ kind: "only-in-git", fullKey: rule.fullKey });
    else if (limitText(rule) !== limitText(other)) drift.push({ kind: "differs", fullKey: rule.fullKey, git: limitText(rule), live: limitText(other) });
  }
  for (const [fullKey] of liveByKey) if (!gitKeys.has(fullKey)) drift.push({ kind: "only-live", fullKey });
  return drift;
}

/** One line per drift entry, for logs, the report and the pull request. */
export function describeDrift(entry: DriftEntry): string {
  if (entry.kind === "only-in-git") return `${entry.fullKey}: in Git, not live`;
  if (entry.kind === "only-live") return `${entry.fullKey}: live, not in Git`;
  return `${entry.fullKey}: ${entry.git} in Git, ${entry.live} live`;
}
