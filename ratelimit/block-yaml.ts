import { DocumentPositions, MappingNodeImpl, ScalarNodeImpl, SequenceNodeImpl, type ScalarNode, type SourceNode } from "./source-nodes.js";

/**
 * A direct parser for the block-style subset of YAML that ratelimit configs are written in: nested
 * block mappings and sequences (compact `- key: v` items included) of one-line plain or quoted
 * scalars, with comments and blank lines. It builds the very tree the js-yaml path builds, several
 * times faster, and declines (returns undefined) at the first thing outside that subset — flow
 * collections, anchors, tags, block or multi-line scalars, escapes, tabs, empty values, document
 * markers, and everything malformed. The js-yaml path then parses the text and words any error, so
 * the subset only has to be right, never complete: a differential test holds the two trees equal.
 */
export function parseBlockYaml(text: string): { readonly root: SourceNode; readonly nodeCount: number } | undefined {
  if (OUTSIDE_SUBSET_CHARACTERS.test(text)) return undefined;
  const parser = new BlockParser(text);
  try {
    const root = parser.parseDocument();
    return { root, nodeCount: parser.nodeCount };
  } catch (error) {
    if (error === DECLINE) return undefined;
    throw error;
  }
}

/**
 * Tabs, carriage returns, control characters, a byte-order mark and surrogates (astral characters):
 * all legal somewhere in YAML, all rare in configs, all left to js-yaml.
 */
const OUTSIDE_SUBSET_CHARACTERS = /[^\n\x20-\x7E\u00A0-\uD7FF\uE000-\uFEFE\uFF00-\uFFFD]/;

/** Thrown (never escapes parseBlockYaml) to give the text to the js-yaml path. */
const DECLINE: unique symbol = Symbol("outside the block YAML subset");

/** Deeper nesting is left to js-yaml, which bounds it with its own error. */
const MAX_DEPTH = 40;
/** YAML limits an implicit key to 1024 characters; longer ones are js-yaml's to refuse. */
const MAX_KEY_LENGTH = 1000;

const NEWLINE = 10;
const SPACE = 32;
const HASH = 35;
const DOUBLE_QUOTE = 34;
const SINGLE_QUOTE = 39;
const COLON = 58;
const DASH = 45;
const BACKSLASH = 92;

/** Characters that give a plain scalar's first character another meaning (YAML's c-indicator), `-?:` included. */
const INDICATOR = new Uint8Array(128);
for (const c of "-?:,[]{}#&*!|>'\"%@`") INDICATOR[c.charCodeAt(0)] = 1;

class BlockParser {
  readonly positions: DocumentPositions;
  nodeCount = 0;
  /** Offset where the current content line starts, or -1 at the end of the text. */
  private lineStart = 0;
  /** Column of the current content line's first character. */
  private column = 0;
  /** Exact end of the last scalar read: where the containers around it end too. */
  private lastEnd = 0;
  private depth = 0;
  /** Children of the open containers, innermost last. */
  private readonly stack: SourceNode[] = [];
  /** Just after the `:` of the key read last. */
  private afterColon = 0;

  constructor(private readonly text: string) {
    this.positions = new DocumentPositions(text);
  }

  parseDocument(): SourceNode {
    this.seekContent(0);
    if (this.lineStart < 0 || this.column !== 0) throw DECLINE;
    const root = this.parseBlockNode(0);
    if (this.lineStart >= 0) throw DECLINE; // something at a column no open node can take
    return root;
  }

  /** The node whose first line is the current content line, at `column`. */
  private parseBlockNode(column: number): SourceNode {
    if (++this.depth > MAX_DEPTH) throw DECLINE;
    const at = this.lineStart + column;
    const node = this.isDash(at) ? this.parseSequence(column, at) : this.parseMapping(column, at);
    this.depth--;
    return node;
  }

  /** The mapping whose first key is at `firstKeyAt` (already read as `firstKey`, in a compact item). */
  private parseMapping(column: number, firstKeyAt: number, firstKey?: ScalarNode): SourceNode {
    const base = this.stack.length;
    let keyAt = firstKeyAt;
    let key = firstKey ?? this.readKey(keyAt);
    for (;;) {
      if (!key) throw DECLINE;
      this.stack.push(key, this.readValue(this.afterColon, column, true));
      if (this.lineStart < 0 || this.column < column) break;
      if (this.column > column || this.isDash(this.lineStart + column)) throw DECLINE;
      keyAt = this.lineStart + column;
      key = this.readKey(keyAt);
    }
    this.nodeCount++;
    return new MappingNodeImpl(firstKeyAt, this.lastEnd, this.positions, undefined, undefined, this.popFrom(base), false);
  }

  private parseSequence(column: number, firstDashAt: number): SourceNode {
    const base = this.stack.length;
    let dashAt = firstDashAt;
    for (;;) {
      this.stack.push(this.readValue(dashAt + 1, column, false));
      if (this.lineStart < 0 || this.column < column) break;
      if (this.column > column) throw DECLINE;
      dashAt = this.lineStart + column;
      if (!this.isDash(dashAt)) break; // the next key of the mapping this sequence is the value of
    }
    this.nodeCount++;
    return new SequenceNodeImpl(firstDashAt, this.lastEnd, this.positions, undefined, undefined, this.popFrom(base));
  }

  /**
   * The children pushed since `base`, in an array of exactly their number (an array grown by push
   * reserves room for 17 or more, and a config has thousands of small mappings).
   */
  private popFrom(base: number): SourceNode[] {
    const stack = this.stack;
    const children = new Array<SourceNode>(stack.length - base);
    for (let i = base; i < stack.length; i++) children[i - base] = stack[i] as SourceNode;
    stack.length = base;
    return children;
  }

  /**
   * The value after a key's `:` or an item's `-` at `from`, within a node at `column`: a scalar on
   * the same line, a compact mapping (`- key: v`, items only), or a block on the following lines.
   * Leaves the parser on the next content line.
   */
  private readValue(from: number, column: number, isMappingValue: boolean): SourceNode {
    const t = this.text;
    let p = from;
    while (t.charCodeAt(p) === SPACE) p++;
    const c = t.charCodeAt(p);
    if (p >= t.length || c === NEWLINE || (c === HASH && p > from)) {
      this.seekContent(this.nextLine(p));
      if (this.lineStart < 0) throw DECLINE; // an empty value: a null, left to js-yaml
      if (this.column > column) return this.parseBlockNode(this.column);
      // A mapping's value may be a sequence at the mapping's own column.
      if (isMappingValue && this.column === column && this.isDash(this.lineStart + column)) return this.parseBlockNode(column);
      throw DECLINE;
    }
    if (p === from) throw DECLINE; // `-x` or `key:x`: not this construct at all
    if (!isMappingValue) {
      if (this.isDash(p)) throw DECLINE; // `- - x`
      const key = this.readKey(p);
      if (key) {
        // A compact mapping: its keys line up at the column of this first one.
        if (++this.depth > MAX_DEPTH) throw DECLINE;
        const mapping = this.parseMapping(p - this.lineStart, p, key);
        this.depth--;
        return mapping;
      }
    }
    const scalar = this.readScalar(p);
    this.seekContent(this.nextLine(this.lastEnd));
    return scalar;
  }

  /** The one-line scalar at `p`, which must end its line (a comment may follow). */
  private readScalar(p: number): ScalarNode {
    const t = this.text;
    const c = t.charCodeAt(p);
    let end: number;
    let node: ScalarNode;
    if (c === DOUBLE_QUOTE || c === SINGLE_QUOTE) {
      node = this.readQuoted(p);
      end = node.end;
    } else {
      // `-` may start a plain scalar when no blank follows (`-1`); other indicators are js-yaml's.
      if (c < 128 && INDICATOR[c] === 1 && !(c === DASH && !isBreakOrSpace(t, p + 1))) throw DECLINE;
      end = p;
      let contentEnd = p;
      for (;;) {
        const d = t.charCodeAt(end);
        if (end >= t.length || d === NEWLINE) break;
        if (d === HASH && t.charCodeAt(end - 1) === SPACE) break;
        if (d === COLON && isBreakOrSpace(t, end + 1)) throw DECLINE; // `: ` inside a value
        end++;
        if (d !== SPACE) contentEnd = end;
      }
      end = contentEnd;
      this.nodeCount++;
      node = new ScalarNodeImpl(p, end, this.positions, undefined, undefined, t.slice(p, end), "plain");
    }
    this.expectLineEnd(end);
    this.lastEnd = end;
    return node;
  }

  /** A key (plain or quoted, then `:` and a blank) at `p`, or undefined when there is none. `afterColon` is set. */
  private readKey(p: number): ScalarNode | undefined {
    const t = this.text;
    const c = t.charCodeAt(p);
    let key: ScalarNode;
    let colonAt: number;
    if (c === DOUBLE_QUOTE || c === SINGLE_QUOTE) {
      key = this.readQuoted(p);
      colonAt = key.end;
      while (t.charCodeAt(colonAt) === SPACE) colonAt++;
      if (t.charCodeAt(colonAt) !== COLON || !isBreakOrSpace(t, colonAt + 1)) {
        this.nodeCount--;
        return undefined;
      }
    } else {
      if (c < 128 && INDICATOR[c] === 1) return undefined;
      let e = p;
      for (;;) {
        const d = t.charCodeAt(e);
        if (e >= t.length || d === NEWLINE) return undefined;
        if (d === HASH && t.charCodeAt(e - 1) === SPACE) return undefined;
        if (d === COLON && isBreakOrSpace(t, e + 1)) break;
        e++;
      }
      colonAt = e;
      while (t.charCodeAt(e - 1) === SPACE) e--;
      if (e - p > MAX_KEY_LENGTH) throw DECLINE;
      this.nodeCount++;
      key = new ScalarNodeImpl(p, e, this.positions, undefined, undefined, t.slice(p, e), "plain");
    }
    this.afterColon = colonAt + 1;
    return key;
  }

  /** A one-line quoted scalar at `p` (no escapes in double quotes: those are js-yaml's). */
  private readQuoted(p: number): ScalarNode {
    const t = this.text;
    const quote = t.charCodeAt(p);
    let e = p + 1;
    let doubled = false;
    for (;;) {
      const d = t.charCodeAt(e);
      if (e >= t.length || d === NEWLINE || (d === BACKSLASH && quote === DOUBLE_QUOTE)) throw DECLINE;
      if (d === quote) {
        if (quote === SINGLE_QUOTE && t.charCodeAt(e + 1) === SINGLE_QUOTE) {
          doubled = true;
          e += 2;
          continue;
        }
        break;
      }
      e++;
    }
    let value = t.slice(p + 1, e);
    if (doubled) value = value.replaceAll("''", "'");
    this.nodeCount++;
    return new ScalarNodeImpl(p, e + 1, this.positions, undefined, undefined, value, quote === DOUBLE_QUOTE ? "double" : "single");
  }

  /** After a scalar: only blanks, then a comment (after a blank) or the line's end. */
  private expectLineEnd(end: number): void {
    const t = this.text;
    let p = end;
    while (t.charCodeAt(p) === SPACE) p++;
    if (p >= t.length || t.charCodeAt(p) === NEWLINE) return;
    if (t.charCodeAt(p) === HASH && p > end) return;
    throw DECLINE;
  }

  private isDash(p: number): boolean {
    return this.text.charCodeAt(p) === DASH && isBreakOrSpace(this.text, p + 1);
  }

  private nextLine(p: number): number {
    const nl = this.text.indexOf("\n", p);
    return nl < 0 ? this.text.length : nl + 1;
  }

  /** Move to the first line from `from` with content (not blank, not only a comment). */
  private seekContent(from: number): void {
    const t = this.text;
    let start = from;
    while (start < t.length) {
      let p = start;
      while (t.charCodeAt(p) === SPACE) p++;
      const c = t.charCodeAt(p);
      if (p < t.length && c !== NEWLINE && c !== HASH) {
        // Document markers and directives start at column 0: js-yaml's to handle.
        if (p === start && (c === 37 /* % */ || ((c === DASH || c === 46) /* . */ && t.startsWith(c === DASH ? "---" : "...", p) && isBreakOrSpace(t, p + 3)))) throw DECLINE;
        this.lineStart = start;
        this.column = p - start;
        return;
      }
      start = this.nextLine(p);
    }
    this.lineStart = -1;
    this.column = -1;
  }
}

function isBreakOrSpace(t: string, p: number): boolean {
  if (p >= t.length) return true;
  const c = t.charCodeAt(p);
  return c === SPACE || c === NEWLINE;
}
