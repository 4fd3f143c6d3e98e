import type { V1RuleWithOperations } from "@kubernetes/client-node";
import type { AdmissionAttributes } from "../admission-chain.js";
import { configMaps, leases, namespaces } from "../resources.js";
import { namespaceSelectorMatches, objectSelectorMatches, ruleMatches } from "./matching.js";

const attributes = (overrides: Partial<AdmissionAttributes> = {}): AdmissionAttributes => ({
  operation: "UPDATE",
  resource: configMaps,
  namespace: "istio-system",
  name: "ratelimit-config",
  object: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ratelimit-config", labels: { app: "ratelimit" } } },
  oldObject: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ratelimit-config", labels: { app: "old" } } },
  user: { username: "alice", groups: ["system:authenticated"] },
  dryRun: false,
  options: {},
  ...overrides,
});

const rule = (overrides: Partial<V1RuleWithOperations> = {}): V1RuleWithOperations => ({
  operations: ["UPDATE"],
  apiGroups: [""],
  apiVersions: ["v1"],
  resources: ["configmaps"],
  ...overrides,
});

describe("webhook rules", () => {
  it.each([
    ["an exact rule", rule(), attributes(), true],
    ["another operation", rule({ operations: ["CREATE"] }), attributes(), false],
    ["wildcard operations", rule({ operations: ["*"] }), attributes({ operation: "DELETE" }), true],
    ["another group", rule(), attributes({ resource: leases }), false],
    ["every resource", rule({ apiGroups: ["*"], resources: ["*"] }), attributes({ resource: leases }), true],
    ["a subresource pattern only", rule({ resources: ["configmaps/status"] }), attributes(), false],
    ["resource and all subresources", rule({ resources: ["configmaps/*"] }), attributes(), true],
    ["Cluster scope excludes namespaced objects", rule({ scope: "Cluster" }), attributes(), false],
    ["Namespaced scope", rule({ scope: "Namespaced" }), attributes(), true],
  ])("%s", (_name, givenRule, givenAttributes, expected) => expect(ruleMatches(givenRule, givenAttributes)).toBe(expected));
});

describe("webhook selectors", () => {
  const labels = (name: string): Record<string, string> | undefined => (name === "istio-system" ? { "kubernetes.io/metadata.name": "istio-system", mesh: "true" } : undefined);

  it.each([
    ["matchLabels on the object's namespace", { matchLabels: { mesh: "true" } }, attributes(), true],
    ["matchExpressions NotIn", { matchExpressions: [{ key: "mesh", operator: "NotIn", values: ["true"] }] }, attributes(), false],
    ["DoesNotExist", { matchExpressions: [{ key: "team", operator: "DoesNotExist" }] }, attributes(), true],
    [
      "a Namespace is judged by its own labels",
      { matchLabels: { tier: "edge" } },
      attributes({ resource: namespaces, namespace: undefined, object: { apiVersion: "v1", kind: "Namespace", metadata: { name: "x", labels: { tier: "edge" } } } }),
      true,
    ],
  ])("namespaceSelector: %s", (_name, selector, givenAttributes, expected) => expect(namespaceSelectorMatches(selector, givenAttributes, labels)).toBe(expected));

  it.each([
    ["the new object's labels", { matchLabels: { app: "ratelimit" } }, true],
    ["the old object's labels", { matchLabels: { app: "old" } }, true],
    ["neither", { matchLabels: { app: "other" } }, false],
  ])("objectSelector: %s", (_name, selector, expected) => expect(objectSelectorMatches(selector, attributes())).toBe(expected));
});
