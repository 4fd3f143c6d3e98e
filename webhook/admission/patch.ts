import jsonpatch from "fast-json-patch";

/**
 * The JSON Patch turning `original` into `edited`, base64 as AdmissionResponse.patch wants it, or
 * undefined when they are equal. Handlers edit a copy and diff it, so a patch can only ever
 * contain what they changed.
 */
export function buildPatch(original: unknown, edited: unknown): string | undefined {
  const operations = jsonpatch.compare(original as object, edited as object);
  if (operations.length === 0) return undefined;
  return Buffer.from(JSON.stringify(operations)).toString("base64");
}
