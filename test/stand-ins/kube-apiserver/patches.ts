// The PATCH body types kube-apiserver accepts for built-in kinds, applied to a JSON document.
// Server-side apply lives in server-side-apply.ts because it needs field ownership.
import jsonPatch from "fast-json-patch";
import type { Operation } from "fast-json-patch";
import { isPlainObject } from "./objects.js";
import { type Status, badRequest } from "./status.js";

export const MERGE_PATCH = "application/merge-patch+json";
export const STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json";
export const JSON_PATCH = "application/json-patch+json";
export const APPLY_PATCH = "application/apply-patch+yaml";

export type PatchResult = { document: Record<string, unknown> } | { status: Status };

/** RFC 7386: objects merge recursively, `null` deletes, anything else replaces. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const result: Record<string, unknown> = isPlainObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

/**
 * Strategic merge patch for kinds whose fields are maps and scalars (ConfigMap, Lease,
 * Namespace): it behaves as a merge patch, plus the directives kubectl may send
 * ($patch, $retainKeys, $setElementOrder, $deleteFromPrimitiveList) and the one merging
 * list these kinds have, metadata.finalizers (patchStrategy=merge).
 */
export function applyStrategicMergePatch(target: unknown, patch: unknown, path: string[] = []): unknown {
  if (!isPlainObject(patch)) return patch;
  if (patch.$patch === "delete") return undefined;
  const replace = patch.$patch === "replace";
  let result: Record<string, unknown> = isPlainObject(target) && !replace ? { ...target } : {};
  if (Array.isArray(patch.$retainKeys)) {
    const retained = new Set(patch.$retainKeys.filter((key): key is string => typeof key === "string"));
    result = Object.fromEntries(Object.entries(result).filter(([key]) => retained.has(key)));
  }
  for (const [key, value] of Object.entries(patch)) {
    if (key === "$patch" || key === "$retainKeys" || key.startsWith("$setElementOrder/")) continue;
    if (key.startsWith("$deleteFromPrimitiveList/")) {
      const listKey = key.slice("$deleteFromPrimitiveList/".length);
      const current = result[listKey];
      if (Array.isArray(current) && Array.isArray(value)) result[listKey] = current.filter((item) => !value.includes(item));
      continue;
    }
    if (value === null) {
      delete result[key];
      continue;
    }
    const isFinalizers = path.length === 1 && path[0] === "metadata" && key === "finalizers";
    if (isFinalizers && Array.isArray(value) && Array.isArray(result[key])) {
      const merged = [...(result[key] as unknown[])];
      for (const item of value) if (!merged.includes(item)) merged.push(item);
      result[key] = merged;
      continue;
    }
    const merged = applyStrategicMergePatch(result[key], value, [...path, key]);
    if (merged === undefined) delete result[key];
    else result[key] = merged;
  }
  return result;
}

/** The message evanphx/json-patch gives for each failure fast-json-patch reports. */
function jsonPatchFailure(error: unknown, operations: Operation[]): string {
  if (error instanceof jsonPatch.JsonPatchError) {
    const operation = error.operation as Operation | undefined ?? operations[error.index ?? 0];
    const path = operation?.path ?? "";
    switch (error.name) {
      case "TEST_OPERATION_FAILED":
        return `testing value ${path} failed: test failed`;
      case "OPERATION_PATH_UNRESOLVABLE":
        return `${operation?.op ?? "replace"} operation does not apply: doc is missing path: "${path}": missing value`;
      default:
        return error.message.split("\n")[0] ?? error.message;
    }
  }
  return String(error);
}

/** RFC 6902 JSON patch; a failing operation is a 422 as apiserver's patcher reports it. */
export function applyJsonPatch(document: Record<string, unknown>, patch: unknown): PatchResult {
  if (!Array.isArray(patch)) return { status: badRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch") };
  const operations = patch as Operation[];
  try {
    const result = jsonPatch.applyPatch(structuredClone(document), operations, true, false).newDocument;
    if (!isPlainObject(result)) return { status: badRequest("the patched document is not an object") };
    return { document: result };
  } catch (error) {
    return {
      status: {
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: "the server rejected our request due to an error in our request",
        reason: "Invalid",
        details: { causes: [{ reason: "UnexpectedServerResponse", message: jsonPatchFailure(error, operations), field: "" }] },
        code: 422,
      },
    };
  }
}
