import type { KubeObject } from "./objects.js";
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
  const sample = labelled({});
  it.each([
    ["name", "metadata.name=cm", true],
    ["namespace", "metadata.namespace!=ns", false],
  ])("%s", (_name, text, expected) => {
    const parsed = parseFieldSelector(text, sample);
    if ("error" in parsed) throw new Error(parsed.error);
    expect(parsed.selector(sample)).toBe(expected);
  });

  it("refuses fields the apiserver does not index", () => {
    expect(parseFieldSelector("data.limit=1", sample)).toEqual({ error: '"data.limit" is not a known field selector: only "metadata.name", "metadata.namespace"' });
  });
});
