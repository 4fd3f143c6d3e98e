// A small structural schema of the served kinds. One description drives three jobs the real
// server does from its Go types: decoding errors, unknown-field checks (fieldValidation) and
// the OpenAPI documents kubectl downloads.
import { isPlainObject } from "./objects.js";

export type FieldSchema =
  | { type: "string"; format?: "date-time" | "byte"; omitEmpty?: true }
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
      if (typeof value !== "string") typeError();
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
          findings.push({ problem: "unknown-field", path: fieldPath, message: `unknown field "${fieldPath}"` });
          continue;
        }
        walk(item, fieldSchema, fieldPath, structName, findings);
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
      return schema.omitEmpty === true && value === "" ? undefined : value;
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
