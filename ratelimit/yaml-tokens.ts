import type { Mark } from "./yaml-cursor.js";

/** yaml.v2's token kinds. */
export const enum T {
  StreamStart,
  StreamEnd,
  VersionDirective,
  TagDirective,
  DocumentStart,
  DocumentEnd,
  BlockSequenceStart,
  BlockMappingStart,
  BlockEnd,
  FlowSequenceStart,
  FlowSequenceEnd,
  FlowMappingStart,
  FlowMappingEnd,
  BlockEntry,
  FlowEntry,
  Key,
  Value,
  Alias,
  Anchor,
  Tag,
  Scalar,
}

export const enum ScalarStyle {
  Plain,
  Single,
  Double,
  Literal,
  Folded,
}

export interface Token {
  readonly type: T;
  readonly start: Mark;
  readonly end: Mark;
  /** Scalar text, anchor or alias name, tag handle, %TAG handle. */
  readonly value: string;
  /** Tag suffix, %TAG prefix. */
  readonly suffix: string;
  readonly style: ScalarStyle;
  /** %YAML version. */
  readonly major: number;
  readonly minor: number;
}

export function token(type: T, start: Mark, end: Mark, value = "", suffix = "", style = ScalarStyle.Plain): Token {
  return { type, start, end, value, suffix, style, major: 0, minor: 0 };
}
