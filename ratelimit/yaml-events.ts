import type { Mark } from "./yaml-cursor.js";
import { parserError } from "./yaml-errors.js";
import { YamlScanner } from "./yaml-scanner.js";
import { E, emptyScalar, event, type YamlEvent } from "./yaml-event-types.js";
import { ScalarStyle, T, type Token } from "./yaml-tokens.js";

export { E, type YamlEvent } from "./yaml-event-types.js";

const enum S {
  StreamStart,
  ImplicitDocumentStart,
  DocumentStart,
  DocumentContent,
  DocumentEnd,
  BlockNode,
  BlockNodeOrIndentlessSequence,
  FlowNode,
  BlockSequenceFirstEntry,
  BlockSequenceEntry,
  IndentlessSequenceEntry,
  BlockMappingFirstKey,
  BlockMappingKey,
  BlockMappingValue,
  FlowSequenceFirstEntry,
  FlowSequenceEntry,
  FlowSequenceEntryMappingKey,
  FlowSequenceEntryMappingValue,
  FlowSequenceEntryMappingEnd,
  FlowMappingFirstKey,
  FlowMappingKey,
  FlowMappingValue,
  FlowMappingEmptyValue,
  End,
}

const DEFAULT_TAG_DIRECTIVES: ReadonlyArray<readonly [string, string]> = [
  ["!", "!"],
  ["!!", "tag:yaml.org,2002:"],
];

/** yaml.v2's parser (libyaml's state machine): tokens to events, with its error messages and marks. */
export class YamlEventParser {
  private readonly scanner: YamlScanner;
  private state = S.StreamStart;
  private readonly states: S[] = [];
  private readonly marks: Mark[] = [];
  private tagDirectives: Array<readonly [string, string]> = [];

  constructor(text: string) {
    this.scanner = new YamlScanner(text);
  }

  next(): YamlEvent {
    const s = this.scanner;
    switch (this.state) {
      case S.StreamStart: {
        const t = s.peek();
        if (t.type !== T.StreamStart) throw parserError("did not find expected <stream-start>", t.start);
        this.state = S.ImplicitDocumentStart;
        s.skipToken();
        return event(E.StreamStart, t.start, t.end);
      }
      case S.ImplicitDocumentStart:
        return this.documentStart(true);
      case S.DocumentStart:
        return this.documentStart(false);
      case S.DocumentContent: {
        const t = s.peek();
        if (t.type === T.VersionDirective || t.type === T.TagDirective || t.type === T.DocumentStart || t.type === T.DocumentEnd || t.type === T.StreamEnd) {
          this.state = this.states.pop() as S;
          return emptyScalar(t.start);
        }
        return this.node(true, false);
      }
      case S.DocumentEnd: {
        const t = s.peek();
        let end = t.start;
        if (t.type === T.DocumentEnd) {
          end = t.end;
          s.skipToken();
        }
        this.tagDirectives = [];
        this.state = S.DocumentStart;
        return event(E.DocumentEnd, t.start, end);
      }
      case S.BlockNode:
        return this.node(true, false);
      case S.BlockNodeOrIndentlessSequence:
        return this.node(true, true);
      case S.FlowNode:
        return this.node(false, false);
      case S.BlockSequenceFirstEntry:
        return this.blockSequenceEntry(true);
      case S.BlockSequenceEntry:
        return this.blockSequenceEntry(false);
      case S.IndentlessSequenceEntry:
        return this.indentlessSequenceEntry();
      case S.BlockMappingFirstKey:
        return this.blockMappingKey(true);
      case S.BlockMappingKey:
        return this.blockMappingKey(false);
      case S.BlockMappingValue:
        return this.blockMappingValue();
      case S.FlowSequenceFirstEntry:
        return this.flowSequenceEntry(true);
      case S.FlowSequenceEntry:
        return this.flowSequenceEntry(false);
      case S.FlowSequenceEntryMappingKey: {
        const t = s.peek();
        if (t.type !== T.Value && t.type !== T.FlowEntry && t.type !== T.FlowSequenceEnd) {
          this.states.push(S.FlowSequenceEntryMappingValue);
          return this.node(false, false);
        }
        const mark = t.end;
        s.skipToken();
        this.state = S.FlowSequenceEntryMappingValue;
        return emptyScalar(mark);
      }
      case S.FlowSequenceEntryMappingValue: {
        let t = s.peek();
        if (t.type === T.Value) {
          s.skipToken();
          t = s.peek();
          if (t.type !== T.FlowEntry && t.type !== T.FlowSequenceEnd) {
            this.states.push(S.FlowSequenceEntryMappingEnd);
            return this.node(false, false);
          }
        }
        this.state = S.FlowSequenceEntryMappingEnd;
        return emptyScalar(t.start);
      }
      case S.FlowSequenceEntryMappingEnd: {
        const t = s.peek();
        this.state = S.FlowSequenceEntry;
        return event(E.MappingEnd, t.start, t.start);
      }
      case S.FlowMappingFirstKey:
        return this.flowMappingKey(true);
      case S.FlowMappingKey:
        return this.flowMappingKey(false);
      case S.FlowMappingValue:
        return this.flowMappingValue(false);
      case S.FlowMappingEmptyValue:
        return this.flowMappingValue(true);
      case S.End:
        throw new Error("no event after the end of the stream");
    }
  }

  private documentStart(implicit: boolean): YamlEvent {
    const s = this.scanner;
    let t = s.peek();
    if (!implicit) {
      while (t.type === T.DocumentEnd) {
        s.skipToken();
        t = s.peek();
      }
    }
    if (implicit && t.type !== T.VersionDirective && t.type !== T.TagDirective && t.type !== T.DocumentStart && t.type !== T.StreamEnd) {
      this.processDirectives();
      this.states.push(S.DocumentEnd);
      this.state = S.BlockNode;
      return event(E.DocumentStart, t.start, t.end);
    }
    if (t.type !== T.StreamEnd) {
      const start = t.start;
      this.processDirectives();
      t = s.peek();
      if (t.type !== T.DocumentStart) throw parserError("did not find expected <document start>", t.start);
      this.states.push(S.DocumentEnd);
      this.state = S.DocumentContent;
      s.skipToken();
      return event(E.DocumentStart, start, t.end);
    }
    this.state = S.End;
    s.skipToken();
    return event(E.StreamEnd, t.start, t.end);
  }

  private processDirectives(): void {
    const s = this.scanner;
    let t = s.peek();
    let version = false;
    while (t.type === T.VersionDirective || t.type === T.TagDirective) {
      if (t.type === T.VersionDirective) {
        if (version) throw parserError("found duplicate %YAML directive", t.start);
        if (t.major !== 1 || t.minor !== 1) throw parserError("found incompatible YAML document", t.start);
        version = true;
      } else {
        if (this.tagDirectives.some(([handle]) => handle === t.value)) throw parserError("found duplicate %TAG directive", t.start);
        this.tagDirectives.push([t.value, t.suffix]);
      }
      s.skipToken();
      t = s.peek();
    }
    for (const directive of DEFAULT_TAG_DIRECTIVES) {
      if (!this.tagDirectives.some(([handle]) => handle === directive[0])) this.tagDirectives.push(directive);
    }
  }

  private node(block: boolean, indentlessSequence: boolean): YamlEvent {
    const s = this.scanner;
    let t = s.peek();
    if (t.type === T.Alias) {
      this.state = this.states.pop() as S;
      s.skipToken();
      return event(E.Alias, t.start, t.end, { anchor: t.value });
    }
    let start = t.start;
    let end = t.start;
    let anchor: string | undefined;
    let tagToken: Token | undefined;
    if (t.type === T.Anchor) {
      anchor = t.value;
      start = t.start;
      end = t.end;
      s.skipToken();
      t = s.peek();
      if (t.type === T.Tag) {
        tagToken = t;
        end = t.end;
        s.skipToken();
        t = s.peek();
      }
    } else if (t.type === T.Tag) {
      tagToken = t;
      start = t.start;
      end = t.end;
      s.skipToken();
      t = s.peek();
      if (t.type === T.Anchor) {
        anchor = t.value;
        end = t.end;
        s.skipToken();
        t = s.peek();
      }
    }
    let tag = "";
    if (tagToken) {
      if (tagToken.value === "") tag = tagToken.suffix;
      else {
        const directive = this.tagDirectives.find(([handle]) => handle === tagToken.value);
        if (directive) tag = directive[1] + tagToken.suffix;
        if (tag === "") throw parserError("found undefined tag handle", tagToken.start, start);
      }
    }
    const implicit = tag === "";
    if (indentlessSequence && t.type === T.BlockEntry) {
      this.state = S.IndentlessSequenceEntry;
      return event(E.SequenceStart, start, t.end, { anchor, tag, implicit, contentStart: t.start });
    }
    if (t.type === T.Scalar) {
      this.state = this.states.pop() as S;
      s.skipToken();
      const plainImplicit = (tag === "" && t.style === ScalarStyle.Plain) || tag === "!";
      return event(E.Scalar, start, t.end, { anchor, tag, value: t.value, implicit: plainImplicit, style: t.style, contentStart: t.start });
    }
    if (t.type === T.FlowSequenceStart) {
      this.state = S.FlowSequenceFirstEntry;
      return event(E.SequenceStart, start, t.end, { anchor, tag, implicit, flow: true, contentStart: t.start });
    }
    if (t.type === T.FlowMappingStart) {
      this.state = S.FlowMappingFirstKey;
      return event(E.MappingStart, start, t.end, { anchor, tag, implicit, flow: true, contentStart: t.start });
    }
    if (block && t.type === T.BlockSequenceStart) {
      this.state = S.BlockSequenceFirstEntry;
      return event(E.SequenceStart, start, t.end, { anchor, tag, implicit, contentStart: t.start });
    }
    if (block && t.type === T.BlockMappingStart) {
      this.state = S.BlockMappingFirstKey;
      return event(E.MappingStart, start, t.end, { anchor, tag, implicit, contentStart: t.start });
    }
    if (anchor !== undefined || tag !== "") {
      this.state = this.states.pop() as S;
      return event(E.Scalar, start, end, { anchor, tag, implicit, style: ScalarStyle.Plain, contentStart: end });
    }
    throw parserError("did not find expected node content", t.start, start);
  }

  private blockSequenceEntry(first: boolean): YamlEvent {
    const s = this.scanner;
    if (first) {
      this.marks.push(s.peek().start);
      s.skipToken();
    }
    let t = s.peek();
    if (t.type === T.BlockEntry) {
      const mark = t.end;
      s.skipToken();
      t = s.peek();
      if (t.type !== T.BlockEntry && t.type !== T.BlockEnd) {
        this.states.push(S.BlockSequenceEntry);
        return this.node(true, false);
      }
      this.state = S.BlockSequenceEntry;
      return emptyScalar(mark);
    }
    if (t.type === T.BlockEnd) {
      this.state = this.states.pop() as S;
      this.marks.pop();
      s.skipToken();
      return event(E.SequenceEnd, t.start, t.end);
    }
    throw parserError("did not find expected '-' indicator", t.start, this.marks.pop());
  }

  private indentlessSequenceEntry(): YamlEvent {
    const s = this.scanner;
    let t = s.peek();
    if (t.type === T.BlockEntry) {
      const mark = t.end;
      s.skipToken();
      t = s.peek();
      if (t.type !== T.BlockEntry && t.type !== T.Key && t.type !== T.Value && t.type !== T.BlockEnd) {
        this.states.push(S.IndentlessSequenceEntry);
        return this.node(true, false);
      }
      this.state = S.IndentlessSequenceEntry;
      return emptyScalar(mark);
    }
    this.state = this.states.pop() as S;
    return event(E.SequenceEnd, t.start, t.start);
  }

  private blockMappingKey(first: boolean): YamlEvent {
    const s = this.scanner;
    if (first) {
      this.marks.push(s.peek().start);
      s.skipToken();
    }
    let t = s.peek();
    if (t.type === T.Key) {
      const mark = t.end;
      s.skipToken();
      t = s.peek();
      if (t.type !== T.Key && t.type !== T.Value && t.type !== T.BlockEnd) {
        this.states.push(S.BlockMappingValue);
        return this.node(true, true);
      }
      this.state = S.BlockMappingValue;
      return emptyScalar(mark);
    }
    if (t.type === T.BlockEnd) {
      this.state = this.states.pop() as S;
      this.marks.pop();
      s.skipToken();
      return event(E.MappingEnd, t.start, t.end);
    }
    throw parserError("did not find expected key", t.start, this.marks.pop());
  }

  private blockMappingValue(): YamlEvent {
    const s = this.scanner;
    let t = s.peek();
    if (t.type === T.Value) {
      const mark = t.end;
      s.skipToken();
      t = s.peek();
      if (t.type !== T.Key && t.type !== T.Value && t.type !== T.BlockEnd) {
        this.states.push(S.BlockMappingKey);
        return this.node(true, true);
      }
      this.state = S.BlockMappingKey;
      return emptyScalar(mark);
    }
    this.state = S.BlockMappingKey;
    return emptyScalar(t.start);
  }

  private flowSequenceEntry(first: boolean): YamlEvent {
    const s = this.scanner;
    if (first) {
      this.marks.push(s.peek().start);
      s.skipToken();
    }
    let t = s.peek();
    if (t.type !== T.FlowSequenceEnd) {
      if (!first) {
        if (t.type !== T.FlowEntry) throw parserError("did not find expected ',' or ']'", t.start, this.marks.pop());
        s.skipToken();
        t = s.peek();
      }
      if (t.type === T.Key) {
        this.state = S.FlowSequenceEntryMappingKey;
        s.skipToken();
        return event(E.MappingStart, t.start, t.end, { implicit: true, flow: true });
      }
      if (t.type !== T.FlowSequenceEnd) {
        this.states.push(S.FlowSequenceEntry);
        return this.node(false, false);
      }
    }
    this.state = this.states.pop() as S;
    this.marks.pop();
    s.skipToken();
    return event(E.SequenceEnd, t.start, t.end);
  }

  private flowMappingKey(first: boolean): YamlEvent {
    const s = this.scanner;
    if (first) {
      this.marks.push(s.peek().start);
      s.skipToken();
    }
    let t = s.peek();
    if (t.type !== T.FlowMappingEnd) {
      if (!first) {
        if (t.type !== T.FlowEntry) throw parserError("did not find expected ',' or '}'", t.start, this.marks.pop());
        s.skipToken();
        t = s.peek();
      }
      if (t.type === T.Key) {
        s.skipToken();
        t = s.peek();
        if (t.type !== T.Value && t.type !== T.FlowEntry && t.type !== T.FlowMappingEnd) {
          this.states.push(S.FlowMappingValue);
          return this.node(false, false);
        }
        this.state = S.FlowMappingValue;
        return emptyScalar(t.start);
      }
      if (t.type !== T.FlowMappingEnd) {
        this.states.push(S.FlowMappingEmptyValue);
        return this.node(false, false);
      }
    }
    this.state = this.states.pop() as S;
    this.marks.pop();
    s.skipToken();
    return event(E.MappingEnd, t.start, t.end);
  }

  private flowMappingValue(empty: boolean): YamlEvent {
    const s = this.scanner;
    let t = s.peek();
    if (empty) {
      this.state = S.FlowMappingKey;
      return emptyScalar(t.start);
    }
    if (t.type === T.Value) {
      s.skipToken();
      t = s.peek();
      if (t.type !== T.FlowEntry && t.type !== T.FlowMappingEnd) {
        this.states.push(S.FlowMappingKey);
        return this.node(false, false);
      }
    }
    this.state = S.FlowMappingKey;
    return emptyScalar(t.start);
  }
}
