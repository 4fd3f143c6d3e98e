// Which webhooks a request reaches: rules (operation, group, version, resource, scope),
// namespaceSelector and objectSelector, as k8s.io/apiserver's webhook predicates decide.
import type { V1LabelSelector, V1RuleWithOperations } from "@kubernetes/client-node";
import type { AdmissionAttributes } from "../admission-chain.js";
import type { KubeObject } from "../objects.js";
import { type Requirement, matchesRequirement } from "../selectors.js";

const listed = (values: readonly string[] | undefined, value: string): boolean => (values ?? []).some((item) => item === "*" || item === value);

/** rules.Matcher: every field of one rule must admit the request. */
export function ruleMatches(rule: V1RuleWithOperations, attributes: AdmissionAttributes): boolean {
  const { resource } = attributes;
  const resourceMatches = (rule.resources ?? []).some((pattern) => {
    // The stand-in serves no subresources, so only whole-resource patterns can match.
    const [name, subresource] = pattern.split("/");
    if (subresource !== undefined && subresource !== "*") return false;
    return name === "*" || name === resource.plural;
  });
  const scope = rule.scope ?? "*";
  const scopeMatches = scope === "*" || (scope === "Namespaced") === resource.namespaced;
  return listed(rule.operations, attributes.operation) && listed(rule.apiGroups, resource.group) && listed(rule.apiVersions, resource.version) && resourceMatches && scopeMatches;
}

function requirementsOf(selector: V1LabelSelector): Requirement[] {
  const fromLabels: Requirement[] = Object.entries(selector.matchLabels ?? {}).map(([key, value]) => ({ key, operator: "=", values: [value] }));
  const fromExpressions: Requirement[] = (selector.matchExpressions ?? []).map((expression) => {
    switch (expression.operator) {
      case "In":
        return { key: expression.key, operator: "in", values: expression.values ?? [] };
      case "NotIn":
        return { key: expression.key, operator: "notin", values: expression.values ?? [] };
      case "Exists":
        return { key: expression.key, operator: "exists", values: [] };
      case "DoesNotExist":
        return { key: expression.key, operator: "!", values: [] };
      default:
        throw new Error(`bug: labelSelector operator ${expression.operator} is not valid`);
    }
  });
  return [...fromLabels, ...fromExpressions];
}

export function labelSelectorMatches(selector: V1LabelSelector, labels: Record<string, string>): boolean {
  return requirementsOf(selector).every((requirement) => matchesRequirement(labels, requirement));
}

function isEmptySelector(selector: V1LabelSelector): boolean {
  return Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
}

/**
 * namespace.Matcher: namespaced objects are judged by their namespace's labels; a Namespace
 * by its own (new or old) labels; other cluster-scoped objects always match.
 */
export function namespaceSelectorMatches(selector: V1LabelSelector, attributes: AdmissionAttributes, namespaceLabels: (name: string) => Record<string, string> | undefined): boolean {
  if (isEmptySelector(selector)) return true;
  if (attributes.resource.kind === "Namespace") {
    const namespace = attributes.object ?? attributes.oldObject;
    return labelSelectorMatches(selector, namespace?.metadata.labels ?? {});
  }
  if (!attributes.resource.namespaced || attributes.namespace === undefined) return true;
  return labelSelectorMatches(selector, namespaceLabels(attributes.namespace) ?? {});
}

/** object.Matcher: the new or the old object's labels must match. */
export function objectSelectorMatches(selector: V1LabelSelector, attributes: AdmissionAttributes): boolean {
  if (isEmptySelector(selector)) return true;
  const candidates = [attributes.object, attributes.oldObject].filter((object): object is KubeObject => object !== undefined);
  return candidates.some((object) => labelSelectorMatches(selector, object.metadata.labels ?? {}));
}
