// The two review resources kubectl's `auth` commands create: SelfSubjectAccessReview
// (`kubectl auth can-i`) and SelfSubjectReview (`kubectl auth whoami`). can-i asks the same
// authorizer that every resource request goes through.
import type { UserInfo } from "./authentication.js";
import type { Authorizer } from "./authorization.js";
import type { DiscoveredResource } from "./discovery.js";
import { isPlainObject } from "./objects.js";
import { type Status, badRequest } from "./status.js";

export const selfSubjectAccessReviews: DiscoveredResource = {
  group: "authorization.k8s.io",
  version: "v1",
  plural: "selfsubjectaccessreviews",
  singular: "selfsubjectaccessreview",
  kind: "SelfSubjectAccessReview",
  namespaced: false,
  verbs: ["create"],
  shortNames: [],
};

export const selfSubjectReviews: DiscoveredResource = {
  group: "authentication.k8s.io",
  version: "v1",
  plural: "selfsubjectreviews",
  singular: "selfsubjectreview",
  kind: "SelfSubjectReview",
  namespaced: false,
  verbs: ["create"],
  shortNames: [],
};

export const reviewResources: readonly DiscoveredResource[] = [selfSubjectAccessReviews, selfSubjectReviews];

/** Answers a POST of either review; the body comes back with its status filled in. */
export function answerReview(resource: DiscoveredResource, body: unknown, user: UserInfo, authorize: Authorizer): object | Status {
  if (!isPlainObject(body)) return badRequest("Object 'Kind' is missing in the request body");
  const metadata = { creationTimestamp: null };
  if (resource === selfSubjectReviews) {
    return { kind: resource.kind, apiVersion: `${resource.group}/${resource.version}`, metadata, status: { userInfo: user } };
  }
  const spec = isPlainObject(body.spec) ? body.spec : {};
  if (!isPlainObject(spec.resourceAttributes) && !isPlainObject(spec.nonResourceAttributes)) {
    return {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: `SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified`,
      reason: "Invalid",
      code: 422,
    };
  }
  if (!isPlainObject(spec.resourceAttributes)) return { kind: resource.kind, apiVersion: `${resource.group}/${resource.version}`, metadata, spec, status: { allowed: true } };
  const asked = spec.resourceAttributes;
  const text = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);
  const namespace = text(asked.namespace);
  const name = text(asked.name);
  const allowed = authorize({
    user,
    verb: text(asked.verb) ?? "",
    apiGroup: text(asked.group) ?? "",
    resource: text(asked.resource) ?? "",
    ...(namespace === undefined ? {} : { namespace }),
    ...(name === undefined ? {} : { name }),
  });
  return { kind: resource.kind, apiVersion: `${resource.group}/${resource.version}`, metadata, spec, status: { allowed } };
}
