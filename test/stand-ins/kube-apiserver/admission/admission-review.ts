// admission.k8s.io/v1 AdmissionReview, field for field as kube-apiserver sends it, and the
// checks it makes on the answer (webhook/request.VerifyAdmissionResponse).
import { randomUUID } from "node:crypto";
import type { AdmissionAttributes, AdmissionOperation } from "../admission-chain.js";
import type { UserInfo } from "../authentication.js";
import type { KubeObject } from "../objects.js";
import { isPlainObject } from "../objects.js";

interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

interface GroupVersionResource {
  group: string;
  version: string;
  resource: string;
}

/** AdmissionRequest as it travels on the wire. */
export interface AdmissionRequest {
  uid: string;
  kind: GroupVersionKind;
  resource: GroupVersionResource;
  requestKind: GroupVersionKind;
  requestResource: GroupVersionResource;
  name?: string;
  namespace?: string;
  operation: AdmissionOperation;
  userInfo: UserInfo;
  object: KubeObject | null;
  oldObject: KubeObject | null;
  dryRun: boolean;
  options: Record<string, unknown>;
}

export interface AdmissionReviewRequest {
  apiVersion: "admission.k8s.io/v1";
  kind: "AdmissionReview";
  request: AdmissionRequest;
}

/** AdmissionResponse, as a webhook answers it. */
export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: { code?: number; message?: string; reason?: string; status?: string; details?: unknown; metadata?: unknown };
  patch?: string;
  patchType?: string;
  auditAnnotations?: Record<string, string>;
  warnings?: string[];
}

export function buildAdmissionRequest(attributes: AdmissionAttributes): AdmissionRequest {
  const { resource } = attributes;
  const kind = { group: resource.group, version: resource.version, kind: resource.kind };
  const groupVersionResource = { group: resource.group, version: resource.version, resource: resource.plural };
  const request: AdmissionRequest = {
    uid: randomUUID(),
    kind,
    resource: groupVersionResource,
    requestKind: kind,
    requestResource: groupVersionResource,
    operation: attributes.operation,
    userInfo: attributes.user,
    object: attributes.object ?? null,
    oldObject: attributes.oldObject ?? null,
    dryRun: attributes.dryRun,
    options: attributes.options,
  };
  // name and namespace are omitempty on the wire.
  if (attributes.name !== "") request.name = attributes.name;
  if (attributes.namespace !== undefined) request.namespace = attributes.namespace;
  return request;
}

/** The response, or the reason it is unusable (an ErrCallingWebhook, subject to failurePolicy). */
export function verifyAdmissionResponse(uid: string, mutating: boolean, body: unknown): AdmissionResponse | string {
  if (!isPlainObject(body) || body.apiVersion !== "admission.k8s.io/v1" || body.kind !== "AdmissionReview") {
    const apiVersion = isPlainObject(body) ? String(body.apiVersion ?? "") : "";
    const kind = isPlainObject(body) ? String(body.kind ?? "") : "";
    return `expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got ${apiVersion}, Kind=${kind}`;
  }
  const response = body.response;
  if (!isPlainObject(response)) return "webhook response was absent";
  if (response.uid !== uid) return `expected response.uid="${uid}", got "${String(response.uid ?? "")}"`;
  if (typeof response.allowed !== "boolean") return "webhook response.allowed is not a boolean";
  const hasPatch = typeof response.patch === "string" && response.patch !== "";
  if (hasPatch && !mutating) return "validating webhooks may not return patches";
  if (hasPatch && response.patchType === undefined) return "webhook returned response.patch but not response.patchType";
  if (response.patchType !== undefined && response.patchType !== "JSONPatch") return `webhook returned invalid response.patchType of "${String(response.patchType)}"`;
  return response as unknown as AdmissionResponse;
}
