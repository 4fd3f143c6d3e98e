// The Status a request gets when admission refuses it, worded as k8s.io/apiserver words it.
import type { AdmissionAttributes } from "../admission-chain.js";
import { type Status, forbidden, internalError, qualifiedResource } from "../status.js";
import type { AdmissionResponse } from "./admission-review.js";

/** webhookerrors.ToStatusErr: the webhook's own status, prefixed with who denied, never below 400. */
export function deniedByWebhook(webhookName: string, result: AdmissionResponse["status"]): Status {
  const deniedBy = `admission webhook "${webhookName}" denied the request`;
  const code = typeof result?.code === "number" && result.code >= 400 ? result.code : 400;
  let message = `${deniedBy} without explanation`;
  if (result?.message !== undefined && result.message !== "") message = `${deniedBy}: ${result.message}`;
  else if (result?.reason !== undefined && result.reason !== "") message = `${deniedBy}: ${result.reason}`;
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    ...(result?.reason !== undefined && result.reason !== "" ? { reason: result.reason } : {}),
    ...(result?.details !== undefined ? { details: result.details as Status["details"] } : {}),
    code,
  };
}

/** A webhook that could not be called (or answered nonsense) under failurePolicy: Fail. */
export function failedCallingWebhook(webhookName: string, reason: string): Status {
  return internalError(`failed calling webhook "${webhookName}": ${reason}`);
}

/** Match conditions that errored under failurePolicy: Fail (apierrors.NewForbidden). */
export function matchConditionsFailed(attributes: AdmissionAttributes, error: string): Status {
  const resource = qualifiedResource(attributes.resource);
  const subject = attributes.name === "" ? resource : `${resource} "${attributes.name}"`;
  const details = { name: attributes.name, ...(attributes.resource.group === "" ? {} : { group: attributes.resource.group }), kind: attributes.resource.plural };
  return forbidden(`${subject} is forbidden: ${error}`, details);
}
