import yaml from "js-yaml";

/**
 * A YAML node with its place in the source text, built from js-yaml's composition events.
 * js-yaml resolves values but forgets where they came from; the ratelimit loader's checks need
 * Go yaml.v2's view of every scalar (quoted or plain, line number), and byte-preserving edits
 * need exact spans, so we keep both.
 */
export type SourceNode = ScalarNode | MappingNode | SequenceNode | AliasNode;

interface NodeBase {
  /** Offset of the node's first character (after anchor/tag properties for scalars). */
  readonly start: number;
  /** Offset just after the node's last character. */
  readonly end: number;
  /** 1-based line of `start`. */
  readonly line: number;
  readonly anchor?: string;
  /** Explicit tag as written (`!!str`), if any. */
  readonly tag?: string;
}

export interface ScalarNode extends NodeBase {
  readonly kind: "scalar";
  /** The decoded text (quotes and escapes resolved). */
  readonly text: string;
  readonly style: "plain" | "single" | "double" | "literal" | "folded";
}

export interface MappingNode extends NodeBase {
  readonly kind: "mapping";
  readonly pairs: ReadonlyArray<readonly [SourceNode, SourceNode]>;
  /** The same pairs flattened, key then value: `[k0, v0, k1, v1, ...]` (no tuple per pair). */
  readonly keysAndValues: readonly SourceNode[];
  readonly flow: boolean;
}

export interface SequenceNode extends NodeBase {
  readonly kind: "sequence";
  readonly items: readonly SourceNode[];
}

export interface AliasNode extends NodeBase {
  readonly kind: "alias";
  readonly name: string;
  /** The anchored node it refers to. */
  readonly target: SourceNode;
}

/** A YAML syntax error, located. */
export class YamlSyntaxError extends Error {
  constructor(
    readonly reason: string,
    /** 1-based line. */
    readonly line: number,
  ) {
    super(`yaml: line ${line}: ${reason}`);
  }
}

/** Nesting deeper than this is refused (js-yaml's own guard), keeping parse time and stack bounded. */
export const MAX_YAML_DEPTH = 100;

/** Line index: offsets at which each line starts, for offset → line lookups. */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) this.starts.push(i + 1);
  }
  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }
}

/** A parsed document: its root, and what decoding needs to know before walking it. */
export interface ParsedYamlDocument {
  /** The first document's root (null for an empty document). */
  readonly root: SourceNode | null;
  /** Nodes built (an upper bound of those in the tree). */
  readonly nodeCount: number;
  /** Whether any alias node was built. */
  readonly hasAlias: boolean;
}

/**
 * Parse the first YAML document of `text` into a source tree (null for an empty document).
 * Later documents are ignored, as Go's yaml.Unmarshal ignores them.
 * Throws YamlSyntaxError for malformed YAML.
 */
export function parseYamlSource(text: string): SourceNode | null {
  return parseYamlDocument(text).root;
}

/** parseYamlSource, also telling how many nodes were built and whether any is an alias. */
export function parseYamlDocument(text: string): ParsedYamlDocument {
  const builder = new SourceTreeBuilder(text);
  // Flat stacks instead of an object per event: what each open frame composed so far sits on
  // `nodes`/`results` (the node we built, js-yaml's value for it) above the frame's `heights` mark.
  const nodes: Array<SourceNode | undefined> = [];
  const results: unknown[] = [];
  let top = 0;
  const starts: number[] = [];
  const heights: number[] = [];
  try {
    yaml.loadAll(text, undefined, {
      schema: yaml.FAILSAFE_SCHEMA,
      json: true, // duplicate keys: last wins, as in yaml.v2's non-strict Unmarshal
      // Nodes are built as js-yaml closes them (children first), in one pass over the events.
      listener(event, state) {
        if (event === "open") {
          starts.push(state.position);
          heights.push(top);
          return;
        }
        if (starts.length === 0) return;
        const start = starts.pop() as number;
        const height = heights.pop() as number;
        const value = state.result;
        // js-yaml opens a wrapper frame around some nodes (e.g. with an anchor): it composes to the very
        // same value as its only child, where a one-item sequence composes to a new array.
        if (top - height === 1 && results[height] === value) return;
        let node: SourceNode | undefined;
        // js-yaml probes for one more key before a `---`/`...` marker: an empty frame that is no node.
        if (state.kind == null && value == null && state.position <= start) node = undefined;
        else node = builder.build(start, state.kind, value, state.position, nodes, height, top);
        nodes[height] = node;
        results[height] = value;
        top = height + 1;
      },
    });
  } catch (error) {
    throw toSyntaxError(error, text);
  }
  return { root: top > 0 ? nodes[0] ?? null : null, nodeCount: builder.nodeCount, hasAlias: builder.hasAlias };
}

function toSyntaxError(error: unknown, text: string): YamlSyntaxError {
  if (error instanceof yaml.YAMLException) {
    const line = (error.mark?.line ?? new LineIndex(text).lineOf(text.length) - 1) + 1;
    return new YamlSyntaxError(goWording(error.reason ?? error.message), line);
  }
  if (error instanceof RangeError) return new YamlSyntaxError("document nesting too deep", 1);
  throw error;
}

/** Go yaml.v2's wording for the syntax errors whose meaning both parsers share. */
function goWording(reason: string): string {
  if (/^unexpected end of the stream within a (single|double) quoted scalar/.test(reason)) {
    return "found unexpected end of stream";
  }
  if (reason.startsWith("nesting exceeded maxDepth")) return `exceeded max depth of ${MAX_YAML_DEPTH}`;
  if (reason.startsWith("tab characters must not be used in indentation")) {
    return "found character that cannot start any token";
  }
  if (reason.startsWith("unidentified alias")) return reason.replace("unidentified alias", "unknown anchor") + " referenced";
  return reason;
}

class SourceTreeBuilder implements SourcePositions {
  private readonly anchors = new Map<string, SourceNode>();
  private lineIndex: LineIndex | undefined;
  nodeCount = 0;
  hasAlias = false;
  constructor(private readonly text: string) {}

  /** Built on the first line asked for: a document that loads cleanly may need none. */
  get lines(): LineIndex {
    if (!this.lineIndex) this.lineIndex = new LineIndex(this.text);
    return this.lineIndex;
  }

  /** Build the node for a frame js-yaml just closed; its children are `children[from..to)`, already built. */
  build(frameStart: number, kind: string | null, value: unknown, endPosition: number, children: ReadonlyArray<SourceNode | undefined>, from: number, to: number): SourceNode {
    this.nodeCount++;
    let pos = this.skipSpace(frameStart);
    let anchor: string | undefined;
    let tag: string | undefined;
    // Node properties: `&anchor`, `!tag`, in either order.
    for (;;) {
      const c = this.text.charCodeAt(pos);
      if (c === 38 /* & */ || c === 33 /* ! */) {
        const m = /^[&!][^\s,\[\]{}]*/.exec(this.text.slice(pos, pos + 1024));
        const prop = m?.[0] ?? this.text[pos] ?? "";
        if (c === 38) anchor = prop.slice(1);
        else tag = prop;
        pos = this.skipSpace(pos + prop.length);
      } else break;
    }
    const start = pos;
    const first = this.text.charCodeAt(start);
    let result: SourceNode;
    if (first === 42 /* * */) {
      const name = /^\*([^\s,\[\]{}]+)/.exec(this.text.slice(start, start + 1024))?.[1] ?? "";
      const target = this.anchors.get(name);
      if (!target) throw new YamlSyntaxError(`unknown anchor '${name}' referenced`, this.lines.lineOf(start));
      this.hasAlias = true;
      result = new AliasNodeImpl(start, start + 1 + name.length, this, anchor, tag, name, target);
    } else if (kind === "mapping") {
      const keysAndValues = builtChildren(children, from, to);
      if (keysAndValues.length % 2 === 1) {
        // A key without a value node (`key:` at the end of a flow map) decodes to null.
        const key = keysAndValues[keysAndValues.length - 1] as SourceNode;
        keysAndValues.push(this.nullAt(key.end));
      }
      result = new MappingNodeImpl(start, endPosition, this, anchor, tag, keysAndValues, first === 123 /* { */);
    } else if (kind === "sequence") {
      const items = builtChildren(children, from, to);
      result = new SequenceNodeImpl(start, endPosition, this, anchor, tag, items);
    } else {
      const text = typeof value === "string" ? value : "";
      const style = first === 34 /* " */ ? "double" : first === 39 /* ' */ ? "single" : first === 124 /* | */ ? "literal" : first === 62 /* > */ ? "folded" : "plain";
      result = new ScalarNodeImpl(start, kind === "scalar" ? endPosition : start, this, anchor, tag, text, style);
    }
    if (anchor !== undefined) this.anchors.set(anchor, result);
    return result;
  }

  private nullAt(offset: number): ScalarNode {
    this.nodeCount++;
    return new ScalarNodeImpl(offset, offset, this, undefined, undefined, "", "plain");
  }

  /** Skip white space, line breaks, comments and the `- `/`? `/`: ` indicators js-yaml leaves before a node. */
  private skipSpace(pos: number): number {
    const t = this.text;
    for (;;) {
      const code = t.charCodeAt(pos);
      if (isBlank(code)) pos++;
      else if (code === 35 /* # */) {
        const nl = t.indexOf("\n", pos);
        pos = nl === -1 ? t.length : nl + 1;
      } else return pos;
    }
  }

  /** js-yaml reports a node's end after trailing blanks and comments: step back to its last character. */
  trimEnd(end: number): number {
    const t = this.text;
    let e = end;
    for (;;) {
      while (e > 0 && isBlank(t.charCodeAt(e - 1))) e--;
      const lineStart = t.lastIndexOf("\n", e - 1) + 1;
      // Scan this line only: lastIndexOf("#") would walk back through a comment-free file on every node.
      let hashAt = e - 1;
      while (hashAt >= lineStart && t.charCodeAt(hashAt) !== 35 /* # */) hashAt--;
      if (hashAt < lineStart) return e; // fast path: no comment on this line
      const hash = commentStart(t.slice(lineStart, e));
      if (hash === -1) return e;
      e = lineStart + hash;
    }
  }
}

/**
 * The nodes among `children[from..to)`, in an array of exactly their number: an array grown by
 * push reserves room for 17 or more, and a config has thousands of small mappings.
 */
function builtChildren(children: ReadonlyArray<SourceNode | undefined>, from: number, to: number): SourceNode[] {
  let count = 0;
  for (let i = from; i < to; i++) if (children[i]) count++;
  const built = new Array<SourceNode>(count);
  let j = 0;
  for (let i = from; i < to; i++) {
    const child = children[i];
    if (child) built[j++] = child;
  }
  return built;
}

function isBlank(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

/** Offset of a `#` comment in one line of YAML, ignoring `#` inside quotes or not preceded by a blank. */
function commentStart(line: string): number {
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = null;
    } else if (c === '"' || c === "'") {
      if (i === 0 || /[\s:\[{,-]/.test(line[i - 1] ?? "")) quote = c;
    } else if (c === "#" && (i === 0 || line[i - 1] === " " || line[i - 1] === "\t")) return i;
  }
  return -1;
}

/** What nodes need from their document to answer `line` and `end` when asked. */
interface SourcePositions {
  readonly lines: LineIndex;
  trimEnd(rawEnd: number): number;
}

/** A node's `&anchor` and `!tag`, when it has either (most nodes have neither). */
interface NodeProperties {
  readonly anchor: string | undefined;
  readonly tag: string | undefined;
}

/**
 * Node classes: fixed, small object shapes for V8 (a config holds tens of thousands of nodes, all
 * alive until it is loaded), with `kind` on the prototype, and `line` and `end` computed only when
 * asked (most nodes are never asked: lines are for messages, ends for the few numbers an edit rewrites).
 */
abstract class NodeImpl {
  private readonly properties: NodeProperties | undefined;
  constructor(
    readonly start: number,
    private readonly rawEnd: number,
    private readonly source: SourcePositions,
    anchor: string | undefined,
    tag: string | undefined,
  ) {
    this.properties = anchor === undefined && tag === undefined ? undefined : { anchor, tag };
  }
  get anchor(): string | undefined {
    return this.properties?.anchor;
  }
  get tag(): string | undefined {
    return this.properties?.tag;
  }
  get line(): number {
    return this.source.lines.lineOf(this.start);
  }
  get end(): number {
    return this.rawEnd <= this.start ? this.rawEnd : Math.max(this.start, this.source.trimEnd(this.rawEnd));
  }
}

class ScalarNodeImpl extends NodeImpl implements ScalarNode {
  constructor(start: number, end: number, source: SourcePositions, anchor: string | undefined, tag: string | undefined, readonly text: string, readonly style: ScalarNode["style"]) {
    super(start, end, source, anchor, tag);
  }
  get kind(): "scalar" {
    return "scalar";
  }
}

class MappingNodeImpl extends NodeImpl implements MappingNode {
  private pairList: ReadonlyArray<readonly [SourceNode, SourceNode]> | undefined;
  constructor(start: number, end: number, source: SourcePositions, anchor: string | undefined, tag: string | undefined, readonly keysAndValues: readonly SourceNode[], readonly flow: boolean) {
    super(start, end, source, anchor, tag);
  }
  get kind(): "mapping" {
    return "mapping";
  }
  /** Built when first asked: the decoders walk `keysAndValues`. */
  get pairs(): ReadonlyArray<readonly [SourceNode, SourceNode]> {
    if (!this.pairList) {
      const pairs: Array<readonly [SourceNode, SourceNode]> = [];
      for (let i = 0; i + 1 < this.keysAndValues.length; i += 2) pairs.push([this.keysAndValues[i] as SourceNode, this.keysAndValues[i + 1] as SourceNode]);
      this.pairList = pairs;
    }
    return this.pairList;
  }
}

class SequenceNodeImpl extends NodeImpl implements SequenceNode {
  constructor(start: number, end: number, source: SourcePositions, anchor: string | undefined, tag: string | undefined, readonly items: readonly SourceNode[]) {
    super(start, end, source, anchor, tag);
  }
  get kind(): "sequence" {
    return "sequence";
  }
}

class AliasNodeImpl extends NodeImpl implements AliasNode {
  constructor(start: number, end: number, source: SourcePositions, anchor: string | undefined, tag: string | undefined, readonly name: string, readonly target: SourceNode) {
    super(start, end, source, anchor, tag);
  }
  get kind(): "alias" {
    return "alias";
  }
}
