import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { generateRateLimitConfig } from "../bench/generate-config.js";
import { repoRoot, sharedDir } from "../test/support/paths.js";
import { parseBlockYaml } from "./block-yaml.js";
import type { SourceNode } from "./source-nodes.js";
import { parseYamlEvents } from "./yaml-source.js";

/*
 * The block parser is a shortcut for the js-yaml path: wherever it accepts a text it must build the
 * very tree js-yaml's events build (kinds, texts, styles, spans, lines), and wherever js-yaml refuses
 * a text it must decline. These tests hold it to that on real configs and on random documents.
 */

/** The first difference between two trees, or undefined when they are the same. */
function difference(a: SourceNode, b: SourceNode, path = "root"): string | undefined {
  for (const field of ["kind", "start", "end", "line", "anchor", "tag"] as const) {
    if (a[field] !== b[field]) return `${path}.${field}: ${String(a[field])} vs ${String(b[field])}`;
  }
  if (a.kind === "scalar" && b.kind === "scalar" && (a.text !== b.text || a.style !== b.style)) return `${path}: ${a.style} ${JSON.stringify(a.text)} vs ${b.style} ${JSON.stringify(b.text)}`;
  if (a.kind === "mapping" && b.kind === "mapping") {
    if (a.flow !== b.flow) return `${path}.flow`;
    // The pair accessors the loader reads must tell what keysAndValues tells.
    for (const m of [a, b]) {
      if (m.size * 2 !== m.keysAndValues.length) return `${path}.size`;
      for (let i = 0; i < m.size; i++) {
        const key = m.keysAndValues[2 * i];
        if (m.keyText(i) !== (key?.kind === "scalar" ? key.text : undefined) || m.valueAt(i) !== m.keysAndValues[2 * i + 1]) return `${path}: pair ${i} accessors`;
      }
    }
  }
  const childrenA = a.kind === "mapping" ? a.keysAndValues : a.kind === "sequence" ? a.items : [];
  const childrenB = b.kind === "mapping" ? b.keysAndValues : b.kind === "sequence" ? b.items : [];
  if (childrenA.length !== childrenB.length) return `${path}: ${childrenA.length} vs ${childrenB.length} children`;
  for (let i = 0; i < childrenA.length; i++) {
    const found = difference(childrenA[i] as SourceNode, childrenB[i] as SourceNode, `${path}/${i}`);
    if (found) return found;
  }
  return undefined;
}

/** "declined", "same", or what differs: the block parser's verdict on `text` against js-yaml's. */
function compare(text: string): string {
  const block = parseBlockYaml(text);
  let events: ReturnType<typeof parseYamlEvents>;
  try {
    events = parseYamlEvents(text);
  } catch (error) {
    return block ? `accepted what js-yaml refuses: ${(error as Error).message}` : "declined";
  }
  if (!block) return "declined";
  if (!events.root) return "accepted an empty document";
  const found = difference(block.root, events.root);
  if (found) return found;
  return block.nodeCount === events.nodeCount ? "same" : `nodeCount ${block.nodeCount} vs ${events.nodeCount}`;
}

function yamlFilesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".yaml") || f.endsWith(".yml"))
    .map((f) => join(dir, f));
}

describe("block YAML parser", () => {
  test("parses generated configs of every size into js-yaml's tree", () => {
    for (const rules of [1, 5, 40, 1000]) expect(compare(generateRateLimitConfig(rules))).toBe("same");
  });

  test.each([
    ["compact sequence under a key", "a:\n- b: 1\n  c: '2'\n- d\ne: f\n"],
    ["indented sequence, wide dashes", "a:\n    -   x: 1\n        y: 2\n    -   z\n"],
    ["comments and blank lines everywhere", "# head\n\na: 1 # one\n  # indented comment\n\nb:   # opens a block\n  c: \"q # not a comment\"\n# tail\n"],
    ["quoted keys and doubled single quotes", "'it''s': \"x\"\n\"k\" : 'a''b'\n"],
    ["plain scalars with indicators inside", "a: b#c\nd: e:f\ng: -1\nh: x, y [z] {w}\n"],
    ["nested sequences of mappings", "a:\n  - b:\n      - c: 1\n      - d: 2\n  - e: 3\n"],
    ["spaces before a colon and trailing spaces", "a  : b   \nc:    d\n"],
    ["unicode text", "clé: café ünïcødé 日本\n"],
  ])("agrees with js-yaml: %s", (_name, text) => {
    expect(compare(text)).toBe("same");
  });

  test.each([
    ["a flow mapping", "a: {b: 1}\n"],
    ["an anchor", "a: &x 1\nb: 2\n"],
    ["a tag", "a: !!str 1\n"],
    ["a block scalar", "a: |\n  text\n"],
    ["a multi-line plain scalar", "a: one\n  two\n"],
    ["an escape in double quotes", 'a: "\\t"\n'],
    ["a tab", "a:\tb\n"],
    ["CRLF line ends", "a: b\r\nc: d\r\n"],
    ["an empty value", "a:\nb: c\n"],
    ["an empty item", "a:\n  -\n  - b\n"],
    ["a document marker", "---\na: b\n"],
    ["a root scalar", "just text\n"],
    ["an empty document", "# nothing\n"],
    ["a bad indentation", "a:\n    b: 1\n  c: 2\n"],
    ["a mapping value on the key's line and a nested block", "a: b\n  c: d\n"],
    ["an unterminated quote", "a: \"b\n"],
    ["text after a quoted scalar", "a: 'b' c\n"],
    ["a colon in a plain value", "a: b: c\n"],
  ])("declines %s", (_name, text) => {
    expect(parseBlockYaml(text)).toBeUndefined();
  });

  test("agrees with js-yaml on every YAML fixture, ours and (when present) the loader's", () => {
    const files = yamlFilesUnder(join(repoRoot(), "test", "fixtures"));
    const shared = sharedDir();
    if (shared && existsSync(join(shared, "ratelimit-fixtures"))) files.push(...yamlFilesUnder(join(shared, "ratelimit-fixtures")));
    else console.warn("the loader's fixtures are not here (a clone without ../shared): checking ours only");
    let accepted = 0;
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      const verdict = compare(text);
      if (verdict === "same") accepted++;
      else expect([file, verdict]).toEqual([file, "declined"]);
    }
    expect(accepted).toBeGreaterThan(10);
  });

  // Random block documents, written in the many ways people write YAML, with scalars drawn from
  // characters that mean something to YAML: accepted ones must match js-yaml exactly.
  const word = fc.string({ unit: fc.constantFrom("a", "b", "Z", "0", "7", "_", "/", " "), minLength: 1, maxLength: 6 });
  const trickyText = fc.string({ unit: fc.constantFrom("a", "b", "Z", "0", "7", " ", ":", "#", "-", "?", ",", "[", "]", "{", "}", "&", "*", "!", "%", "@", "`", "|", ">", "'", '"', "\\", "~", ".", "/", "_", "=", "é", "\t", "\r"), minLength: 1, maxLength: 8 });
  const scalarText = fc.oneof({ arbitrary: word, weight: 6 }, { arbitrary: trickyText, weight: 1 });
  const scalar = fc.tuple(scalarText, fc.constantFrom("plain", "plain", "plain", "double", "single")).map(([text, style]) => (style === "double" ? `"${text}"` : style === "single" ? `'${text}'` : text));
  type Tree = string | { readonly map: ReadonlyArray<readonly [string, Tree]> } | { readonly seq: readonly Tree[] };
  const { tree } = fc.letrec<{ tree: Tree; map: Tree; seq: Tree }>((tie) => {
    const subtree = tie("tree") as fc.Arbitrary<Tree>;
    return {
      tree: fc.oneof({ depthSize: "small", withCrossShrink: true }, scalar, tie("map") as fc.Arbitrary<Tree>, tie("seq") as fc.Arbitrary<Tree>),
      map: fc.array(fc.tuple(scalar, subtree), { minLength: 1, maxLength: 4 }).map((entries): Tree => ({ map: entries })),
      seq: fc.array(subtree, { minLength: 1, maxLength: 4 }).map((items): Tree => ({ seq: items })),
    };
  });
  const style = fc.record({
    indent: fc.integer({ min: 1, max: 4 }),
    dashGap: fc.integer({ min: 1, max: 3 }),
    compactSequences: fc.boolean(),
    comments: fc.boolean(),
    blankLines: fc.boolean(),
    spaceBeforeColon: fc.boolean(),
  });
  type Style = typeof style extends fc.Arbitrary<infer S> ? S : never;

  function render(node: Tree, column: number, s: Style, lines: string[]): void {
    const pad = " ".repeat(column);
    const comment = s.comments ? "  # note" : "";
    if (typeof node === "string") throw new Error("a root scalar is rendered by its parent");
    if ("map" in node) {
      for (const [key, value] of node.map) {
        const head = `${pad}${key}${s.spaceBeforeColon ? " " : ""}:`;
        if (typeof value === "string") lines.push(`${head} ${value}${comment}`);
        else {
          lines.push(head + comment);
          if (s.blankLines) lines.push("");
          render(value, "seq" in value && s.compactSequences ? column : column + s.indent, s, lines);
        }
      }
    } else {
      for (const item of node.seq) {
        const dash = `${pad}-${" ".repeat(s.dashGap)}`;
        if (typeof item === "string") lines.push(`${dash}${item}${comment}`);
        else if ("map" in item) {
          // A compact item: the first key on the dash's line, the others under it.
          const inner: string[] = [];
          render(item, column + 1 + s.dashGap, s, inner);
          lines.push(dash + (inner[0] ?? "").trimStart(), ...inner.slice(1));
        } else {
          lines.push(`${pad}-${comment}`);
          render(item, column + s.indent, s, lines);
        }
      }
    }
    if (s.comments) lines.push(`${" ".repeat(Math.max(0, column - 1))}# between`);
  }

  test("random block documents: accepted ones match js-yaml, and many are accepted", () => {
    let accepted = 0;
    let runs = 0;
    fc.assert(
      fc.property(fc.oneof(tree.filter((t) => typeof t !== "string")), style, (root, s) => {
        const lines: string[] = [];
        render(root, 0, s, lines);
        const text = `${lines.join("\n")}\n`;
        const verdict = compare(text);
        runs++;
        if (verdict === "same") accepted++;
        expect([text, verdict]).toEqual([text, verdict === "same" ? "same" : "declined"]);
      }),
      { numRuns: 1500, seed: Number(process.env.FC_SEED ?? 20261126) },
    );
    // The subset must be worth having on such documents, not decline them all.
    expect(accepted / runs).toBeGreaterThan(0.2);
  });

  test("random edits of a config: the block parser never accepts what js-yaml refuses or reads differently", () => {
    const base = generateRateLimitConfig(3);
    const edit = fc.tuple(fc.nat({ max: base.length }), fc.nat({ max: 3 }), fc.constantFrom(" ", "  ", "\n", "-", ":", "#", "'", '"', "- ", ": ", " #", "a", "\t", "\\", "&a ", "*a", "[", "{", "|", ">", "!!", "---\n", "..."));
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), (edits) => {
        let text = base;
        for (const [at, remove, insert] of edits) text = text.slice(0, at) + insert + text.slice(Math.min(text.length, at + remove));
        const verdict = compare(text);
        expect([text, verdict]).toEqual([text, verdict === "same" ? "same" : "declined"]);
      }),
      { numRuns: 3000, seed: Number(process.env.FC_SEED ?? 7) },
    );
  });
});
