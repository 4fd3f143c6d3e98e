import { GoDecodeFailure, resolveScalar, type Resolved } from "./go-resolve.js";
import { decodeGenericValue } from "./go-generic-decode.js";
import { DecodeBudget, foldGoValue, goErrorValue, goFormat, isMergeKey, mergeSources, type GoValue } from "./go-yaml.js";
import type { MappingNode, ScalarNode, SourceNode } from "./source-nodes.js";

/** The service's YamlRateLimit, as decoded. */
export interface TypedRateLimit {
  requestsPerUnit: number;
  unit: string;
  unlimited: boolean;
  name: string;
  replaces: string[];
  /** The requests_per_unit value node last decoded, when present. */
  requestsPerUnitNode?: SourceNode;
  /** The node the rate_limit was decoded from last. */
  node: SourceNode;
}

/** The service's YamlDescriptor, as decoded, with where it sits. */
export interface TypedDescriptor {
  key: string;
  value: string;
  rateLimit?: TypedRateLimit;
  descriptors: TypedDescriptor[];
  shadowMode: boolean;
  detailedMetric: boolean;
  valueToMetric: boolean;
  shareThreshold: boolean;
  quotaMode: boolean;
  metadata?: unknown;
  /** The descriptor whose `descriptors` list holds this one (none at the top level), and its index there. */
  parent: TypedDescriptor | undefined;
  index: number;
  node: SourceNode;
}

export interface TypedRoot {
  domain: string;
  descriptors: TypedDescriptor[];
}

/** The children of a descriptor without any (never added to). */
export const NO_DESCRIPTORS: TypedDescriptor[] = [];

/** A descriptor with every field at its zero value, all fields present: one object shape. */
export function emptyDescriptor(parent: TypedDescriptor | undefined, index: number, node: SourceNode): TypedDescriptor {
  return { key: "", value: "", rateLimit: undefined, descriptors: NO_DESCRIPTORS, shadowMode: false, detailedMetric: false, valueToMetric: false, shareThreshold: false, quotaMode: false, metadata: undefined, parent, index, node };
}

function emptyRateLimit(node: SourceNode): TypedRateLimit {
  return { requestsPerUnit: 0, unit: "", unlimited: false, name: "", replaces: [], requestsPerUnitNode: undefined, node };
}

/**
 * Decode a document's root into the service's YamlRoot as yaml.v2's second unmarshal does: keys
 * in document order, a repeated key decoded again into the same field (a second mapping merges
 * into the first), type errors collected in the order met. Returns the root and the type errors;
 * throws GoDecodeFailure where yaml.v2 fails outright.
 */
export function decodeTypedRoot(root: SourceNode): { root: TypedRoot; typeErrors: string[] } {
  const decoder = new StructDecoder();
  const typed: TypedRoot = { domain: "", descriptors: [] };
  decoder.budget.step(); // the document node
  decoder.decode(root, (node) => {
    if (node.kind === "mapping") decoder.fields(node, (name, value) => decoder.rootField(typed, name, value));
    else if (node.kind === "sequence") decoder.typeError(node, "!!seq", "config.YamlRoot");
    else if (node.kind === "scalar") decoder.scalarIntoStruct(node, "config.YamlRoot");
    return true;
  });
  return { root: typed, typeErrors: decoder.typeErrors };
}

/**
 * The scalars yaml.v2's `prepare` stops at before following a pointer: a `!!null`, or an untagged
 * `null`, `~` (quoted or not) or empty plain scalar. The pointer is then the decode's target.
 */
function isNilPointerNull(node: ScalarNode): boolean {
  if (node.tag === "!!null") return true;
  return node.tag === undefined && (node.text === "null" || node.text === "~" || (node.text === "" && node.style === "plain"));
}

/**
 * yaml.v2's type error: a scalar's own tag if it has one, else the resolved one; the value in
 * backquotes (cut to 7 bytes past 10), except after a `!!seq` or `!!map` tag, where yaml.v2
 * appends the raw text (empty for a real collection).
 */
export function typeErrorText(node: SourceNode, resolvedTag: string, goType: string): string {
  // yaml.v2's node tree keeps tags on scalars only: a tagged mapping or sequence prints as !!map or !!seq.
  const shown = node.kind === "scalar" ? (node.tag ?? resolvedTag) : resolvedTag;
  const text = node.kind === "scalar" ? node.text : "";
  const value = shown === "!!seq" || shown === "!!map" ? text : goErrorValue(text);
  return `line ${node.line}: cannot unmarshal ${shown}${value} into ${goType}`;
}

class StructDecoder {
  readonly budget = new DecodeBudget();
  readonly typeErrors: string[] = [];

  /** yaml.v2's `unmarshal`: count the step, follow an alias, hand the node to the target's decode (false: the target refused it). */
  decode(node: SourceNode, into: (node: Exclude<SourceNode, { kind: "alias" }>) => boolean): boolean {
    this.budget.step();
    if (node.kind === "alias") return this.budget.throughAlias(node, (target) => this.decode(target, into));
    return into(node);
  }

  typeError(node: SourceNode, tag: string, goType: string): void {
    this.typeErrors.push(typeErrorText(node, tag, goType));
  }

  /** A non-null scalar where a struct is wanted is a type error; a null leaves the zero struct. */
  scalarIntoStruct(node: ScalarNode, goType: string): boolean {
    const r = resolveScalar(node);
    if (r.kind === "null") return true;
    this.typeError(node, r.tag, goType);
    return false;
  }

  /** yaml.v2's mappingStruct: each key decoded to a string, then its value into the field of that name; merges first-class. */
  fields(node: MappingNode, field: (name: string, value: SourceNode) => void): void {
    const kv = node.keysAndValues;
    for (let i = 0; i + 1 < kv.length; i += 2) {
      const k = kv[i] as SourceNode;
      const v = kv[i + 1] as SourceNode;
      if (isMergeKey(k)) {
        mergeSources(v, (source) => this.decode(source, (target) => (this.fields(target as MappingNode, field), true)));
        continue;
      }
      let name: string | undefined;
      if (!this.decode(k, (key) => ((name = this.string(key)), name !== undefined))) continue;
      field(name as unknown as string, v);
    }
  }

  /** A string target: any non-null scalar gives its text (a `!!binary` one its bytes); collections are type errors. */
  string(node: SourceNode): string | undefined {
    if (node.kind === "mapping" || node.kind === "sequence") {
      this.typeError(node, node.kind === "mapping" ? "!!map" : "!!seq", "string");
      return undefined;
    }
    const scalar = node as ScalarNode;
    const r = resolveScalar(scalar);
    if (r.kind === "null") return "";
    return r.kind === "binary" ? r.value : scalar.text;
  }

  private stringField(value: SourceNode, set: (s: string) => void): void {
    this.decode(value, (node) => {
      const s = this.string(node);
      if (s === undefined) return false;
      set(s);
      return true;
    });
  }

  private boolField(value: SourceNode, set: (b: boolean) => void): void {
    this.decode(value, (node) => {
      if (node.kind !== "scalar") return (this.typeError(node, node.kind === "mapping" ? "!!map" : "!!seq", "bool"), false);
      const r = resolveScalar(node);
      // yaml.v2 2.4 takes only a resolved boolean: a quoted "yes" or "true" is a type error.
      const b = r.kind === "null" ? false : r.kind === "bool" ? r.value : undefined;
      if (b === undefined) return (this.typeError(node, r.tag, "bool"), false);
      set(b);
      return true;
    });
  }

  private uint32Field(value: SourceNode, set: (n: number, node: SourceNode) => void): void {
    this.decode(value, (node) => {
      if (node.kind !== "scalar") return (this.typeError(node, node.kind === "mapping" ? "!!map" : "!!seq", "uint32"), false);
      const r = resolveScalar(node);
      const n = uint32Of(r);
      if (n === undefined) return (this.typeError(node, r.tag, "uint32"), false);
      set(n, node);
      return true;
    });
  }

  rootField(root: TypedRoot, name: string, value: SourceNode): void {
    if (name === "domain") this.stringField(value, (s) => (root.domain = s));
    else if (name === "descriptors") this.descriptorList(value, undefined, (list) => (root.descriptors = list));
  }

  private descriptorList(value: SourceNode, parent: TypedDescriptor | undefined, set: (list: TypedDescriptor[]) => void): void {
    this.list(value, "[]config.YamlDescriptor", set, (item, index) => {
      const descriptor = emptyDescriptor(parent, index, item);
      const ok = this.decode(item, (node) => {
        if (node.kind === "mapping") {
          descriptor.node = node;
          this.fields(node, (name, v) => this.descriptorField(descriptor, name, v));
          return true;
        }
        if (node.kind === "sequence") return (this.typeError(node, "!!seq", "config.YamlDescriptor"), false);
        return this.scalarIntoStruct(node, "config.YamlDescriptor");
      });
      return ok ? descriptor : undefined;
    });
  }

  /** A slice target: a sequence replaces it (items that fail are left out), a null empties it. */
  private list<E>(value: SourceNode, goType: string, set: (list: E[]) => void, item: (node: SourceNode, index: number) => E | undefined): void {
    this.decode(value, (node) => {
      if (node.kind === "mapping") return (this.typeError(node, "!!map", goType), false);
      if (node.kind === "scalar") {
        const r = resolveScalar(node);
        if (r.kind !== "null") return (this.typeError(node, r.tag, goType), false);
        set([]);
        return true;
      }
      const out: E[] = [];
      for (const child of node.items) {
        const decoded = item(child, out.length);
        if (decoded !== undefined) out.push(decoded);
      }
      set(out);
      return true;
    });
  }

  private descriptorField(d: TypedDescriptor, name: string, value: SourceNode): void {
    switch (name) {
      case "key":
        return this.stringField(value, (s) => (d.key = s));
      case "value":
        return this.stringField(value, (s) => (d.value = s));
      case "descriptors":
        return this.descriptorList(value, d, (list) => (d.descriptors = list));
      case "shadow_mode":
        return this.boolField(value, (b) => (d.shadowMode = b));
      case "quota_mode":
        return this.boolField(value, (b) => (d.quotaMode = b));
      case "detailed_metric":
        return this.boolField(value, (b) => (d.detailedMetric = b));
      case "value_to_metric":
        return this.boolField(value, (b) => (d.valueToMetric = b));
      case "share_threshold":
        return this.boolField(value, (b) => (d.shareThreshold = b));
      case "rate_limit":
        return this.rateLimit(value, d);
      case "metadata":
        return this.metadata(value, d);
    }
  }

  /** A pointer to a struct: a null sets it nil; anything else decodes into the struct it points to (made if nil). */
  private rateLimit(value: SourceNode, d: TypedDescriptor): void {
    this.decode(value, (node) => {
      if (node.kind === "scalar" && isNilPointerNull(node)) {
        // The pointer itself is the target here: a quoted "null" or "~" is a string it cannot take.
        const r = resolveScalar(node);
        if (r.kind === "null") d.rateLimit = undefined;
        else this.typeError(node, r.tag, "*config.YamlRateLimit");
        return r.kind === "null";
      }
      const limit = d.rateLimit ?? emptyRateLimit(node);
      d.rateLimit = limit;
      if (node.kind === "scalar") {
        if (resolveScalar(node).kind === "null") {
          // `Null` and `NULL` zero the struct behind the pointer rather than clearing it.
          d.rateLimit = emptyRateLimit(node);
          return true;
        }
        return this.scalarIntoStruct(node, "config.YamlRateLimit");
      }
      if (node.kind === "sequence") return (this.typeError(node, "!!seq", "config.YamlRateLimit"), false);
      limit.node = node;
      this.fields(node, (name, v) => this.rateLimitField(limit, name, v));
      return true;
    });
  }

  private rateLimitField(limit: TypedRateLimit, name: string, value: SourceNode): void {
    switch (name) {
      case "requests_per_unit":
        return this.uint32Field(value, (n, node) => {
          limit.requestsPerUnit = n;
          limit.requestsPerUnitNode = node;
        });
      case "unit":
        return this.stringField(value, (s) => (limit.unit = s));
      case "unlimited":
        return this.boolField(value, (b) => (limit.unlimited = b));
      case "name":
        return this.stringField(value, (s) => (limit.name = s));
      case "replaces":
        return this.list<string>(value, "[]config.yamlReplaces", (list) => (limit.replaces = list), (item) => {
          let replaced = "";
          const ok = this.decode(item, (node) => {
            if (node.kind === "mapping") {
              this.fields(node, (n, v) => n === "name" && this.stringField(v, (s) => (replaced = s)));
              return true;
            }
            if (node.kind === "sequence") return (this.typeError(node, "!!seq", "config.yamlReplaces"), false);
            return this.scalarIntoStruct(node, "config.yamlReplaces");
          });
          return ok ? replaced : undefined;
        });
    }
  }

  /** map[string]interface{}: a mapping adds to the map (keys as strings, values decoded generically), a null empties it. */
  private metadata(value: SourceNode, d: TypedDescriptor): void {
    this.decode(value, (node) => {
      if (node.kind === "sequence") return (this.typeError(node, "!!seq", "map[string]interface {}"), false);
      if (node.kind === "scalar") {
        const r = resolveScalar(node);
        if (r.kind !== "null") return (this.typeError(node, r.tag, "map[string]interface {}"), false);
        d.metadata = undefined;
        return true;
      }
      const map = (d.metadata as Record<string, unknown> | undefined) ?? {};
      d.metadata = map;
      this.metadataEntries(node, map);
      return true;
    });
  }

  private metadataEntries(node: MappingNode, map: Record<string, unknown>): void {
    const kv = node.keysAndValues;
    for (let i = 0; i + 1 < kv.length; i += 2) {
      const k = kv[i] as SourceNode;
      const v = kv[i + 1] as SourceNode;
      if (isMergeKey(k)) {
        mergeSources(v, (source) => this.decode(source, (target) => (this.metadataEntries(target as MappingNode, map), true)));
        continue;
      }
      let name: string | undefined;
      if (!this.decode(k, (key) => ((name = this.string(key)), name !== undefined))) continue;
      map[name as unknown as string] = toPlain(decodeGenericValue(v, this.budget));
    }
  }
}

/** What a uint32 field takes: ints in range, and floats whose truncation is (Go's conversion). */
function uint32Of(r: Resolved): number | undefined {
  if (r.kind === "null") return 0;
  if (r.kind === "int") return r.value >= 0n && r.value <= 0xffffffffn ? Number(r.value) : undefined;
  if (r.kind === "float") {
    if (!Number.isFinite(r.value)) return undefined;
    const t = Math.trunc(r.value);
    return t >= 0 && t <= 0xffffffff ? t + 0 : undefined;
  }
  return undefined;
}

/** A generic value as plain data, for a rule's metadata. */
export function toPlain(v: GoValue): unknown {
  return foldGoValue<unknown>(
    v,
    (leaf) => (leaf.type === "int" || leaf.type === "uint" ? Number(leaf.value) : leaf.type === "null" ? null : "value" in leaf ? leaf.value : null),
    (items) => items,
    (entries) => Object.fromEntries(entries.map((e) => [goFormat(e.key), e.valueResult])),
  );
}

export { GoDecodeFailure };
