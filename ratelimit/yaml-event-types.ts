import type { Mark } from "./yaml-cursor.js";
import { ScalarStyle } from "./yaml-tokens.js";

/** yaml.v2's parser events, as the node tree is built from them. */
export const enum E {
  StreamStart,
  StreamEnd,
  DocumentStart,
  DocumentEnd,
  Alias,
  Scalar,
  SequenceStart,
  SequenceEnd,
  MappingStart,
  MappingEnd,
}

export interface YamlEvent {
  readonly type: E;
  readonly start: Mark;
  readonly end: Mark;
  /** Anchor name (alias name for an alias event). */
  readonly anchor: string | undefined;
  /** The resolved tag (`tag:yaml.org,2002:int`, `!foo`, `!`), or "" for none. */
  readonly tag: string;
  readonly value: string;
  /** Scalar: plain without tag, or tagged `!` (yaml.v2 resolves its type from the text). */
  readonly implicit: boolean;
  readonly style: ScalarStyle;
  /** Collections: flow style. */
  readonly flow: boolean;
  /** Where the node's own text starts, after its anchor and tag. */
  readonly contentStart: Mark;
}

export /** Events are made by the thousand: one literal of one shape each, no spread. */
function event(type: E, start: Mark, end: Mark, more?: Partial<YamlEvent>): YamlEvent {
  if (more === undefined) return { type, start, end, anchor: undefined, tag: "", value: "", implicit: false, style: ScalarStyle.Plain, flow: false, contentStart: start };
  return {
    type,
    start,
    end,
    anchor: more.anchor,
    tag: more.tag ?? "",
    value: more.value ?? "",
    implicit: more.implicit ?? false,
    style: more.style ?? ScalarStyle.Plain,
    flow: more.flow ?? false,
    contentStart: more.contentStart ?? start,
  };
}

/** The empty scalar yaml.v2 stands in for a missing node. */
export function emptyScalar(mark: Mark): YamlEvent {
  return event(E.Scalar, mark, mark, { implicit: true });
}
