import { BlockMappingNode, DocumentPositions, KeyTable, ScalarNodeImpl, SequenceNodeImpl, type ScalarNode, type SourceNode } from "./source-nodes.js";

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
const OUTSIDE_SUBSET_CHARACTERS = /[^\n\x20-\x7E\u00A0-\u2027\u202A-\uD7FF\uE000-\uFEFE\uFF00-\uFFFD]/;

/** Thrown (never escapes parseBlockYaml) to give the text to the js-yaml path. */
const DECLINE: unique symbol = Symbol("outside the block YAML subset");

/** Deeper nesting is left to js-yaml, which bounds it with its own error. */
const MAX_DEPTH = 40;
/** YAML limits an implicit key to 1024 characters; longer ones are js-yaml's to refuse. */
const MAX_KEY_LENGTH = 1000;

// Key styles as KeyTable codes them (KEY_STYLES).
const PLAIN_STYLE = 0;
const SINGLE_STYLE = 1;
const DOUBLE_STYLE = 2;

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
  /** Keys of the mappings still open, innermost last; moved to `keys` as their mapping closes. */
  private readonly pendingKeys = new KeyTable();
  private readonly keys = new KeyTable();
  /** Just after the closing quote of the quoted scalar read last. */
  private quotedEnd = 0;
  /** Just after the `:` of the key read last. */
  private afterColon = 0;

  private readonly strings: StringTable;

  constructor(private readonly text: string) {
    this.positions = new DocumentPositions(text);
    this.strings = new StringTable(text);
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

  /** The mapping whose first key is at `firstKeyAt` (already read, in a compact item, when `firstKeyRead`). */
  private parseMapping(column: number, firstKeyAt: number, firstKeyRead = false): SourceNode {
    const base = this.stack.length;
    const keyBase = this.pendingKeys.count - (firstKeyRead ? 1 : 0);
    if (!firstKeyRead && !this.readKey(firstKeyAt)) throw DECLINE;
    for (;;) {
      this.stack.push(this.readValue(this.afterColon, column, true));
      if (this.lineStart < 0 || this.column < column) break;
      if (this.column > column || this.isDash(this.lineStart + column)) throw DECLINE;
      if (!this.readKey(this.lineStart + column)) throw DECLINE;
    }
    this.nodeCount++;
    // This mapping's keys are the pending ones from keyBase: nested mappings took theirs as they closed.
    const firstKey = this.keys.moveFrom(this.pendingKeys, keyBase);
    return new BlockMappingNode(firstKeyAt, this.lastEnd, this.positions, this.keys, firstKey, this.popFrom(base));
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
      if (this.readKey(p)) {
        // A compact mapping: its keys line up at the column of this first one.
        if (++this.depth > MAX_DEPTH) throw DECLINE;
        const mapping = this.parseMapping(p - this.lineStart, p, true);
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
      const text = this.readQuoted(p);
      end = this.quotedEnd;
      this.nodeCount++;
      node = new ScalarNodeImpl(p, end, this.positions, undefined, undefined, text, c === DOUBLE_QUOTE ? "double" : "single");
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
      node = new ScalarNodeImpl(p, end, this.positions, undefined, undefined, this.strings.slice(p, end), "plain");
    }
    this.expectLineEnd(end);
    this.lastEnd = end;
    return node;
  }

  /** Read the key (plain or quoted, then `:` and a blank) at `p` into the pending keys; false when there is none. Sets `afterColon`. */
  private readKey(p: number): boolean {
    const t = this.text;
    const c = t.charCodeAt(p);
    let end: number;
    let text: string;
    let colonAt: number;
    if (c === DOUBLE_QUOTE || c === SINGLE_QUOTE) {
      text = this.readQuoted(p);
      end = this.quotedEnd;
      colonAt = end;
      while (t.charCodeAt(colonAt) === SPACE) colonAt++;
      if (t.charCodeAt(colonAt) !== COLON || !isBreakOrSpace(t, colonAt + 1)) return false;
    } else {
      if (c < 128 && INDICATOR[c] === 1) return false;
      end = p;
      for (;;) {
        const d = t.charCodeAt(end);
        if (end >= t.length || d === NEWLINE) return false;
        if (d === HASH && t.charCodeAt(end - 1) === SPACE) return false;
        if (d === COLON && isBreakOrSpace(t, end + 1)) break;
        end++;
      }
      colonAt = end;
      while (t.charCodeAt(end - 1) === SPACE) end--;
      if (end - p > MAX_KEY_LENGTH) throw DECLINE;
      text = this.strings.slice(p, end);
    }
    this.nodeCount++;
    this.pendingKeys.add(p, end, text, c === DOUBLE_QUOTE ? DOUBLE_STYLE : c === SINGLE_QUOTE ? SINGLE_STYLE : PLAIN_STYLE);
    this.afterColon = colonAt + 1;
    return true;
  }

  /** The text of the one-line quoted scalar at `p` (no escapes in double quotes: those are js-yaml's); `quotedEnd` is set. */
  private readQuoted(p: number): string {
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
    this.quotedEnd = e + 1;
    const value = this.strings.slice(p + 1, e);
    return doubled ? value.replaceAll("''", "'") : value;
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

/**
 * Short texts repeat all through a config (`key`, `PATH`, `minute`, small numbers): each slice
 * of one is a fresh copy, and a config's tree is alive until it is loaded. A small cache by
 * length and first and last characters hands out the copy made before.
 */
class StringTable {
  private readonly slots = new Array<string | undefined>(STRING_SLOTS);
  constructor(private readonly text: string) {}

  slice(start: number, end: number): string {
    const length = end - start;
    // Longer slices are views into the text (V8 copies only short ones): nothing to save.
    if (length > MAX_SHARED_LENGTH || length === 0) return this.text.slice(start, end);
    const t = this.text;
    const slot = (length * 31 + t.charCodeAt(start) * 7 + t.charCodeAt(end - 1)) & (STRING_SLOTS - 1);
    const known = this.slots[slot];
    if (known !== undefined && known.length === length && t.startsWith(known, start)) return known;
    const fresh = t.slice(start, end);
    this.slots[slot] = fresh;
    return fresh;
  }
}

const STRING_SLOTS = 1024;
const MAX_SHARED_LENGTH = 16;

function isBreakOrSpace(t: string, p: number): boolean {
  if (p >= t.length) return true;
  const c = t.charCodeAt(p);
  return c === SPACE || c === NEWLINE;
}
