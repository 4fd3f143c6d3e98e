import { GoDecodeFailure, INT64_MAX, resolveScalar } from "./go-resolve.js";
import type { AliasNode, MappingNode, ScalarNode, SourceNode } from "./source-nodes.js";

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

type MapEntry = { key: GoValue; value: GoValue };

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
    if (this.expanding.has(alias)) throw new GoDecodeFailure(`anchor '${alias.name}' value contains itself`);
    this.expanding.add(alias);
    this.aliasDepth++;
    try {
      return decode(alias.target);
    } finally {
      this.aliasDepth--;
      this.expanding.delete(alias);
    }
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

/**
 * Decode a document's root as yaml.v2 decodes into `map[interface{}]interface{}` (the loader's
 * first unmarshal): maps keyed by any scalar, later keys overwriting earlier ones, merges applied.
 * Throws GoDecodeFailure where yaml.v2 fails the whole decode.
 */
export function decodeGeneric(root: SourceNode, budget = new DecodeBudget()): GoValue {
  budget.step(); // the document node
  return new GenericDecoder(budget).value(root);
}

/** Decode one value into `interface{}` within a decode already under way (its budget). */
export function decodeGenericValue(node: SourceNode, budget: DecodeBudget): GoValue {
  return new GenericDecoder(budget).value(node);
}

class GenericDecoder {
  constructor(private readonly budget: DecodeBudget) {}

  value(node: SourceNode): GoValue {
    this.budget.step();
    switch (node.kind) {
      case "alias":
        return this.budget.throughAlias(node, (target) => this.value(target));
      case "scalar":
        return scalarValue(node);
      case "sequence":
        return { type: "seq", items: node.items.map((item) => this.value(item)), node };
      case "mapping": {
        const entries: MapEntry[] = [];
        this.fill(node, entries, new Map());
        return { type: "map", entries, node };
      }
    }
  }

  /** Decode a mapping's pairs into an existing map (a merge decodes into the map being built). */
  private fill(node: MappingNode, entries: MapEntry[], index: Map<string, MapEntry>): void {
    const kv = node.keysAndValues;
    for (let i = 0; i + 1 < kv.length; i += 2) {
      const k = kv[i] as SourceNode;
      const v = kv[i + 1] as SourceNode;
      if (isMergeKey(k)) {
        mergeSources(v, (source) => this.mergeInto(source, entries, index));
        continue;
      }
      const key = this.value(k);
      if (key.type === "seq" || key.type === "map") throw new GoDecodeFailure(`invalid map key: ${goSyntax(key)}`);
      const value = this.value(v);
      const identity = goKeyIdentity(key);
      const existing = index.get(identity);
      if (existing) existing.value = value;
      else {
        const entry = { key, value };
        entries.push(entry);
        index.set(identity, entry);
      }
    }
  }

  private mergeInto(source: SourceNode, entries: MapEntry[], index: Map<string, MapEntry>): void {
    this.budget.step();
    if (source.kind === "alias") {
      this.budget.throughAlias(source, (target) => {
        this.budget.step();
        this.fill(target as MappingNode, entries, index);
      });
    } else this.fill(source as MappingNode, entries, index);
  }
}

function scalarValue(node: ScalarNode): GoValue {
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
function goKeyIdentity(v: GoValue): string {
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
      const parts = sortedEntries(v).map((e) => `${goFormat(e.key)}:${goFormat(e.value)}`);
      return `map[${parts.join(" ")}]`;
    }
  }
}

/** fmt's %#v, as yaml.v2 prints an invalid map key. */
export function goSyntax(v: GoValue): string {
  switch (v.type) {
    case "str":
      return goQuote(v.value);
    case "int":
      return v.value.toString();
    case "uint":
      return `0x${v.value.toString(16)}`;
    case "float":
      return goFormatFloat(v.value);
    case "bool":
      return String(v.value);
    case "null":
      return "interface {}(nil)";
    case "seq":
      return `[]interface {}{${v.items.map(goSyntax).join(", ")}}`;
    case "map":
      return `map[interface {}]interface {}{${sortedEntries(v).map((e) => `${goSyntax(e.key)}:${goSyntax(e.value)}`).join(", ")}}`;
  }
}

/** fmt prints map entries sorted by key: numbers by value, strings by bytes, false before true. */
function sortedEntries(v: GoValue & { type: "map" }): Array<{ key: GoValue; value: GoValue }> {
  const rank = (k: GoValue) => ["null", "int", "uint", "float", "bool", "str"].indexOf(k.type);
  return [...v.entries].sort((a, b) => {
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
