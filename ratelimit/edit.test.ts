import fc from "fast-check";
import { loadRateLimitConfig } from "./loader.js";
import { setRequestsPerUnit } from "./edit.js";

const human = `# Owned by the platform team. Ask #ratelimit before editing.
domain: global-ratelimit
descriptors:
  - key: PARTNER
    value: "CUSTOMER_ID_1"   # the big one
    descriptors:
      - key: PATH
        value: '/api_v3/catalog'
        rate_limit:
          unit: minute
          requests_per_unit:    600    # raised 2024-03 (INC-42)
      - key: PATH
        value: /api_v3/search
        rate_limit: { unit: second, requests_per_unit: 0x20 }
  - key: UNKNOWN_TO_US
    rate_limit:
      unlimited: true
`;

const file = { name: "config.yaml", text: human };

describe("setRequestsPerUnit", () => {
  it("rewrites only the number of the rule it is asked to change", () => {
    const result = setRequestsPerUnit(file, new Map([["global-ratelimit.PARTNER_CUSTOMER_ID_1.PATH_/api_v3/catalog", 4200]]));
    expect(result.refused).toEqual([]);
    expect(result.text).toBe(human.replace("requests_per_unit:    600 ", "requests_per_unit:    4200 "));
  });

  it("rewrites numbers in flow mappings and written in hex, as plain decimals", () => {
    const result = setRequestsPerUnit(file, new Map([["global-ratelimit.PARTNER_CUSTOMER_ID_1.PATH_/api_v3/search", 45]]));
    expect(result.text).toBe(human.replace("requests_per_unit: 0x20 }", "requests_per_unit: 45 }"));
    expect(loadRateLimitConfig([{ name: "c", text: result.text }]).rules.find((r) => r.label === "PARTNER=CUSTOMER_ID_1/PATH=/api_v3/search")?.rateLimit?.requestsPerUnit).toBe(45);
  });

  it("applies several changes at once", () => {
    const result = setRequestsPerUnit(
      file,
      new Map([
        ["global-ratelimit.PARTNER_CUSTOMER_ID_1.PATH_/api_v3/catalog", 1],
        ["global-ratelimit.PARTNER_CUSTOMER_ID_1.PATH_/api_v3/search", 2],
      ]),
    );
    expect(result.applied).toEqual(["global-ratelimit.PARTNER_CUSTOMER_ID_1.PATH_/api_v3/catalog", "global-ratelimit.PARTNER_CUSTOMER_ID_1.PATH_/api_v3/search"]);
    expect(result.text).toBe(human.replace("600 ", "1 ").replace("0x20 }", "2 }"));
  });

  it.each([
    ["an unknown rule", "global-ratelimit.NOPE", 5, "no rule 'global-ratelimit.NOPE' in config.yaml"],
    ["a rule without rate_limit", "global-ratelimit.PARTNER_CUSTOMER_ID_1", 5, "rule has no rate_limit block"],
    ["a negative number", "global-ratelimit.PARTNER_CUSTOMER_ID_1.PATH_/api_v3/catalog", -1, "requests_per_unit -1 is not an integer in [0, 4294967295]"],
    ["a fraction", "global-ratelimit.PARTNER_CUSTOMER_ID_1.PATH_/api_v3/catalog", 1.5, "requests_per_unit 1.5 is not an integer in [0, 4294967295]"],
  ])("refuses %s and keeps the text", (_name, fullKey, value, reason) => {
    const result = setRequestsPerUnit(file, new Map([[fullKey, value]]));
    expect(result.refused).toEqual([{ fullKey, reason }]);
    expect(result.text).toBe(human);
  });

  it("never rewrites a number shared through an anchor", () => {
    const text = "domain: d\ndescriptors:\n  - key: a\n    rate_limit: &std {unit: minute, requests_per_unit: 10}\n  - key: b\n    rate_limit: *std\n";
    const result = setRequestsPerUnit({ name: "c", text }, new Map([["d.a", 20]]));
    expect(result.text).toBe(text);
    expect(result.refused[0]?.reason).toMatch(/shared with other rules/);
  });

  it("adds requests_per_unit where a block has none, in the block's indentation", () => {
    const text = "domain: d\ndescriptors:\n  - key: a\n    rate_limit:\n      unit: minute   # no number yet\n  - key: b\n";
    const result = setRequestsPerUnit({ name: "c", text }, new Map([["d.a", 20]]));
    expect(result.text).toBe("domain: d\ndescriptors:\n  - key: a\n    rate_limit:\n      unit: minute   # no number yet\n      requests_per_unit: 20\n  - key: b\n");
  });

  it("keeps CRLF line endings", () => {
    const text = "domain: d\r\ndescriptors:\r\n  - key: a\r\n    rate_limit:\r\n      unit: minute\r\n      requests_per_unit: 3\r\n";
    expect(setRequestsPerUnit({ name: "c", text }, new Map([["d.a", 30]])).text).toBe(text.replace(": 3\r\n", ": 30\r\n"));
  });
});

/** Generated configs in many human styles: comments, quoting, flow and block maps, indentation widths. */
const ruleArb = fc.record({
  key: fc.constantFrom("PARTNER", "PATH", "remote_address", "header_match"),
  value: fc.option(fc.stringMatching(/^[A-Za-z][A-Za-z0-9_\/.\-]{0,11}$/), { nil: undefined }),
  quote: fc.constantFrom("", "'", '"'),
  unit: fc.constantFrom("second", "minute", "HOUR", "day"),
  limit: fc.integer({ min: 0, max: 4_294_967_295 }),
  flow: fc.boolean(),
  comment: fc.option(fc.stringMatching(/^[ -~]{0,20}$/), { nil: undefined }),
});

type GeneratedRule = typeof ruleArb extends fc.Arbitrary<infer T> ? T : never;

function renderConfig(rules: GeneratedRule[], indent: number): string {
  const pad = (n: number) => " ".repeat(n * indent);
  const lines = ["# generated", "domain: prop"];
  lines.push("descriptors:");
  rules.forEach((r, i) => {
    const trailer = r.comment !== undefined ? `  # ${r.comment}` : "";
    lines.push(`${pad(1)}- key: ${r.key}${i}`);
    if (r.value !== undefined) lines.push(`${pad(1)}  value: ${r.quote}${r.value}${r.quote}`);
    if (r.flow) lines.push(`${pad(1)}  rate_limit: {unit: ${r.unit}, requests_per_unit: ${r.limit}}${trailer}`);
    else lines.push(`${pad(1)}  rate_limit:`, `${pad(2)}  unit: ${r.unit}`, `${pad(2)}  requests_per_unit: ${r.limit}${trailer}`);
  });
  return lines.join("\n") + "\n";
}

describe("byte preservation (property)", () => {
  it("changing limits and changing them back restores the exact text; other rules never change", () => {
    fc.assert(
      fc.property(fc.array(ruleArb, { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 4 }), fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), fc.integer({ min: 0, max: 4_294_967_295 }), (rules, indent, picks, newLimit) => {
        const text = renderConfig(rules, indent);
        const before = loadRateLimitConfig([{ name: "c", text }]);
        expect(before.errors).toEqual([]);
        const chosen = new Set(picks.map((p) => before.rules[p % before.rules.length]?.fullKey as string));
        const edited = setRequestsPerUnit({ name: "c", text }, new Map([...chosen].map((k) => [k, newLimit])));
        expect(edited.refused).toEqual([]);
        const after = loadRateLimitConfig([{ name: "c", text: edited.text }]);
        for (const [i, rule] of after.rules.entries()) {
          const old = before.rules[i];
          expect(rule.fullKey).toBe(old?.fullKey);
          expect(rule.rateLimit?.requestsPerUnit).toBe(chosen.has(rule.fullKey) ? newLimit : old?.rateLimit?.requestsPerUnit);
        }
        const restored = setRequestsPerUnit({ name: "c", text: edited.text }, new Map([...chosen].map((k) => [k, before.rules.find((r) => r.fullKey === k)?.rateLimit?.requestsPerUnit ?? 0])));
        expect(restored.text).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it("never throws on arbitrary text: every input ends in a verdict", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(..."abc:-[]{}&*!|>'\"#\n \t0123456789.,?<~%@`"), maxLength: 200 }), (text) => {
        const result = loadRateLimitConfig([{ name: "fuzz.yaml", text }]);
        expect(result.ok || result.errors.length > 0).toBe(true);
        for (const e of result.errors) expect(e.message.startsWith("fuzz.yaml: ")).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
