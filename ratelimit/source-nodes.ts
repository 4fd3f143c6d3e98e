/**
 * The source tree both YAML parsers build (js-yaml's events, and the block-subset scanner): nodes
 * with their place in the text, answering `line` and `end` lazily from the document's positions.
 */

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
  /** Explicit tag, as yaml.v2 prints it (`!!int` for `!!int` or `!<tag:yaml.org,2002:int>`, `!foo`, a bare `!`), if any. */
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
  /** Number of pairs. */
  readonly size: number;
  /** The text of pair i's key when it is a scalar (undefined for any other key), without building key nodes. */
  keyText(i: number): string | undefined;
  /** Pair i's value. */
  valueAt(i: number): SourceNode;
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

/** Line index: offsets at which each line starts, for offset → line lookups; lines end as yaml.v2 ends them (LF, CR, CRLF, NEL, LS, PS). */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    if (!OTHER_LINE_BREAKS.test(text)) {
      for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) this.starts.push(i + 1);
      return;
    }
    for (const m of text.matchAll(/\r\n|[\n\r\u0085\u2028\u2029]/g)) this.starts.push(m.index + m[0].length);
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

const OTHER_LINE_BREAKS = /[\r\u0085\u2028\u2029]/;

/** Where a document's nodes are: line numbers and trimmed ends, computed only when asked. */
export class DocumentPositions implements SourcePositions {
  private lineIndex: LineIndex | undefined;
  constructor(private readonly text: string) {}

  /** Built on the first line asked for: a document that loads cleanly may need none. */
  get lines(): LineIndex {
    if (!this.lineIndex) this.lineIndex = new LineIndex(this.text);
    return this.lineIndex;
  }

  /** A parser may report a node's end after trailing blanks and comments: step back to its last character. */
  trimEnd(end: number): number {
    const t = this.text;
    let e = Math.min(end, t.length); // js-yaml appends a line break to a text without one
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

export function isBlank(code: number): boolean {
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
      // A quote opens a scalar only where a scalar starts: after a blank, `[`, `{`, `,`, or a JSON-style
      // `"key":`; inside a plain scalar (`-'a`, `don't`) it is just a character.
      const before = line[i - 1] ?? "";
      if (i === 0 || /[\s\[{,]/.test(before) || (before === ":" && /["']/.test(line[i - 2] ?? ""))) quote = c;
    } else if (c === "#" && (i === 0 || line[i - 1] === " " || line[i - 1] === "\t")) return i;
  }
  return -1;
}


/** What nodes need from their document to answer `line` and `end` when asked. */
export interface SourcePositions {
  readonly lines: LineIndex;
  trimEnd(rawEnd: number): number;
}

/**
 * What a node with an `&anchor` or `!tag` points to instead of its document's positions (most
 * nodes have neither, and a field fewer on tens of thousands of nodes is memory the GC never copies).
 */
class PositionsWithProperties implements SourcePositions {
  constructor(
    private readonly positions: SourcePositions,
    readonly anchor: string | undefined,
    readonly tag: string | undefined,
    readonly eventStart: number | undefined,
  ) {}
  get lines(): LineIndex {
    return this.positions.lines;
  }
  trimEnd(rawEnd: number): number {
    return this.positions.trimEnd(rawEnd);
  }
}

/**
 * Node classes: fixed, small object shapes for V8 (a config holds tens of thousands of nodes, all
 * alive until it is loaded), with `kind` on the prototype, and `line` and `end` computed only when
 * asked (most nodes are never asked: lines are for messages, ends for the few numbers an edit rewrites).
 */
abstract class NodeImpl {
  protected readonly source: SourcePositions;
  constructor(
    readonly start: number,
    private rawEnd: number,
    source: SourcePositions,
    anchor: string | undefined,
    tag: string | undefined,
    /** Where yaml.v2's event for the node starts (its anchor or tag), when before `start`. */
    eventStart?: number,
  ) {
    this.source = anchor === undefined && tag === undefined ? source : new PositionsWithProperties(source, anchor, tag, eventStart);
  }
  /** Set the end of a collection built before its children were read. */
  finish(end: number): void {
    this.rawEnd = end;
  }
  get anchor(): string | undefined {
    return this.source instanceof PositionsWithProperties ? this.source.anchor : undefined;
  }
  get tag(): string | undefined {
    return this.source instanceof PositionsWithProperties ? this.source.tag : undefined;
  }
  /** 1-based, as yaml.v2 counts it: the line of the node's anchor or tag when it has one. */
  get line(): number {
    const eventStart = this.source instanceof PositionsWithProperties ? this.source.eventStart : undefined;
    return this.source.lines.lineOf(eventStart ?? this.start);
  }
  get end(): number {
    return this.rawEnd <= this.start ? this.rawEnd : Math.max(this.start, this.source.trimEnd(this.rawEnd));
  }
}

export class ScalarNodeImpl extends NodeImpl implements ScalarNode {
  constructor(start: number, end: number, source: SourcePositions, anchor: string | undefined, tag: string | undefined, readonly text: string, readonly style: ScalarNode["style"], eventStart?: number) {
    super(start, end, source, anchor, tag, eventStart);
  }
  get kind(): "scalar" {
    return "scalar";
  }
}

export class MappingNodeImpl extends NodeImpl implements MappingNode {
  private pairList: ReadonlyArray<readonly [SourceNode, SourceNode]> | undefined;
  constructor(start: number, end: number, source: SourcePositions, anchor: string | undefined, tag: string | undefined, readonly keysAndValues: readonly SourceNode[], readonly flow: boolean, eventStart?: number) {
    super(start, end, source, anchor, tag, eventStart);
  }
  get kind(): "mapping" {
    return "mapping";
  }
  /** Built when first asked: the decoders walk `keysAndValues`. */
  get pairs(): ReadonlyArray<readonly [SourceNode, SourceNode]> {
    if (!this.pairList) this.pairList = pairsOf(this.keysAndValues);
    return this.pairList;
  }
  get size(): number {
    return this.keysAndValues.length >> 1;
  }
  keyText(i: number): string | undefined {
    const key = this.keysAndValues[2 * i];
    return key?.kind === "scalar" ? key.text : undefined;
  }
  valueAt(i: number): SourceNode {
    return this.keysAndValues[2 * i + 1] as SourceNode;
  }
}

function pairsOf(keysAndValues: readonly SourceNode[]): Array<readonly [SourceNode, SourceNode]> {
  const pairs: Array<readonly [SourceNode, SourceNode]> = [];
  for (let i = 0; i + 1 < keysAndValues.length; i += 2) pairs.push([keysAndValues[i] as SourceNode, keysAndValues[i + 1] as SourceNode]);
  return pairs;
}

/**
 * The scalar keys of a document's block mappings, in columns: a key is a few array slots here
 * rather than a node object, until something asks a mapping for its key nodes. Also serves as
 * the parser's stack of keys of the mappings still open (`truncate` pops them).
 */
export class KeyTable {
  private starts = new Int32Array(256);
  private ends = new Int32Array(256);
  private styles = new Uint8Array(256);
  private texts: string[] = [];
  /** Number of keys held. */
  count = 0;

  add(start: number, end: number, text: string, style: number): void {
    if (this.count === this.starts.length) this.grow();
    const i = this.count++;
    this.starts[i] = start;
    this.ends[i] = end;
    this.styles[i] = style;
    this.texts[i] = text;
  }
  text(i: number): string | undefined {
    return i < this.count ? this.texts[i] : undefined;
  }
  node(i: number, positions: SourcePositions): ScalarNode {
    return new ScalarNodeImpl(this.starts[i] ?? 0, this.ends[i] ?? 0, positions, undefined, undefined, this.texts[i] ?? "", KEY_STYLES[this.styles[i] ?? 0] ?? "plain");
  }
  /** Append `other`'s keys from `from` on and drop them there; the index of the first one here. */
  moveFrom(other: KeyTable, from: number): number {
    const first = this.count;
    for (let i = from; i < other.count; i++) this.add(other.starts[i] ?? 0, other.ends[i] ?? 0, other.texts[i] ?? "", other.styles[i] ?? 0);
    other.count = from;
    return first;
  }
  private grow(): void {
    const size = this.starts.length * 2;
    const starts = new Int32Array(size);
    starts.set(this.starts);
    this.starts = starts;
    const ends = new Int32Array(size);
    ends.set(this.ends);
    this.ends = ends;
    const styles = new Uint8Array(size);
    styles.set(this.styles);
    this.styles = styles;
  }
}

/** A key's style, by its code in a KeyTable. */
export const KEY_STYLES: ReadonlyArray<ScalarNode["style"]> = ["plain", "single", "double"];

/** A block mapping whose keys are all one-line scalars, kept in a KeyTable: key nodes are built only when asked for. */
export class BlockMappingNode extends NodeImpl implements MappingNode {
  private built: SourceNode[] | undefined;
  private pairList: ReadonlyArray<readonly [SourceNode, SourceNode]> | undefined;
  constructor(
    start: number,
    end: number,
    positions: SourcePositions,
    private readonly keys: KeyTable,
    private readonly firstKey: number,
    private readonly values: readonly SourceNode[],
  ) {
    super(start, end, positions, undefined, undefined);
  }
  get kind(): "mapping" {
    return "mapping";
  }
  get flow(): boolean {
    return false;
  }
  get size(): number {
    return this.values.length;
  }
  keyText(i: number): string | undefined {
    return i < this.values.length ? this.keys.text(this.firstKey + i) : undefined;
  }
  valueAt(i: number): SourceNode {
    return this.values[i] as SourceNode;
  }
  get keysAndValues(): readonly SourceNode[] {
    if (!this.built) {
      const built = new Array<SourceNode>(2 * this.values.length);
      for (let i = 0; i < this.values.length; i++) {
        built[2 * i] = this.keys.node(this.firstKey + i, this.source);
        built[2 * i + 1] = this.values[i] as SourceNode;
      }
      this.built = built;
    }
    return this.built;
  }
  get pairs(): ReadonlyArray<readonly [SourceNode, SourceNode]> {
    if (!this.pairList) this.pairList = pairsOf(this.keysAndValues);
    return this.pairList;
  }
}

export class SequenceNodeImpl extends NodeImpl implements SequenceNode {
  constructor(start: number, end: number, source: SourcePositions, anchor: string | undefined, tag: string | undefined, readonly items: readonly SourceNode[], eventStart?: number) {
    super(start, end, source, anchor, tag, eventStart);
  }
  get kind(): "sequence" {
    return "sequence";
  }
}

export class AliasNodeImpl extends NodeImpl implements AliasNode {
  constructor(start: number, end: number, source: SourcePositions, anchor: string | undefined, tag: string | undefined, readonly name: string, readonly target: SourceNode) {
    super(start, end, source, anchor, tag);
  }
  get kind(): "alias" {
    return "alias";
  }
}
