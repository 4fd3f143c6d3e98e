import { Ch, isHexCode, type Mark, type YamlCursor } from "./yaml-cursor.js";
import { scannerError } from "./yaml-errors.js";
import { ScalarStyle, T, token, type Token } from "./yaml-tokens.js";

/*
 * The token scanners yaml.v2 calls once the kind of token is known: scalars in their five
 * styles, anchors and aliases, tags and directives. Each reads from the cursor and returns its
 * token, or throws the scanner error yaml.v2 gives.
 */

/** What the block-scalar and plain-scalar scanners need from the scanner around them. */
export interface ScanContext {
  readonly indent: number;
  readonly flowLevel: number;
}

const isDocumentIndicator = (c: YamlCursor): boolean =>
  c.column === 0 &&
  ((c.at() === 45 && c.at(1) === 45 && c.at(2) === 45) || (c.at() === 46 && c.at(1) === 46 && c.at(2) === 46)) &&
  c.isBlankz(3);

/** Joins a line-folded scalar's pieces as YAML does: one break folds to a space, more keep all but the first. */
function fold(leadingBreak: string, trailingBreaks: string): string {
  if (leadingBreak === "\n") return trailingBreaks === "" ? " " : trailingBreaks;
  return leadingBreak + trailingBreaks;
}

export function scanPlainScalar(c: YamlCursor, context: ScanContext): { token: Token; leadingBlanks: boolean } {
  // The text is kept as spans of the source, joined once: appending word by word builds string
  // chains the collector walks again and again (quadratic on a long scalar).
  const parts: string[] = [];
  let spanFrom = -1;
  let leadingBreak = "";
  let trailingBreaks = "";
  let leadingBlanks = false;
  const indent = context.indent + 1;
  const start = c.mark();
  // The end as numbers, made a mark once: a mark per word would be garbage.
  let endPos = c.pos;
  let endLine = c.line;
  let endColumn = c.column;
  let endIndex = c.index;
  const flow = context.flowLevel > 0;
  for (;;) {
    if (isDocumentIndicator(c)) break;
    if (c.at() === 35 /* # */) break;
    while (!c.isBlankz()) {
      const ch = c.at();
      if ((ch === 58 /* : */ && c.isBlankz(1)) || (flow && (ch === 44 || ch === 63 || ch === 91 || ch === 93 || ch === 123 || ch === 125))) break;
      if (leadingBlanks) {
        // A line break folds: close the span, add the fold, start a new span here.
        if (spanFrom >= 0) parts.push(c.text.slice(spanFrom, endPos));
        parts.push(fold(leadingBreak, trailingBreaks));
        leadingBreak = "";
        trailingBreaks = "";
        leadingBlanks = false;
        spanFrom = c.pos;
      } else if (spanFrom < 0) spanFrom = c.pos;
      // Blanks between words on one line stay inside the span; runs of ordinary characters are skipped in one go.
      c.skip();
      while (isPlainRunChar(c.at(), flow)) c.skip();
      endPos = c.pos;
      endLine = c.line;
      endColumn = c.column;
      endIndex = c.index;
    }
    if (!(c.isBlank() || c.isBreak())) break;
    while (c.isBlank() || c.isBreak()) {
      if (c.isBlank()) {
        if (leadingBlanks && c.column < indent && c.at() === Ch.Tab) {
          throw scannerError("found a tab character that violates indentation", c.mark(), start);
        }
        c.skip();
      } else if (!leadingBlanks) {
        leadingBreak = c.readLine();
        leadingBlanks = true;
      } else {
        trailingBreaks += c.readLine();
      }
    }
    if (!flow && c.column < indent) break;
  }
  if (spanFrom >= 0) parts.push(c.text.slice(spanFrom, endPos));
  const s = parts.length === 1 ? (parts[0] as string) : parts.join("");
  const end = { pos: endPos, line: endLine, column: endColumn, index: endIndex };
  return { token: token(T.Scalar, start, end, s, "", ScalarStyle.Plain), leadingBlanks };
}

/** A character that continues a plain scalar's run without further checks (not blank, break, `:`, a flow indicator, or a surrogate). */
function isPlainRunChar(ch: number, flow: boolean): boolean {
  if (ch < 0 || ch === Ch.Space || ch === Ch.Tab || ch === 58) return false;
  if (ch === Ch.LineFeed || ch === Ch.CarriageReturn || ch === Ch.NextLine || ch === Ch.LineSeparator || ch === Ch.ParagraphSeparator) return false;
  if (ch >= 0xd800 && ch <= 0xdfff) return false;
  if (flow && (ch === 44 || ch === 63 || ch === 91 || ch === 93 || ch === 123 || ch === 125)) return false;
  return true;
}

/** A character that continues a quoted scalar's run without further checks (not a quote, backslash, blank, break or surrogate). */
function isQuotedRunChar(ch: number): boolean {
  if (ch < 0 || ch === 39 || ch === 34 || ch === 92 || ch === Ch.Space || ch === Ch.Tab) return false;
  if (ch === Ch.LineFeed || ch === Ch.CarriageReturn || ch === Ch.NextLine || ch === Ch.LineSeparator || ch === Ch.ParagraphSeparator) return false;
  return !(ch >= 0xd800 && ch <= 0xdfff);
}

const SIMPLE_ESCAPES: Record<string, string> = {
  "0": "\0", a: "\x07", b: "\x08", t: "\t", "\t": "\t", n: "\n", v: "\x0B", f: "\x0C", r: "\r", e: "\x1B",
  " ": " ", '"': '"', "'": "'", "\\": "\\", N: "\u0085", _: "\u00A0", L: "\u2028", P: "\u2029",
};

export function scanFlowScalar(c: YamlCursor, single: boolean): Token {
  const start = c.mark();
  c.skip();
  // Pieces joined once at the end (see scanPlainScalar); blanks between words as a source span.
  const parts: string[] = [];
  let leadingBreak = "";
  let trailingBreaks = "";
  let blanksFrom = -1;
  let blanksTo = -1;
  for (;;) {
    if (isDocumentIndicator(c)) throw scannerError("found unexpected document indicator", c.mark(), start);
    if (c.isEnd()) throw scannerError("found unexpected end of stream", c.mark(), start);
    let leadingBlanks = false;
    while (!c.isBlankz()) {
      const ch = c.at();
      if (single && ch === 39 && c.at(1) === 39) {
        parts.push("'");
        c.skip();
        c.skip();
      } else if (single && ch === 39) break;
      else if (!single && ch === 34) break;
      else if (!single && ch === 92 && c.isBreak(1)) {
        c.skip();
        c.skipLine();
        leadingBlanks = true;
        break;
      } else if (!single && ch === 92) {
        const e = c.text[c.pos + 1] ?? "";
        const simple = SIMPLE_ESCAPES[e];
        const codeLength = e === "x" ? 2 : e === "u" ? 4 : e === "U" ? 8 : 0;
        if (simple === undefined && codeLength === 0) throw scannerError("found unknown escape character", c.mark(), start);
        c.skip();
        c.skip();
        if (simple !== undefined) parts.push(simple);
        else {
          let value = 0;
          for (let k = 0; k < codeLength; k++) {
            if (!isHexCode(c.at(k))) throw scannerError("did not find expected hexdecimal number", c.mark(), start);
            value = value * 16 + parseInt(c.text[c.pos + k] as string, 16);
          }
          if ((value >= 0xd800 && value <= 0xdfff) || value > 0x10ffff) throw scannerError("found invalid Unicode character escape code", c.mark(), start);
          parts.push(String.fromCodePoint(value));
          for (let k = 0; k < codeLength; k++) c.skip();
        }
      } else {
        // A run of ordinary characters is copied in one slice.
        const from = c.pos;
        c.skip();
        while (isQuotedRunChar(c.at())) c.skip();
        parts.push(c.text.slice(from, c.pos));
      }
    }
    if (c.at() === (single ? 39 : 34)) break;
    while (c.isBlank() || c.isBreak()) {
      if (c.isBlank()) {
        if (!leadingBlanks && blanksFrom < 0) blanksFrom = c.pos;
        c.skip();
        if (!leadingBlanks) blanksTo = c.pos;
      } else if (!leadingBlanks) {
        blanksFrom = -1;
        leadingBreak = c.readLine();
        leadingBlanks = true;
      } else {
        trailingBreaks += c.readLine();
      }
    }
    if (leadingBlanks) {
      parts.push(fold(leadingBreak, trailingBreaks));
      leadingBreak = "";
      trailingBreaks = "";
    } else if (blanksFrom >= 0) {
      parts.push(c.text.slice(blanksFrom, blanksTo));
    }
    blanksFrom = -1;
  }
  c.skip();
  return token(T.Scalar, start, c.mark(), parts.join(""), "", single ? ScalarStyle.Single : ScalarStyle.Double);
}

export function scanBlockScalar(c: YamlCursor, context: ScanContext, literal: boolean): Token {
  const start = c.mark();
  c.skip();
  let chomping = 0;
  let increment = 0;
  const readChomping = () => {
    if (c.at() === 43 || c.at() === 45) {
      chomping = c.at() === 43 ? 1 : -1;
      c.skip();
      return true;
    }
    return false;
  };
  const readIncrement = () => {
    const d = c.at();
    if (d >= 48 && d <= 57) {
      if (d === 48) throw scannerError("found an indentation indicator equal to 0", c.mark(), start);
      increment = d - 48;
      c.skip();
    }
  };
  if (readChomping()) readIncrement();
  else if (c.at() >= 48 && c.at() <= 57) {
    readIncrement();
    readChomping();
  }
  while (c.isBlank()) c.skip();
  if (c.at() === 35) while (!c.isBreakz()) c.skip();
  if (!c.isBreakz()) throw scannerError("did not find expected comment or line break", c.mark(), start);
  if (c.isBreak()) c.skipLine();
  let end = c.mark();
  let indent = increment > 0 ? (context.indent >= 0 ? context.indent + increment : increment) : 0;
  const parts: string[] = [];
  let leadingBreak = "";
  let trailingBreaks = "";
  const breaks = () => {
    end = c.mark();
    let maxIndent = 0;
    for (;;) {
      while ((indent === 0 || c.column < indent) && c.at() === Ch.Space) c.skip();
      if (c.column > maxIndent) maxIndent = c.column;
      if ((indent === 0 || c.column < indent) && c.at() === Ch.Tab) {
        throw scannerError("found a tab character where an indentation space is expected", c.mark(), start);
      }
      if (!c.isBreak()) break;
      trailingBreaks += c.readLine();
      end = c.mark();
    }
    if (indent === 0) indent = Math.max(maxIndent, context.indent + 1, 1);
  };
  breaks();
  let leadingBlank = false;
  while (c.column === indent && !c.isEnd()) {
    const trailingBlank = c.isBlank();
    if (!literal && !leadingBlank && !trailingBlank && leadingBreak.startsWith("\n")) {
      if (trailingBreaks === "") parts.push(" ");
    } else parts.push(leadingBreak);
    leadingBreak = "";
    parts.push(trailingBreaks);
    trailingBreaks = "";
    leadingBlank = c.isBlank();
    const from = c.pos;
    while (!c.isBreakz()) c.skip();
    parts.push(c.text.slice(from, c.pos));
    leadingBreak = c.readLine();
    breaks();
  }
  if (chomping !== -1) parts.push(leadingBreak);
  if (chomping === 1) parts.push(trailingBreaks);
  return token(T.Scalar, start, end, parts.join(""), "", literal ? ScalarStyle.Literal : ScalarStyle.Folded);
}

export function scanAnchor(c: YamlCursor, type: T.Anchor | T.Alias): Token {
  const start = c.mark();
  c.skip();
  const from = c.pos;
  while (c.isAlpha()) c.skip();
  const end = c.mark();
  const name = c.text.slice(from, c.pos);
  const next = c.at();
  if (name === "" || !(c.isBlankz() || next === 63 || next === 58 || next === 44 || next === 93 || next === 125 || next === 37 || next === 64 || next === 96)) {
    throw scannerError("did not find expected alphabetic or numeric character", c.mark(), start);
  }
  return token(type, start, end, name);
}

/** URI characters a tag may hold (besides `%` escapes). */
const URI_CHARS = new Set([..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-;/?:@&=+$,.!~*'()[]"].map((ch) => ch.charCodeAt(0)));

function scanTagUri(c: YamlCursor, head: string, start: Mark): string {
  let s = head.length > 1 ? head.slice(1) : "";
  let hasTag = head.length > 0;
  for (;;) {
    const ch = c.at();
    if (ch === 37 /* % */) s += scanUriEscapes(c, start);
    else if (URI_CHARS.has(ch)) s += c.read();
    else break;
    hasTag = true;
  }
  if (!hasTag) throw scannerError("did not find expected tag URI", c.mark(), start);
  return s;
}

function scanUriEscapes(c: YamlCursor, start: Mark): string {
  const bytes: number[] = [];
  let width = 1024;
  while (width > 0) {
    if (!(c.at() === 37 && isHexCode(c.at(1)) && isHexCode(c.at(2)))) throw scannerError("did not find URI escaped octet", c.mark(), start);
    const octet = parseInt(c.text.slice(c.pos + 1, c.pos + 3), 16);
    if (width === 1024) {
      width = (octet & 0x80) === 0 ? 1 : (octet & 0xe0) === 0xc0 ? 2 : (octet & 0xf0) === 0xe0 ? 3 : (octet & 0xf8) === 0xf0 ? 4 : 0;
      if (width === 0) throw scannerError("found an incorrect leading UTF-8 octet", c.mark(), start);
    } else if ((octet & 0xc0) !== 0x80) throw scannerError("found an incorrect trailing UTF-8 octet", c.mark(), start);
    bytes.push(octet);
    c.skip();
    c.skip();
    c.skip();
    width--;
  }
  return Buffer.from(bytes).toString("utf8");
}

function scanTagHandle(c: YamlCursor, directive: boolean, start: Mark): string {
  if (c.at() !== 33) throw scannerError("did not find expected '!'", c.mark(), start);
  const from = c.pos;
  c.skip();
  while (c.isAlpha()) c.skip();
  if (c.at() === 33) c.skip();
  else if (directive && c.pos - from !== 1) throw scannerError("did not find expected '!'", c.mark(), start);
  return c.text.slice(from, c.pos);
}

export function scanTag(c: YamlCursor): Token {
  const start = c.mark();
  let handle = "";
  let suffix: string;
  if (c.at(1) === 60 /* < */) {
    c.skip();
    c.skip();
    suffix = scanTagUri(c, "", start);
    if (c.at() !== 62) throw scannerError("did not find the expected '>'", c.mark(), start);
    c.skip();
  } else {
    handle = scanTagHandle(c, false, start);
    if (handle.length > 1 && handle.endsWith("!")) suffix = scanTagUri(c, "", start);
    else {
      suffix = scanTagUri(c, handle, start);
      handle = "!";
      if (suffix === "") [handle, suffix] = [suffix, handle];
    }
  }
  if (!c.isBlankz()) throw scannerError("did not find expected whitespace or line break", c.mark(), start);
  return token(T.Tag, start, c.mark(), handle, suffix);
}

export function scanDirective(c: YamlCursor): Token {
  const start = c.mark();
  c.skip();
  const from = c.pos;
  while (c.isAlpha()) c.skip();
  const name = c.text.slice(from, c.pos);
  if (name === "") throw scannerError("could not find expected directive name", c.mark(), start);
  if (!c.isBlankz()) throw scannerError("found unexpected non-alphabetical character", c.mark(), start);
  let result: Token;
  if (name === "YAML") {
    while (c.isBlank()) c.skip();
    const major = scanVersionNumber(c, start);
    if (c.at() !== 46) throw scannerError("did not find expected digit or '.' character", c.mark(), start);
    c.skip();
    const minor = scanVersionNumber(c, start);
    result = { ...token(T.VersionDirective, start, c.mark()), major, minor };
  } else if (name === "TAG") {
    while (c.isBlank()) c.skip();
    const handle = scanTagHandle(c, true, start);
    if (!c.isBlank()) throw scannerError("did not find expected whitespace", c.mark(), start);
    while (c.isBlank()) c.skip();
    const prefix = scanTagUri(c, "", start);
    if (!c.isBlankz()) throw scannerError("did not find expected whitespace or line break", c.mark(), start);
    result = token(T.TagDirective, start, c.mark(), handle, prefix);
  } else {
    throw scannerError("found unknown directive name", c.mark(), start);
  }
  while (c.isBlank()) c.skip();
  if (c.at() === 35) while (!c.isBreakz()) c.skip();
  if (!c.isBreakz()) throw scannerError("did not find expected comment or line break", c.mark(), start);
  if (c.isBreak()) c.skipLine();
  return result;
}

function scanVersionNumber(c: YamlCursor, start: Mark): number {
  let value = 0;
  let length = 0;
  while (c.at() >= 48 && c.at() <= 57) {
    if (++length > 2) throw scannerError("found extremely long version number", c.mark(), start);
    value = value * 10 + (c.at() - 48);
    c.skip();
  }
  if (length === 0) throw scannerError("did not find expected version number", c.mark(), start);
  return value;
}
