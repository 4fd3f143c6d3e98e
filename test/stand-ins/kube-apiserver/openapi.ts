// OpenAPI v3, generated from the same schemas the decoder uses. kubectl 1.31 reads it for two
// things: whether PATCH takes ?fieldValidation (server-side validation, kubectl's default) and
// the patch metadata of a kind when it computes a client-side apply patch.
import { createHash } from "node:crypto";
import { type ResourceDefinition, apiVersionOf } from "./resources.js";
import { type FieldSchema, objectMetaSchema } from "./schema.js";

export interface OpenApiAnswer {
  body: object;
  contentType: string;
}

const META_PREFIX = "io.k8s.apimachinery.pkg.apis.meta.v1";

function schemaName(resource: ResourceDefinition, goType: string): string {
  if (goType === "ObjectMeta") return `${META_PREFIX}.ObjectMeta`;
  const group = resource.group === "" ? "core" : resource.group.split(".")[0];
  return `io.k8s.api.${group}.${resource.version}.${goType}`;
}

function toOpenApi(schema: FieldSchema, resource: ResourceDefinition, components: Record<string, object>, path: string[]): object {
  switch (schema.type) {
    case "string":
      if (schema.format === undefined) return { type: "string" };
      return { type: "string", format: schema.format === "micro-time" ? "date-time" : schema.format };
    case "integer":
      return { type: "integer", format: schema.goType };
    case "boolean":
      return { type: "boolean" };
    case "any":
      return { type: "object", "x-kubernetes-preserve-unknown-fields": true };
    case "map":
      return { type: "object", additionalProperties: toOpenApi(schema.values, resource, components, path) };
    case "array": {
      const items = toOpenApi(schema.items, resource, components, path);
      // metadata.finalizers is the one merging list our kinds have.
      const merging = path.join(".") === "metadata.finalizers";
      return merging
        ? { type: "array", items, "x-kubernetes-list-type": "set", "x-kubernetes-patch-strategy": "merge" }
        : { type: "array", items, "x-kubernetes-list-type": "atomic" };
    }
    case "object": {
      const name = schemaName(resource, schema.goType);
      const properties = Object.fromEntries(
        Object.entries(schema.fields).map(([field, fieldSchema]) => [field, toOpenApi(fieldSchema, resource, components, [...path, field])]),
      );
      const isKind = path.length === 0;
      components[name] = {
        type: "object",
        properties,
        ...(isKind ? { "x-kubernetes-group-version-kind": [{ group: resource.group, kind: resource.kind, version: resource.version }] } : {}),
      };
      return { allOf: [{ $ref: `#/components/schemas/${name}` }] };
    }
  }
}

const queryParameter = (name: string, type: "string" | "boolean" | "integer" = "string"): object => ({ name, in: "query", schema: { type, uniqueItems: true } });

function operations(resource: ResourceDefinition, schemaRef: object): Record<string, object> {
  const gvk = { group: resource.group, version: resource.version, kind: resource.kind };
  const body = (mediaTypes: string[]): object => ({ content: Object.fromEntries(mediaTypes.map((type) => [type, { schema: schemaRef }])), required: true });
  const writeParameters = [queryParameter("dryRun"), queryParameter("fieldManager"), queryParameter("fieldValidation")];
  const ok = { responses: { "200": { description: "OK", content: { "application/json": { schema: schemaRef } } } } };
  const operation = (action: string, extra: object): object => ({ ...ok, "x-kubernetes-action": action, "x-kubernetes-group-version-kind": gvk, ...extra });
  const item = {
    get: operation("get", { operationId: `read${resource.kind}` }),
    put: operation("put", { operationId: `replace${resource.kind}`, parameters: writeParameters, requestBody: body(["*/*"]) }),
    patch: operation("patch", {
      operationId: `patch${resource.kind}`,
      parameters: [...writeParameters, queryParameter("force", "boolean")],
      requestBody: body(["application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json"]),
    }),
    delete: operation("delete", { operationId: `delete${resource.kind}`, parameters: [queryParameter("dryRun"), queryParameter("gracePeriodSeconds", "integer")] }),
    parameters: [{ name: "name", in: "path", required: true, schema: { type: "string", uniqueItems: true } }],
  };
  const collection = {
    get: operation("list", { operationId: `list${resource.kind}`, parameters: [queryParameter("labelSelector"), queryParameter("fieldSelector"), queryParameter("watch", "boolean")] }),
    post: operation("post", { operationId: `create${resource.kind}`, parameters: writeParameters, requestBody: body(["*/*"]) }),
  };
  const prefix = resource.group === "" ? `/api/${resource.version}` : `/apis/${resource.group}/${resource.version}`;
  const scope = resource.namespaced ? `${prefix}/namespaces/{namespace}/${resource.plural}` : `${prefix}/${resource.plural}`;
  return { [scope]: collection, [`${scope}/{name}`]: item };
}

function groupVersionDocument(resources: readonly ResourceDefinition[]): object {
  const components: Record<string, object> = {};
  let paths: Record<string, object> = {};
  for (const resource of resources) {
    const schemaRef = toOpenApi(resource.schema, resource, components, []);
    toOpenApi(objectMetaSchema, resource, components, ["metadata"]);
    paths = { ...paths, ...operations(resource, schemaRef) };
  }
  return { openapi: "3.0.0", info: { title: "Kubernetes", version: "v1.31.0" }, paths, components: { schemas: components } };
}

function groupVersionKey(resource: ResourceDefinition): string {
  return resource.group === "" ? `api/${resource.version}` : `apis/${apiVersionOf(resource)}`;
}

function documentsByKey(resources: readonly ResourceDefinition[]): Map<string, object> {
  const keys = [...new Set(resources.map(groupVersionKey))];
  return new Map(keys.map((key) => [key, groupVersionDocument(resources.filter((resource) => groupVersionKey(resource) === key))]));
}

function hashOf(document: object): string {
  return createHash("sha512").update(JSON.stringify(document)).digest("hex").slice(0, 128).toUpperCase();
}

/**
 * GET /openapi/v3 (the index, with hashed URLs) or /openapi/v3/<group-version>. The stand-in
 * does not serve /openapi/v2: kubectl 1.31 only falls back to it when v3 is missing.
 */
export function openApiDocument(path: string, resources: readonly ResourceDefinition[]): OpenApiAnswer | undefined {
  const documents = documentsByKey(resources);
  if (path === "/openapi/v3") {
    const paths = Object.fromEntries([...documents].map(([key, document]) => [key, { serverRelativeURL: `/openapi/v3/${key}?hash=${hashOf(document)}` }]));
    return { body: { paths }, contentType: "application/json" };
  }
  const key = path.slice("/openapi/v3/".length);
  const document = path.startsWith("/openapi/v3/") ? documents.get(key) : undefined;
  if (document === undefined) return undefined;
  return { body: document, contentType: "application/json" };
}
