import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch } from "./patches.js";

describe("patches", () => {
  it.each([
    ["merge patch deletes with null", applyMergePatch, { data: { a: "1", b: "2" } }, { data: { a: null } }, { data: { b: "2" } }],
    ["strategic merge keeps sibling keys", applyStrategicMergePatch, { data: { a: "1" } }, { data: { b: "2" } }, { data: { a: "1", b: "2" } }],
    ["strategic merge $patch: replace", applyStrategicMergePatch, { data: { a: "1" } }, { data: { b: "2", $patch: "replace" } }, { data: { b: "2" } }],
    [
      "strategic merge unions finalizers",
      applyStrategicMergePatch,
      { metadata: { finalizers: ["a"] } },
      { metadata: { finalizers: ["b"] } },
      { metadata: { finalizers: ["a", "b"] } },
    ],
  ])("%s", (_name, apply, target, patch, expected) => expect(apply(target, patch)).toEqual(expected));

  it("reports a failed json patch as the apiserver does", () => {
    const result = applyJsonPatch({ data: { a: "1" } }, [{ op: "test", path: "/data/a", value: "2" }]);
    expect(result).toMatchObject({ status: { code: 422, reason: "Invalid", details: { causes: [{ message: "testing value /data/a failed: test failed" }] } } });
  });
});
