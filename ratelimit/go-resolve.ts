import type { ScalarNode } from "./source-nodes.js";

/**
 * yaml.v2's scalar resolution (YAML 1.1): what a scalar node decodes to, given its style, its
 * explicit tag and its text. Tags print as yaml.v2 prints them (`!!int`, `!foo`, `!`).
 */
export type Resolved =
  | { readonly kind: "str"; readonly tag: string; readonly value: string }
  | { readonly kind: "int"; readonly tag: "!!int"; readonly value: bigint }
  | { readonly kind: "float"; readonly tag: "!!float"; readonly value: number }
  | { readonly kind: "bool"; readonly tag: "!!bool"; readonly value: boolean }
  | { readonly kind: "null"; readonly tag: "!!null" }
  /** A date or date-time: decoded as its text wherever a string is wanted. */
  | { readonly kind: "timestamp"; readonly tag: "!!timestamp"; readonly value: string }
  /** `!!binary`: the base64-decoded bytes, as a string. */
  | { readonly kind: "binary"; readonly tag: "!!binary"; readonly value: string };

/** A decode failure that ends yaml.v2's whole unmarshal (its `failf`), not a collected type error. */
export class GoDecodeFailure extends Error {
  constructor(reason: string) {
    super(`yaml: ${reason}`);
  }
}

const BOOLS = new Map<string, boolean>([
  ..."y Y yes Yes YES true True TRUE on On ON".split(" ").map((s) => [s, true] as const),
  ..."n N no No NO false False FALSE off Off OFF".split(" ").map((s) => [s, false] as const),
]);
const NULLS = new Set(["", "~", "null", "Null", "NULL"]);
const FLOAT_SPECIAL = new Map<string, number>([
  [".nan", NaN], [".NaN", NaN], [".NAN", NaN],
  [".inf", Infinity], [".Inf", Infinity], [".INF", Infinity],
  ["+.inf", Infinity], ["+.Inf", Infinity], ["+.INF", Infinity],
  ["-.inf", -Infinity], ["-.Inf", -Infinity], ["-.INF", -Infinity],
]);
/** Tags yaml.v2 resolves the text under; any other tag leaves the text a string carrying that tag. */
const RESOLVABLE_TAGS = new Set(["!!str", "!!bool", "!!int", "!!float", "!!null", "!!timestamp"]);

const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
export const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);
const UINT64_MAX = (1n << 64n) - 1n;

/** Resolve a scalar node as yaml.v2's decoder does; throws GoDecodeFailure where yaml.v2 fails outright. */
export function resolveScalar(node: ScalarNode): Resolved {
  const tag = node.tag;
  if (tag === undefined && node.style !== "plain") return { kind: "str", tag: "!!str", value: node.text };
  if (tag === "!!binary") return { kind: "binary", tag: "!!binary", value: decodeBase64(node.text) };
  if (tag !== undefined && !RESOLVABLE_TAGS.has(tag)) return { kind: "str", tag, value: node.text };
  if (tag === "!!str") return { kind: "str", tag: "!!str", value: node.text };
  const resolved = resolveText(node.text, tag === undefined || tag === "!!timestamp");
  if (tag === undefined || tag === resolved.tag) return resolved;
  if (tag === "!!float" && resolved.kind === "int") return { kind: "float", tag: "!!float", value: Number(resolved.value) };
  throw new GoDecodeFailure(`cannot decode ${resolved.tag} \`${node.text}\` as a ${tag}`);
}

/** The fast answer for the common plain scalar: a letter no boolean, null or number starts with. */
const LETTERS_THAT_MAY_RESOLVE = new Set([..."yYnNtTfFoO"].map((c) => c.charCodeAt(0)));
export function startsPlainString(first: number): boolean {
  return ((first >= 97 && first <= 122) || (first >= 65 && first <= 90)) && !LETTERS_THAT_MAY_RESOLVE.has(first);
}

/** What an untagged plain scalar's text resolves to (timestamps tried when `timestamps`). */
export function resolveText(text: string, timestamps = true): Resolved {
  const first = text.charCodeAt(0);
  if (startsPlainString(first)) return { kind: "str", tag: "!!str", value: text };
  // yaml.v2 looks at the first byte: only these start anything but a string.
  const hint = text === "" ? "M" : first === 43 || first === 45 ? "S" : first >= 48 && first <= 57 ? "D" : first === 46 ? "." : "yYnNtTfFoO~".includes(text[0] as string) ? "M" : "";
  if (hint === "") return { kind: "str", tag: "!!str", value: text };
  const bool = BOOLS.get(text);
  if (bool !== undefined) return { kind: "bool", tag: "!!bool", value: bool };
  if (NULLS.has(text)) return { kind: "null", tag: "!!null" };
  const special = FLOAT_SPECIAL.get(text);
  if (special !== undefined) return { kind: "float", tag: "!!float", value: special };
  if (hint === ".") {
    const f = parseGoFloat(text);
    return f === undefined ? { kind: "str", tag: "!!str", value: text } : { kind: "float", tag: "!!float", value: f };
  }
  if (hint === "M") return { kind: "str", tag: "!!str", value: text };
  if (timestamps && isTimestamp(text)) return { kind: "timestamp", tag: "!!timestamp", value: text };
  const plain = text.replaceAll("_", "");
  const int = parseGoInt(plain);
  if (int !== undefined) return { kind: "int", tag: "!!int", value: int };
  if (YAML_STYLE_FLOAT.test(plain)) {
    const f = parseGoFloat(plain);
    if (f !== undefined) return { kind: "float", tag: "!!float", value: f };
  }
  if (plain.startsWith("0b") || plain.startsWith("-0b")) {
    const negative = plain.startsWith("-");
    const digits = plain.slice(negative ? 3 : 2);
    if (/^[01]+$/.test(digits)) {
      const v = BigInt(`0b${digits}`) * (negative ? -1n : 1n);
      if (v >= INT64_MIN && v <= UINT64_MAX) return { kind: "int", tag: "!!int", value: v };
    }
  }
  return { kind: "str", tag: "!!str", value: text };
}

/** strconv.ParseInt(s, 0, 64), then ParseUint: base prefixes 0x, 0o, 0b and a leading 0 for octal. */
function parseGoInt(s: string): bigint | undefined {
  const m = /^([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return undefined;
  const sign = m[1] === "-" ? -1n : 1n;
  const digits = m[2] as string;
  let v: bigint;
  if (/^0[xXoObB]/.test(digits)) v = BigInt(digits.toLowerCase());
  else if (digits.length > 1 && digits.startsWith("0")) v = BigInt(`0o${digits.slice(1)}`);
  else v = BigInt(digits);
  v *= sign;
  if (v < INT64_MIN || v > UINT64_MAX) return undefined;
  // ParseUint refuses a sign: a signed value must fit int64.
  if (m[1] !== "" && v > INT64_MAX) return undefined;
  return v;
}

function parseGoFloat(s: string): number | undefined {
  if (!/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?|[0-9]*\.[0-9]+)([eE][-+]?[0-9]+)?$/.test(s)) return undefined;
  return Number(s);
}

/** Go's base64.StdEncoding: padded, line breaks ignored; anything else fails the decode. */
function decodeBase64(text: string): string {
  const compact = text.replace(/[\r\n]/g, "");
  if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*(={0,2})$/.test(compact) || /=[^=]/.test(compact)) {
    throw new GoDecodeFailure("!!binary value contains invalid base64 data");
  }
  return Buffer.from(compact, "base64").toString("utf8");
}

/**
 * Whether yaml.v2 takes the text for a timestamp: four digits and `-`, then one of Go's layouts
 * `2006-1-2T15:4:5.999999999Z07:00` (T or t), `2006-1-2 15:4:5.999999999` or `2006-1-2`, with
 * Go's field ranges (a real day of the month, hours to 23, minutes and seconds to 59).
 */
export function isTimestamp(text: string): boolean {
  if (!/^[0-9]{4}-/.test(text)) return false;
  let at = 5;
  /** Go's getnum: one digit, or two when two follow. */
  const number = (): number => {
    const a = text.charCodeAt(at) - 48;
    if (!(a >= 0 && a <= 9)) return -1;
    const b = text.charCodeAt(at + 1) - 48;
    if (b >= 0 && b <= 9) {
      at += 2;
      return a * 10 + b;
    }
    at += 1;
    return a;
  };
  const literal = (c: string) => text[at] === c && (at++, true);
  const year = Number(text.slice(0, 4));
  const month = number();
  if (month < 1 || month > 12 || !literal("-")) return false;
  const day = number();
  if (day < 1 || day > daysIn(month, year)) return false;
  if (at === text.length) return true;
  const separator = text[at];
  if (separator !== "T" && separator !== "t" && separator !== " ") return false;
  at++;
  const hour = number();
  if (hour < 0 || hour > 23 || !literal(":")) return false;
  const minute = number();
  if (minute < 0 || minute > 59 || !literal(":")) return false;
  const second = number();
  if (second < 0 || second > 59) return false;
  if ((text[at] === "." || text[at] === ",") && /[0-9]/.test(text[at + 1] ?? "")) {
    at++;
    while (/[0-9]/.test(text[at] ?? "")) at++;
  }
  if (separator === " ") return at === text.length;
  if (text[at] === "Z") return at + 1 === text.length;
  const zone = /^[+-]([0-9]{2}):([0-9]{2})$/.exec(text.slice(at));
  return zone !== null && Number(zone[1]) <= 24 && Number(zone[2]) <= 60;
}

function daysIn(month: number, year: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
