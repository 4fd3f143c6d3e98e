/**
 * The reading position of yaml.v2's scanner over a document: offset into the JS string, and the
 * line, column and character index yaml.v2 counts (it counts characters, not UTF-16 units, and
 * takes CR, LF, CRLF, NEL, LS and PS all as line breaks).
 */

/** A place in the text: `pos` is the JS string offset, `line` and `column` 0-based as yaml.v2 keeps them. */
export interface Mark {
  readonly pos: number;
  readonly line: number;
  readonly column: number;
  /** Characters (code points) from the start: yaml.v2 bounds a simple key to 1024 of them. */
  readonly index: number;
}

export const enum Ch {
  Tab = 9,
  LineFeed = 10,
  CarriageReturn = 13,
  Space = 32,
  NextLine = 0x85,
  LineSeparator = 0x2028,
  ParagraphSeparator = 0x2029,
  ByteOrderMark = 0xfeff,
}

export class YamlCursor {
  pos = 0;
  line = 0;
  column = 0;
  index = 0;
  readonly length: number;

  constructor(readonly text: string) {
    this.length = text.length;
  }

  mark(): Mark {
    return { pos: this.pos, line: this.line, column: this.column, index: this.index };
  }

  /** The UTF-16 unit `ahead` units from here, or -1 past the end (yaml.v2's NUL end marker). */
  at(ahead = 0): number {
    const p = this.pos + ahead;
    return p < this.length ? this.text.charCodeAt(p) : -1;
  }

  isEnd(ahead = 0): boolean {
    return this.pos + ahead >= this.length;
  }

  isBreak(ahead = 0): boolean {
    return isBreakCode(this.at(ahead));
  }

  isBlank(ahead = 0): boolean {
    const c = this.at(ahead);
    return c === Ch.Space || c === Ch.Tab;
  }

  /** Blank, break or end. */
  isBlankz(ahead = 0): boolean {
    const c = this.at(ahead);
    return c === Ch.Space || c === Ch.Tab || c === -1 || isBreakCode(c);
  }

  isBreakz(ahead = 0): boolean {
    const c = this.at(ahead);
    return c === -1 || isBreakCode(c);
  }

  /** Letters, digits, `_` and `-`: what anchors, directive names and tag handles are made of. */
  isAlpha(ahead = 0): boolean {
    const c = this.at(ahead);
    return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45;
  }

  /** Step over one character (a surrogate pair is one). */
  skip(): void {
    const c = this.text.charCodeAt(this.pos);
    this.pos += c >= 0xd800 && c <= 0xdbff && this.pos + 1 < this.length ? 2 : 1;
    this.column++;
    this.index++;
  }

  /** The character here, stepped over. */
  read(): string {
    const start = this.pos;
    this.skip();
    return this.text.slice(start, this.pos);
  }

  /** Step over a line break (CRLF counts as one line, two characters). */
  skipLine(): void {
    if (this.at() === Ch.CarriageReturn && this.at(1) === Ch.LineFeed) {
      this.pos += 2;
      this.index += 2;
      this.column = 0;
      this.line++;
    } else if (this.isBreak()) {
      this.pos++;
      this.index++;
      this.column = 0;
      this.line++;
    }
  }

  /** A line break stepped over, as it reads into a scalar: LF for CR, LF, CRLF and NEL; LS and PS kept. */
  readLine(): string {
    const c = this.at();
    if (c === Ch.LineSeparator || c === Ch.ParagraphSeparator) {
      this.skipLine();
      return String.fromCharCode(c);
    }
    if (isBreakCode(c)) {
      this.skipLine();
      return "\n";
    }
    return "";
  }
}

export function isBreakCode(c: number): boolean {
  return c === Ch.LineFeed || c === Ch.CarriageReturn || c === Ch.NextLine || c === Ch.LineSeparator || c === Ch.ParagraphSeparator;
}

export function isHexCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}
