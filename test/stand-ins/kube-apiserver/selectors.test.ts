import type { KubeObject } from "./objects.js";
import { configMaps, events, namespaces } from "./resources.js";
import { parseFieldSelector, parseLabelSelector } from "./selectors.js";

const labelled = (labels: Record<string, string>): KubeObject => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm", namespace: "ns", labels } });

describe("label selectors", () => {
  it.each([
    ["equality", "app=tm", { app: "tm" }, true],
    ["double equals", "app==tm", { app: "other" }, false],
    ["inequality matches a missing label", "app!=tm", {}, true],
    ["set membership", "tier in (guard, edge)", { tier: "edge" }, true],
    ["set exclusion", "tier notin (guard)", { tier: "guard" }, false],
    ["existence", "app", { app: "" }, true],
    ["absence", "!app", { app: "tm" }, false],
    ["conjunction", "app=tm,tier in (guard)", { app: "tm", tier: "guard" }, true],
  ])("%s", (_name, text, labels, expected) => {
    const parsed = parseLabelSelector(text);
    if ("error" in parsed) throw new Error(parsed.error);
    expect(parsed.selector(labelled(labels))).toBe(expected);
  });

  it("reports what it cannot parse", () => {
    expect(parseLabelSelector("a b c")).toEqual({ error: "unable to parse requirement: found 'a b c', expected: identifier" });
  });
});

describe("field selectors", () => {
  const event: KubeObject = { apiVersion: "v1", kind: "Event", metadata: { name: "e", namespace: "ns" }, involvedObject: { kind: "ConfigMap", name: "cm" }, type: "Warning" };
  it.each([
    ["name", configMaps, "metadata.name=cm", labelled({}), true],
    ["namespace", configMaps, "metadata.namespace!=ns", labelled({}), false],
    ["an event's involved object", events, "involvedObject.kind=ConfigMap,involvedObject.name=cm", event, true],
    ["an event's type", events, "type=Normal", event, false],
  ])("%s", (_name, resource, text, object, expected) => {
    const parsed = parseFieldSelector(text, resource.fieldLabels);
    if ("error" in parsed) throw new Error(parsed.error);
    expect(parsed.selector(object)).toBe(expected);
  });

  it.each([
    ["ConfigMaps", configMaps, "data.limit=1", '"data.limit" is not a known field selector: only "metadata.name", "metadata.namespace"'],
    ["Namespaces", namespaces, "metadata.namespace=x", "field label not supported: metadata.namespace"],
  ])("refuses fields %s do not index, in their conversion function's words", (_name, resource, text, error) => {
    expect(parseFieldSelector(text, resource.fieldLabels)).toEqual({ error });
  });
});
