// Status objects worded exactly as kube-apiserver words them (k8s.io/apimachinery/pkg/api/errors),
// because kubectl and client libraries print `message` verbatim and branch on `reason`/`code`.
import type { ResourceDefinition } from "./resources.js";

/** metav1.Status as it travels on the wire. */
export interface Status {
  kind: "Status";
  apiVersion: "v1";
  metadata: Record<string, never>;
  status: "Success" | "Failure";
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
}

export interface StatusCause {
  reason: string;
  message: string;
  field: string;
}

function failure(code: number, reason: string, message: string, details?: StatusDetails): Status {
  // Field order as metav1.Status marshals: details comes before code.
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, ...(details === undefined ? {} : { details }), code };
}

/** `configmaps` for the core group, `leases.coordination.k8s.io` otherwise (schema.GroupResource.String()). */
export function qualifiedResource(resource: ResourceDefinition): string {
  return resource.group === "" ? resource.plural : `${resource.plural}.${resource.group}`;
}

function resourceDetails(resource: ResourceDefinition, name: string): StatusDetails {
  const details: StatusDetails = { name };
  if (resource.group !== "") details.group = resource.group;
  details.kind = resource.plural;
  return details;
}

export function notFound(resource: ResourceDefinition, name: string): Status {
  return failure(404, "NotFound", `${qualifiedResource(resource)} "${name}" not found`, resourceDetails(resource, name));
}

export function alreadyExists(resource: ResourceDefinition, name: string): Status {
  return failure(409, "AlreadyExists", `${qualifiedResource(resource)} "${name}" already exists`, resourceDetails(resource, name));
}

/** The optimistic-concurrency failure (errors.NewConflict with registry.OptimisticLockErrorMsg). */
export function conflict(resource: ResourceDefinition, name: string, cause: string): Status {
  return failure(
    409,
    "Conflict",
    `Operation cannot be fulfilled on ${qualifiedResource(resource)} "${name}": ${cause}`,
    resourceDetails(resource, name),
  );
}

export const OPTIMISTIC_LOCK_MESSAGE =
  "the object has been modified; please apply your changes to the latest version and try again";

/** Server-side apply field ownership conflict (errors.NewApplyConflict). */
export function applyConflict(causes: StatusCause[], message: string): Status {
  return failure(409, "Conflict", message, { causes });
}

/** errors.NewInvalid: `ConfigMap "x" is invalid: <field>: <detail>` joined with ", ". */
export function invalid(kind: string, group: string, name: string, causes: StatusCause[]): Status {
  const summary = causes.map((cause) => `${cause.field}: ${cause.message}`);
  const joined = summary.length === 1 ? summary[0] : `[${summary.join(", ")}]`;
  const details: StatusDetails = { name };
  if (group !== "") details.group = group;
  details.kind = kind;
  details.causes = causes;
  return failure(422, "Invalid", `${kind} "${name}" is invalid: ${joined}`, details);
}

export function badRequest(message: string): Status {
  return failure(400, "BadRequest", message);
}

export function unauthorized(): Status {
  return failure(401, "Unauthorized", "Unauthorized");
}

export function forbidden(message: string, details?: StatusDetails): Status {
  return failure(403, "Forbidden", message, details);
}

/** What the API server answers for a path under /api or /apis that it does not serve. */
export function resourceNotServed(): Status {
  return failure(404, "NotFound", "the server could not find the requested resource", {});
}

export function methodNotAllowed(verb: string, resource: ResourceDefinition): Status {
  return failure(405, "MethodNotAllowed", `${verb} is not supported on resources of kind "${qualifiedResource(resource)}"`, {});
}

export function unsupportedMediaType(): Status {
  return failure(415, "UnsupportedMediaType", `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`, {});
}

export function notAcceptable(): Status {
  return failure(406, "NotAcceptable", "only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf", {});
}

export function gone(message: string): Status {
  return failure(410, "Expired", message);
}

export function internalError(message: string): Status {
  return failure(500, "InternalError", `Internal error occurred: ${message}`, { causes: [{ reason: "", message, field: "" }] });
}

export function timeout(message: string): Status {
  return failure(504, "Timeout", message);
}

export function success(details: StatusDetails): Status {
  return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", details, code: 200 };
}

export function isStatus(value: unknown): value is Status {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "Status";
}
