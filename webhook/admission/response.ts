import { boundUserText, boundWarnings } from "./messages.js";
import type { AdmissionResponse } from "./review.js";

export interface ResponseExtras {
  readonly warnings?: readonly string[];
  readonly auditAnnotations?: Readonly<Record<string, string>>;
  /** base64 JSON Patch; omitted when nothing changes. */
  readonly patch?: string;
}

function extrasOf(extras: ResponseExtras): Partial<AdmissionResponse> {
  const warnings = boundWarnings(extras.warnings ?? []);
  const annotations = Object.fromEntries(Object.entries(extras.auditAnnotations ?? {}).map(([key, value]) => [key, boundUserText(value)]));
  return {
    ...(extras.patch !== undefined ? { patch: extras.patch, patchType: "JSONPatch" as const } : {}),
    ...(warnings.length > 0 ? { warnings } : {}),
    ...(Object.keys(annotations).length > 0 ? { auditAnnotations: annotations } : {}),
  };
}

export function buildAllowResponse(uid: string, extras: ResponseExtras = {}): AdmissionResponse {
  return { uid, allowed: true, ...extrasOf(extras) };
}

/** A denial: kubectl prints `admission webhook "..." denied the request: <message>`. */
export function buildDenyResponse(uid: string, message: string, code: 400 | 422 | 500, extras: Omit<ResponseExtras, "patch"> = {}): AdmissionResponse {
  const reason = code === 422 ? "Invalid" : code === 400 ? "BadRequest" : "InternalError";
  return { uid, allowed: false, status: { status: "Failure", code, reason, message: boundUserText(message) }, ...extrasOf(extras) };
}
