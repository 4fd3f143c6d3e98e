// A small structural schema of the served kinds. One description drives three jobs the real
// server does from its Go types: decoding errors, unknown-field checks (fieldValidation) and
// the OpenAPI documents kubectl downloads.
import { isPlainObject } from "./objects.js";

export type FieldSchema =
  | { type: "string"; format?: "date-time" | "micro-time" | "byte"; omitEmpty?: true }
  | { type: "integer"; goType: "int32" | "int64" }
  | { type: "boolean" }
  | { type: "map"; values: FieldSchema; goType: string }
  | { type: "array"; items: FieldSchema }
  /** `alwaysPresent`: a non-pointer Go struct, which encodes as {} even when empty. */
  | { type: "object"; goType: string; fields: Record<string, FieldSchema>; alwaysPresent?: true }
  | { type: "any" };

const string: FieldSchema = { type: "string" };
/** ObjectMeta's strings are all `omitempty`. */
const metaString: FieldSchema = { type: "string", omitEmpty: true };
const time: FieldSchema = { type: "string", format: "date-time", omitEmpty: true };
const stringMap: FieldSchema = { type: "map", values: string, goType: "map[string]string" };

export const objectMetaSchema: FieldSchema = {
  type: "object",
  goType: "ObjectMeta",
  fields: {
    name: metaString,
    generateName: metaString,
    namespace: metaString,
    selfLink: metaString,
    uid: metaString,
    resourceVersion: metaString,
    generation: { type: "integer", goType: "int64" },
    creationTimestamp: time,
    deletionTimestamp: time,
    deletionGracePeriodSeconds: { type: "integer", goType: "int64" },
    labels: stringMap,
    annotations: stringMap,
    ownerReferences: { type: "array", items: { type: "any" } },
    finalizers: { type: "array", items: string },
    managedFields: { type: "array", items: { type: "any" } },
  },
};

/** Fields every top-level kind has. */
export function kindSchema(goType: string, fields: Record<string, FieldSchema>): FieldSchema & { type: "object" } {
  return { type: "object", goType, fields: { apiVersion: string, kind: string, metadata: objectMetaSchema, ...fields } };
}

/** A Go-decoder style type error, or an unknown field, found while walking a value. */
export interface SchemaFinding {
  problem: "type" | "unknown-field";
  path: string;
  message: string;
}

function jsonTypeName(value: unknown): string {
  if (Array.isArray(value)) return "array";
  if (value === null) return "null";
  if (typeof value === "object") return "object";
  return typeof value;
}

function goTypeName(schema: FieldSchema): string {
  switch (schema.type) {
    case "string":
      return "string";
    case "integer":
      return schema.goType;
    case "boolean":
      return "bool";
    case "map":
      return schema.goType;
    case "array":
      return `[]${schema.items.type === "string" ? "string" : "interface {}"}`;
    case "object":
      return `v1.${schema.goType}`;
    case "any":
      return "interface {}";
  }
}

/**
 * Walks `value` against `schema` and reports what encoding/json would refuse (type errors) and
 * what strict decoding would refuse (unknown fields). `null` is always accepted, as in Go.
 */
export function checkAgainstSchema(value: unknown, schema: FieldSchema, rootType: string): SchemaFinding[] {
  const findings: SchemaFinding[] = [];
  walk(value, schema, "", rootType, findings);
  return findings;
}

function walk(value: unknown, schema: FieldSchema, path: string, structName: string, findings: SchemaFinding[]): void {
  if (value === null || schema.type === "any") return;
  const typeError = (): void => {
    findings.push({
      problem: "type",
      path,
      message: `json: cannot unmarshal ${jsonTypeName(value)} into Go struct field ${structName}.${path} of type ${goTypeName(schema)}`,
    });
  };
  switch (schema.type) {
    case "string":
      if (typeof value !== "string") return typeError();
      if (schema.format !== undefined && formatProblem(value, schema.format) !== undefined) {
        findings.push({ problem: "type", path, message: formatProblem(value, schema.format) as string });
      }
      return;
    case "integer":
      if (typeof value !== "number" || !Number.isInteger(value)) typeError();
      return;
    case "boolean":
      if (typeof value !== "boolean") typeError();
      return;
    case "array":
      if (!Array.isArray(value)) return typeError();
      value.forEach((item) => walk(item, schema.items, path, structName, findings));
      return;
    case "map":
      if (!isPlainObject(value)) return typeError();
      for (const item of Object.values(value)) walk(item, schema.values, path, structName, findings);
      return;
    case "object":
      if (!isPlainObject(value)) return typeError();
      for (const [field, item] of Object.entries(value)) {
        const fieldPath = path === "" ? field : `${path}.${field}`;
        const fieldSchema = schema.fields[field];
        if (fieldSchema === undefined) {
          findings.push({ problem: "unknown-field", path: fieldPath, message: `unknown field ${JSON.stringify(fieldPath)}` });
          continue;
        }
        // Go names the innermost struct and the full path: "LeaseSpec.spec.leaseDurationSeconds".
        walk(item, fieldSchema, fieldPath, path === "" ? structName : schema.goType, findings);
      }
      return;
  }
}

/** Drops fields the schema does not know, as decoding into Go structs does. */
export function pruneUnknownFields(value: unknown, schema: FieldSchema): unknown {
  if (value === null) return value;
  switch (schema.type) {
    case "array":
      return Array.isArray(value) ? value.map((item) => pruneUnknownFields(item, schema.items)) : value;
    case "map":
      return isPlainObject(value)
        ? Object.fromEntries(Object.entries(value).map(([key, item]) => [key, pruneUnknownFields(item, schema.values)]))
        : value;
    case "object":
      return isPlainObject(value)
        ? Object.fromEntries(
            Object.entries(value)
              .filter(([field]) => schema.fields[field] !== undefined)
              .map(([field, item]) => [field, pruneUnknownFields(item, schema.fields[field] as FieldSchema)]),
          )
        : value;
    default:
      return value;
  }
}

/**
 * The object as Go's encoding/json writes it back after decoding into the typed struct: nulls
 * and empty `omitempty` maps, lists and strings disappear; non-pointer structs appear as {}.
 * Without this, `annotations: {}` would survive a patch where the apiserver drops it.
 */
export function encodeLikeGo(value: unknown, schema: FieldSchema): unknown {
  if (value === null) return undefined;
  switch (schema.type) {
    case "string":
      if (schema.omitEmpty === true && value === "") return undefined;
      return typeof value === "string" && (schema.format === "date-time" || schema.format === "micro-time") ? formatTime(value, schema.format) : value;
    case "array":
      return Array.isArray(value) && value.length === 0 ? undefined : value;
    case "map":
      return isPlainObject(value) && Object.keys(value).length === 0 ? undefined : value;
    case "object": {
      if (!isPlainObject(value)) return value;
      const encoded: Record<string, unknown> = {};
      for (const [field, item] of Object.entries(value)) {
        const fieldSchema = schema.fields[field];
        const result = fieldSchema === undefined ? item : encodeLikeGo(item, fieldSchema);
        if (result !== undefined) encoded[field] = result;
      }
      for (const [field, fieldSchema] of Object.entries(schema.fields)) {
        if (fieldSchema.type === "object" && fieldSchema.alwaysPresent === true && encoded[field] === undefined) encoded[field] = {};
      }
      return encoded;
    }
    default:
      return value;
  }
}

const RFC3339 = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)$/i;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** What Go's decoder says of a malformed time or base64 string, or undefined when it is fine. */
function formatProblem(value: string, format: "date-time" | "micro-time" | "byte"): string | undefined {
  if (format === "byte") {
    if (BASE64.test(value)) return undefined;
    const firstBad = [...value].findIndex((char) => !/[A-Za-z0-9+/=]/.test(char));
    return `illegal base64 data at input byte ${firstBad === -1 ? value.length - (value.length % 4) : firstBad}`;
  }
  if (value === "" || RFC3339.test(value)) return undefined;
  const layout = format === "micro-time" ? "2006-01-02T15:04:05.000000Z07:00" : "2006-01-02T15:04:05Z07:00";
  return `parsing time "${value}" as "${layout}": cannot parse "${value}" as "2006"`;
}

/** metav1.Time marshals to whole seconds in UTC; metav1.MicroTime to six fractional digits. */
function formatTime(value: string, format: "date-time" | "micro-time"): string {
  const match = RFC3339.exec(value);
  if (match === null) return value;
  const [, seconds, fraction = "", zone] = match;
  const utc = zone?.toUpperCase() === "Z" ? `${seconds}${fraction}Z` : new Date(value).toISOString();
  const utcMatch = RFC3339.exec(utc);
  const base = utcMatch?.[1] ?? seconds;
  if (format === "date-time") return `${base}Z`;
  const digits = (utcMatch?.[2] ?? "").slice(1);
  return `${base}.${digits.padEnd(6, "0").slice(0, 6)}Z`;
}
