import fc from "fast-check";
import yaml from "js-yaml";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadRateLimitConfig } from "../../ratelimit/loader.js";
import { repoRoot } from "../../test/support/paths.js";
import { editConfigInFile, readConfigInFile } from "./edit-file.js";
import { locateConfig, parseKeyPath, type ConfigLocationSpec } from "./locate.js";

const fixture = (name: string): string => readFileSync(join(repoRoot(), "test", "fixtures", "gitops", name), "utf8");

const ACME = "edge-ratelimit.PARTNER_acme";
const GLOBEX = "edge-ratelimit.PARTNER_globex";
const INITECH = "edge-ratelimit.PARTNER_initech";

const FORMATS: Array<[string, string, ConfigLocationSpec]> = [
  ["a ConfigMap manifest among other documents", "configmap-manifest.yaml", { format: "configmap" }],
  ["a bare ratelimit config", "ratelimit-config.yaml", { format: "ratelimit" }],
  ["Helm values with the config as a block scalar", "values-block.yaml", { format: "helm-block", keyPath: "ratelimit.config" }],
  ["Helm values with structured descriptors", "values-structured.yaml", { format: "helm-structured", keyPath: "ratelimit.descriptors" }],
];

describe("editConfigInFile", () => {
  it.each(FORMATS)("in %s, rewrites only the numbers asked for", (_name, file, spec) => {
    const text = fixture(file);
    const result = editConfigInFile(file, text, spec, new Map([[ACME, 1500], [GLOBEX, 350], [INITECH, 120]]));
    if (!result.ok) throw new Error(result.problem);
    const expected = text
      .replace("requests_per_unit: 1200   # agreed", "requests_per_unit: 1500   # agreed")
      .replace("requests_per_unit: 300 }", "requests_per_unit: 350 }")
      .replace("requests_per_unit: 90\n", "requests_per_unit: 120\n");
    expect(expected).not.toBe(text);
    expect(result.text).toBe(expected);
    expect(result.applied).toEqual([
      { fullKey: ACME, from: 1200, to: 1500 },
      { fullKey: GLOBEX, from: 300, to: 350 },
      { fullKey: INITECH, from: 90, to: 120 },
    ]);
    expect(result.skipped).toEqual([]);
  });

  it.each(FORMATS)("in %s, reads the rules as the service would see them rendered", (_name, file, spec) => {
    const read = readConfigInFile(file, fixture(file), spec);
    if (!read.ok) throw new Error(read.problem);
    expect(read.rules.filter((r) => r.rateLimit && !r.rateLimit.unlimited).map((r) => [r.fullKey, r.rateLimit?.requestsPerUnit, r.rateLimit?.unit])).toEqual([
      [ACME, 1200, "minute"],
      [GLOBEX, 300, "minute"],
      [INITECH, 90, "minute"],
    ]);
  });

  it("skips rules that are not in the file or already hold the value, and changes nothing for them", () => {
    const text = fixture("values-block.yaml");
    const result = editConfigInFile("values-block.yaml", text, { format: "helm-block", keyPath: "ratelimit.config" }, new Map([["edge-ratelimit.PARTNER_hooli", 10], [ACME, 1200]]));
    if (!result.ok) throw new Error(result.problem);
    expect(result.text).toBe(text);
    expect(result.skipped).toEqual([
      { fullKey: "edge-ratelimit.PARTNER_hooli", reason: "not a limited rule in values-block.yaml" },
      { fullKey: ACME, reason: "already 1200 in values-block.yaml" },
    ]);
  });

  it("adds a missing requests_per_unit at the block's own indentation inside a block scalar", () => {
    const text = "ratelimit:\n  config: |\n    domain: d\n    descriptors:\n      - key: K\n        rate_limit:\n          unit: second\n";
    const result = editConfigInFile("v.yaml", text, { format: "helm-block", keyPath: "ratelimit.config" }, new Map([["d.K", 7]]));
    if (!result.ok) throw new Error(result.problem);
    expect(result.text).toBe(text.replace("unit: second\n", "unit: second\n          requests_per_unit: 7\n"));
  });

  it("finds the ConfigMap by name when the file holds several", () => {
    const text = fixture("configmap-manifest.yaml");
    const two = `${text}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\ndata:\n  config.yaml: |\n    domain: other\n    descriptors: []\n`;
    expect(locateConfig("m.yaml", two, { format: "configmap" })).toEqual({ ok: false, kind: "invalid", problem: `m.yaml: 2 ConfigMaps have data."config.yaml" (ratelimit-config, other): set the ConfigMap name` });
    const result = editConfigInFile("m.yaml", two, { format: "configmap", configMapName: "ratelimit-config" }, new Map([[ACME, 1300]]));
    if (!result.ok) throw new Error(result.problem);
    expect(result.text).toBe(two.replace("requests_per_unit: 1200", "requests_per_unit: 1300"));
  });
});

describe("other shapes of the config in a values file", () => {
  it.each<[string, string, ConfigLocationSpec]>([
    ["the config as a mapping at the key path", "limits:\n  ratelimit:\n    domain: edge-ratelimit\n    descriptors:\n      - key: PARTNER\n        value: acme\n        rate_limit: {unit: minute, requests_per_unit: 1200}   # C-2291\n", { format: "helm-structured", keyPath: "limits.ratelimit" }],
    ["the config as a flow mapping", "ratelimit: {domain: edge-ratelimit, descriptors: [{key: PARTNER, value: acme, rate_limit: {unit: minute, requests_per_unit: 1200}}]}\n", { format: "helm-structured", keyPath: "ratelimit" }],
    ["a descriptors list with the domain given in the settings", "rules:\n  - key: PARTNER\n    value: acme\n    rate_limit:\n      unit: minute\n      requests_per_unit: 1200\n", { format: "helm-structured", keyPath: "rules", domain: "edge-ratelimit" }],
    ["a config in a list item", "environments:\n  - name: prd1\n    config: |\n      domain: edge-ratelimit\n      descriptors:\n        - key: PARTNER\n          value: acme\n          rate_limit: {unit: minute, requests_per_unit: 1200}\n", { format: "helm-block", keyPath: "environments.0.config" }],
    ["a ConfigMap with another data key", "kind: ConfigMap\nmetadata: {name: rl}\ndata:\n  edge.yaml: |-\n    domain: edge-ratelimit\n    descriptors:\n    - key: PARTNER\n      value: acme\n      rate_limit: {unit: minute, requests_per_unit: 1200}", { format: "configmap", dataKey: "edge.yaml" }],
  ])("%s", (_name, text, spec) => {
    const result = editConfigInFile("v.yaml", text, spec, new Map([[ACME, 1500]]));
    if (!result.ok) throw new Error(result.problem);
    expect(result.text).toBe(text.replace("requests_per_unit: 1200", "requests_per_unit: 1500"));
    expect(result.applied).toEqual([{ fullKey: ACME, from: 1200, to: 1500 }]);
  });

  it("keeps every byte but the numbers, whatever numbers change (property)", () => {
    const rules = [ACME, GLOBEX, INITECH];
    fc.assert(
      fc.property(fc.constantFrom(...FORMATS), fc.subarray(rules, { minLength: 1 }), fc.array(fc.integer({ min: 0, max: 4_294_967_295 }), { minLength: 3, maxLength: 3 }), ([, file, spec], keys, values) => {
        const text = fixture(file);
        const result = editConfigInFile(file, text, spec, new Map(keys.map((k, i) => [k, values[i] as number])));
        if (!result.ok) throw new Error(result.problem);
        expect(result.text.replace(/\d+/g, "N")).toBe(text.replace(/\d+/g, "N"));
        const read = readConfigInFile(file, result.text, spec);
        if (!read.ok) throw new Error(read.problem);
        for (const [i, k] of keys.entries()) expect(read.rules.find((r) => r.fullKey === k)?.rateLimit?.requestsPerUnit).toBe(values[i]);
      }),
      { numRuns: 60 },
    );
  });
});

describe("bad input is named", () => {
  it.each<[string, ConfigLocationSpec, string]>([
    ["a key path that is not there", { format: "helm-block", keyPath: "ratelimit.rules" }, "not-found"],
    ["a manifest without the ConfigMap", { format: "configmap", configMapName: "other" }, "not-found"],
    ["a key path holding the wrong form", { format: "helm-block", keyPath: "ratelimit.redis" }, "invalid"],
  ])("tells %s apart", (_name, spec, kind) => {
    const result = readConfigInFile("values-block.yaml", fixture("values-block.yaml"), spec);
    expect(result.ok || result.kind).toBe(kind);
  });

  it.each<[string, string, string, ConfigLocationSpec, string]>([
    ["a key path that is not there", "values-block.yaml", fixture("values-block.yaml"), { format: "helm-block", keyPath: "ratelimit.rules" }, "values-block.yaml: key path ratelimit.rules: key 'rules' not found under ratelimit"],
    ["a key path through a scalar", "values-block.yaml", fixture("values-block.yaml"), { format: "helm-block", keyPath: "replicaCount.config" }, "values-block.yaml: key path replicaCount.config: replicaCount is not a mapping, so it has no key 'config'"],
    ["a malformed key path", "v.yaml", "a: 1\n", { format: "helm-block", keyPath: "a..b" }, `v.yaml: key path 'a..b' is not a dotted key path (quote keys holding dots: a."b.c")`],
    ["a folded block scalar", "v.yaml", "ratelimit:\n  config: >\n    domain: d\n", { format: "helm-block", keyPath: "ratelimit.config" }, "v.yaml at ratelimit.config (line 2): the config is a folded (>) block scalar, whose line breaks the loader would not see as written; TrendMaster edits it only as a literal | block scalar"],
    ["structured config where a block scalar is expected", "values-structured.yaml", fixture("values-structured.yaml"), { format: "helm-block", keyPath: "ratelimit.descriptors" }, "values-structured.yaml at ratelimit.descriptors (line 8): expected the config as a | block scalar, found a sequence"],
    ["a descriptors list without a domain", "v.yaml", "limits:\n  - key: K\n    rate_limit: {unit: second, requests_per_unit: 1}\n", { format: "helm-structured", keyPath: "limits" }, "v.yaml at limits (line 2): a descriptors list needs its domain: no sibling 'domain' key holds one, and no domain is set for the target"],
    ["a manifest without the ConfigMap", "m.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\n", { format: "configmap" }, `m.yaml: no ConfigMap with data."config.yaml" in the file`],
    ["a file that is not YAML", "v.yaml", "ratelimit: [\n", { format: "helm-block", keyPath: "ratelimit.config" }, "v.yaml: not YAML: "],
    ["a config the loader refuses", "values-block.yaml", fixture("values-block.yaml").replace("unit: minute\n          requests_per_unit: 1200", "unit: fortnight\n          requests_per_unit: 1200"), { format: "helm-block", keyPath: "ratelimit.config" }, "values-block.yaml at ratelimit.config (line 10): the config does not load as the ratelimit service would load it: "],
  ])("%s", (_name, path, text, spec, problem) => {
    const result = editConfigInFile(path, text, spec, new Map([[ACME, 1500]]));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem.slice(0, problem.length)).toBe(problem);
    if (!result.ok && problem.endsWith(": ")) expect(result.problem.length).toBeGreaterThan(problem.length);
  });

  it("names the loader's problem with the file's own line number", () => {
    const text = fixture("configmap-manifest.yaml").replace("value: acme", "value: [acme");
    // The same config as the service would get it (data."config.yaml" decoded), whose line 1 is the file's line 22.
    const decoded = (yaml.loadAll(text)[1] as { data: Record<string, string> }).data["config.yaml"] as string;
    const alone = loadRateLimitConfig([{ name: "config.yaml", text: decoded }]);
    const lineAlone = Number(/yaml: line (\d+)/.exec(alone.errors[0]?.message ?? "")?.[1]);
    expect(lineAlone).toBeGreaterThan(0);
    const result = readConfigInFile("m.yaml", text, { format: "configmap" });
    expect(result).toEqual({ ok: false, kind: "invalid", problem: `m.yaml at ConfigMap ratelimit-config data."config.yaml" (line 21): the config does not load as the ratelimit service would load it: config.yaml: error loading config file: yaml: line ${lineAlone + 21}: did not find expected ',' or ']'` });
  });
});

describe("parseKeyPath", () => {
  it.each<[string, string[] | undefined]>([
    ["ratelimit.config", ["ratelimit", "config"]],
    ['data."config.yaml"', ["data", "config.yaml"]],
    ["a.0.b", ["a", "0", "b"]],
    ["a.", undefined],
    ['a."b', undefined],
    ["", undefined],
  ])("%s", (path, expected) => expect(parseKeyPath(path)).toEqual(expected));
});
