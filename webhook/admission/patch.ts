import jsonpatch from "fast-json-patch";

export type PatchOperation = jsonpatch.Operation;

/** The JSON Patch turning `original` into `edited`. Handlers edit a copy and diff it, so a patch holds only what they changed. */
export function diffObjects(original: unknown, edited: unknown): PatchOperation[] {
  return jsonpatch.compare(original as object, edited as object);
}

/** base64 of the patch, as AdmissionResponse.patch carries it. */
export function encodePatch(operations: readonly PatchOperation[]): string {
  return Buffer.from(JSON.stringify(operations)).toString("base64");
}

/** Two patches are the same when every operation is: same op, path and value (strings compared whole). */
export function samePatch(a: readonly PatchOperation[], b: readonly PatchOperation[]): boolean {
  return (
    a.length === b.length &&
    a.every((op, i) => {
      const other = b[i] as PatchOperation & { value?: unknown };
      const value = (op as { value?: unknown }).value;
      if (op.op !== other.op || op.path !== other.path) return false;
      return typeof value === "string" || typeof other.value === "string" ? value === other.value : JSON.stringify(value) === JSON.stringify(other.value);
    })
  );
}
