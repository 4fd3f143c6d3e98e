import { compileMatchCondition, evaluateMatchConditions } from "./match-conditions.js";

const bindings = {
  object: { metadata: { name: "ratelimit-config", namespace: "istio-system" }, data: { "config.yaml": "domain: edge" } },
  oldObject: null,
  request: { operation: "CREATE", namespace: "istio-system", userInfo: { username: "alice", groups: ["sre", "system:authenticated"] }, dryRun: false },
};
const compile = (...expressions: string[]) => expressions.map((expression, index) => compileMatchCondition({ name: `c${index}`, expression }, "test"));

describe("matchConditions", () => {
  it.each([
    ["all true", ["request.namespace == 'istio-system'", "object.metadata.name == 'ratelimit-config'"], { matches: true }],
    ["one false skips the webhook", ["true", "request.operation == 'UPDATE'"], { matches: false, failedCondition: "c1" }],
    ["oldObject is null on CREATE", ["oldObject == null"], { matches: true }],
    ["list macros over userInfo", ["request.userInfo.groups.exists(g, g == 'sre')"], { matches: true }],
    ["has() on a missing field", ["!has(object.metadata.labels)"], { matches: true }],
    ["string extensions", ["object.data['config.yaml'].startsWith('domain')"], { matches: true }],
    ["false wins over an error", ["object.spec.replicas > 1", "false"], { matches: false, failedCondition: "c1" }],
  ])("%s", (_name, expressions, expected) => expect(evaluateMatchConditions(compile(...expressions), bindings)).toEqual(expected));

  it("reports an evaluation error when nothing is false", () => {
    expect(evaluateMatchConditions(compile("object.spec.replicas > 1"), bindings)).toEqual({ error: expect.stringContaining("spec") });
  });

  it("treats JSON integers as CEL ints", () => {
    expect(evaluateMatchConditions(compile("object.spec.leaseDurationSeconds == 30"), { ...bindings, object: { spec: { leaseDurationSeconds: 30 } } })).toEqual({ matches: true });
  });

  it("refuses an expression that does not compile, as the apiserver refuses the configuration", () => {
    expect(() => compile("object.metadata.name ==")).toThrow(/matchConditions\[c0\]\.expression: Invalid value/);
  });
});
