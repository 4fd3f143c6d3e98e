/**
 * `trendmaster history` and `trendmaster rollback`: list the revisions of ratelimit-config and
 * restore one byte for byte. A rollback is a change like any other: the content it replaces is
 * recorded as a new revision first, and the write carries the resourceVersion it read.
 */
import { ANNOTATIONS } from "../ratelimit/annotations.js";
import { configFilesOfConfigMap } from "../ratelimit/configmap.js";
import { configDataDigest } from "../ratelimit/digest.js";
import { loadRateLimitConfig } from "../ratelimit/loader.js";
import { isLimitedRule } from "../ratelimit/rule.js";
import { pruneRevisions, recordRevision } from "./cycle.js";
import type { Clock } from "./io/clock.js";
import { configMapRef, isConflict, type ConfigMapObject, type ConfigMapStore } from "./io/configmaps.js";
import { describeLimitChanges, historyEntries, historyLabelSelector, lastWriter, restoreRevision, type HistoryEntry, type HistorySettings } from "./logic/history.js";
import { APPLIED_DIGEST_ANNOTATION, ROLLED_BACK_TO_ANNOTATION, writeAnnotations } from "./logic/write-annotations.js";

export interface HistoryDeps {
  readonly configMaps: ConfigMapStore;
  readonly clock: Clock;
}

export interface HistoryScope {
  readonly ratelimitConfig: { readonly namespace: string; readonly name: string };
  readonly history: HistorySettings;
}

export interface HistoryListing {
  /** ratelimit-config now (undefined when it does not exist). */
  readonly current?: ConfigMapObject;
  /** Newest first. */
  readonly entries: readonly HistoryEntry[];
}

export async function listHistory(deps: HistoryDeps, scope: HistoryScope): Promise<HistoryListing> {
  const target = scope.ratelimitConfig;
  const [current, all] = await Promise.all([deps.configMaps.get(target.namespace, target.name), deps.configMaps.list(scope.history.namespace, historyLabelSelector(target))]);
  return { ...(current ? { current } : {}), entries: historyEntries(all, target) };
}

/** Limits that differ between two contents, as `from → to` of going from `before` to `after`. */
export function limitDifferences(before: ConfigMapObject | HistoryEntry, after: ConfigMapObject | HistoryEntry): Array<{ fullKey: string; from: number; to: number }> {
  const limits = (cm: ConfigMapObject | HistoryEntry) =>
    new Map(
      loadRateLimitConfig(configFilesOfConfigMap({ ...(cm.data ? { data: cm.data } : {}), ...(cm.binaryData ? { binaryData: cm.binaryData } : {}) }))
        .rules.filter(isLimitedRule)
        .map((r) => [r.fullKey, r.rateLimit.requestsPerUnit]),
    );
  const a = limits(before);
  const b = limits(after);
  const out: Array<{ fullKey: string; from: number; to: number }> = [];
  for (const [fullKey, to] of b) {
    const from = a.get(fullKey);
    if (from !== undefined && from !== to) out.push({ fullKey, from, to });
  }
  return out.sort((x, y) => (x.fullKey < y.fullKey ? -1 : 1));
}

/** The `trendmaster history` table. */
export function formatHistory(listing: HistoryListing, scope: HistoryScope): string {
  const target = configMapRef(scope.ratelimitConfig.namespace, scope.ratelimitConfig.name);
  const lines = [`history of ${target} (${listing.entries.length} revision(s), newest first; keeping ${scope.history.keep})`];
  if (listing.current) {
    const writer = lastWriter(listing.current.metadata.managedFields);
    const rolled = listing.current.metadata.annotations?.[ROLLED_BACK_TO_ANNOTATION];
    lines.push(`current  written by ${writer.manager} at ${writer.time || "?"}, resourceVersion ${listing.current.metadata.resourceVersion ?? "?"}${rolled ? `, rolled back to revision ${rolled}` : ""}`);
    const newest = listing.entries[0];
    if (newest) {
      const diff = limitDifferences(newest, listing.current);
      if (diff.length > 0) lines.push(`         vs revision ${newest.revision}: ${describeLimitChanges(diff)}`);
    }
  } else lines.push(`current  ${target} does not exist`);
  if (listing.entries.length === 0) lines.push("(no revisions yet: nothing has been changed by TrendMaster)");
  for (const e of listing.entries) {
    lines.push(`rev ${String(e.revision).padEnd(4)} content written by ${e.writtenBy} at ${e.writtenAt || "?"}`);
    lines.push(`         replaced at ${e.recordedAt} by ${e.replacedBy}: ${e.change}`);
  }
  return `${lines.join("\n")}\n`;
}

export interface RollbackRequest {
  /** Revision to restore; default: the newest (the content before the last change). */
  readonly toRevision?: number;
  /** Who asks (kubeconfig user, or `--actor`), recorded in the history. */
  readonly actor: string;
  /** Break-glass reason for the webhook (trendmaster.io/override-reason), when the restored limits are outside the forecast band. */
  readonly reason?: string;
  readonly maxConflictRetries: number;
}

export type RollbackResult =
  | {
      readonly status: "restored";
      readonly revision: number;
      readonly savedAs: number;
      readonly exact: boolean;
      readonly conflicts: number;
      readonly changes: ReadonlyArray<{ fullKey: string; from: number; to: number }>;
      /** Set when the revisions beyond `history.keep` could not be deleted (the rollback itself is done). */
      readonly pruneProblem?: string;
    }
  | { readonly status: "already-current"; readonly revision: number };

export class RollbackError extends Error {}

export async function rollback(deps: HistoryDeps, scope: HistoryScope, request: RollbackRequest): Promise<RollbackResult> {
  const target = scope.ratelimitConfig;
  const ref = configMapRef(target.namespace, target.name);
  const { entries } = await listHistory(deps, scope);
  if (entries.length === 0) throw new RollbackError(`no history revisions of ${ref} in namespace ${scope.history.namespace}: nothing to roll back to`);
  const entry = request.toRevision === undefined ? entries[0] : entries.find((e) => e.revision === request.toRevision);
  if (entry === undefined) throw new RollbackError(`revision ${request.toRevision} of ${ref} not found; available: ${entries.map((e) => e.revision).join(", ")}`);
  let conflicts = 0;
  for (let attempt = 0; attempt <= request.maxConflictRetries; attempt++) {
    const current = await deps.configMaps.get(target.namespace, target.name);
    if (current === undefined) throw new RollbackError(`${ref} does not exist`);
    if (configDataDigest(current.data, current.binaryData) === entry.digest) return { status: "already-current", revision: entry.revision };
    const changes = limitDifferences(current, entry);
    const at = deps.clock.now().toISOString();
    const savedAs = await recordRevision(deps, scope, current, `rollback to revision ${entry.revision} by ${request.actor}`, changes.length > 0 ? describeLimitChanges(changes) : "content restored (no limit differs)", at);
    const next = restoreRevision(
      current,
      entry,
      writeAnnotations(current.metadata.annotations, {
        [ROLLED_BACK_TO_ANNOTATION]: String(entry.revision),
        [APPLIED_DIGEST_ANNOTATION]: entry.digest,
        [ANNOTATIONS.appliedAt]: at,
        ...(request.reason ? { [ANNOTATIONS.overrideReason]: request.reason } : {}),
      }),
    );
    try {
      const written = await deps.configMaps.replace(next);
      // The webhook may have clamped the restored limits to the forecast band.
      const exact = configDataDigest(written.data, written.binaryData) === entry.digest;
      // Saving the replaced content added a revision: keep `history.keep` as a cycle does.
      const pruneProblem = await pruneRevisions(deps, scope);
      return { status: "restored", revision: entry.revision, savedAs, exact, conflicts, changes, ...(pruneProblem ? { pruneProblem } : {}) };
    } catch (error) {
      if (!isConflict(error)) throw new RollbackError(`restoring revision ${entry.revision} into ${ref} failed: ${(error as Error).message}`);
      conflicts += 1;
    }
  }
  throw new RollbackError(`${ref} kept changing: gave up after ${request.maxConflictRetries + 1} attempts (409 Conflict each time)`);
}
