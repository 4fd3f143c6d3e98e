/**
 * AdmissionReview `admission.k8s.io/v1`, field for field as the API server sends and expects it
 * (k8s.io/api/admission/v1/types.go). Only `readAdmissionReview` turns untrusted JSON into these types.
 */

export const ADMISSION_API_VERSION = "admission.k8s.io/v1";

export type Operation = "CREATE" | "UPDATE" | "DELETE" | "CONNECT";
const OPERATIONS: readonly string[] = ["CREATE", "UPDATE", "DELETE", "CONNECT"];

export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

export interface GroupVersionResource {
  readonly group: string;
  readonly version: string;
  readonly resource: string;
}

export interface UserInfo {
  readonly username?: string;
  readonly uid?: string;
  readonly groups?: readonly string[];
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

export interface AdmissionRequest {
  readonly uid: string;
  readonly kind: GroupVersionKind;
  readonly resource: GroupVersionResource;
  readonly subResource?: string;
  readonly requestKind?: GroupVersionKind;
  readonly requestResource?: GroupVersionResource;
  readonly requestSubResource?: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly operation: Operation;
  readonly userInfo: UserInfo;
  /** The object as it would be stored (after earlier mutating webhooks); absent for DELETE. */
  readonly object?: unknown;
  readonly oldObject?: unknown;
  /** True when the write will not be persisted: the webhook must have no side effects. */
  readonly dryRun?: boolean;
  readonly options?: unknown;
}

/** metav1.Status, as much of it as a webhook sets. */
export interface Status {
  readonly status?: "Success" | "Failure";
  readonly message?: string;
  readonly reason?: string;
  readonly code?: number;
}

export interface AdmissionResponse {
  readonly uid: string;
  readonly allowed: boolean;
  readonly status?: Status;
  /** base64 of a JSON Patch (RFC 6902). */
  readonly patch?: string;
  readonly patchType?: "JSONPatch";
  /** Keys are prefixed with the webhook's name by the API server. */
  readonly auditAnnotations?: Readonly<Record<string, string>>;
  /** Shown by kubectl; the API server truncates each to 256 characters. */
  readonly warnings?: readonly string[];
}

export interface AdmissionReview {
  readonly apiVersion: typeof ADMISSION_API_VERSION;
  readonly kind: "AdmissionReview";
  readonly request?: AdmissionRequest;
  readonly response?: AdmissionResponse;
}

export type ReadResult = { readonly ok: true; readonly request: AdmissionRequest } | { readonly ok: false; readonly message: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function optionalString(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === "string" ? value : undefined;
}

function readGvk(value: unknown): GroupVersionKind | undefined {
  if (!isRecord(value) || typeof value.kind !== "string") return undefined;
  return { group: optionalString(value, "group") ?? "", version: optionalString(value, "version") ?? "", kind: value.kind };
}

function readGvr(value: unknown): GroupVersionResource | undefined {
  if (!isRecord(value) || typeof value.resource !== "string") return undefined;
  return { group: optionalString(value, "group") ?? "", version: optionalString(value, "version") ?? "", resource: value.resource };
}

function readUserInfo(value: unknown): UserInfo {
  if (!isRecord(value)) return {};
  const groups = Array.isArray(value.groups) ? value.groups.filter((g): g is string => typeof g === "string") : undefined;
  const username = optionalString(value, "username");
  const uid = optionalString(value, "uid");
  return { ...(username !== undefined ? { username } : {}), ...(uid !== undefined ? { uid } : {}), ...(groups ? { groups } : {}) };
}

/**
 * Check the shape of a posted body and translate it once into our types. A body that is not an
 * AdmissionReview gets a message for a 400 answer: without a uid there is no response to give.
 */
export function readAdmissionReview(body: unknown): ReadResult {
  const fail = (message: string): ReadResult => ({ ok: false, message });
  if (!isRecord(body)) return fail("body is not a JSON object");
  if (body.apiVersion !== ADMISSION_API_VERSION) return fail(`apiVersion ${JSON.stringify(body.apiVersion)} is not '${ADMISSION_API_VERSION}'`);
  if (body.kind !== "AdmissionReview") return fail(`kind ${JSON.stringify(body.kind)} is not 'AdmissionReview'`);
  const r = body.request;
  if (!isRecord(r)) return fail("request is missing or not an object");
  if (typeof r.uid !== "string" || r.uid === "") return fail("request.uid is missing or not a non-empty string");
  if (typeof r.operation !== "string" || !OPERATIONS.includes(r.operation)) return fail(`request.operation ${JSON.stringify(r.operation)} is not one of ${OPERATIONS.join(", ")}`);
  const kind = readGvk(r.kind);
  if (!kind) return fail("request.kind is missing or has no kind");
  const resource = readGvr(r.resource) ?? { group: kind.group, version: kind.version, resource: "" };
  if (r.dryRun !== undefined && r.dryRun !== null && typeof r.dryRun !== "boolean") return fail("request.dryRun is not a boolean");
  const name = optionalString(r, "name");
  const namespace = optionalString(r, "namespace");
  const subResource = optionalString(r, "subResource");
  const request: AdmissionRequest = {
    uid: r.uid,
    kind,
    resource,
    ...(subResource !== undefined ? { subResource } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(namespace !== undefined ? { namespace } : {}),
    operation: r.operation as Operation,
    userInfo: readUserInfo(r.userInfo),
    ...(r.object !== undefined && r.object !== null ? { object: r.object } : {}),
    ...(r.oldObject !== undefined && r.oldObject !== null ? { oldObject: r.oldObject } : {}),
    ...(r.dryRun === true ? { dryRun: true } : {}),
  };
  return { ok: true, request };
}

/** Wrap a response in the envelope the API server expects back. */
export function reviewOf(response: AdmissionResponse): AdmissionReview {
  return { apiVersion: ADMISSION_API_VERSION, kind: "AdmissionReview", response };
}
