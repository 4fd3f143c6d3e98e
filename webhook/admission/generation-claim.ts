import { writeGenerationOf } from "./configmap-object.js";
import type { AdmissionPolicy } from "./policy.js";
import type { AdmissionRequest } from "./review.js";

/**
 * Whose `trendmaster.io/generation` counts. Every writer can set an annotation, so the claim
 * "computed from forecast generation N" is believed only from the forecaster's own identity
 * (its ServiceAccount, from settings): from anyone else it is ignored.
 */
export type GenerationClaim =
  | { readonly kind: "none" }
  | { readonly kind: "forecaster"; readonly generation: number }
  | { readonly kind: "ignored"; readonly generation: number; readonly user: string };

export function isForecasterIdentity(request: AdmissionRequest, policy: AdmissionPolicy): boolean {
  const user = request.userInfo.username ?? "";
  return user !== "" && (policy.forecasterUsers ?? []).includes(user);
}

export function generationClaimOf(request: AdmissionRequest, policy: AdmissionPolicy): GenerationClaim {
  const generation = writeGenerationOf(request.object);
  if (generation === undefined) return { kind: "none" };
  if (isForecasterIdentity(request, policy)) return { kind: "forecaster", generation };
  return { kind: "ignored", generation, user: request.userInfo.username || "(unknown user)" };
}
