import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { generateRateLimitConfig } from "../bench/generate-config.js";
import { repoRoot } from "../test/support/paths.js";
import { loadRateLimitConfig, type LoadResult } from "./loader.js";

/*
 * The loader decodes clean documents straight from the source tree, and leaves documents with an
 * alias (or any error) to the generic yaml.v2 decode. An alias under the root's free-form
 * `metadata` changes nothing the loader reports, so appending one must change no result.
 */
const FORCE_GENERIC = "metadata: {a: &shared 1, b: *shared}\n";

/** What a load reports, with locations as the source positions they point at. */
function report(result: LoadResult) {
  return {
    ok: result.ok,
    errors: result.errors,
    warnings: result.warnings,
    rules: result.rules,
    locations: [...result.locations].map(([fullKey, l]) => [fullKey, l.file, l.rateLimit?.start, l.rateLimit?.end, l.requestsPerUnit?.start, l.requestsPerUnit?.end, l.requestsPerUnit?.line]),
  };
}

const documents: Array<[string, string]> = [
  ["the benchmark config", generateRateLimitConfig(40)],
  ["every descriptor field", `domain: d
descriptors:
  - key: k
    value: v*
    shadow_mode: yes
    detailed_metric: true
    value_to_metric: On
    share_threshold: TRUE
    quota_mode: n
    rate_limit:
      unit: MINUTE
      requests_per_unit: 0x10
      name: n1
      replaces: [{name: n2}, {name: n3, metadata: {x: 1}}]
    metadata: {owner: team, list: [1, 2.5, "3", ~, {deep: <<}], merged: {<<: {a: 1}, b: 2}}
    descriptors:
      - key: inner
        rate_limit: {unlimited: true}
`],
  ["scalars of every kind as strings", `domain: 123
descriptors:
  - key: "k"
    value: 0o17
  - key: 'k'
    value: null
    rate_limit:
      unit: second
      requests_per_unit: 1_000
  - key: k
    value: |
      block
    rate_limit: {unit: hour, requests_per_unit: 010}
  - key: !!str 5
    value: false
    rate_limit: {unit: day, requests_per_unit: 4294967295}
`],
  ["nulls and empty lists", `domain: d
descriptors:
  - key: a
    descriptors:
    rate_limit:
    shadow_mode:
  - key: b
    descriptors: []
    rate_limit: {unit: minute, requests_per_unit: }
  - {key: c, rate_limit: {unit: minute, requests_per_unit: 0}, }
`],
  ["known keys where the typed decode ignores them", `domain: d
key: top
descriptors:
  - key: a
    unit: minute
    requests_per_unit: 5
    rate_limit: {unit: minute, requests_per_unit: 5, key: x, descriptors: [{domain: y}]}
`],
  ["a duplicate key", "domain: d\ndescriptors:\n  - key: a\n    key: b\n    rate_limit: {unit: minute, requests_per_unit: 1}\n"],
  ["a merge key", "domain: d\ndescriptors:\n  - <<: {key: a}\n    rate_limit: {unit: minute, requests_per_unit: 1}\n"],
  ["a float leaf", "domain: d\ndescriptors:\n  - key: a\n    value: 1.5\n"],
  ["a uint leaf", "domain: d\ndescriptors:\n  - key: a\n    value: 18446744073709551615\n"],
  ["a limit above uint32", "domain: d\ndescriptors:\n  - key: a\n    rate_limit: {unit: minute, requests_per_unit: 4294967296}\n"],
  ["a quoted limit", "domain: d\ndescriptors:\n  - key: a\n    rate_limit: {unit: minute, requests_per_unit: \"5\"}\n"],
  ["a string bool", "domain: d\ndescriptors:\n  - key: a\n    shadow_mode: maybe\n"],
  ["a list of scalars", "domain: d\ndescriptors:\n  - key: a\n    descriptors: [1, 2]\n"],
  ["an unknown key", "domain: d\ndescriptors:\n  - key: a\n    limit: 5\n"],
  ["a number key", "domain: d\ndescriptors:\n  - key: a\n    5: x\n"],
  ["a mapping as a string", "domain: {a: 1}\n"],
  ["loader checks", "domain: d\ndescriptors:\n  - key: a\n    rate_limit: {unit: fortnight, requests_per_unit: 5}\n  - key: a\n"],
  ["empty domain", "descriptors:\n  - key: a\n"],
  ["rules with the same full key", "domain: d\ndescriptors:\n  - key: a\n    descriptors: [{key: b}]\n  - key: a_b\n"],
];

describe("direct decode of clean documents agrees with the generic decode", () => {
  it.each(documents)("%s", (_name, text) => {
    const direct = loadRateLimitConfig([{ name: "c.yaml", text }]);
    const generic = loadRateLimitConfig([{ name: "c.yaml", text: text + FORCE_GENERIC }]);
    expect(report(direct)).toEqual(report(generic));
  });

  it("on every bad-config fixture (each has an error the direct decode must leave to the generic one)", () => {
    const dir = join(repoRoot(), "test", "fixtures", "bad-configs");
    const names = readdirSync(dir).filter((name) => name.endsWith(".yaml"));
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      const text = readFileSync(join(dir, name), "utf8");
      const direct = loadRateLimitConfig([{ name, text }]);
      // Text appended after a syntax error or at the root of a non-mapping would change the document itself.
      if (/^metadata:/m.test(text) || !text.endsWith("\n") || direct.errors.some((e) => e.code === "yaml-syntax" || e.code === "yaml-type")) continue;
      expect(report(direct)).toEqual(report(loadRateLimitConfig([{ name, text: text + FORCE_GENERIC }])));
    }
  });
});
