// Authorization as a pluggable decision (the stand-in has no RBAC of its own): a test may pass
// an authorizer, e.g. one that evaluates the chart's rendered Roles. Refusals are worded as the
// apiserver's forbiddenMessage, so kubectl prints what a cluster would print.
import type { UserInfo } from "./authentication.js";
import type { ResourceDefinition } from "./resources.js";
import { type Status, forbidden, qualifiedResource } from "./status.js";

/** authorizer.Attributes for a resource request. */
export interface AuthorizationAttributes {
  user: UserInfo;
  /** get, list, watch, create, update, patch, delete, deletecollection */
  verb: string;
  /** "" for the core group. */
  apiGroup: string;
  resource: string;
  namespace?: string;
  name?: string;
}

/** True to allow. Without one, every authenticated user may do everything. */
export type Authorizer = (attributes: AuthorizationAttributes) => boolean;

export const allowEverything: Authorizer = () => true;

/** The verb a request means, as the apiserver's RequestInfoFactory derives it. */
export function requestVerb(method: string, named: boolean, watch: boolean): string {
  switch (method) {
    case "GET":
      return watch ? "watch" : named ? "get" : "list";
    case "POST":
      return "create";
    case "PUT":
      return "update";
    case "PATCH":
      return "patch";
    case "DELETE":
      return named ? "delete" : "deletecollection";
    default:
      return method.toLowerCase();
  }
}

export function forbiddenRequest(resource: ResourceDefinition, attributes: AuthorizationAttributes): Status {
  const where = attributes.namespace !== undefined && attributes.namespace !== "" ? `in the namespace "${attributes.namespace}"` : "at the cluster scope";
  const reason = `User "${attributes.user.username}" cannot ${attributes.verb} resource "${attributes.resource}" in API group "${attributes.apiGroup}" ${where}`;
  const subject = attributes.name === undefined || attributes.name === "" ? qualifiedResource(resource) : `${qualifiedResource(resource)} "${attributes.name}"`;
  const details = { name: attributes.name ?? "", ...(resource.group === "" ? {} : { group: resource.group }), kind: resource.plural };
  return forbidden(`${subject} is forbidden: ${reason}`, details);
}
