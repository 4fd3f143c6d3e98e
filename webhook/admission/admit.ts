import { buildAllowResponse, buildDenyResponse } from "./response.js";
import { mutateRateLimitConfig, validateRateLimitConfig, type AdmissionContext, type AdmissionDecision } from "./ratelimit-config.js";
import type { AdmissionRequest } from "./review.js";
import type { AdmissionPolicy } from "./policy.js";

export type Endpoint = "mutate" | "validate";

function objectName(request: AdmissionRequest): string | undefined {
  if (request.name) return request.name;
  const metadata = (request.object as { metadata?: { name?: unknown } } | undefined)?.metadata;
  return typeof metadata?.name === "string" ? metadata.name : undefined;
}

/** Only ratelimit-config is guarded: a core-group ConfigMap with the configured namespace and name. */
export function isGuardedObject(request: AdmissionRequest, target: AdmissionPolicy["target"]): boolean {
  return request.kind.group === "" && request.kind.kind === "ConfigMap" && request.namespace === target.namespace && objectName(request) === target.name;
}

const UNGUARDED = { verdict: "allowed", guarded: false, clamps: [], wouldClamps: [], loadErrors: [] } as const;

/**
 * One admission decision. Never throws: every path ends in a response carrying the request's uid.
 * On a bug, enforce mode denies (the write is unchecked) and audit mode admits with a warning
 * (audit mode exists to be harmless while it is being trusted).
 */
export function admit(endpoint: Endpoint, request: AdmissionRequest, context: AdmissionContext): AdmissionDecision {
  if (!isGuardedObject(request, context.policy.target)) return { response: buildAllowResponse(request.uid), outcome: UNGUARDED };
  try {
    return endpoint === "mutate" ? mutateRateLimitConfig(request, context) : validateRateLimitConfig(request, context);
  } catch (error) {
    const text = `trendmaster webhook internal error: ${error instanceof Error ? error.message : String(error)}`;
    const outcome = { ...UNGUARDED, guarded: true, internalError: text };
    if (context.policy.mode === "audit") return { response: buildAllowResponse(request.uid, { warnings: [text], auditAnnotations: { mode: "audit", "internal-error": text } }), outcome };
    return { response: buildDenyResponse(request.uid, text, 500, { auditAnnotations: { mode: "enforce", "internal-error": text } }), outcome: { ...outcome, verdict: "denied" } };
  }
}
