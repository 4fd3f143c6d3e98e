import type { SourceNode, ScalarNode } from "./yaml-source.js";

/**
 * Go yaml.v2 (v2.4, the ratelimit service's parser) semantics on top of our source tree:
 * YAML 1.1 plain-scalar resolution, decoding into `interface{}`, merge keys, alias limits,
 * and fmt's `%v` formatting used in the loader's messages.
 */

export type GoTag = "!!str" | "!!int" | "!!float" | "!!bool" | "!!null" | "!!seq" | "!!map";

export type GoValue =
  | { readonly type: "str"; readonly value: string; readonly node: SourceNode }
  /** Fits Go's 64-bit int. */
  | { readonly type: "int"; readonly value: bigint; readonly node: SourceNode }
  /** Above int64: yaml.v2 yields uint64, which the loader's leaf check rejects. */
  | { readonly type: "uint"; readonly value: bigint; readonly node: SourceNode }
  | { readonly type: "float"; readonly value: number; readonly node: SourceNode }
  | { readonly type: "bool"; readonly value: boolean; readonly node: SourceNode }
  | { readonly type: "null"; readonly node: SourceNode }
  | { readonly type: "seq"; readonly items: readonly GoValue[]; readonly node: SourceNode }
  | { readonly type: "map"; readonly entries: ReadonlyArray<{ readonly key: GoValue; readonly value: GoValue }>; readonly node: SourceNode };

export type ResolvedScalar =
  | { readonly tag: "!!str"; readonly value: string }
  | { readonly tag: "!!int"; readonly value: bigint }
  | { readonly tag: "!!float"; readonly value: number }
  | { readonly tag: "!!bool"; readonly value: boolean }
  | { readonly tag: "!!null" };

const BOOL_TRUE = new Set(["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"]);
const BOOL_FALSE = new Set(["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"]);
const NULLS = new Set(["", "~", "null", "Null", "NULL"]);
const FLOAT_SPECIAL = new Map<string, number>([
  [".nan", NaN], [".NaN", NaN], [".NAN", NaN],
  [".inf", Infinity], [".Inf", Infinity], [".INF", Infinity],
  ["+.inf", Infinity], ["+.Inf", Infinity], ["+.INF", Infinity],
  ["-.inf", -Infinity], ["-.Inf", -Infinity], ["-.INF", -Infinity],
]);
/** First letters of YAML 1.1 booleans and nulls (y, n, true, false, on, off, null). */
const LETTERS_THAT_MAY_RESOLVE = new Set([..."yYnNtTfFoO"].map((c) => c.charCodeAt(0)));

/** A plain scalar starting with this character code is a string whatever follows: an ASCII letter no boolean, null or number starts with. */
function startsPlainString(first: number): boolean {
  return ((first >= 97 && first <= 122) || (first >= 65 && first <= 90)) && !LETTERS_THAT_MAY_RESOLVE.has(first);
}
const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);
const UINT64_MAX = (1n << 64n) - 1n;

/** Resolve a scalar as yaml.v2 does: quoted and block scalars are strings, plain ones are typed. */
export function resolveScalar(node: ScalarNode): ResolvedScalar {
  if (node.tag === "!!str" || node.tag === "!") return { tag: "!!str", value: node.text };
  if (node.style !== "plain") return { tag: "!!str", value: node.text };
  return resolvePlain(node.text);
}

export function resolvePlain(text: string): ResolvedScalar {
  // Fast path for the common case (keys, units, descriptor values): a letter that starts no
  // boolean (y/n/true/false/on/off), null or number resolves to itself.
  if (startsPlainString(text.charCodeAt(0))) return { tag: "!!str", value: text };
  if (BOOL_TRUE.has(text)) return { tag: "!!bool", value: true };
  if (BOOL_FALSE.has(text)) return { tag: "!!bool", value: false };
  if (NULLS.has(text)) return { tag: "!!null" };
  const special = FLOAT_SPECIAL.get(text);
  if (special !== undefined) return { tag: "!!float", value: special };
  const c = text[0] ?? "";
  if (c === ".") {
    const f = parseGoFloat(text);
    return f === undefined ? { tag: "!!str", value: text } : { tag: "!!float", value: f };
  }
  if (!/[-+0-9]/.test(c)) return { tag: "!!str", value: text };
  // Timestamps decode to strings when the target is interface{} or string (yaml.v2 v2.4 compatibility).
  if (/^[0-9]{4}-/.test(text)) return { tag: "!!str", value: text };
  const plain = text.replaceAll("_", "");
  const int = parseGoInt(plain);
  if (int !== undefined) return { tag: "!!int", value: int };
  if (YAML_STYLE_FLOAT.test(plain)) {
    const f = parseGoFloat(plain);
    if (f !== undefined) return { tag: "!!float", value: f };
  }
  if (plain.startsWith("0b") || plain.startsWith("-0b")) {
    const neg = plain.startsWith("-");
    const digits = plain.slice(neg ? 3 : 2);
    if (/^[01]+$/.test(digits)) {
      const v = BigInt(`0b${digits}`) * (neg ? -1n : 1n);
      if (v >= INT64_MIN && v <= UINT64_MAX) return { tag: "!!int", value: v };
    }
  }
  return { tag: "!!str", value: text };
}

/** strconv.ParseInt(s, 0, 64), falling back to ParseUint: base prefixes 0x, 0o, 0b and a leading 0 for octal. */
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
  if (sign < 0n && v < INT64_MIN) return undefined;
  if (v > UINT64_MAX) return undefined;
  if (sign < 0n || m[1] === "+") {
    // ParseUint refuses a sign: a signed value must fit int64.
    if (v > INT64_MAX) return undefined;
  }
  return v;
}

function parseGoFloat(s: string): number | undefined {
  if (!/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?|[0-9]*\.[0-9]+)([eE][-+]?[0-9]+)?$/.test(s)) return undefined;
  return Number(s);
}

/** yaml.v2 2.4 refuses documents whose aliases expand far beyond their size; we bound the work the same way. */
export const MAX_DECODED_NODES = 1_000_000;

export class ExcessiveAliasingError extends Error {
  constructor() {
    super("yaml: document contains excessive aliasing");
  }
}

export class MergeError extends Error {
  constructor() {
    super("yaml: map merge requires map or sequence of maps as the value");
  }
}

/** Decode a node as yaml.v2 decodes into `interface{}` (maps keyed by any scalar, last key wins, merges applied). */
export function decodeGeneric(root: SourceNode): GoValue {
  let budget = MAX_DECODED_NODES;
  const decode = (node: SourceNode): GoValue => {
    if (--budget < 0) throw new ExcessiveAliasingError();
    switch (node.kind) {
      case "alias":
        return decode(node.target);
      case "scalar":
        return scalarValue(node);
      case "sequence":
        return { type: "seq", items: node.items.map(decode), node };
      case "mapping": {
        // Mappings are small (a descriptor has a handful of keys): a list with a linear duplicate
        // check allocates far less than a Map with string identities, and keeps first-seen order.
        const entries: Array<{ key: GoValue; value: GoValue }> = [];
        let index: Map<string, { key: GoValue; value: GoValue }> | undefined; // only for large (hostile) mappings
        const set = (key: GoValue, value: GoValue) => {
          if (index === undefined && entries.length >= LINEAR_KEY_SEARCH_LIMIT) {
            index = new Map(entries.map((e) => [goKeyIdentity(e.key), e]));
          }
          const existing = index ? index.get(goKeyIdentity(key)) : entries.find((e) => sameGoKey(e.key, key));
          if (existing) {
            existing.value = value; // last duplicate wins, as in yaml.v2's non-strict Unmarshal
            return;
          }
          const entry = { key, value };
          entries.push(entry);
          index?.set(goKeyIdentity(key), entry);
        };
        const merge = (value: SourceNode) => {
          const target = value.kind === "alias" ? value.target : value;
          if (target.kind === "mapping") {
            const decoded = decode(target);
            if (decoded.type === "map") for (const e of decoded.entries) set(e.key, e.value);
          } else if (target.kind === "sequence") {
            // yaml.v2 merges a list of maps last-to-first, so earlier maps win.
            for (let i = target.items.length - 1; i >= 0; i--) {
              const item = target.items[i] as SourceNode;
              const t = item.kind === "alias" ? item.target : item;
              if (t.kind !== "mapping") throw new MergeError();
              merge(t);
            }
          } else throw new MergeError();
        };
        const kv = node.keysAndValues;
        for (let i = 0; i + 1 < kv.length; i += 2) {
          const k = kv[i] as SourceNode;
          const v = kv[i + 1] as SourceNode;
          if (k.kind === "scalar" && k.style === "plain" && k.text === "<<" && k.tag === undefined) {
            merge(v);
            continue;
          }
          set(decode(k), decode(v));
        }
        return { type: "map", entries, node };
      }
    }
  };
  return decode(root);
}

function scalarValue(node: ScalarNode): GoValue {
  const r = resolveScalar(node);
  switch (r.tag) {
    case "!!str":
      return { type: "str", value: r.value, node };
    case "!!int":
      return r.value > INT64_MAX ? { type: "uint", value: r.value, node } : { type: "int", value: r.value, node };
    case "!!float":
      return { type: "float", value: r.value, node };
    case "!!bool":
      return { type: "bool", value: r.value, node };
    case "!!null":
      return { type: "null", node };
  }
}

const LINEAR_KEY_SEARCH_LIMIT = 32;

function goKeyIdentity(v: GoValue): string {
  switch (v.type) {
    case "str":
      return `s:${v.value}`;
    case "int":
    case "uint":
      return `i:${v.value}`;
    case "float":
      return `f:${v.value}`;
    case "bool":
      return `b:${v.value}`;
    case "null":
      return "n";
    default:
      return `o:${v.node.start}`;
  }
}

/** Go map key equality for the scalar keys yaml.v2 produces (collections never compare equal). */
function sameGoKey(a: GoValue, b: GoValue): boolean {
  if (a.type !== b.type) return (a.type === "int" || a.type === "uint") && (b.type === "int" || b.type === "uint") && a.value === b.value;
  switch (a.type) {
    case "str":
    case "bool":
    case "int":
    case "uint":
    case "float":
      return a.value === (b as typeof a).value;
    case "null":
      return true;
    default:
      return a === b;
  }
}

/** The tag yaml.v2 names in "cannot unmarshal" errors. */
export function goTagOf(v: GoValue): GoTag {
  switch (v.type) {
    case "str":
      return "!!str";
    case "int":
    case "uint":
      return "!!int";
    case "float":
      return "!!float";
    case "bool":
      return "!!bool";
    case "null":
      return "!!null";
    case "seq":
      return "!!seq";
    case "map":
      return "!!map";
  }
}

/** fmt's %v of a decoded value, as the loader prints keys and list elements. */
export function goFormat(v: GoValue): string {
  switch (v.type) {
    case "str":
      return v.value;
    case "int":
    case "uint":
      return v.value.toString();
    case "float":
      return goFormatFloat(v.value);
    case "bool":
      return String(v.value);
    case "null":
      return "<nil>";
    case "seq":
      return `[${v.items.map(goFormat).join(" ")}]`;
    case "map": {
      const parts = v.entries.map((e) => [goFormat(e.key), goFormat(e.value)] as const);
      parts.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      return `map[${parts.map(([k, val]) => `${k}:${val}`).join(" ")}]`;
    }
  }
}

/** fmt's %v of a float64: strconv 'g' with the shortest digits, exponent form when exp < -4 or exp >= 6. */
export function goFormatFloat(f: number): string {
  if (Number.isNaN(f)) return "NaN";
  if (f === Infinity) return "+Inf";
  if (f === -Infinity) return "-Inf";
  if (f === 0) return Object.is(f, -0) ? "-0" : "0";
  const [mantissa, expText] = f.toExponential().split("e") as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? "-" : "+";
    const abs = Math.abs(exp);
    return `${mantissa}e${sign}${abs < 10 ? "0" : ""}${abs}`;
  }
  return String(f);
}

/** The text yaml.v2 quotes in a type error: long values are cut to 7 characters. */
export function goErrorValue(v: GoValue): string {
  if (v.type === "seq" || v.type === "map") return "";
  const node = v.node;
  const text = node.kind === "scalar" ? node.text : "";
  return text.length > 10 ? ` \`${text.slice(0, 7)}...\`` : ` \`${text}\``;
}

/** What resolveScalar gives a scalar, by goTagOf's tags, with ints above int64 (uint) apart. */
export const enum ScalarKind {
  Str,
  Int,
  Uint,
  Float,
  Bool,
  Null,
}

/**
 * The kind resolveScalar gives a scalar (Uint above int64), without allocating for the common
 * cases: strings that start with a letter no boolean or null starts with, and small decimal ints.
 */
export function resolveScalarKind(node: ScalarNode): ScalarKind {
  if (node.tag === "!!str" || node.tag === "!" || node.style !== "plain") return ScalarKind.Str;
  const text = node.text;
  if (startsPlainString(text.charCodeAt(0))) return ScalarKind.Str;
  if (smallDecimal(text) >= 0) return ScalarKind.Int;
  const r = resolvePlain(text);
  switch (r.tag) {
    case "!!str":
      return ScalarKind.Str;
    case "!!int":
      return r.value > INT64_MAX ? ScalarKind.Uint : ScalarKind.Int;
    case "!!float":
      return ScalarKind.Float;
    case "!!bool":
      return ScalarKind.Bool;
    case "!!null":
      return ScalarKind.Null;
  }
}

/** The value of a plain `0` or of 1 to 9 decimal digits without a leading zero (what resolvePlain reads as that int), else -1. */
export function smallDecimal(text: string): number {
  const n = text.length;
  if (n === 0 || n > 9) return -1;
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9 || (d === 0 && i === 0 && n > 1)) return -1;
    v = v * 10 + d;
  }
  return v;
}
