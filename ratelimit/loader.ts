import { decodeGeneric, ExcessiveAliasingError, goErrorValue, goFormat, goTagOf, MAX_DECODED_NODES, MergeError, resolveScalar, resolveScalarKind, ScalarKind, smallDecimal, type GoValue } from "./go-yaml.js";
import { configProblem, type ConfigProblem } from "./problems.js";
import { compositeKey, type DescriptorEntry, type RateLimitRule, type RuleRateLimit } from "./rule.js";
import { parseRateLimitUnit, type RateLimitUnit } from "./units.js";
import { parseYamlDocument, YamlSyntaxError, type MappingNode, type ScalarNode, type SequenceNode, type SourceNode } from "./yaml-source.js";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** One config file as the ratelimit service sees it: a name (file or ConfigMap data key) and its text. */
export interface ConfigFile {
  readonly name: string;
  readonly text: string;
}

export interface LoadOptions {
  /** The service's MERGE_DOMAIN_CONFIG: files may share a domain. */
  readonly mergeDomains?: boolean;
  /** Larger documents are refused before parsing (a ConfigMap holds at most 1 MiB). */
  readonly maxDocumentBytes?: number;
}

/** Where a rule's limit sits in its file's text, for byte-preserving edits. */
export interface RuleLocation {
  readonly file: string;
  /** The requests_per_unit value node, when present. */
  readonly requestsPerUnit?: SourceNode;
  /** The rate_limit mapping node, when present. */
  readonly rateLimit?: SourceNode;
}

export interface LoadResult {
  /** True when the ratelimit service would load these files. */
  readonly ok: boolean;
  readonly errors: readonly ConfigProblem[];
  readonly warnings: readonly ConfigProblem[];
  /** Every descriptor of every file that parsed, in document order. */
  readonly rules: readonly RateLimitRule[];
  /** Locations by rule full key (rules whose full key is ambiguous are left out). */
  readonly locations: ReadonlyMap<string, RuleLocation>;
}

export const DEFAULT_MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;

/** The keys validateYamlKeys accepts anywhere in a file. */
const VALID_KEYS = new Set([
  "domain", "key", "value", "descriptors", "rate_limit", "unit", "requests_per_unit", "unlimited", "shadow_mode",
  "name", "replaces", "detailed_metric", "value_to_metric", "share_threshold", "quota_mode", "metadata",
]);

// Go type names as yaml.v2 prints them in "cannot unmarshal ... into <type>".
const T_ROOT_MAP = "map[interface {}]interface {}";
const T_DESCRIPTORS = "[]config.YamlDescriptor";
const T_RATE_LIMIT = "config.YamlRateLimit";
const T_REPLACES = "[]config.yamlReplaces";
const T_REPLACE = "config.yamlReplaces";

interface TypedRateLimit {
  requestsPerUnit: number;
  unit: string;
  unlimited: boolean;
  name: string;
  replaces: string[];
  requestsPerUnitNode?: SourceNode;
  node: SourceNode;
}

interface TypedDescriptor {
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
  /** The descriptor whose `descriptors` list holds this one (none at the top level), and its index there: the path is spelled only for a problem. */
  parent: TypedDescriptor | undefined;
  index: number;
  /** The descriptor's node: its line is looked up only for a problem. */
  node: SourceNode;
}

/** Where a descriptor sits, as problems name it: `descriptors[0].descriptors[2]`. */
function descriptorPath(d: TypedDescriptor): string {
  return d.parent ? `${descriptorPath(d.parent)}.descriptors[${d.index}]` : `descriptors[${d.index}]`;
}

interface TypedRoot {
  domain: string;
  descriptors: TypedDescriptor[];
}

/**
 * Load config files exactly as envoyproxy/ratelimit's loader does (yaml.v2 parse, validateYamlKeys,
 * typed unmarshal, then loadConfig/loadDescriptors). Within one file the first error ends it, as the
 * loader's panic does, so each message is the one the service would log; every file is checked.
 */
export function loadRateLimitConfig(files: readonly ConfigFile[], options: LoadOptions = {}): LoadResult {
  const errors: ConfigProblem[] = [];
  const warnings: ConfigProblem[] = [];
  const parsed: Array<{ file: ConfigFile; root: TypedRoot }> = [];
  // Stage 1: every file to a typed root (the service converts all files before loading any).
  for (const file of files) {
    const root = parseFile(file, options.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES, errors);
    if (root) parsed.push({ file, root });
  }
  // Stage 2: load domains and descriptors in order.
  const domains = new Map<string, Map<string, DescriptorLevel>>();
  const rules: RateLimitRule[] = [];
  const locations = new Map<string, RuleLocation>();
  /** Full keys held by more than one rule. */
  const ambiguous = new Set<string>();
  for (const { file, root } of parsed) {
    if (root.domain === "") {
      errors.push(configProblem("empty-domain", file.name, "config file cannot have empty domain", { path: "domain" }));
      continue;
    }
    let level = domains.get(root.domain);
    if (level && !options.mergeDomains) {
      errors.push(configProblem("duplicate-domain", file.name, `duplicate domain '${root.domain}' in config file`, { path: "domain" }));
      continue;
    }
    if (!level) {
      level = new Map();
      domains.set(root.domain, level);
    }
    const fileWarnings: ConfigProblem[] = [];
    const loaded: LoadedRules = { rules: [], locations: [] };
    try {
      loadDescriptors(file.name, root.domain, { chain: [], fullKey: root.domain, label: "" }, root.descriptors, level, fileWarnings, loaded);
    } catch (error) {
      if (!(error instanceof FileRejected)) throw error;
      errors.push(error.problem);
      continue;
    }
    warnings.push(...fileWarnings);
    for (let i = 0; i < loaded.rules.length; i++) {
      const rule = loaded.rules[i] as RateLimitRule;
      rules.push(rule);
      if (locations.has(rule.fullKey)) ambiguous.add(rule.fullKey);
      locations.set(rule.fullKey, loaded.locations[i] as RuleLocation);
    }
  }
  if (ambiguous.size > 0) {
    for (const rule of rules) {
      if (ambiguous.has(rule.fullKey)) {
        locations.delete(rule.fullKey);
        warnings.push(
          configProblem("ambiguous-full-key", rule.file, `${rule.label} has the same full key '${rule.fullKey}' as another rule: TrendMaster cannot tell them apart and leaves both alone`),
        );
      }
    }
  }
  return { ok: errors.length === 0, errors, warnings, rules, locations };
}

type DescriptorLevel = Map<string, Map<string, DescriptorLevel>>;

function parseFile(file: ConfigFile, maxBytes: number, errors: ConfigProblem[]): TypedRoot | undefined {
  const loadError = (code: "yaml-syntax" | "yaml-type" | "yaml-aliasing" | "yaml-merge" | "document-too-large", text: string, line?: number) =>
    errors.push(configProblem(code, file.name, `error loading config file: ${text}`, line !== undefined ? { line } : {}));
  // UTF-8 takes at most 3 bytes per UTF-16 code unit: most documents need no byte count.
  const bytes = file.text.length * 3 <= maxBytes ? 0 : Buffer.byteLength(file.text, "utf8");
  if (bytes > maxBytes) {
    loadError("document-too-large", `document is ${bytes} bytes, more than the ${maxBytes} bytes TrendMaster parses`);
    return undefined;
  }
  let generic: GoValue | undefined;
  try {
    const document = parseYamlDocument(file.text);
    const tree = document.root;
    if (tree && tree.kind === "mapping" && !document.hasAlias && !document.hasTag && document.nodeCount <= MAX_DECODED_NODES) {
      const root = decodeRootDirectly(tree);
      if (root) return root;
    }
    generic = tree ? decodeGeneric(tree) : undefined;
  } catch (error) {
    if (error instanceof YamlSyntaxError) loadError("yaml-syntax", error.message, error.line);
    else if (error instanceof ExcessiveAliasingError) loadError("yaml-aliasing", error.message);
    else if (error instanceof MergeError) loadError("yaml-merge", error.message);
    else throw error;
    return undefined;
  }
  if (generic === undefined || generic.type === "null") return { domain: "", descriptors: [] };
  if (generic.type !== "map") {
    loadError("yaml-type", `yaml: unmarshal errors:\n  ${typeError(generic, T_ROOT_MAP)}`, generic.node.line);
    return undefined;
  }
  try {
    validateYamlKeys(file.name, generic, "");
  } catch (error) {
    if (!(error instanceof FileRejected)) throw error;
    errors.push(error.problem);
    return undefined;
  }
  const typeErrors: string[] = [];
  const root = decodeRoot(generic, typeErrors);
  if (typeErrors.length > 0) {
    loadError("yaml-type", `yaml: unmarshal errors:\n${typeErrors.map((e) => `  ${e}`).join("\n")}`);
    return undefined;
  }
  return root;
}

/** validateYamlKeys: string keys from the known set; lists hold maps; leaves are string, int, bool or null. */
function validateYamlKeys(file: string, map: GoValue & { type: "map" }, path: string): void {
  const reject = (problem: ConfigProblem) => {
    throw new FileRejected(problem);
  };
  for (const { key, value } of map.entries) {
    if (key.type !== "str") {
      reject(configProblem("key-not-string", file, `config error, key is not of type string: ${goFormat(key)}`, { line: key.node.line }));
      continue;
    }
    const here = path === "" ? key.value : `${path}.${key.value}`;
    if (!VALID_KEYS.has(key.value)) {
      reject(configProblem("unknown-key", file, `config error, unknown key '${key.value}'`, { path: here, line: key.node.line }));
    }
    // metadata is free-form: the loader passes it through without checking its keys.
    if (key.value === "metadata") continue;
    switch (value.type) {
      case "seq":
        value.items.forEach((item, i) => {
          if (item.type !== "map") {
            reject(configProblem("list-element-not-map", file, `config error, yaml file contains list of type other than map: ${goFormat(item)}`, { path: `${here}[${i}]`, line: item.node.line }));
          } else validateYamlKeys(file, item, `${here}[${i}]`);
        });
        break;
      case "map":
        validateYamlKeys(file, value, here);
        break;
      case "str":
      case "int":
      case "bool":
      case "null":
        break;
      default:
        reject(configProblem("bad-leaf", file, "error checking config", { path: here, line: value.node.line }));
    }
  }
}

function typeError(v: GoValue, goType: string): string {
  return `line ${v.node.line}: cannot unmarshal ${goTagOf(v)}${goErrorValue(v)} into ${goType}`;
}

function field(map: GoValue & { type: "map" }, name: string): GoValue | undefined {
  let found: GoValue | undefined;
  for (const e of map.entries) if (e.key.type === "str" && e.key.value === name) found = e.value;
  return found;
}

function decodeString(v: GoValue | undefined, errs: string[]): string {
  if (!v || v.type === "null") return "";
  if (v.type === "seq" || v.type === "map") {
    errs.push(typeError(v, "string"));
    return "";
  }
  // yaml.v2 stores a scalar's own text in a string field, whatever it resolved to.
  return v.node.kind === "scalar" ? v.node.text : "";
}

function decodeBool(v: GoValue | undefined, errs: string[]): boolean {
  if (!v || v.type === "null") return false;
  if (v.type === "bool") return v.value;
  errs.push(typeError(v, "bool"));
  return false;
}

function decodeUint32(v: GoValue | undefined, errs: string[]): number {
  if (!v || v.type === "null") return 0;
  if ((v.type === "int" || v.type === "uint") && v.value >= 0n && v.value <= 0xffffffffn) return Number(v.value);
  errs.push(typeError(v, "uint32"));
  return 0;
}

function decodeRoot(map: GoValue & { type: "map" }, errs: string[]): TypedRoot {
  return { domain: decodeString(field(map, "domain"), errs), descriptors: decodeDescriptorList(field(map, "descriptors"), undefined, errs) };
}

function decodeDescriptorList(v: GoValue | undefined, parent: TypedDescriptor | undefined, errs: string[]): TypedDescriptor[] {
  if (!v || v.type === "null") return [];
  if (v.type !== "seq") {
    errs.push(typeError(v, T_DESCRIPTORS));
    return [];
  }
  const out: TypedDescriptor[] = [];
  v.items.forEach((item, i) => {
    if (item.type === "null") return out.push(emptyDescriptor(parent, i, item.node));
    if (item.type !== "map") return errs.push(typeError(item, "config.YamlDescriptor"));
    const descriptor = emptyDescriptor(parent, i, item.node);
    descriptor.key = decodeString(field(item, "key"), errs);
    descriptor.value = decodeString(field(item, "value"), errs);
    descriptor.descriptors = decodeDescriptorList(field(item, "descriptors"), descriptor, errs);
    descriptor.shadowMode = decodeBool(field(item, "shadow_mode"), errs);
    descriptor.detailedMetric = decodeBool(field(item, "detailed_metric"), errs);
    descriptor.valueToMetric = decodeBool(field(item, "value_to_metric"), errs);
    descriptor.shareThreshold = decodeBool(field(item, "share_threshold"), errs);
    descriptor.quotaMode = decodeBool(field(item, "quota_mode"), errs);
    const rateLimit = decodeRateLimit(field(item, "rate_limit"), errs);
    if (rateLimit) descriptor.rateLimit = rateLimit;
    const metadata = field(item, "metadata");
    if (metadata && metadata.type !== "null") descriptor.metadata = toPlain(metadata);
    out.push(descriptor);
    return undefined;
  });
  return out;
}

/** A descriptor with every field at its zero value (what yaml.v2 gives a null list item), all fields present: one object shape. */
function emptyDescriptor(parent: TypedDescriptor | undefined, index: number, node: SourceNode): TypedDescriptor {
  return {
    key: "",
    value: "",
    rateLimit: undefined,
    descriptors: NO_DESCRIPTORS,
    shadowMode: false,
    detailedMetric: false,
    valueToMetric: false,
    shareThreshold: false,
    quotaMode: false,
    metadata: undefined,
    parent,
    index,
    node,
  };
}

function decodeRateLimit(v: GoValue | undefined, errs: string[]): TypedRateLimit | undefined {
  if (!v || v.type === "null") return undefined;
  if (v.type !== "map") {
    errs.push(typeError(v, T_RATE_LIMIT));
    return undefined;
  }
  const rpu = field(v, "requests_per_unit");
  return {
    requestsPerUnit: decodeUint32(rpu, errs),
    unit: decodeString(field(v, "unit"), errs),
    unlimited: decodeBool(field(v, "unlimited"), errs),
    name: decodeString(field(v, "name"), errs),
    replaces: decodeReplaces(field(v, "replaces"), errs),
    requestsPerUnitNode: rpu?.node,
    node: v.node,
  };
}

function decodeReplaces(v: GoValue | undefined, errs: string[]): string[] {
  if (!v || v.type === "null") return [];
  if (v.type !== "seq") {
    errs.push(typeError(v, T_REPLACES));
    return [];
  }
  return v.items.map((item) => {
    if (item.type === "null") return "";
    if (item.type !== "map") {
      errs.push(typeError(item, T_REPLACE));
      return "";
    }
    return decodeString(field(item, "name"), errs);
  });
}

function toPlain(v: GoValue): unknown {
  switch (v.type) {
    case "str":
    case "bool":
    case "float":
      return v.value;
    case "int":
    case "uint":
      return Number(v.value);
    case "null":
      return null;
    case "seq":
      return v.items.map(toPlain);
    case "map":
      return Object.fromEntries(v.entries.map((e) => [goFormat(e.key), toPlain(e.value)]));
  }
}

/** What loadDescriptors appends to, in document order: rules[i] sits at locations[i]. */
interface LoadedRules {
  readonly rules: RateLimitRule[];
  readonly locations: RuleLocation[];
}

/** The rule a descriptor's children extend: its chain, full key and label (a domain's top level has an empty chain). */
interface ParentRule {
  readonly chain: readonly DescriptorEntry[];
  readonly fullKey: string;
  readonly label: string;
}

/** Where a descriptor's problem is: built only for a problem, as this runs once per descriptor. */
function where(d: TypedDescriptor, suffix = ""): { path: string; line: number } {
  return { path: `${descriptorPath(d)}${suffix}`, line: d.node.line };
}

/** Shared by every descriptor without children: it is only ever asked for keys, never given any. */
const NO_CHILDREN: DescriptorLevel = new Map();

/** loadDescriptors: the per-descriptor checks, recursing into children; a failing subtree is skipped. */
function loadDescriptors(
  file: string,
  domain: string,
  parent: ParentRule,
  descriptors: readonly TypedDescriptor[],
  level: DescriptorLevel,
  warnings: ConfigProblem[],
  out: LoadedRules,
): void {
  const reject = (problem: ConfigProblem): never => {
    throw new FileRejected(problem);
  };
  for (const d of descriptors) {
    const entry: DescriptorEntry = d.value === "" ? { key: d.key } : { key: d.key, value: d.value };
    const chain = parent.chain.length === 0 ? [entry] : [...parent.chain, entry];
    const finalKey = compositeKey(entry);
    // ruleFullKey(domain, chain) and ruleLabel(chain), extending the parent's rather than joining the whole chain again.
    const fullKey = `${parent.fullKey}.${finalKey}`;
    if (d.key === "") reject(configProblem("empty-key", file, "descriptor has empty key", where(d)));
    if (level.has(finalKey)) reject(configProblem("duplicate-key", file, `duplicate descriptor composite key '${fullKey}'`, where(d)));
    let unit: RateLimitUnit | undefined;
    const rl = d.rateLimit;
    if (rl) {
      unit = parseRateLimitUnit(rl.unit);
      if (rl.unlimited && unit !== undefined) reject(configProblem("unlimited-with-unit", file, "should not specify rate limit unit when unlimited", where(d, ".rate_limit.unit")));
      if (!rl.unlimited && unit === undefined) reject(configProblem("invalid-unit", file, `invalid rate limit unit '${rl.unit}'`, where(d, ".rate_limit.unit")));
      for (const name of rl.replaces) {
        if (name === "") reject(configProblem("empty-replaces", file, "should not have an empty replaces entry", where(d, ".rate_limit.replaces")));
        if (name === rl.name) reject(configProblem("replaces-self", file, "replaces should not contain name of same descriptor", where(d, ".rate_limit.replaces")));
      }
    }
    if (d.shareThreshold && !d.value.includes("*")) {
      reject(configProblem("share-threshold-without-wildcard", file, `share_threshold can only be used with wildcard values, but value '${d.value}' has no '*'`, where(d, ".share_threshold")));
    }
    const children: DescriptorLevel = d.descriptors.length > 0 ? new Map() : NO_CHILDREN;
    level.set(finalKey, children);
    const part = d.value === "" ? d.key : `${d.key}=${d.value}`;
    const label = parent.chain.length === 0 ? part : `${parent.label}/${part}`;
    // Every field in the literal, absent ones undefined: one object shape for all rules.
    const rule: RateLimitRule = {
      domain,
      chain,
      fullKey,
      label,
      file,
      rateLimit: rl
        ? { unit: rl.unlimited ? undefined : unit, requestsPerUnit: rl.requestsPerUnit, unlimited: rl.unlimited, name: rl.name === "" ? undefined : rl.name, replaces: rl.replaces }
        : undefined,
      shadowMode: d.shadowMode,
      detailedMetric: d.detailedMetric,
      valueToMetric: d.valueToMetric,
      shareThreshold: d.shareThreshold,
      quotaMode: d.quotaMode,
      metadata: d.metadata,
      hasChildren: d.descriptors.length > 0,
    };
    const location: RuleLocation = { file, rateLimit: rl?.node, requestsPerUnit: rl?.requestsPerUnitNode };
    if (rl && !rl.unlimited && rl.requestsPerUnit === 0) {
      warnings.push(configProblem("zero-limit", file, `${descriptorPath(d)}: requests_per_unit is 0: every request to ${label} is refused`, where(d)));
    }
    if (!rl && d.descriptors.length === 0) {
      warnings.push(configProblem("no-limit-no-children", file, `${descriptorPath(d)}: ${label} has neither rate_limit nor descriptors: matching requests are never limited`, where(d)));
    }
    out.rules.push(rule);
    out.locations.push(location);
    if (d.descriptors.length > 0) loadDescriptors(file, domain, rule, d.descriptors, children, warnings, out);
  }
}

/** The loader's panic: the first error in a file ends that file's load. */
class FileRejected extends Error {
  constructor(readonly problem: ConfigProblem) {
    super(problem.message);
  }
}

/*
 * The direct decode: validateYamlKeys and the typed decode in one walk of the source tree, with
 * no generic value per node and no path strings built ahead of need. It handles documents that
 * load cleanly and have no alias, merge key or duplicate key (checked before calling it, or as it
 * walks); on anything else it gives up, and the generic path above, which reports the loader's
 * exact first error, decodes the document instead. So its only duty is to agree with that path
 * on clean documents, and to give up wherever that path would report an error.
 */

/** Thrown inside the direct decode when the generic path must decide. */
class NotDirect extends Error {}
const NOT_DIRECT = new NotDirect("left to the generic decode");

const giveUp = (): never => {
  throw NOT_DIRECT;
};

/** Bit of each key validateYamlKeys accepts, to find duplicate keys without a set per mapping. */
const KEY_BITS = new Map([...VALID_KEYS].map((key, i) => [key, 1 << i]));

/** The TypedRoot decodeRoot would give, when validateYamlKeys and the typed decode pass; undefined when the generic path must decide. */
function decodeRootDirectly(root: MappingNode): TypedRoot | undefined {
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
    }
    return { domain, descriptors };
  } catch (error) {
    if (error === NOT_DIRECT) return undefined;
    throw error;
  }
}

/** The children of a descriptor without any, and a limit's empty `replaces` (never added to). */
const NO_DESCRIPTORS: TypedDescriptor[] = [];
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

/** validateYamlKeys on a value: mappings of known keys, lists of such mappings, leaves of string, int, bool or null. */
function validateDirectly(node: SourceNode): void {
  switch (node.kind) {
    case "scalar":
      directLeaf(node);
      return;
    case "sequence":
      for (const item of node.items) {
        if (item.kind !== "mapping") giveUp();
        validateDirectly(item);
      }
      return;
    case "mapping": {
      let seen = 0;
      for (let i = 0; i < node.size; i++) {
        const key = directKey(node, i);
        seen = claimKey(seen, key);
        if (key !== "metadata") validateDirectly(node.valueAt(i));
      }
      return;
    }
    default:
      giveUp();
  }
}

/** A leaf validateYamlKeys accepts (string, int, bool or null): its kind, else give up. */
function directLeaf(node: ScalarNode): ScalarKind {
  const kind = resolveScalarKind(node);
  if (kind === ScalarKind.Float || kind === ScalarKind.Uint) giveUp();
  return kind;
}

/** decodeString on a validated leaf. */
function directString(node: SourceNode): string {
  if (node.kind !== "scalar") return giveUp();
  return directLeaf(node) === ScalarKind.Null ? "" : node.text;
}

/** decodeBool on a validated leaf. */
function directBool(node: SourceNode): boolean {
  if (node.kind !== "scalar") return giveUp();
  const kind = directLeaf(node);
  if (kind === ScalarKind.Null) return false;
  if (kind !== ScalarKind.Bool) return giveUp();
  const resolved = resolveScalar(node);
  return resolved.tag === "!!bool" ? resolved.value : giveUp();
}

/** decodeUint32 on a validated leaf. */
function directUint32(node: SourceNode): number {
  if (node.kind !== "scalar") return giveUp();
  const kind = directLeaf(node);
  if (kind === ScalarKind.Null) return 0;
  if (kind !== ScalarKind.Int) return giveUp();
  const small = node.style === "plain" ? smallDecimal(node.text) : -1;
  if (small >= 0) return small;
  const resolved = resolveScalar(node);
  if (resolved.tag === "!!int" && resolved.value >= 0n && resolved.value <= 0xffffffffn) return Number(resolved.value);
  return giveUp();
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
        // Free-form: decoded generically, as decodeDescriptorList does (merge keys allowed; a merge error gives up).
        let generic: GoValue;
        try {
          generic = decodeGeneric(value);
        } catch {
          return giveUp();
        }
        if (generic.type !== "null") descriptor.metadata = toPlain(generic);
        break;
      }
      default:
        validateDirectly(value);
    }
  }
  return descriptor;
}

function directRateLimit(node: SourceNode): TypedRateLimit | undefined {
  if (node.kind === "scalar" && directLeaf(node) === ScalarKind.Null) return undefined;
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
    }
    return name;
  });
}
