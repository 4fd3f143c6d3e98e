import { unifiedDiff } from "./text-diff.js";

describe("unifiedDiff", () => {
  it.each([
    ["equal texts", "a\nb\n", "a\nb\n", ""],
    ["a changed number", "a\nb\nx: 1\nc\nd\n", "a\nb\nx: 2\nc\nd\n", "--- a/f\n+++ b/f\n@@ -1,5 +1,5 @@\n a\n b\n-x: 1\n+x: 2\n c\n d\n"],
    ["an added line", "rate_limit:\n  unit: minute\nnext: 1\n", "rate_limit:\n  unit: minute\n  requests_per_unit: 5\nnext: 1\n", "--- a/f\n+++ b/f\n@@ -1,3 +1,4 @@\n rate_limit:\n   unit: minute\n+  requests_per_unit: 5\n next: 1\n"],
  ])("%s", (_name, before, after, expected) => {
    expect(unifiedDiff("f", before, after)).toBe(expected);
  });
});
