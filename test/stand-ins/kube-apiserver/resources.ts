// The resources the stand-in serves: ConfigMaps and Leases (what TrendMaster writes), Namespaces
// (their labels feed the webhooks' namespaceSelector) and Events (kubectl describe reads them). Validation messages follow
// pkg/apis/core/validation and pkg/apis/coordination/validation.
import type { DiscoveredResource } from "./discovery.js";
import { type KubeObject, isPlainObject } from "./objects.js";
import { type FieldSchema, kindSchema } from "./schema.js";
import type { StatusCause } from "./status.js";
import { cronJobs, jobs, pods } from "./workloads.js";

/** A served resource: what discovery tells of it, and how it is checked and shown. */
export interface ResourceDefinition extends DiscoveredResource {
  schema: FieldSchema & { type: "object" };
  /** Kind-specific validation; `old` is set on update. Returns every problem found. */
  validate(object: KubeObject, old: KubeObject | undefined): StatusCause[];
  /** Columns and cells of the server-side Table (`kubectl get` without -o); `age` renders a timestamp's age. */
  table: { columns: TableColumn[]; cells(object: KubeObject, age: (timestamp: string | undefined) => string): Array<string | number> };
  fieldLabels: FieldLabels;
}

/** The fields a fieldSelector may name for a kind, as its field-label conversion function allows. */
export interface FieldLabels {
  supported: readonly string[];
  values(object: KubeObject): Record<string, string>;
  /** The conversion function's refusal of any other label. */
  refuse(label: string): string;
}

/** runtime.DefaultMetaV1FieldSelectorConversion: what ConfigMaps and Leases allow. */
const metadataFieldLabels: FieldLabels = {
  supported: ["metadata.name", "metadata.namespace"],
  values: (object) => ({ "metadata.name": object.metadata.name ?? "", "metadata.namespace": object.metadata.namespace ?? "" }),
  refuse: (label) => `"${label}" is not a known field selector: only "metadata.name", "metadata.namespace"`,
};

const textAt = (value: unknown, ...path: string[]): string => {
  let current = value;
  for (const key of path) current = isPlainObject(current) ? current[key] : undefined;
  return typeof current === "string" ? current : "";
};

export interface TableColumn {
  name: string;
  type: "string" | "integer" | "date";
  format: string;
  description: string;
  priority: number;
}

export function apiVersionOf(resource: ResourceDefinition): string {
  return resource.group === "" ? resource.version : `${resource.group}/${resource.version}`;
}

const ALL_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const CONFIG_MAP_KEY = /^[-._a-zA-Z0-9]+$/;
/** core.MaxSecretSize: the total size limit of a ConfigMap's data and binaryData. */
const MAX_CONFIG_MAP_BYTES = 1024 * 1024;

function invalidValue(field: string, value: unknown, detail: string): StatusCause {
  return { reason: "FieldValueInvalid", message: `Invalid value: ${JSON.stringify(value)}: ${detail}`, field };
}

function subdomainProblems(name: string): string[] {
  const problems: string[] = [];
  if (name.length > 253) problems.push("must be no more than 253 characters");
  if (!DNS1123_SUBDOMAIN.test(name)) {
    problems.push(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    );
  }
  return problems;
}

function labelProblems(name: string): string[] {
  const problems: string[] = [];
  if (name.length > 63) problems.push("must be no more than 63 characters");
  if (!DNS1123_LABEL.test(name)) {
    problems.push(
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    );
  }
  return problems;
}

const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const QUALIFIED_NAME_HELP =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
/** metadata.annotations' total size limit (TotalAnnotationSizeLimitB). */
const MAX_ANNOTATION_BYTES = 256 * 1024;

/** validation.IsQualifiedName: `[prefix/]name`, as label and annotation keys must be. */
function qualifiedNameProblems(key: string): string[] {
  const parts = key.split("/");
  if (parts.length > 2) return [`a qualified name ${QUALIFIED_NAME_HELP} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`];
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
  const problems: string[] = [];
  if (prefix !== undefined) {
    if (prefix === "") problems.push("prefix part must be non-empty");
    else problems.push(...subdomainProblems(prefix).map((problem) => `prefix part ${problem}`));
  }
  if (name === undefined || name === "") problems.push("name part must be non-empty");
  else {
    if (name.length > 63) problems.push("name part must be no more than 63 characters");
    if (!QUALIFIED_NAME.test(name)) problems.push(`name part ${QUALIFIED_NAME_HELP}`);
  }
  return problems;
}

function labelValueProblems(value: string): string[] {
  const problems: string[] = [];
  if (value.length > 63) problems.push("must be no more than 63 characters");
  if (!LABEL_VALUE.test(value)) {
    problems.push(
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    );
  }
  return problems;
}

/** ValidateObjectMeta: the name (required, then the kind's rule), labels and annotations. */
export function validateName(object: KubeObject, nameProblems: (name: string) => string[]): StatusCause[] {
  const causes: StatusCause[] = [];
  const name = object.metadata.name;
  if (name === undefined || name === "") {
    causes.push({ reason: "FieldValueRequired", message: "Required value: name or generateName is required", field: "metadata.name" });
  } else {
    causes.push(...nameProblems(name).map((detail) => invalidValue("metadata.name", name, detail)));
  }
  for (const [key, value] of Object.entries(object.metadata.labels ?? {})) {
    causes.push(...qualifiedNameProblems(key).map((detail) => invalidValue("metadata.labels", key, detail)));
    causes.push(...labelValueProblems(value).map((detail) => invalidValue("metadata.labels", value, detail)));
  }
  let annotationBytes = 0;
  for (const [key, value] of Object.entries(object.metadata.annotations ?? {})) {
    causes.push(...qualifiedNameProblems(key.toLowerCase()).map((detail) => invalidValue("metadata.annotations", key, detail)));
    annotationBytes += Buffer.byteLength(key) + Buffer.byteLength(value);
  }
  if (annotationBytes > MAX_ANNOTATION_BYTES) {
    causes.push({ reason: "FieldValueTooLong", message: `Too long: must have at most ${MAX_ANNOTATION_BYTES} bytes`, field: "metadata.annotations" });
  }
  return causes;
}

function validateConfigMap(object: KubeObject, old: KubeObject | undefined): StatusCause[] {
  const causes = validateName(object, subdomainProblems);
  let totalBytes = 0;
  for (const field of ["data", "binaryData"] as const) {
    const entries = object[field];
    if (!isPlainObject(entries)) continue;
    for (const [key, value] of Object.entries(entries)) {
      if (!CONFIG_MAP_KEY.test(key) || key.length > 253) {
        causes.push(
          invalidValue(
            `${field}[${key}]`,
            key,
            "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')",
          ),
        );
      }
      if (field === "binaryData" && isPlainObject(object.data) && key in object.data) {
        causes.push(invalidValue(`${field}[${key}]`, key, "duplicate of key present in data"));
      }
      totalBytes += typeof value === "string" ? Buffer.byteLength(value) : 0;
    }
  }
  if (totalBytes > MAX_CONFIG_MAP_BYTES) {
    causes.push({ reason: "FieldValueTooLong", message: `Too long: must have at most ${MAX_CONFIG_MAP_BYTES} bytes`, field: "" });
  }
  if (old !== undefined && old.immutable === true) {
    const immutableMessage = "Forbidden: field is immutable when `immutable` is set";
    if (object.immutable !== true) causes.push({ reason: "FieldValueForbidden", message: immutableMessage, field: "immutable" });
    if (JSON.stringify(object.data ?? {}) !== JSON.stringify(old.data ?? {})) {
      causes.push({ reason: "FieldValueForbidden", message: immutableMessage, field: "data" });
    }
    if (JSON.stringify(object.binaryData ?? {}) !== JSON.stringify(old.binaryData ?? {})) {
      causes.push({ reason: "FieldValueForbidden", message: immutableMessage, field: "binaryData" });
    }
  }
  return causes;
}

function validateLease(object: KubeObject): StatusCause[] {
  const causes = validateName(object, subdomainProblems);
  const spec = isPlainObject(object.spec) ? object.spec : {};
  if (typeof spec.leaseDurationSeconds === "number" && spec.leaseDurationSeconds <= 0) {
    causes.push(invalidValue("spec.leaseDurationSeconds", spec.leaseDurationSeconds, "must be greater than 0"));
  }
  if (typeof spec.leaseTransitions === "number" && spec.leaseTransitions < 0) {
    causes.push(invalidValue("spec.leaseTransitions", spec.leaseTransitions, "must be greater than or equal to 0"));
  }
  return causes;
}

const nameColumn: TableColumn = {
  name: "Name",
  type: "string",
  format: "name",
  description: "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
  priority: 0,
};

const ageColumn: TableColumn = {
  name: "Age",
  type: "string",
  format: "",
  description: "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
  priority: 0,
};

function countEntries(value: unknown): number {
  return isPlainObject(value) ? Object.keys(value).length : 0;
}

export const configMaps: ResourceDefinition = {
  group: "",
  version: "v1",
  plural: "configmaps",
  singular: "configmap",
  kind: "ConfigMap",
  namespaced: true,
  shortNames: ["cm"],
  verbs: ALL_VERBS,
  schema: kindSchema("ConfigMap", {
    data: { type: "map", values: { type: "string" }, goType: "map[string]string" },
    binaryData: { type: "map", values: { type: "string", format: "byte" }, goType: "map[string][]uint8" },
    immutable: { type: "boolean" },
  }),
  validate: validateConfigMap,
  table: {
    columns: [nameColumn, { name: "Data", type: "string", format: "", description: "", priority: 0 }, ageColumn],
    cells: (object, age) => [object.metadata.name ?? "", countEntries(object.data) + countEntries(object.binaryData), age(object.metadata.creationTimestamp)],
  },
  fieldLabels: metadataFieldLabels,
};

export const leases: ResourceDefinition = {
  group: "coordination.k8s.io",
  version: "v1",
  plural: "leases",
  singular: "lease",
  kind: "Lease",
  namespaced: true,
  shortNames: [],
  verbs: ALL_VERBS,
  schema: kindSchema("Lease", {
    spec: {
      type: "object",
      goType: "LeaseSpec",
      alwaysPresent: true,
      fields: {
        holderIdentity: { type: "string" },
        leaseDurationSeconds: { type: "integer", goType: "int32" },
        acquireTime: { type: "string", format: "micro-time" },
        renewTime: { type: "string", format: "micro-time" },
        leaseTransitions: { type: "integer", goType: "int32" },
        strategy: { type: "string" },
        preferredHolder: { type: "string" },
      },
    },
  }),
  validate: validateLease,
  table: {
    columns: [nameColumn, { name: "Holder", type: "string", format: "", description: "", priority: 0 }, ageColumn],
    cells: (object, age) => {
      const spec = isPlainObject(object.spec) ? object.spec : {};
      return [object.metadata.name ?? "", typeof spec.holderIdentity === "string" ? spec.holderIdentity : "", age(object.metadata.creationTimestamp)];
    },
  },
  fieldLabels: metadataFieldLabels,
};

export const namespaces: ResourceDefinition = {
  group: "",
  version: "v1",
  plural: "namespaces",
  singular: "namespace",
  kind: "Namespace",
  namespaced: false,
  shortNames: ["ns"],
  verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
  schema: kindSchema("Namespace", {
    spec: { type: "object", goType: "NamespaceSpec", alwaysPresent: true, fields: { finalizers: { type: "array", items: { type: "string" } } } },
    status: { type: "object", goType: "NamespaceStatus", alwaysPresent: true, fields: { phase: { type: "string" }, conditions: { type: "array", items: { type: "any" } } } },
  }),
  validate: (object) => validateName(object, labelProblems),
  table: {
    columns: [nameColumn, { name: "Status", type: "string", format: "", description: "The status of the namespace", priority: 0 }, ageColumn],
    cells: (object, age) => {
      const status = isPlainObject(object.status) ? object.status : {};
      return [object.metadata.name ?? "", typeof status.phase === "string" ? status.phase : "", age(object.metadata.creationTimestamp)];
    },
  },
  fieldLabels: {
    supported: ["metadata.name", "status.phase"],
    values: (object) => ({ "metadata.name": object.metadata.name ?? "", "status.phase": textAt(object.status, "phase") }),
    refuse: (label) => `field label not supported: ${label}`,
  },
};

const objectReference: FieldSchema & { type: "object" } = {
  type: "object",
  goType: "ObjectReference",
  fields: Object.fromEntries(["kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"].map((field) => [field, { type: "string" }])),
};

const EVENT_FIELD_LABELS = [
  "involvedObject.kind",
  "involvedObject.namespace",
  "involvedObject.name",
  "involvedObject.uid",
  "involvedObject.apiVersion",
  "involvedObject.resourceVersion",
  "involvedObject.fieldPath",
  "reason",
  "reportingComponent",
  "source",
  "type",
  "metadata.namespace",
  "metadata.name",
] as const;

/** core/v1 Events: served so that `kubectl describe` works and a controller may record events. */
export const events: ResourceDefinition = {
  group: "",
  version: "v1",
  plural: "events",
  singular: "event",
  kind: "Event",
  namespaced: true,
  shortNames: ["ev"],
  verbs: ALL_VERBS,
  schema: kindSchema("Event", {
    involvedObject: { ...objectReference, alwaysPresent: true },
    reason: { type: "string" },
    message: { type: "string" },
    source: { type: "object", goType: "EventSource", alwaysPresent: true, fields: { component: { type: "string" }, host: { type: "string" } } },
    firstTimestamp: { type: "string", format: "date-time" },
    lastTimestamp: { type: "string", format: "date-time" },
    count: { type: "integer", goType: "int32" },
    type: { type: "string" },
    eventTime: { type: "string", format: "micro-time" },
    series: { type: "object", goType: "EventSeries", fields: { count: { type: "integer", goType: "int32" }, lastObservedTime: { type: "string", format: "micro-time" } } },
    action: { type: "string" },
    related: objectReference,
    reportingComponent: { type: "string" },
    reportingInstance: { type: "string" },
  }),
  validate: (object) => validateName(object, subdomainProblems),
  table: {
    columns: [
      { name: "Last Seen", type: "string", format: "", description: "Time when last this event was seen", priority: 0 },
      { name: "Type", type: "string", format: "", description: "Type of this event (Normal, Warning), new types could be added in the future", priority: 0 },
      { name: "Reason", type: "string", format: "", description: "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.", priority: 0 },
      { name: "Object", type: "string", format: "", description: "The object this event is about", priority: 0 },
      { name: "Message", type: "string", format: "", description: "A human-readable description of the status of this operation.", priority: 0 },
    ],
    cells: (object, age) => {
      const seen = textAt(object, "lastTimestamp") || textAt(object, "eventTime") || object.metadata.creationTimestamp;
      const involved = `${textAt(object, "involvedObject", "kind").toLowerCase()}/${textAt(object, "involvedObject", "name")}`;
      return [age(seen), textAt(object, "type"), textAt(object, "reason"), involved, textAt(object, "message")];
    },
  },
  fieldLabels: {
    supported: EVENT_FIELD_LABELS,
    values: (object) => ({
      "involvedObject.kind": textAt(object, "involvedObject", "kind"),
      "involvedObject.namespace": textAt(object, "involvedObject", "namespace"),
      "involvedObject.name": textAt(object, "involvedObject", "name"),
      "involvedObject.uid": textAt(object, "involvedObject", "uid"),
      "involvedObject.apiVersion": textAt(object, "involvedObject", "apiVersion"),
      "involvedObject.resourceVersion": textAt(object, "involvedObject", "resourceVersion"),
      "involvedObject.fieldPath": textAt(object, "involvedObject", "fieldPath"),
      reason: textAt(object, "reason"),
      reportingComponent: textAt(object, "reportingComponent"),
      source: textAt(object, "source", "component"),
      type: textAt(object, "type"),
      "metadata.namespace": object.metadata.namespace ?? "",
      "metadata.name": object.metadata.name ?? "",
    }),
    refuse: (label) => `field label not supported: ${label}`,
  },
};

export const servedResources: readonly ResourceDefinition[] = [configMaps, events, namespaces, leases, cronJobs, jobs, pods];

export function findResource(group: string, version: string, plural: string): ResourceDefinition | undefined {
  return servedResources.find((resource) => resource.group === group && resource.version === version && resource.plural === plural);
}
