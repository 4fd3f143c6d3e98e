import type { KubeObject } from "./objects.js";
import { configMaps, leases, namespaces } from "./resources.js";

const configMap = (metadata: KubeObject["metadata"], fields: Record<string, unknown> = {}): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata, ...fields });

describe("validation, in pkg/apis/*/validation's words", () => {
  it.each([
    ["a missing name", configMaps, configMap({}), "metadata.name", "Required value: name or generateName is required"],
    ["an upper-case ConfigMap name", configMaps, configMap({ name: "Limits" }), "metadata.name", 'Invalid value: "Limits": a lowercase RFC 1123 subdomain'],
    ["a dotted Namespace name", namespaces, { apiVersion: "v1", kind: "Namespace", metadata: { name: "a.b" } }, "metadata.name", 'Invalid value: "a.b": a lowercase RFC 1123 label'],
    ["a bad data key", configMaps, configMap({ name: "a" }, { data: { "bad key": "1" } }), "data[bad key]", 'Invalid value: "bad key": a valid config key'],
    ["a bad label key", configMaps, configMap({ name: "a", labels: { "team/a/b": "x" } }), "metadata.labels", 'Invalid value: "team/a/b": a qualified name must consist of'],
    ["a bad label value", configMaps, configMap({ name: "a", labels: { team: "a b" } }), "metadata.labels", 'Invalid value: "a b": a valid label must be an empty string'],
    ["an annotation with an empty prefix", configMaps, configMap({ name: "a", annotations: { "/note": "x" } }), "metadata.annotations", "prefix part must be non-empty"],
    ["a zero lease duration", leases, { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "l" }, spec: { leaseDurationSeconds: 0 } }, "spec.leaseDurationSeconds", "Invalid value: 0: must be greater than 0"],
  ])("refuses %s", (_name, resource, object, field, message) => {
    const causes = resource.validate(object, undefined);
    expect(causes).toEqual([expect.objectContaining({ field, message: expect.stringContaining(message) })]);
  });

  it("keeps an immutable ConfigMap's data", () => {
    const old = configMap({ name: "a" }, { immutable: true, data: { a: "1" } });
    expect(configMaps.validate(configMap({ name: "a" }, { immutable: true, data: { a: "2" } }), old)).toEqual([
      { reason: "FieldValueForbidden", message: "Forbidden: field is immutable when `immutable` is set", field: "data" },
    ]);
  });

  it("accepts a well-formed object", () => {
    expect(configMaps.validate(configMap({ name: "ratelimit-config", labels: { "app.kubernetes.io/name": "ratelimit" }, annotations: { "trendmaster.io/guarded-digest": "sha256:x" } }, { data: { "config.yaml": "" } }), undefined)).toEqual([]);
  });
});
