/**
 * History of ratelimit-config: before every change, its previous content becomes a revision, one
 * ConfigMap per revision in the release namespace, holding the data and binaryData byte for byte
 * (so a rollback restores it exactly). Pure: naming, building, reading back and pruning.
 */
import { createHash } from "node:crypto";
import { configDataDigest } from "../../ratelimit/digest.js";
import type { ConfigMapObject, FieldManager } from "../io/configmaps.js";

export const HISTORY_LABELS = Object.freeze({
  managedBy: "app.kubernetes.io/managed-by",
  component: "app.kubernetes.io/component",
  /** Which ConfigMap this is a revision of, as a label value (hashed when too long for one). */
  of: "trendmaster.io/history-of",
  revision: "trendmaster.io/revision",
});

export const HISTORY_ANNOTATIONS = Object.freeze({
  /** `namespace/name` of the ConfigMap this is a revision of. */
  of: "trendmaster.io/history-of",
  /** When the revision was recorded, just before its content was replaced (ISO-8601). */
  recordedAt: "trendmaster.io/recorded-at",
  /** Who wrote the content this revision holds, and when (from the object's managedFields). */
  writtenBy: "trendmaster.io/content-written-by",
  writtenAt: "trendmaster.io/content-written-at",
  /** resourceVersion of ratelimit-config that held this content. */
  sourceResourceVersion: "trendmaster.io/source-resource-version",
  /** configDataDigest of the content: identical revisions are recorded once. */
  digest: "trendmaster.io/content-digest",
  /** Who replaced this content and why: `trendmaster-forecaster generation 12`, `rollback to revision 3 by alice`. */
  replacedBy: "trendmaster.io/replaced-by",
  /** What the replacement changed, one line. */
  change: "trendmaster.io/change",
});

export interface HistoryTarget {
  /** ratelimit-config's namespace and name. */
  readonly namespace: string;
  readonly name: string;
}

export interface HistorySettings {
  /** Where revisions live (the release namespace). */
  readonly namespace: string;
  /** Revision ConfigMaps are named `<namePrefix>-<revision>`. */
  readonly namePrefix: string;
  /** Revisions kept; older ones are deleted after each change. */
  readonly keep: number;
}

/** A revision read back from its ConfigMap. */
export interface HistoryEntry {
  readonly revision: number;
  /** Name of the revision's ConfigMap. */
  readonly configMapName: string;
  readonly recordedAt: string;
  readonly writtenBy: string;
  readonly writtenAt: string;
  readonly replacedBy: string;
  readonly change: string;
  readonly digest: string;
  readonly sourceResourceVersion: string;
  readonly data?: Readonly<Record<string, string>>;
  readonly binaryData?: Readonly<Record<string, string>>;
}

/** A label value (≤ 63 characters, [A-Za-z0-9._-]) naming the target. */
export function historyOfLabel(target: HistoryTarget): string {
  const plain = `${target.namespace}.${target.name}`;
  if (plain.length <= 63 && /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/.test(plain)) return plain;
  return `h-${createHash("sha256").update(`${target.namespace}/${target.name}`).digest("hex").slice(0, 40)}`;
}

export function historyLabelSelector(target: HistoryTarget): string {
  return `${HISTORY_LABELS.managedBy}=trendmaster,${HISTORY_LABELS.of}=${historyOfLabel(target)}`;
}

/** The last writer recorded in managedFields: the entry with the latest time. */
export function lastWriter(managedFields: readonly FieldManager[] | undefined): { manager: string; time: string } {
  let best: FieldManager | undefined;
  for (const entry of managedFields ?? []) {
    if (best === undefined || (entry.time ?? "") >= (best.time ?? "")) best = entry;
  }
  return { manager: best?.manager ?? "unknown", time: best?.time ?? "" };
}

export interface RevisionInput {
  readonly target: HistoryTarget;
  readonly settings: HistorySettings;
  readonly revision: number;
  /** ratelimit-config as it is now, about to be replaced. */
  readonly source: ConfigMapObject;
  readonly recordedAt: string;
  readonly replacedBy: string;
  readonly change: string;
}

const MAX_CHANGE_CHARS = 2000;

export function buildRevision(input: RevisionInput): ConfigMapObject {
  const { source, target, settings } = input;
  const writer = lastWriter(source.metadata.managedFields);
  const change = input.change.length > MAX_CHANGE_CHARS ? `${input.change.slice(0, MAX_CHANGE_CHARS - 1)}…` : input.change;
  return {
    metadata: {
      name: revisionName(settings, input.revision),
      namespace: settings.namespace,
      labels: {
        [HISTORY_LABELS.managedBy]: "trendmaster",
        [HISTORY_LABELS.component]: "history",
        [HISTORY_LABELS.of]: historyOfLabel(target),
        [HISTORY_LABELS.revision]: String(input.revision),
      },
      annotations: {
        [HISTORY_ANNOTATIONS.of]: `${target.namespace}/${target.name}`,
        [HISTORY_ANNOTATIONS.recordedAt]: input.recordedAt,
        [HISTORY_ANNOTATIONS.writtenBy]: writer.manager,
        [HISTORY_ANNOTATIONS.writtenAt]: writer.time,
        [HISTORY_ANNOTATIONS.sourceResourceVersion]: source.metadata.resourceVersion ?? "",
        [HISTORY_ANNOTATIONS.digest]: configDataDigest(source.data, source.binaryData),
        [HISTORY_ANNOTATIONS.replacedBy]: input.replacedBy,
        [HISTORY_ANNOTATIONS.change]: change,
      },
    },
    ...(source.data !== undefined ? { data: { ...source.data } } : {}),
    ...(source.binaryData !== undefined ? { binaryData: { ...source.binaryData } } : {}),
  };
}

export function revisionName(settings: Pick<HistorySettings, "namePrefix">, revision: number): string {
  return `${settings.namePrefix}-${revision}`;
}

/** A revision ConfigMap read back; undefined for anything that is not one of ours. */
export function parseRevision(configMap: ConfigMapObject, target: HistoryTarget): HistoryEntry | undefined {
  const labels = configMap.metadata.labels ?? {};
  const annotations = configMap.metadata.annotations ?? {};
  const revision = Number(labels[HISTORY_LABELS.revision]);
  if (!Number.isInteger(revision) || revision < 1) return undefined;
  if (annotations[HISTORY_ANNOTATIONS.of] !== `${target.namespace}/${target.name}`) return undefined;
  return {
    revision,
    configMapName: configMap.metadata.name,
    recordedAt: annotations[HISTORY_ANNOTATIONS.recordedAt] ?? "",
    writtenBy: annotations[HISTORY_ANNOTATIONS.writtenBy] ?? "unknown",
    writtenAt: annotations[HISTORY_ANNOTATIONS.writtenAt] ?? "",
    replacedBy: annotations[HISTORY_ANNOTATIONS.replacedBy] ?? "",
    change: annotations[HISTORY_ANNOTATIONS.change] ?? "",
    digest: annotations[HISTORY_ANNOTATIONS.digest] ?? configDataDigest(configMap.data, configMap.binaryData),
    sourceResourceVersion: annotations[HISTORY_ANNOTATIONS.sourceResourceVersion] ?? "",
    ...(configMap.data !== undefined ? { data: configMap.data } : {}),
    ...(configMap.binaryData !== undefined ? { binaryData: configMap.binaryData } : {}),
  };
}

/** Revisions of `target` among `configMaps`, newest first. */
export function historyEntries(configMaps: readonly ConfigMapObject[], target: HistoryTarget): HistoryEntry[] {
  return configMaps.flatMap((cm) => parseRevision(cm, target) ?? []).sort((a, b) => b.revision - a.revision);
}

export function nextRevision(entries: readonly HistoryEntry[]): number {
  return entries.reduce((max, e) => Math.max(max, e.revision), 0) + 1;
}

/** ConfigMap names to delete so that only the newest `keep` revisions remain. */
export function revisionsToPrune(entries: readonly HistoryEntry[], keep: number): string[] {
  return [...entries].sort((a, b) => b.revision - a.revision).slice(Math.max(keep, 1)).map((e) => e.configMapName);
}

/**
 * ratelimit-config with a revision's content: data and binaryData exactly as recorded, metadata
 * (and its resourceVersion, for the conflict check) as it is now, with `annotations` (computed by
 * the caller from the current ones: see writeAnnotations).
 */
export function restoreRevision(current: ConfigMapObject, entry: HistoryEntry, annotations: Readonly<Record<string, string>>): ConfigMapObject {
  const { managedFields: _managed, ...metadata } = current.metadata;
  return {
    metadata: { ...metadata, annotations: { ...annotations } },
    ...(entry.data !== undefined ? { data: { ...entry.data } } : {}),
    ...(entry.binaryData !== undefined ? { binaryData: { ...entry.binaryData } } : {}),
  };
}

/** One line per limit change: `a.b 100→200, c.d 50→40 (+3 more)`. */
export function describeLimitChanges(changes: ReadonlyArray<{ fullKey: string; from: number; to: number }>, shown = 10): string {
  const parts = changes.slice(0, shown).map((c) => `${c.fullKey} ${c.from}→${c.to}`);
  const more = changes.length > shown ? ` (+${changes.length - shown} more)` : "";
  return `${changes.length} limit${changes.length === 1 ? "" : "s"}: ${parts.join(", ")}${more}`;
}
