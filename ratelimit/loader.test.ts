import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../test/support/paths.js";
import { loadRateLimitConfig, type ConfigFile } from "./loader.js";

const badConfigDir = join(repoRoot(), "test", "fixtures", "bad-configs");

/** Each bad-config fixture states the loader's exact message on its first line: `# expect: <text>` (\n for newlines). */
const badConfigs = readdirSync(badConfigDir)
  .filter((name) => name.endsWith(".yaml"))
  .map((name) => {
    const text = readFileSync(join(badConfigDir, name), "utf8");
    const expected = /^# expect: (.*)$/m.exec(text)?.[1]?.replaceAll("\\n", "\n");
    if (!expected) throw new Error(`${name} has no '# expect:' line`);
    return [name, text, expected] as const;
  });

const load = (text: string, name = "config.yaml") => loadRateLimitConfig([{ name, text }]);

describe("loader errors, one fixture per case", () => {
  it.each(badConfigs)("%s", (name, text, expected) => {
    const result = load(text, name);
    expect(result.ok).toBe(false);
    expect(result.errors.map((e) => e.message)).toEqual([expected]);
  });
});

describe("yaml.v2 scalar semantics", () => {
  const limitOf = (yamlValue: string) => {
    const result = load(`domain: d\ndescriptors:\n  - key: k\n    rate_limit: {unit: minute, requests_per_unit: ${yamlValue}}\n`);
    expect(result.errors).toEqual([]);
    return result.rules[0]?.rateLimit?.requestsPerUnit;
  };
  it.each([
    ["decimal", "100", 100],
    ["octal with a leading 0", "010", 8],
    ["0o octal", "0o17", 15],
    ["hex", "0x10", 16],
    ["binary", "0b101", 5],
    ["underscores", "1_000", 1000],
    ["plus sign", "+12", 12],
    ["null", "~", 0],
    ["the uint32 maximum", "4294967295", 4294967295],
  ])("requests_per_unit written as %s", (_name, yamlValue, expected) => expect(limitOf(yamlValue)).toBe(expected));

  it.each([
    ["yes", true],
    ["On", true],
    ["n", false],
    ["FALSE", false],
  ])("YAML 1.1 boolean %s", (text, expected) => {
    const result = load(`domain: d\ndescriptors:\n  - key: k\n    shadow_mode: ${text}\n    rate_limit: {unit: second, requests_per_unit: 1}\n`);
    expect(result.errors).toEqual([]);
    expect(result.rules[0]?.shadowMode).toBe(expected);
  });

  it.each([
    ["a plain number keeps its text", "012", "012"],
    ["a boolean word", "yes", "yes"],
    ["a timestamp", "2024-01-01", "2024-01-01"],
    ["a quoted path", '"/api_v3/x?a=1"', "/api_v3/x?a=1"],
    ["unicode", "'café/ü'", "café/ü"],
  ])("descriptor value: %s", (_name, text, expected) => {
    const result = load(`domain: d\ndescriptors:\n  - key: k\n    value: ${text}\n    rate_limit: {unit: second, requests_per_unit: 1}\n`);
    expect(result.errors).toEqual([]);
    expect(result.rules[0]?.chain[0]?.value).toBe(expected);
  });

  it("applies merge keys and anchors the way yaml.v2 does", () => {
    const text = [
      "domain: d",
      "descriptors:",
      "  - key: a",
      "    rate_limit: &std {unit: minute, requests_per_unit: 10}",
      "  - key: b",
      "    rate_limit:",
      "      <<: *std",
      "      requests_per_unit: 20",
      "  - key: c",
      "    rate_limit: *std",
      "",
    ].join("\n");
    const result = load(text);
    expect(result.errors).toEqual([]);
    expect(result.rules.map((r) => [r.fullKey, r.rateLimit?.unit, r.rateLimit?.requestsPerUnit])).toEqual([
      ["d.a", "minute", 10],
      ["d.b", "minute", 20],
      ["d.c", "minute", 10],
    ]);
  });

  it("lets the last of two duplicate keys win, as non-strict yaml.v2 does", () => {
    const result = load("domain: d\ndescriptors:\n  - key: k\n    rate_limit:\n      unit: minute\n      requests_per_unit: 5\n      requests_per_unit: 7\n");
    expect(result.rules[0]?.rateLimit?.requestsPerUnit).toBe(7);
  });

  it("reads only the first YAML document, as yaml.Unmarshal does", () => {
    const result = load("domain: first\n---\ndomain: second\n");
    expect(result.ok).toBe(true);
  });
});

describe("rules", () => {
  const text = [
    "domain: global-ratelimit",
    "descriptors:",
    "  - key: PARTNER",
    "    value: CUSTOMER_ID_1",
    "    descriptors:",
    "      - key: PATH",
    "        value: /api_v3/catalog",
    "        rate_limit:",
    "          unit: minute",
    "          requests_per_unit: 600",
    "  - key: PARTNER",
    "    rate_limit: {unlimited: true}",
    "",
  ].join("\n");

  it("identifies each descriptor by its domain and key/value chain", () => {
    const result = load(text);
    expect(result.rules.map((r) => [r.fullKey, r.label, r.hasChildren, r.rateLimit])).toEqual([
      ["global-ratelimit.PARTNER_CUSTOMER_ID_1", "PARTNER=CUSTOMER_ID_1", true, undefined],
      ["global-ratelimit.PARTNER_CUSTOMER_ID_1.PATH_/api_v3/catalog", "PARTNER=CUSTOMER_ID_1/PATH=/api_v3/catalog", false, { unit: "minute", requestsPerUnit: 600, unlimited: false, replaces: [] }],
      ["global-ratelimit.PARTNER", "PARTNER", false, { requestsPerUnit: 0, unlimited: true, replaces: [] }],
    ]);
  });

  it("warns about what the service loads but an operator should hear", () => {
    const result = load("domain: d\ndescriptors:\n  - key: zero\n    rate_limit: {unit: second, requests_per_unit: 0}\n  - key: open\n    value: v\n");
    expect(result.ok).toBe(true);
    expect(result.warnings.map((w) => [w.code, w.message])).toEqual([
      ["zero-limit", "config.yaml: descriptors[0]: requests_per_unit is 0: every request to zero is refused"],
      ["no-limit-no-children", "config.yaml: descriptors[1]: open=v has neither rate_limit nor descriptors: matching requests are never limited"],
    ]);
  });

  it("loads several files as one folder: a domain twice is refused unless domains merge", () => {
    const files: ConfigFile[] = [
      { name: "a.yaml", text: "domain: d\ndescriptors:\n  - key: x\n    rate_limit: {unit: second, requests_per_unit: 1}\n" },
      { name: "b.yaml", text: "domain: d\ndescriptors:\n  - key: y\n    rate_limit: {unit: second, requests_per_unit: 1}\n" },
    ];
    expect(loadRateLimitConfig(files).errors.map((e) => e.message)).toEqual(["b.yaml: duplicate domain 'd' in config file"]);
    const merged = loadRateLimitConfig(files, { mergeDomains: true });
    expect(merged.ok).toBe(true);
    expect(merged.rules.map((r) => r.fullKey)).toEqual(["d.x", "d.y"]);
  });
});

describe("hostile input", () => {
  // yaml.v2 names no line for a problem on the first line (its error path skips line 0).
  it.each([
    ["deep flow nesting", "[".repeat(100_000), "exceeded max depth of 10000"],
    ["deep block nesting", "- ".repeat(50_000) + "x", "exceeded max depth of 10000"],
    ["deep flow nesting on a later line", "domain: d\ndescriptors: " + "[".repeat(100_000), "line 2: exceeded max depth of 10000"],
    ["a long line of garbage", "{:[,]}".repeat(100_000), "did not find expected node content"],
  ])("refuses %s with yaml.v2's error, quickly", (_name, text, reason) => {
    const started = process.hrtime.bigint();
    const result = load(text);
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    expect(result.ok).toBe(false);
    expect(result.errors.map((e) => e.message)).toEqual([`config.yaml: error loading config file: yaml: ${reason}`]);
    expect(elapsedMs).toBeLessThan(5_000); // a bound on damage, not a speed target
  });

  it("checks a mapping with 100,000 keys in bounded time (duplicate detection is not quadratic)", () => {
    const text = "domain: d\n" + Array.from({ length: 100_000 }, (_, i) => `k${i}: ${i}`).join("\n") + "\nk5: again\n";
    const started = process.hrtime.bigint();
    const result = load(text, "wide.yaml");
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    expect(result.errors.map((e) => e.message)).toEqual(["wide.yaml: config error, unknown key 'k0'"]);
    expect(elapsedMs).toBeLessThan(10_000); // quadratic key checks would take minutes
  });

  it("refuses documents larger than the parse limit before parsing them", () => {
    const result = loadRateLimitConfig([{ name: "huge.yaml", text: "#".repeat(200) + "\n" }], { maxDocumentBytes: 100 });
    expect(result.errors.map((e) => e.message)).toEqual(["huge.yaml: error loading config file: document is 201 bytes, more than the 100 bytes TrendMaster parses"]);
  });
});
