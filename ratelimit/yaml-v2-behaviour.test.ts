import { loadRateLimitConfig } from "./loader.js";

/*
 * yaml.v2 2.4.0 and the service's loader, class by class: each row's expected message is what
 * gopkg.in/yaml.v2 2.4.0 under the service's loader gives for that text ("" where it loads).
 */
const rows: Array<[string, string, string]> = [
  ["a tab-only line after a mapping", "domain: d\n\t\ndescriptors: []\n", "c.yaml: error loading config file: yaml: line 2: found a tab character that violates indentation"],
  ["NEL is a line break, even in a comment", "domain: d # note\u0085descriptors: []\n", ""],
  ["LS ends a comment", "domain: d\n# c\u2028x: 1\n", "c.yaml: config error, unknown key 'x'"],
  ["a later document is never read", "domain: d\n---\n[\n", ""],
  ["junk right after a flow root is never read", "{domain: d}}\n", ""],
  ["the token after the root is still scanned", "{domain: d}\n\"open\n", "c.yaml: error loading config file: yaml: line 3: found unexpected end of stream"],
  ["a bare ! tag keeps the text a string", "domain: d\ndescriptors:\n  - key: k\n    rate_limit: {unit: second, requests_per_unit: ! 5}\n", "c.yaml: error loading config file: yaml: unmarshal errors:\n  line 4: cannot unmarshal ! `5` into uint32"],
  ["!!int on a quoted number", "domain: d\ndescriptors:\n  - key: k\n    rate_limit: {unit: second, requests_per_unit: !!int \"5\"}\n", ""],
  ["!!bool on a number", "domain: !!bool 1\n", "c.yaml: error loading config file: yaml: cannot decode !!int `1` as a !!bool"],
  ["a verbatim str tag", "domain: d\ndescriptors:\n  - key: k\n    rate_limit: {unit: second, requests_per_unit: !<tag:yaml.org,2002:str> 5}\n", "c.yaml: error loading config file: yaml: unmarshal errors:\n  line 4: cannot unmarshal !!str `5` into uint32"],
  ["!!binary decodes", "domain: !!binary ZA==\ndescriptors:\n  - key: k\n    rate_limit: {unit: second, requests_per_unit: 5}\n", ""],
  ["bad base64", "domain: !!binary Z\n", "c.yaml: error loading config file: yaml: !!binary value contains invalid base64 data"],
  ["an unknown tag handle", "domain: !e!x d\n", "c.yaml: error loading config file: yaml: found undefined tag handle"],
  ["a %TAG handle", "%TAG !e! tag:yaml.org,2002:\n---\ndomain: !e!str d\ndescriptors:\n  - key: k\n    rate_limit: {unit: second, requests_per_unit: 5}\n", ""],
  ["%YAML 1.2", "%YAML 1.2\n---\ndomain: d\n", "c.yaml: error loading config file: yaml: found incompatible YAML document"],
  ["a timestamp into uint32", "domain: d\ndescriptors:\n  - key: k\n    rate_limit: {unit: second, requests_per_unit: 2001-12-14}\n", "c.yaml: error loading config file: yaml: unmarshal errors:\n  line 4: cannot unmarshal !!timestamp `2001-12-14` into uint32"],
  ["an impossible date is a string", "domain: d\ndescriptors:\n  - key: k\n    rate_limit: {unit: second, requests_per_unit: 2001-02-30}\n", "c.yaml: error loading config file: yaml: unmarshal errors:\n  line 4: cannot unmarshal !!str `2001-02-30` into uint32"],
  ["a date-time with zone", "domain: d\ndescriptors:\n  - key: k\n    rate_limit: {unit: second, unlimited: 2001-12-14t21:59:43.10-05:00}\n", "c.yaml: error loading config file: yaml: unmarshal errors:\n  line 4: cannot unmarshal !!timestamp `2001-12...` into bool"],
  ["long values cut at 7 bytes", "domain: d\ndescriptors:\n  - key: k\n    rate_limit: {unit: second, requests_per_unit: \u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9}\n", "c.yaml: error loading config file: yaml: unmarshal errors:\n  line 4: cannot unmarshal !!str `ééé�...` into uint32"],
  ["type errors in document order", "domain: d\ndescriptors:\n  - shadow_mode: z\n    rate_limit: {unlimited: x, requests_per_unit: y}\n    key: k\n", "c.yaml: error loading config file: yaml: unmarshal errors:\n  line 3: cannot unmarshal !!str `z` into bool\n  line 4: cannot unmarshal !!str `x` into bool\n  line 4: cannot unmarshal !!bool `y` into uint32"],
  ["a repeated key decodes both times", "domain: [a]\ndomain: d\n", "c.yaml: error loading config file: yaml: unmarshal errors:\n  line 1: cannot unmarshal !!seq into string"],
  ["two rate_limit blocks merge", "domain: d\ndescriptors:\n  - key: k\n    rate_limit: {unit: second}\n    rate_limit: {requests_per_unit: 5}\n  - key: k\n", "c.yaml: duplicate descriptor composite key 'd.k'"],
  ["a second descriptors list replaces the first", "domain: d\ndescriptors:\n  - key: a\n  - key: a\ndescriptors:\n  - key: b\n", ""],
  ["quoted yes is no boolean", "domain: d\ndescriptors:\n  - key: k\n    shadow_mode: \"yes\"\n", "c.yaml: error loading config file: yaml: unmarshal errors:\n  line 4: cannot unmarshal !!str `yes` into bool"],
  ["metadata must be a mapping", "domain: d\ndescriptors:\n  - key: k\n    metadata: [a]\n", "c.yaml: error loading config file: yaml: unmarshal errors:\n  line 4: cannot unmarshal !!seq into map[string]interface {}"],
  ["metadata as a scalar", "domain: d\ndescriptors:\n  - key: k\n    metadata: x\n", "c.yaml: error loading config file: yaml: unmarshal errors:\n  line 4: cannot unmarshal !!str `x` into map[string]interface {}"],
  ["share_threshold looks at the whole key_value", "domain: d\ndescriptors:\n  - key: k*\n    value: v\n    share_threshold: true\n    rate_limit: {unit: second, requests_per_unit: 5}\n", ""],
  ["share_threshold without any wildcard", "domain: d\ndescriptors:\n  - key: k\n    value: v\n    share_threshold: true\n", "c.yaml: share_threshold can only be used with wildcard values (containing '*'), but found key 'k_v'"],
  ["a complex key", "domain: d\n[a]: b\n", "c.yaml: error loading config file: yaml: invalid map key: []interface {}{\"a\"}"],
  ["a complex mapping key", "domain: d\n? {a: 1, b: [x]}\n: c\n", "c.yaml: error loading config file: yaml: invalid map key: map[interface {}]interface {}{\"a\":1, \"b\":[]interface {}{\"x\"}}"],
  ["a merge of a scalar", "domain: d\n<<: x\n", "c.yaml: error loading config file: yaml: map merge requires map or sequence of maps as the value"],
  ["a merge of an alias to a list", "a: &x [b]\n<<: *x\n", "c.yaml: error loading config file: yaml: map merge requires map or sequence of maps as the value"],
  ["an anchor containing itself", "domain: d\nx: &a [b, *a]\n", "c.yaml: error loading config file: yaml: anchor 'a' value contains itself"],
  ["an unknown anchor", "domain: *x\n", "c.yaml: error loading config file: yaml: unknown anchor 'x' referenced"],
  ["a plain dash in a flow mapping", "{domain: -, descriptors: []}\n", ""],
  ["a question mark starting a flow scalar", "{domain: ?a}\n", "c.yaml: error loading config file: yaml: did not find expected node content"],
  ["mapping values not allowed", "domain: d: e\n", "c.yaml: error loading config file: yaml: mapping values are not allowed in this context"],
  ["bad indentation", "domain: d\n  descriptors: []\n", "c.yaml: error loading config file: yaml: line 2: mapping values are not allowed in this context"],
  ["a parser error names the line above", "domain: d\ndescriptors:\n  - key: k\n  rate_limit: 1\n x: y\n", "c.yaml: error loading config file: yaml: line 3: did not find expected '-' indicator"],
  ["a problem on the first line names no line", "{domain: d]\n", "c.yaml: error loading config file: yaml: did not find expected ',' or '}'"],
  ["an unterminated quote", "domain: 'd\n", "c.yaml: error loading config file: yaml: line 2: found unexpected end of stream"],
  ["a control character", "domain: d\u0001\n", "c.yaml: error loading config file: yaml: control characters are not allowed"],
  ["rate_limit: NULL zeroes the limit", "domain: d\ndescriptors:\n  - key: k\n    rate_limit: NULL\n", "c.yaml: invalid rate limit unit ''"],
  ["a quoted null into the rate_limit pointer", "domain: d\ndescriptors:\n  - key: k\n    rate_limit: \"~\"\n", "c.yaml: error loading config file: yaml: unmarshal errors:\n  line 4: cannot unmarshal !!str `~` into *config.YamlRateLimit"],
  ["a scalar root", "just text\n", "c.yaml: error loading config file: yaml: unmarshal errors:\n  line 1: cannot unmarshal !!str `just text` into map[interface {}]interface {}"],
  ["a !!map-tagged scalar root", "!!map\nplain words\n", "c.yaml: error loading config file: yaml: unmarshal errors:\n  line 1: cannot unmarshal !!mapplain words into map[interface {}]interface {}"],
  ["a tag on a mapping is dropped", "domain: !!str {}\n", "c.yaml: error loading config file: yaml: unmarshal errors:\n  line 1: cannot unmarshal !!map into string"],
  ["an unknown key fails before its value is looked at", "domain: d\nx: [[[[[[[[[[a]]]]]]]]]]\n", "c.yaml: config error, unknown key 'x'"],
  ["an empty document", "", "c.yaml: config file cannot have empty domain"],
  ["a float where a uint32 is wanted, under metadata only", "domain: d\ndescriptors:\n  - key: k\n    metadata: {a: 1.5}\n    rate_limit: {unit: second, requests_per_unit: 5}\n", ""],
  ["a float leaf", "domain: d\ndescriptors:\n  - key: k\n    rate_limit: {unit: second, requests_per_unit: 1.5}\n", "c.yaml: error checking config"],
  ["an int above int64", "domain: d\ndescriptors:\n  - key: k\n    rate_limit: {unit: second, requests_per_unit: 9223372036854775808}\n", "c.yaml: error checking config"],
  ["a uint32 overflow", "domain: d\ndescriptors:\n  - key: k\n    rate_limit: {unit: second, requests_per_unit: 4294967296}\n", "c.yaml: error loading config file: yaml: unmarshal errors:\n  line 4: cannot unmarshal !!int `4294967296` into uint32"],
  ["YAML 1.1 octal and underscores", "domain: d\ndescriptors:\n  - key: k\n    rate_limit: {unit: second, requests_per_unit: 0_10}\n", ""],
  ["nesting up to 10,000 levels", "domain: d\nx: " + "[".repeat(10000) + "]".repeat(10000) + "\n", "c.yaml: config error, unknown key 'x'"],
  ["nesting past 10,000 levels", "domain: d\nx: " + "[".repeat(10001) + "]".repeat(10001) + "\n", "c.yaml: error loading config file: yaml: line 2: exceeded max depth of 10000"],
  ["a list of lists 3000 deep is printed whole", "domain: d\ndescriptors: " + "[".repeat(3000) + "]".repeat(3000) + "\n", "c.yaml: config error, yaml file contains list of type other than map: " + "[".repeat(2999) + "]".repeat(2999)],
  ["an alias bomb", "domain: d\nmetadata:\n  a0: &a0 [x, x, x, x, x, x, x, x, x]\n" + [1, 2, 3, 4, 5].map((i) => `  a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(", ")}]\n`).join(""), "c.yaml: error loading config file: yaml: document contains excessive aliasing"],
];

describe("reading config.yaml as the ratelimit service does", () => {
  it.each(rows)("%s", (_name, text, expected) => {
    const result = loadRateLimitConfig([{ name: "c.yaml", text }]);
    expect(result.ok).toBe(expected === "");
    if (expected !== "") expect(result.errors[0]?.message).toBe(expected);
  });
});
