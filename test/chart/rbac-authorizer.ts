// A small model of the Kubernetes RBAC authorizer over rendered Roles/ClusterRoles and their
// bindings: what `kubectl auth can-i --as=system:serviceaccount:NS:NAME` answers once installed.
// Rules as the API server reads them: a rule with resourceNames never matches a request without a
// name (create, and list/watch without a metadata.name field selector).
import type { IClusterRole } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole";
import type { IClusterRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding";
import type { IPolicyRule } from "kubernetes-models/rbac.authorization.k8s.io/v1/PolicyRule";
import type { IRole } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role";
import type { IRoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding";
import type { ISubject } from "kubernetes-models/rbac.authorization.k8s.io/v1/Subject";
import type { AuthorizationAttributes } from "../stand-ins/kube-apiserver/index.js";
import type { KubeObject } from "./render.js";

export interface AccessRequest {
  readonly serviceAccount: { readonly namespace: string; readonly name: string };
  readonly verb: string;
  /** "" for the core group. */
  readonly apiGroup: string;
  readonly resource: string;
  readonly namespace: string;
  readonly name?: string;
}

function ruleAllows(rule: IPolicyRule, request: AccessRequest): boolean {
  const has = (list: readonly string[] | undefined, value: string) => (list ?? []).includes(value) || (list ?? []).includes("*");
  if (!has(rule.verbs, request.verb) || !has(rule.apiGroups, request.apiGroup) || !has(rule.resources, request.resource)) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || (request.name !== undefined && names.includes(request.name));
}

function isSubject(subjects: readonly ISubject[] | undefined, request: AccessRequest): boolean {
  return (subjects ?? []).some((s) => s.kind === "ServiceAccount" && s.name === request.serviceAccount.name && s.namespace === request.serviceAccount.namespace);
}

export function canI(objects: readonly KubeObject[], request: AccessRequest): boolean {
  const clusterRoles = new Map(objects.filter((o) => o.kind === "ClusterRole").map((o) => [o.metadata.name, o as unknown as IClusterRole]));
  const roles = new Map(objects.filter((o) => o.kind === "Role").map((o) => [`${o.metadata.namespace}/${o.metadata.name}`, o as unknown as IRole]));
  const rulesOf = (kind: string, name: string, namespace: string | undefined): readonly IPolicyRule[] =>
    (kind === "ClusterRole" ? clusterRoles.get(name)?.rules : roles.get(`${namespace}/${name}`)?.rules) ?? [];
  for (const object of objects) {
    if (object.kind === "ClusterRoleBinding") {
      const binding = object as unknown as IClusterRoleBinding;
      if (isSubject(binding.subjects, request) && rulesOf(binding.roleRef.kind, binding.roleRef.name, undefined).some((r) => ruleAllows(r, request))) return true;
    } else if (object.kind === "RoleBinding" && object.metadata.namespace === request.namespace) {
      const binding = object as unknown as IRoleBinding;
      if (isSubject(binding.subjects, request) && rulesOf(binding.roleRef.kind, binding.roleRef.name, object.metadata.namespace).some((r) => ruleAllows(r, request))) return true;
    }
  }
  return false;
}

/**
 * The rendered chart's RBAC as the kube-apiserver stand-in's `authorize` option: requests (and
 * `kubectl auth can-i`) are decided as a cluster with the chart installed would decide them.
 */
export function chartAuthorizer(objects: readonly KubeObject[]): (attributes: AuthorizationAttributes) => boolean {
  return (attributes) => {
    const account = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(attributes.user.username);
    if (account === null || attributes.namespace === undefined) return false;
    return canI(objects, {
      serviceAccount: { namespace: account[1] as string, name: account[2] as string },
      verb: attributes.verb,
      apiGroup: attributes.apiGroup,
      resource: attributes.resource,
      namespace: attributes.namespace,
      ...(attributes.name !== undefined ? { name: attributes.name } : {}),
    });
  };
}
