// Field ownership (metadata.managedFields) as structured-merge-diff keeps it, reduced to the
// shapes our kinds have: nested maps and scalars, lists treated as atomic values. Every write
// records its manager; server-side apply uses the record to remove and to detect conflicts.
import type { FieldSet, KubeObject, ManagedFieldsEntry } from "./objects.js";
import { formatKubeTime, isPlainObject, canonicalJson } from "./objects.js";

/** A field path such as ["data", "limit"]. */
export type FieldPath = string[];

/** Metadata the server owns; it never appears in a manager's field set. */
const SERVER_OWNED_METADATA = new Set(["name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds"]);

const pathKey = (path: FieldPath): string => JSON.stringify(path);

/** Every leaf (scalar or list) of `object` a manager can own, keyed by pathKey. */
export function leafPaths(object: KubeObject): Map<string, FieldPath> {
  const leaves = new Map<string, FieldPath>();
  const walk = (value: unknown, path: FieldPath): void => {
    if (isPlainObject(value) && Object.keys(value).length > 0) {
      for (const [key, item] of Object.entries(value)) {
        if (path.length === 1 && path[0] === "metadata" && SERVER_OWNED_METADATA.has(key)) continue;
        walk(item, [...path, key]);
      }
      return;
    }
    leaves.set(pathKey(path), path);
  };
  for (const [field, value] of Object.entries(object)) {
    if (field === "apiVersion" || field === "kind") continue;
    walk(value, [field]);
  }
  return leaves;
}

export function valueAt(object: unknown, path: FieldPath): unknown {
  let current: unknown = object;
  for (const key of path) {
    if (!isPlainObject(current)) return undefined;
    current = current[key];
  }
  return current;
}

export function setValueAt(object: Record<string, unknown>, path: FieldPath, value: unknown): void {
  let current = object;
  path.slice(0, -1).forEach((key) => {
    if (!isPlainObject(current[key])) current[key] = {};
    current = current[key] as Record<string, unknown>;
  });
  current[path[path.length - 1] as string] = structuredClone(value);
}

/** Removes the field and any map it leaves empty (except top-level metadata). */
export function removeValueAt(object: Record<string, unknown>, path: FieldPath): void {
  const parents: Array<Record<string, unknown>> = [object];
  for (const key of path.slice(0, -1)) {
    const next = parents[parents.length - 1]?.[key];
    if (!isPlainObject(next)) return;
    parents.push(next);
  }
  delete parents[parents.length - 1]?.[path[path.length - 1] as string];
  for (let depth = parents.length - 1; depth >= 1; depth -= 1) {
    const parent = parents[depth];
    if (parent === undefined || Object.keys(parent).length > 0 || (depth === 1 && path[0] === "metadata")) break;
    delete parents[depth - 1]?.[path[depth - 1] as string];
  }
}

export function toFieldsV1(paths: Iterable<FieldPath>): FieldSet {
  const root: FieldSet = {};
  for (const path of paths) {
    let node = root;
    for (const key of path) {
      node[`f:${key}`] ??= {};
      node = node[`f:${key}`] as FieldSet;
    }
  }
  return root;
}

export function fromFieldsV1(fields: FieldSet | undefined): Map<string, FieldPath> {
  const paths = new Map<string, FieldPath>();
  const walk = (node: FieldSet, path: FieldPath): void => {
    const children = Object.keys(node).filter((key) => key.startsWith("f:"));
    if (children.length === 0 && path.length > 0) paths.set(pathKey(path), path);
    for (const key of children) walk(node[key] as FieldSet, [...path, key.slice(2)]);
  };
  if (fields !== undefined) walk(fields, []);
  return paths;
}

function entryFor(manager: string, operation: "Apply" | "Update", apiVersion: string, now: Date, paths: Iterable<FieldPath>): ManagedFieldsEntry {
  return { manager, operation, apiVersion, time: formatKubeTime(now), fieldsType: "FieldsV1", fieldsV1: toFieldsV1(paths) };
}

function without(entries: ManagedFieldsEntry[], drop: Set<string>, keep: Map<string, FieldPath>): ManagedFieldsEntry[] {
  return entries
    .map((entry) => {
      const owned = [...fromFieldsV1(entry.fieldsV1)].filter(([key]) => !drop.has(key) && keep.has(key));
      return owned.length === 0 ? undefined : { ...entry, fieldsV1: toFieldsV1(owned.map(([, path]) => path)) };
    })
    .filter((entry): entry is ManagedFieldsEntry => entry !== undefined);
}

/** The manager name the apiserver uses when ?fieldManager is absent: the User-Agent's product. */
export function defaultFieldManager(userAgent: string): string {
  return userAgent.split("/")[0]?.slice(0, 128) || "unknown";
}

/**
 * managedFields after a create/update/patch by `manager`: it takes every field it changed
 * (from others too) and keeps what it owned; fields gone from the object are owned by nobody.
 */
export function recordUpdate(old: KubeObject | undefined, updated: KubeObject, manager: string, now: Date): ManagedFieldsEntry[] {
  const entries = old?.metadata.managedFields ?? [];
  const leaves = leafPaths(updated);
  const changed = new Set<string>();
  for (const [key, path] of leaves) {
    if (old === undefined || canonicalJson(valueAt(old, path)) !== canonicalJson(valueAt(updated, path))) changed.add(key);
  }
  const previous = entries.find((entry) => entry.manager === manager && entry.operation === "Update");
  const owned = new Map([...fromFieldsV1(previous?.fieldsV1)].filter(([key]) => leaves.has(key)));
  for (const key of changed) owned.set(key, leaves.get(key) as FieldPath);
  const others = without(entries.filter((entry) => entry !== previous), changed, leaves);
  if (owned.size === 0) return others;
  return [...others, entryFor(manager, "Update", updated.apiVersion, now, owned.values())];
}

export interface ApplyConflict {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  time: string;
  path: FieldPath;
}

export type ApplyResult = { object: KubeObject } | { conflicts: ApplyConflict[] };

/**
 * Server-side apply of `applied` (the manager's whole intent) onto `current`: values it sets
 * that another manager owns with a different value conflict unless `force`; fields it applied
 * before and dropped now are removed when no one else owns them.
 */
export function applyConfiguration(current: KubeObject, applied: KubeObject, manager: string, force: boolean, now: Date): ApplyResult {
  const entries = current.metadata.managedFields ?? [];
  const appliedLeaves = leafPaths(applied);
  const conflicts: ApplyConflict[] = [];
  for (const entry of entries) {
    if (entry.manager === manager && entry.operation === "Apply") continue;
    for (const [key, path] of fromFieldsV1(entry.fieldsV1)) {
      if (!appliedLeaves.has(key)) continue;
      if (canonicalJson(valueAt(current, path)) === canonicalJson(valueAt(applied, path))) continue;
      conflicts.push({ manager: entry.manager, operation: entry.operation, apiVersion: entry.apiVersion, time: entry.time, path });
    }
  }
  if (conflicts.length > 0 && !force) return { conflicts };

  const result = structuredClone(current) as KubeObject & Record<string, unknown>;
  const previous = entries.find((entry) => entry.manager === manager && entry.operation === "Apply");
  const ownedByOthers = new Set(entries.filter((entry) => entry !== previous).flatMap((entry) => [...fromFieldsV1(entry.fieldsV1).keys()]));
  for (const [key, path] of fromFieldsV1(previous?.fieldsV1)) {
    if (!appliedLeaves.has(key) && !ownedByOthers.has(key)) removeValueAt(result, path);
  }
  for (const path of appliedLeaves.values()) setValueAt(result, path, valueAt(applied, path));

  // Shared ownership of equal values; forced or changed values move to this manager alone.
  const taken = new Set(conflicts.map((conflict) => pathKey(conflict.path)));
  const others = without(entries.filter((entry) => entry !== previous), taken, leafPaths(result));
  result.metadata.managedFields = [...others, entryFor(manager, "Apply", applied.apiVersion, now, appliedLeaves.values())];
  return { object: result };
}

/** How the apiserver names a conflicting manager: appliers by name, updaters with version and time. */
export function describeManager(conflict: ApplyConflict): string {
  const name = JSON.stringify(conflict.manager);
  return conflict.operation === "Update" ? `${name} using ${conflict.apiVersion} at ${conflict.time}` : name;
}

/** The apiserver's conflict message (fieldmanager's buildConflictMessage), as kubectl prints it. */
export function describeApplyConflicts(conflicts: ApplyConflict[]): string {
  const fieldText = (path: FieldPath): string => `.${path.join(".")}`;
  if (conflicts.length === 1) {
    const [only] = conflicts as [ApplyConflict];
    return `Apply failed with 1 conflict: conflict with ${describeManager(only)}: ${fieldText(only.path)}`;
  }
  const byManager = new Map<string, ApplyConflict[]>();
  for (const conflict of conflicts) byManager.set(describeManager(conflict), [...(byManager.get(describeManager(conflict)) ?? []), conflict]);
  const lines = [...byManager.keys()].sort().flatMap((manager) => [`conflicts with ${manager}:`, ...(byManager.get(manager) ?? []).map((conflict) => `- ${fieldText(conflict.path)}`)]);
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join("\n")}`;
}
