import { Ch, YamlCursor, type Mark } from "./yaml-cursor.js";
import { scannerError, YamlSyntaxError } from "./yaml-errors.js";
import { scanAnchor, scanBlockScalar, scanDirective, scanFlowScalar, scanPlainScalar, scanTag } from "./yaml-scan-scalars.js";
import { T, token, type Token } from "./yaml-tokens.js";

/** Characters that start something other than a plain scalar (YAML's indicators). */
const INDICATORS = new Uint8Array(128);
for (const ch of "-?:,[]{}#&*!|>'\"%@`") INDICATORS[ch.charCodeAt(0)] = 1;

/** About how far yaml.v2's first input buffer reaches (its reader decodes 512 bytes at a time). */
const FIRST_BUFFER_CHARACTERS = 500;

/** yaml.v2 refuses deeper flow nesting or block indentation than this. */
const MAX_DEPTH = 10000;

interface SimpleKey {
  possible: boolean;
  required: boolean;
  tokenNumber: number;
  mark: Mark;
}

/**
 * yaml.v2's scanner (a port of libyaml's): turns the text into tokens on demand, with libyaml's
 * rules for indentation, simple keys and flow levels, and its error messages and marks. Like
 * yaml.v2 it reads only as far as the parser asks, so text after the first document's root is
 * never scanned.
 */
export class YamlScanner {
  private readonly c: YamlCursor;
  private readonly tokens: Token[] = [];
  private head = 0;
  private tokensParsed = 0;
  private tokenAvailable = false;
  private streamStartProduced = false;
  private indent = -1;
  private readonly indents: number[] = [];
  private simpleKeyAllowed = false;
  private readonly simpleKeys: SimpleKey[] = [];
  private readonly simpleKeysByToken = new Map<number, number>();
  private flowLevel = 0;
  /** Where yaml.v2's reader, decoding 512-byte chunks ahead of the scanner, meets a character it refuses; -1 for none. */
  private readonly readerStop: number;

  /**
   * yaml.v2 skips the character at column 0 when its input buffer starts with a byte-order mark
   * (it looks at the buffer's start, not at the current character). Its reader drops one leading
   * mark, so this holds only for text starting with two, while the first buffer lasts.
   */
  private readonly bufferStartsWithMark: boolean;

  constructor(text: string) {
    this.c = new YamlCursor(text);
    this.readerStop = readerStopOffset(text);
    // The reader drops a leading byte-order mark before the scanner sees anything.
    if (text.charCodeAt(0) === Ch.ByteOrderMark) this.c.pos = 1;
    this.bufferStartsWithMark = text.charCodeAt(this.c.pos) === Ch.ByteOrderMark;
  }

  /** The next token, left in place. */
  peek(): Token {
    if (!this.tokenAvailable) this.fetchMoreTokens();
    return this.tokens[this.head] as Token;
  }

  /** Consume the token peek returned. */
  skipToken(): void {
    this.tokenAvailable = false;
    this.tokensParsed++;
    this.head++;
    // Drop consumed tokens now and then, so a long document's queue stays short.
    if (this.head > 1024 && this.head * 2 > this.tokens.length) {
      this.tokens.splice(0, this.head);
      this.head = 0;
    }
  }

  private fetchMoreTokens(): void {
    for (;;) {
      if (this.head !== this.tokens.length) {
        const keyIndex = this.simpleKeysByToken.get(this.tokensParsed);
        if (keyIndex === undefined) break;
        if (!this.simpleKeyIsValid(this.simpleKeys[keyIndex] as SimpleKey)) break;
      }
      this.fetchNextToken();
    }
    this.tokenAvailable = true;
  }

  private checkReader(ahead: number): void {
    if (this.readerStop >= 0 && this.c.pos + ahead > this.readerStop) throw new YamlSyntaxError("control characters are not allowed", undefined);
  }

  private insertToken(at: number, t: Token): void {
    if (at < 0) this.tokens.push(t);
    else this.tokens.splice(this.head + at, 0, t);
  }

  private fetchNextToken(): void {
    const c = this.c;
    this.checkReader(1);
    if (!this.streamStartProduced) {
      this.indent = -1;
      this.simpleKeys.push({ possible: false, required: false, tokenNumber: 0, mark: c.mark() });
      this.simpleKeyAllowed = true;
      this.streamStartProduced = true;
      const m = c.mark();
      this.insertToken(-1, token(T.StreamStart, m, m));
      return;
    }
    this.scanToNextToken();
    this.unrollIndent(c.column);
    this.checkReader(4);
    if (c.isEnd()) return this.fetchStreamEnd();
    const ch = c.at();
    if (c.column === 0 && ch === 37 /* % */) return this.fetchDirective();
    if (c.column === 0 && ch === 45 && c.at(1) === 45 && c.at(2) === 45 && c.isBlankz(3)) return this.fetchDocumentIndicator(T.DocumentStart);
    if (c.column === 0 && ch === 46 && c.at(1) === 46 && c.at(2) === 46 && c.isBlankz(3)) return this.fetchDocumentIndicator(T.DocumentEnd);
    switch (ch) {
      case 91:
        return this.fetchFlowCollectionStart(T.FlowSequenceStart);
      case 123:
        return this.fetchFlowCollectionStart(T.FlowMappingStart);
      case 93:
        return this.fetchFlowCollectionEnd(T.FlowSequenceEnd);
      case 125:
        return this.fetchFlowCollectionEnd(T.FlowMappingEnd);
      case 44:
        return this.fetchFlowEntry();
    }
    if (ch === 45 && c.isBlankz(1)) return this.fetchBlockEntry();
    if (ch === 63 && (this.flowLevel > 0 || c.isBlankz(1))) return this.fetchKey();
    if (ch === 58 && (this.flowLevel > 0 || c.isBlankz(1))) return this.fetchValue();
    if (ch === 42) return this.fetchAfterSimpleKey(() => scanAnchor(c, T.Alias));
    if (ch === 38) return this.fetchAfterSimpleKey(() => scanAnchor(c, T.Anchor));
    if (ch === 33) return this.fetchAfterSimpleKey(() => scanTag(c));
    if ((ch === 124 || ch === 62) && this.flowLevel === 0) {
      this.removeSimpleKey();
      this.simpleKeyAllowed = true;
      return this.pushChecked(scanBlockScalar(c, this.context(), ch === 124));
    }
    if (ch === 39 || ch === 34) return this.fetchAfterSimpleKey(() => scanFlowScalar(c, ch === 39));
    const startsPlain =
      !(c.isBlankz() || (ch < 128 && INDICATORS[ch] === 1)) ||
      (ch === 45 && !c.isBlank(1)) ||
      (this.flowLevel === 0 && (ch === 63 || ch === 58) && !c.isBlankz(1));
    if (startsPlain) {
      this.saveSimpleKey();
      this.simpleKeyAllowed = false;
      const { token: t, leadingBlanks } = scanPlainScalar(c, this.context());
      if (leadingBlanks) this.simpleKeyAllowed = true;
      return this.pushChecked(t);
    }
    throw scannerError("found character that cannot start any token", c.mark(), c.mark());
  }

  /** The reader refuses a character the token just read ran over. */
  private pushChecked(t: Token): void {
    this.checkReader(0);
    this.insertToken(-1, t);
  }

  private fetchAfterSimpleKey(scan: () => Token): void {
    this.saveSimpleKey();
    this.simpleKeyAllowed = false;
    this.pushChecked(scan());
  }

  private scanToNextToken(): void {
    const c = this.c;
    for (;;) {
      this.checkReader(1);
      if (c.column === 0 && this.bufferStartsWithMark && c.pos < FIRST_BUFFER_CHARACTERS && !c.isEnd()) c.skip();
      for (;;) {
        const ch = c.at();
        if (ch === Ch.Space || ((this.flowLevel > 0 || !this.simpleKeyAllowed) && ch === Ch.Tab)) c.skip();
        else break;
      }
      if (c.at() === 35) while (!c.isBreakz()) c.skip();
      if (!c.isBreak()) return;
      this.checkReader(2);
      c.skipLine();
      if (this.flowLevel === 0) this.simpleKeyAllowed = true;
    }
  }

  private simpleKeyIsValid(key: SimpleKey): boolean {
    if (!key.possible) return false;
    if (key.mark.line < this.c.line || key.mark.index + 1024 < this.c.index) {
      if (key.required) throw scannerError("could not find expected ':'", this.c.mark(), key.mark);
      key.possible = false;
      return false;
    }
    return true;
  }

  private saveSimpleKey(): void {
    if (!this.simpleKeyAllowed) return;
    const required = this.flowLevel === 0 && this.indent === this.c.column;
    const key: SimpleKey = { possible: true, required, tokenNumber: this.tokensParsed + (this.tokens.length - this.head), mark: this.c.mark() };
    this.removeSimpleKey();
    this.simpleKeys[this.simpleKeys.length - 1] = key;
    this.simpleKeysByToken.set(key.tokenNumber, this.simpleKeys.length - 1);
  }

  private removeSimpleKey(): void {
    const key = this.simpleKeys[this.simpleKeys.length - 1] as SimpleKey;
    if (key.possible) {
      if (key.required) throw scannerError("could not find expected ':'", this.c.mark(), key.mark);
      key.possible = false;
      this.simpleKeysByToken.delete(key.tokenNumber);
    }
  }

  private rollIndent(column: number, tokenNumber: number, type: T, mark: Mark): void {
    if (this.flowLevel > 0 || this.indent >= column) return;
    this.indents.push(this.indent);
    this.indent = column;
    if (this.indents.length > MAX_DEPTH) {
      throw scannerError(`exceeded max depth of ${MAX_DEPTH}`, this.c.mark(), (this.simpleKeys[this.simpleKeys.length - 1] as SimpleKey).mark);
    }
    this.insertToken(tokenNumber > -1 ? tokenNumber - this.tokensParsed : -1, token(type, mark, mark));
  }

  private unrollIndent(column: number): void {
    if (this.flowLevel > 0) return;
    while (this.indent > column) {
      const m = this.c.mark();
      this.insertToken(-1, token(T.BlockEnd, m, m));
      this.indent = this.indents.pop() as number;
    }
  }

  private fetchStreamEnd(): void {
    const c = this.c;
    if (c.column !== 0) {
      c.column = 0;
      c.line++;
    }
    this.unrollIndent(-1);
    this.removeSimpleKey();
    this.simpleKeyAllowed = false;
    const m = c.mark();
    this.insertToken(-1, token(T.StreamEnd, m, m));
  }

  private fetchDirective(): void {
    this.unrollIndent(-1);
    this.removeSimpleKey();
    this.simpleKeyAllowed = false;
    this.pushChecked(scanDirective(this.c));
  }

  private fetchDocumentIndicator(type: T): void {
    this.unrollIndent(-1);
    this.removeSimpleKey();
    this.simpleKeyAllowed = false;
    const start = this.c.mark();
    this.c.skip();
    this.c.skip();
    this.c.skip();
    this.insertToken(-1, token(type, start, this.c.mark()));
  }

  private fetchSingle(type: T): void {
    const start = this.c.mark();
    this.c.skip();
    this.insertToken(-1, token(type, start, this.c.mark()));
  }

  private fetchFlowCollectionStart(type: T): void {
    this.saveSimpleKey();
    this.simpleKeys.push({ possible: false, required: false, tokenNumber: this.tokensParsed + (this.tokens.length - this.head), mark: this.c.mark() });
    this.flowLevel++;
    if (this.flowLevel > MAX_DEPTH) {
      throw scannerError(`exceeded max depth of ${MAX_DEPTH}`, this.c.mark(), (this.simpleKeys[this.simpleKeys.length - 1] as SimpleKey).mark);
    }
    this.simpleKeyAllowed = true;
    this.fetchSingle(type);
  }

  private fetchFlowCollectionEnd(type: T): void {
    this.removeSimpleKey();
    if (this.flowLevel > 0) {
      this.flowLevel--;
      const key = this.simpleKeys.pop() as SimpleKey;
      this.simpleKeysByToken.delete(key.tokenNumber);
    }
    this.simpleKeyAllowed = false;
    this.fetchSingle(type);
  }

  private fetchFlowEntry(): void {
    this.removeSimpleKey();
    this.simpleKeyAllowed = true;
    this.fetchSingle(T.FlowEntry);
  }

  private fetchBlockEntry(): void {
    if (this.flowLevel === 0) {
      if (!this.simpleKeyAllowed) throw scannerError("block sequence entries are not allowed in this context", this.c.mark(), this.c.mark());
      this.rollIndent(this.c.column, -1, T.BlockSequenceStart, this.c.mark());
    }
    this.removeSimpleKey();
    this.simpleKeyAllowed = true;
    this.fetchSingle(T.BlockEntry);
  }

  private fetchKey(): void {
    if (this.flowLevel === 0) {
      if (!this.simpleKeyAllowed) throw scannerError("mapping keys are not allowed in this context", this.c.mark(), this.c.mark());
      this.rollIndent(this.c.column, -1, T.BlockMappingStart, this.c.mark());
    }
    this.removeSimpleKey();
    this.simpleKeyAllowed = this.flowLevel === 0;
    this.fetchSingle(T.Key);
  }

  private fetchValue(): void {
    const key = this.simpleKeys[this.simpleKeys.length - 1] as SimpleKey;
    if (this.simpleKeyIsValid(key)) {
      this.insertToken(key.tokenNumber - this.tokensParsed, token(T.Key, key.mark, key.mark));
      this.rollIndent(key.mark.column, key.tokenNumber, T.BlockMappingStart, key.mark);
      key.possible = false;
      this.simpleKeysByToken.delete(key.tokenNumber);
      this.simpleKeyAllowed = false;
    } else {
      if (this.flowLevel === 0) {
        if (!this.simpleKeyAllowed) throw scannerError("mapping values are not allowed in this context", this.c.mark(), this.c.mark());
        this.rollIndent(this.c.column, -1, T.BlockMappingStart, this.c.mark());
      }
      this.simpleKeyAllowed = this.flowLevel === 0;
    }
    this.fetchSingle(T.Value);
  }

  private context(): { indent: number; flowLevel: number } {
    return { indent: this.indent, flowLevel: this.flowLevel };
  }
}

/**
 * The offset from which yaml.v2's reader has refused the text: the start of the 512-byte chunk
 * holding the first character it does not accept (it decodes a chunk at a time, before the
 * scanner reaches it). -1 when every character is accepted.
 */
function readerStopOffset(text: string): number {
  const bad = /[^\t\n\r\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\uD800-\uDFFF]/.exec(text);
  if (!bad) return -1;
  const badByte = Buffer.byteLength(text.slice(0, bad.index), "utf8");
  const chunkStart = badByte - (badByte % 512);
  // Back from the bad character to the first one whose bytes start at or after the chunk start.
  let pos = bad.index;
  let bytes = badByte;
  while (pos > 0) {
    const prev = text.codePointAt(pos - 1) ?? 0;
    const isLowSurrogate = prev >= 0xdc00 && prev <= 0xdfff && pos >= 2;
    const from = isLowSurrogate ? pos - 2 : pos - 1;
    const width = Buffer.byteLength(text.slice(from, pos), "utf8");
    if (bytes - width < chunkStart) break;
    bytes -= width;
    pos = from;
  }
  return pos;
}
