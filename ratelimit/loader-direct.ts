import { resolveText, INT64_MAX, startsPlainString } from "./go-resolve.js";
import { decodeGeneric } from "./go-generic-decode.js";
import type { GoValue } from "./go-yaml.js";
import { emptyDescriptor, toPlain, type TypedDescriptor, type TypedRateLimit, type TypedRoot } from "./go-struct-decode.js";
import { VALID_KEYS } from "./service-schema.js";
import type { MappingNode, ScalarNode, SourceNode } from "./source-nodes.js";

/*
 * The direct decode: validateYamlKeys and the typed decode in one walk of the source tree, with
 * no generic value per node and no path strings built ahead of need. It handles documents that
 * load cleanly and have no alias, merge key or duplicate key (checked before calling it, or as it
 * walks); on anything else it gives up, and the generic path above, which reports the loader's
 * exact first error, decodes the document instead. So its only duty is to agree with that path
 * on clean documents, and to give up wherever that path would report an error.
 */

/** Deeper values are left to the generic path, which keeps its own stack (descriptors nest through the typed decode either way). */
const MAX_DIRECT_DEPTH = 1000;

/** Thrown inside the direct decode when the generic path must decide. */
class NotDirect extends Error {}
const NOT_DIRECT = new NotDirect("left to the generic decode");

const giveUp = (): never => {
  throw NOT_DIRECT;
};

/** Bit of each key validateYamlKeys accepts, to find duplicate keys without a set per mapping. */
const KEY_BITS = new Map([...VALID_KEYS].map((key, i) => [key, 1 << i]));

/** The TypedRoot decodeRoot would give, when validateYamlKeys and the typed decode pass; undefined when the generic path must decide. */
export function decodeRootDirectly(root: MappingNode): TypedRoot | undefined {
  try {
    let domain = "";
    let descriptors: TypedDescriptor[] = [];
    let seen = 0;
    for (let i = 0; i < root.size; i++) {
      const key = directKey(root, i);
      seen = claimKey(seen, key);
      const value = root.valueAt(i);
      if (key === "domain") domain = directString(value);
      else if (key === "descriptors") descriptors = directDescriptorList(value, undefined);
      else if (key !== "metadata") validateDirectly(value);
      else decodesGenerically(value);
    }
    return { domain, descriptors };
  } catch (error) {
    if (error === NOT_DIRECT) return undefined;
    throw error;
  }
}

/** A limit's empty `replaces` (never added to). */
const NO_REPLACES: string[] = [];

/** Pair i's key, when validateYamlKeys accepts it, else give up. */
function directKey(map: MappingNode, i: number): string {
  // A scalar whose text is a known key resolves to that string, whatever its style or tag.
  const key = map.keyText(i);
  if (key === undefined || !VALID_KEYS.has(key)) return giveUp();
  return key;
}

/** Mark `key` seen in a mapping; a duplicate key (merged by the generic decode) gives up. */
function claimKey(seen: number, key: string): number {
  const bit = KEY_BITS.get(key) ?? 0;
  if ((seen & bit) !== 0) giveUp();
  return seen | bit;
}

/**
 * A `metadata` value the typed decode ignores is still decoded by the first, generic unmarshal:
 * a bad merge or a complex key there fails the file. Give up unless it decodes.
 */
function decodesGenerically(node: SourceNode): void {
  if (node.kind === "scalar") return;
  try {
    decodeGeneric(node);
  } catch {
    giveUp();
  }
}

/** validateYamlKeys on a value: mappings of known keys, lists of such mappings, leaves of string, int, bool or null. */
function validateDirectly(node: SourceNode, depth = 0): void {
  if (depth > MAX_DIRECT_DEPTH) giveUp();
  switch (node.kind) {
    case "scalar":
      directLeaf(node);
      return;
    case "sequence":
      for (const item of node.items) {
        if (item.kind !== "mapping") giveUp();
        validateDirectly(item, depth + 1);
      }
      return;
    case "mapping": {
      let seen = 0;
      for (let i = 0; i < node.size; i++) {
        const key = directKey(node, i);
        seen = claimKey(seen, key);
        if (key !== "metadata") validateDirectly(node.valueAt(i), depth + 1);
        else decodesGenerically(node.valueAt(i));
      }
      return;
    }
    default:
      giveUp();
  }
}

/** What a scalar resolves to, by yaml.v2's kinds, ints above int64 (uint64) apart. */
const enum ScalarKind {
  Str,
  Int,
  Uint,
  Float,
  Bool,
  Null,
}

/**
 * The kind yaml.v2 gives an untagged scalar, without allocating for the common cases: strings
 * that start with a letter no boolean or null starts with, and small decimal ints.
 */
function scalarKind(node: ScalarNode): ScalarKind {
  if (node.tag !== undefined) return giveUp();
  if (node.style !== "plain") return ScalarKind.Str;
  const text = node.text;
  if (startsPlainString(text.charCodeAt(0))) return ScalarKind.Str;
  if (smallDecimal(text) >= 0) return ScalarKind.Int;
  const r = resolveText(text);
  switch (r.kind) {
    case "str":
    case "timestamp":
    case "binary":
      return ScalarKind.Str;
    case "int":
      return r.value > INT64_MAX ? ScalarKind.Uint : ScalarKind.Int;
    case "float":
      return ScalarKind.Float;
    case "bool":
      return ScalarKind.Bool;
    case "null":
      return ScalarKind.Null;
  }
}

/** The value of a plain `0` or of 1 to 9 decimal digits without a leading zero (what yaml.v2 reads as that int), else -1. */
function smallDecimal(text: string): number {
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

/** A leaf validateYamlKeys accepts (string, int, bool or null): its kind, else give up. */
function directLeaf(node: ScalarNode): ScalarKind {
  const kind = scalarKind(node);
  if (kind === ScalarKind.Float || kind === ScalarKind.Uint) giveUp();
  return kind;
}

/** decodeString on a validated leaf: yaml.v2 stores a scalar's own text in a string field. */
function directString(node: SourceNode): string {
  if (node.kind !== "scalar") return giveUp();
  return directLeaf(node) === ScalarKind.Null ? "" : node.text;
}

/** decodeBool on a validated leaf: plain booleans only (quoted words are the typed decode's). */
function directBool(node: SourceNode): boolean {
  if (node.kind !== "scalar") return giveUp();
  const kind = directLeaf(node);
  if (kind === ScalarKind.Null) return false;
  if (kind !== ScalarKind.Bool) return giveUp();
  const resolved = resolveText(node.text);
  return resolved.kind === "bool" ? resolved.value : giveUp();
}

/** decodeUint32 on a validated leaf. */
function directUint32(node: SourceNode): number {
  if (node.kind !== "scalar") return giveUp();
  const kind = directLeaf(node);
  if (kind === ScalarKind.Null) return 0;
  if (kind !== ScalarKind.Int) return giveUp();
  const small = node.style === "plain" ? smallDecimal(node.text) : -1;
  if (small >= 0) return small;
  const resolved = resolveText(node.text);
  if (resolved.kind === "int" && resolved.value >= 0n && resolved.value <= 0xffffffffn) return Number(resolved.value);
  return giveUp();
}

/** A null that leaves a pointer nil (yaml.v2 zeroes the struct behind it for `Null` and `NULL`). */
function isNilNull(node: ScalarNode): boolean {
  return node.text === "~" || node.text === "null" || node.text === "";
}

function directDescriptorList(node: SourceNode, parent: TypedDescriptor | undefined): TypedDescriptor[] {
  if (node.kind === "scalar" && directLeaf(node) === ScalarKind.Null) return [];
  if (node.kind !== "sequence") return giveUp();
  const items = node.items;
  const out = new Array<TypedDescriptor>(items.length);
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as SourceNode;
    if (item.kind !== "mapping") return giveUp();
    out[i] = directDescriptor(item, parent, i);
  }
  return out;
}

function directDescriptor(map: MappingNode, parent: TypedDescriptor | undefined, index: number): TypedDescriptor {
  const descriptor = emptyDescriptor(parent, index, map);
  let seen = 0;
  for (let i = 0; i < map.size; i++) {
    const key = directKey(map, i);
    seen = claimKey(seen, key);
    const value = map.valueAt(i);
    switch (key) {
      case "key":
        descriptor.key = directString(value);
        break;
      case "value":
        descriptor.value = directString(value);
        break;
      case "descriptors":
        descriptor.descriptors = directDescriptorList(value, descriptor);
        break;
      case "shadow_mode":
        descriptor.shadowMode = directBool(value);
        break;
      case "detailed_metric":
        descriptor.detailedMetric = directBool(value);
        break;
      case "value_to_metric":
        descriptor.valueToMetric = directBool(value);
        break;
      case "share_threshold":
        descriptor.shareThreshold = directBool(value);
        break;
      case "quota_mode":
        descriptor.quotaMode = directBool(value);
        break;
      case "rate_limit":
        descriptor.rateLimit = directRateLimit(value);
        break;
      case "metadata": {
        // map[string]interface{}: a mapping (decoded generically, merge keys allowed) or a null leaving it nil; the rest is the typed decode's to word.
        if (value.kind === "scalar" && directLeaf(value) === ScalarKind.Null) break;
        if (value.kind !== "mapping") return giveUp();
        let generic: GoValue;
        try {
          generic = decodeGeneric(value);
        } catch {
          return giveUp();
        }
        if (generic.type !== "map" || generic.entries.some((e) => e.key.type === "seq" || e.key.type === "map")) return giveUp();
        descriptor.metadata = toPlain(generic);
        break;
      }
      default:
        validateDirectly(value);
    }
  }
  return descriptor;
}

function directRateLimit(node: SourceNode): TypedRateLimit | undefined {
  if (node.kind === "scalar" && directLeaf(node) === ScalarKind.Null) return isNilNull(node) ? undefined : giveUp();
  if (node.kind !== "mapping") return giveUp();
  const rateLimit: TypedRateLimit = { requestsPerUnit: 0, unit: "", unlimited: false, name: "", replaces: NO_REPLACES, requestsPerUnitNode: undefined, node };
  let seen = 0;
  for (let i = 0; i < node.size; i++) {
    const key = directKey(node, i);
    seen = claimKey(seen, key);
    const value = node.valueAt(i);
    switch (key) {
      case "requests_per_unit":
        rateLimit.requestsPerUnit = directUint32(value);
        rateLimit.requestsPerUnitNode = value;
        break;
      case "unit":
        rateLimit.unit = directString(value);
        break;
      case "unlimited":
        rateLimit.unlimited = directBool(value);
        break;
      case "name":
        rateLimit.name = directString(value);
        break;
      case "replaces":
        rateLimit.replaces = directReplaces(value);
        break;
      case "metadata":
        decodesGenerically(value);
        break;
      default:
        validateDirectly(value);
    }
  }
  return rateLimit;
}

function directReplaces(node: SourceNode): string[] {
  if (node.kind === "scalar" && directLeaf(node) === ScalarKind.Null) return [];
  if (node.kind !== "sequence") return giveUp();
  return node.items.map((item) => {
    if (item.kind !== "mapping") return giveUp();
    let name = "";
    let seen = 0;
    for (let i = 0; i < item.size; i++) {
      const key = directKey(item, i);
      seen = claimKey(seen, key);
      const value = item.valueAt(i);
      if (key === "name") name = directString(value);
      else if (key !== "metadata") validateDirectly(value);
      else decodesGenerically(value);
    }
    return name;
  });
}
