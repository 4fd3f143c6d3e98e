import { GoDecodeFailure, INT64_MAX, resolveScalar } from "./go-resolve.js";
import type { AliasNode, ScalarNode, SourceNode } from "./source-nodes.js";

export { GoDecodeFailure } from "./go-resolve.js";

/**
 * Go yaml.v2 (v2.4, the ratelimit service's parser) decoding into `interface{}` on top of our
 * source tree: maps keyed by any scalar, merge keys, alias limits, and fmt's `%v` and `%#v`
 * formatting used in the loader's messages.
 */

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

export type MapEntry = { key: GoValue; value: GoValue };

/** yaml.v2 bounds the work aliases can cause: past its thresholds, a high share of aliased decodes fails the document. */
function allowedAliasRatio(decodeCount: number): number {
  if (decodeCount <= 400_000) return 0.99;
  if (decodeCount >= 4_000_000) return 0.1;
  return 0.99 - 0.89 * ((decodeCount - 400_000) / 3_600_000);
}

/**
 * yaml.v2's decode bookkeeping, shared by the generic and the typed decode: every decode step is
 * counted (steps under an alias apart), and an alias met again inside its own expansion fails.
 */
export class DecodeBudget {
  private decodeCount = 0;
  private aliasCount = 0;
  private aliasDepth = 0;
  private readonly expanding = new Set<AliasNode>();

  /** One decode step (yaml.v2's `unmarshal`); throws when aliases dominate the work. */
  step(): void {
    this.decodeCount++;
    if (this.aliasDepth > 0) this.aliasCount++;
    if (this.aliasCount > 100 && this.decodeCount > 1000 && this.aliasCount / this.decodeCount > allowedAliasRatio(this.decodeCount)) {
      throw new GoDecodeFailure("document contains excessive aliasing");
    }
  }

  /** Decode an alias's target through `decode`, as yaml.v2's `alias` does. */
  throughAlias<R>(alias: AliasNode, decode: (target: SourceNode) => R): R {
    this.enterAlias(alias);
    try {
      return decode(alias.target);
    } finally {
      this.leaveAlias(alias);
    }
  }

  /** Start expanding an alias (throughAlias in two halves, for a decode without recursion). */
  enterAlias(alias: AliasNode): void {
    if (this.expanding.has(alias)) throw new GoDecodeFailure(`anchor '${alias.name}' value contains itself`);
    this.expanding.add(alias);
    this.aliasDepth++;
  }

  leaveAlias(alias: AliasNode): void {
    this.aliasDepth--;
    this.expanding.delete(alias);
  }
}

/** A `<<` key yaml.v2 merges: a plain (or `!`-tagged) `<<`, or one tagged `!!merge`. */
export function isMergeKey(node: SourceNode): boolean {
  return node.kind === "scalar" && node.text === "<<" && ((node.style === "plain" && (node.tag === undefined || node.tag === "!")) || node.tag === "!!merge");
}

export class MergeError extends GoDecodeFailure {
  constructor() {
    super("map merge requires map or sequence of maps as the value");
  }
}

/** yaml.v2's merge: the value must be a mapping, an alias of one, or a list of those (merged last to first). */
export function mergeSources(value: SourceNode, into: (source: SourceNode) => void): void {
  const isMapping = (n: SourceNode) => n.kind === "mapping" || (n.kind === "alias" && n.target.kind === "mapping");
  if (value.kind === "mapping" || value.kind === "alias") {
    if (!isMapping(value)) throw new MergeError();
    into(value);
    return;
  }
  if (value.kind !== "sequence") throw new MergeError();
  for (let i = value.items.length - 1; i >= 0; i--) {
    const item = value.items[i] as SourceNode;
    if (!isMapping(item)) throw new MergeError();
    into(item);
  }
}

export function scalarValue(node: ScalarNode): GoValue {
  const r = resolveScalar(node);
  switch (r.kind) {
    case "str":
    case "timestamp": // yaml.v2 keeps a timestamp's text where the target is interface{}
    case "binary":
      return { type: "str", value: r.value, node };
    case "int":
      return r.value > INT64_MAX ? { type: "uint", value: r.value, node } : { type: "int", value: r.value, node };
    case "float":
      return { type: "float", value: r.value, node };
    case "bool":
      return { type: "bool", value: r.value, node };
    case "null":
      return { type: "null", node };
  }
}

/** Go map key identity for the scalar keys yaml.v2 produces (NaN never equals itself). */
export function goKeyIdentity(v: GoValue): string {
  switch (v.type) {
    case "str":
      return `s:${v.value}`;
    case "int":
    case "uint":
      return `i:${v.value}`;
    case "float":
      return Number.isNaN(v.value) ? `nan:${v.node.start}:${Math.random()}` : `f:${v.value}`;
    case "bool":
      return `b:${v.value}`;
    case "null":
      return "n";
    default:
      return `o:${v.node.start}`;
  }
}

/** The tag yaml.v2 names in "cannot unmarshal" errors for a decoded value. */
export function goTagOf(v: GoValue): string {
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

/**
 * Fold a decoded value bottom-up without recursion (values nest up to yaml.v2's 10,000 levels):
 * `leaf` for scalars, `seq` with its items' results, `map` with each entry's key and results.
 */
export function foldGoValue<R>(
  root: GoValue,
  leaf: (v: GoValue) => R,
  seq: (items: R[]) => R,
  map: (entries: Array<{ key: GoValue; keyResult: R; valueResult: R }>) => R,
): R {
  type Open = { v: GoValue & { type: "seq" | "map" }; children: GoValue[]; results: R[] };
  const open = (v: GoValue & { type: "seq" | "map" }): Open => ({ v, children: v.type === "seq" ? [...v.items] : v.entries.flatMap((e) => [e.key, e.value]), results: [] });
  const stack: Open[] = [];
  let pending: GoValue | undefined = root;
  for (;;) {
    let value: R;
    if (pending !== undefined && (pending.type === "seq" || pending.type === "map")) {
      stack.push(open(pending));
      pending = undefined;
    }
    if (pending !== undefined) {
      value = leaf(pending);
      pending = undefined;
    } else {
      const top = stack.at(-1) as Open;
      if (top.results.length < top.children.length) {
        pending = top.children[top.results.length];
        continue;
      }
      stack.pop();
      value =
        top.v.type === "seq"
          ? seq(top.results)
          : map(top.v.entries.map((e, i) => ({ key: e.key, keyResult: top.results[2 * i] as R, valueResult: top.results[2 * i + 1] as R })));
    }
    const parent = stack.at(-1);
    if (!parent) return value;
    parent.results.push(value);
  }
}

/** fmt's %v of a decoded value, as the loader prints keys and list elements. */
export function goFormat(v: GoValue): string {
  return foldGoValue(
    v,
    (leaf) => {
      switch (leaf.type) {
        case "str":
          return leaf.value;
        case "int":
        case "uint":
          return leaf.value.toString();
        case "float":
          return goFormatFloat(leaf.value);
        case "bool":
          return String(leaf.value);
        default:
          return "<nil>";
      }
    },
    (items) => `[${items.join(" ")}]`,
    (entries) => `map[${sortedByKey(entries).map((e) => `${e.keyResult}:${e.valueResult}`).join(" ")}]`,
  );
}

/** fmt's %#v, as yaml.v2 prints an invalid map key. */
export function goSyntax(v: GoValue): string {
  return foldGoValue(
    v,
    (leaf) => {
      switch (leaf.type) {
        case "str":
          return goQuote(leaf.value);
        case "int":
          return leaf.value.toString();
        case "uint":
          return `0x${leaf.value.toString(16)}`;
        case "float":
          return goFormatFloat(leaf.value);
        case "bool":
          return String(leaf.value);
        default:
          return "interface {}(nil)";
      }
    },
    (items) => `[]interface {}{${items.join(", ")}}`,
    (entries) => `map[interface {}]interface {}{${sortedByKey(entries).map((e) => `${e.keyResult}:${e.valueResult}`).join(", ")}}`,
  );
}

/** fmt prints map entries sorted by key: numbers by value, strings by bytes, false before true. */
function sortedByKey<E extends { key: GoValue }>(entries: E[]): E[] {
  const rank = (k: GoValue) => ["null", "int", "uint", "float", "bool", "str"].indexOf(k.type);
  return [...entries].sort((a, b) => {
    const byType = rank(a.key) - rank(b.key);
    if (byType !== 0) return byType;
    const x = "value" in a.key ? a.key.value : 0;
    const y = "value" in b.key ? b.key.value : 0;
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/** strconv.Quote: printable characters as they are, the rest escaped. */
function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (c === 7) out += "\\a";
    else if (c === 8) out += "\\b";
    else if (c === 12) out += "\\f";
    else if (c === 10) out += "\\n";
    else if (c === 13) out += "\\r";
    else if (c === 9) out += "\\t";
    else if (c === 11) out += "\\v";
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, "0")}`;
    else if ((c >= 0x80 && c < 0xa0) || c === 0xad || c === 0x2028 || c === 0x2029 || c === 0xfeff) out += c > 0xff ? `\\u${c.toString(16).padStart(4, "0")}` : `\\u00${c.toString(16).padStart(2, "0")}`;
    else out += ch;
  }
  return `${out}"`;
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

/** The text yaml.v2 quotes in a type error: values longer than 10 bytes are cut to their first 7 bytes (even mid-character). */
export function goErrorValue(text: string): string {
  const bytes = Buffer.from(text, "utf8");
  return bytes.length > 10 ? ` \`${bytes.subarray(0, 7).toString("utf8")}...\`` : ` \`${text}\``;
}
