// Turning a request body into an object the way the apiserver's decoder does: JSON or YAML,
// Go type errors as 400 BadRequest, unknown fields per the fieldValidation directive.
import { loadYaml } from "@kubernetes/client-node";
import { type KubeObject, isPlainObject } from "./objects.js";
import type { ResourceDefinition } from "./resources.js";
import { checkAgainstSchema, encodeLikeGo, pruneUnknownFields } from "./schema.js";
import { type Status, badRequest } from "./status.js";

export type FieldValidation = "Ignore" | "Warn" | "Strict";

export type Decoded = { object: KubeObject; warnings: string[] } | { status: Status };

/** `?fieldValidation=`; the server default since 1.27 is Warn. */
export function parseFieldValidation(value: string | null): FieldValidation | Status {
  if (value === null || value === "" || value === "Warn") return "Warn";
  if (value === "Ignore" || value === "Strict") return value;
  return badRequest(`fieldValidation parameter unsupported: ${value}`);
}

export function isYamlMediaType(contentType: string): boolean {
  return /^application\/(yaml|apply-patch\+yaml)\b/.test(contentType);
}

/** Parses a JSON or YAML body; syntax errors are 400s worded like the apiserver's. */
export function parseBody(body: Buffer, contentType: string): { value: unknown } | { status: Status } {
  const text = body.toString("utf8");
  try {
    return { value: isYamlMediaType(contentType) ? loadYaml(text) : JSON.parse(text) };
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    return { status: badRequest(`error decoding ${isYamlMediaType(contentType) ? "YAML" : "JSON"}: ${reason}`) };
  }
}

/**
 * Checks a parsed value as the typed decoder would for `resource`: it must be an object of the
 * right apiVersion/kind whose fields have the right types. Unknown fields follow `validation`.
 */
export function decodeObject(value: unknown, resource: ResourceDefinition, validation: FieldValidation): Decoded {
  const apiVersion = resource.group === "" ? resource.version : `${resource.group}/${resource.version}`;
  if (!isPlainObject(value)) return { status: badRequest("Object 'Kind' is missing in the request body") };
  if (value.kind !== undefined && value.kind !== resource.kind) {
    return { status: badRequest(`the kind in the request body (${String(value.kind)}) does not match the expected kind (${resource.kind})`) };
  }
  if (value.apiVersion !== undefined && value.apiVersion !== apiVersion) {
    return { status: badRequest(`the API version in the data (${String(value.apiVersion)}) does not match the expected API version (${apiVersion})`) };
  }
  const findings = checkAgainstSchema(value, resource.schema, resource.kind);
  const typeError = findings.find((finding) => finding.problem === "type");
  if (typeError !== undefined) {
    return { status: badRequest(`${resource.kind} in version "${resource.version}" cannot be handled as a ${resource.kind}: ${typeError.message}`) };
  }
  const unknownFields = findings.filter((finding) => finding.problem === "unknown-field").map((finding) => finding.message);
  if (validation === "Strict" && unknownFields.length > 0) {
    return { status: badRequest(`${resource.kind} in version "${resource.version}" cannot be handled as a ${resource.kind}: strict decoding error: ${unknownFields.join(", ")}`) };
  }
  const pruned = encodeLikeGo(pruneUnknownFields(value, resource.schema), resource.schema) as Record<string, unknown>;
  const { apiVersion: _apiVersion, kind: _kind, metadata, ...fields } = pruned;
  // Field order as the Go struct marshals it: kind, apiVersion, metadata, then the rest.
  const object: KubeObject = { kind: resource.kind, apiVersion, metadata: isPlainObject(metadata) ? { ...metadata } : {}, ...fields };
  return { object, warnings: validation === "Warn" ? unknownFields : [] };
}
