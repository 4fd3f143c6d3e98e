import { configMapDiff, unifiedDiff } from "./text-diff.js";

describe("unifiedDiff", () => {
  it.each([
    ["equal texts", "a\nb\n", "a\nb\n", ""],
    ["a changed number", "a\nb\nx: 1\nc\nd\n", "a\nb\nx: 2\nc\nd\n", "--- a/f\n+++ b/f\n@@ -1,5 +1,5 @@\n a\n b\n-x: 1\n+x: 2\n c\n d\n"],
    ["an added line", "rate_limit:\n  unit: minute\nnext: 1\n", "rate_limit:\n  unit: minute\n  requests_per_unit: 5\nnext: 1\n", "--- a/f\n+++ b/f\n@@ -1,3 +1,4 @@\n rate_limit:\n   unit: minute\n+  requests_per_unit: 5\n next: 1\n"],
    ["two changes far apart, two hunks", "1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\nX\n3\n4\n5\n6\n7\nY\n9\n", "--- a/f\n+++ b/f\n@@ -1,4 +1,4 @@\n 1\n-2\n+X\n 3\n 4\n@@ -6,4 +6,4 @@\n 6\n 7\n-8\n+Y\n 9\n"],
    ["a file without a final newline", "a: 1", "a: 2", "--- a/f\n+++ b/f\n@@ -1,1 +1,1 @@\n-a: 1\n\\ No newline at end of file\n+a: 2\n\\ No newline at end of file\n"],
  ])("%s", (_name, before, after, expected) => {
    expect(unifiedDiff("f", before, after)).toBe(expected);
  });
});

describe("configMapDiff", () => {
  it("diffs each changed key in name order, binaryData decoded, and skips equal ones", () => {
    const before = { data: { "z.yaml": "z: 1\n", "same.yaml": "s\n" }, binaryData: { "b.yaml": Buffer.from("b: 1\n").toString("base64") } };
    const after = { data: { "z.yaml": "z: 2\n", "same.yaml": "s\n" }, binaryData: { "b.yaml": Buffer.from("b: 3\n").toString("base64") } };
    expect(configMapDiff(before, after)).toBe("--- a/b.yaml\n+++ b/b.yaml\n@@ -1,1 +1,1 @@\n-b: 1\n+b: 3\n--- a/z.yaml\n+++ b/z.yaml\n@@ -1,1 +1,1 @@\n-z: 1\n+z: 2\n");
  });
});
