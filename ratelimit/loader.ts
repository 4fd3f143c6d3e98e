import { GoDecodeFailure, type TypedDescriptor, type TypedRoot } from "./go-struct-decode.js";
import { decodeTypedRoot, typeErrorText } from "./go-struct-decode.js";
import { decodeGeneric } from "./go-generic-decode.js";
import { goFormat, goTagOf, MergeError, type GoValue } from "./go-yaml.js";
import { decodeRootDirectly } from "./loader-direct.js";
import { configProblem, type ConfigProblem } from "./problems.js";
import { compositeKey, type DescriptorEntry, type RateLimitRule } from "./rule.js";
import { VALID_KEYS } from "./service-schema.js";
import { parseRateLimitUnit, type RateLimitUnit } from "./units.js";
import { parseYamlDocument, YamlSyntaxError, type SourceNode } from "./yaml-source.js";

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

/** Where a descriptor sits, as problems name it: `descriptors[0].descriptors[2]`. */
function descriptorPath(d: TypedDescriptor): string {
  return d.parent ? `${descriptorPath(d.parent)}.descriptors[${d.index}]` : `descriptors[${d.index}]`;
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
      if (error instanceof FileRejected) errors.push(error.problem);
      else if (error instanceof RangeError) errors.push(tooDeep(file.name));
      else throw error;
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
  const loadError = (code: "yaml-syntax" | "yaml-type" | "yaml-decode" | "yaml-aliasing" | "yaml-merge" | "document-too-large", text: string, line?: number) =>
    errors.push(configProblem(code, file.name, `error loading config file: ${text}`, line !== undefined ? { line } : {}));
  // UTF-8 takes at most 3 bytes per UTF-16 code unit: most documents need no byte count.
  const bytes = file.text.length * 3 <= maxBytes ? 0 : Buffer.byteLength(file.text, "utf8");
  if (bytes > maxBytes) {
    loadError("document-too-large", `document is ${bytes} bytes, more than the ${maxBytes} bytes TrendMaster parses`);
    return undefined;
  }
  try {
    const document = parseYamlDocument(file.text);
    const tree = document.root;
    if (tree && tree.kind === "mapping" && !document.hasAlias && !document.hasTag) {
      const root = decodeRootDirectly(tree);
      if (root) return root;
    }
    // The service's first unmarshal, into map[interface{}]interface{}, and its key check.
    const generic = tree ? decodeGeneric(tree) : undefined;
    if (generic && generic.type !== "null" && generic.type !== "map") {
      loadError("yaml-type", `yaml: unmarshal errors:\n  ${typeErrorText(generic.node, goTagOf(generic), "map[interface {}]interface {}")}`, generic.node.line);
      return undefined;
    }
    if (generic?.type === "map") validateYamlKeys(file.name, generic);
    // The second unmarshal, into the service's typed structs.
    if (!tree) return { domain: "", descriptors: [] };
    const { root, typeErrors } = decodeTypedRoot(tree);
    if (typeErrors.length > 0) {
      loadError("yaml-type", `yaml: unmarshal errors:\n${typeErrors.map((e) => `  ${e}`).join("\n")}`);
      return undefined;
    }
    return root;
  } catch (error) {
    if (error instanceof YamlSyntaxError) loadError("yaml-syntax", error.message, error.line);
    else if (error instanceof MergeError) loadError("yaml-merge", error.message);
    else if (error instanceof GoDecodeFailure) loadError(error.message.endsWith("excessive aliasing") ? "yaml-aliasing" : "yaml-decode", error.message);
    else if (error instanceof FileRejected) errors.push(error.problem);
    else if (error instanceof RangeError) errors.push(tooDeep(file.name));
    else throw error;
    return undefined;
  }
}

/**
 * Descriptors nested some thousands deep exhaust the JS stack in the typed decode (yaml.v2 and
 * Go's stack take them): refused with a clear error rather than a crash.
 */
function tooDeep(file: string): ConfigProblem {
  return configProblem("document-too-deep", file, "error loading config file: descriptors nest deeper than TrendMaster can check");
}

/** validateYamlKeys: string keys from the known set; lists hold maps; leaves are string, int, bool or null. */
function validateYamlKeys(file: string, root: GoValue & { type: "map" }): void {
  const reject = (problem: ConfigProblem): never => {
    throw new FileRejected(problem);
  };
  // Depth first in document order, on an explicit stack: values nest up to yaml.v2's 10,000 levels.
  type Cursor = { readonly map: GoValue & { type: "map" }; readonly path: string; next: number } | { readonly seq: GoValue & { type: "seq" }; readonly path: string; next: number };
  const stack: Cursor[] = [{ map: root, path: "", next: 0 }];
  while (stack.length > 0) {
    const top = stack.at(-1) as Cursor;
    if ("seq" in top) {
      const i = top.next++;
      const item = top.seq.items[i];
      if (item === undefined) stack.pop();
      else if (item.type !== "map") {
        reject(configProblem("list-element-not-map", file, `config error, yaml file contains list of type other than map: ${goFormat(item)}`, { path: `${top.path}[${i}]`, line: item.node.line }));
      } else stack.push({ map: item, path: `${top.path}[${i}]`, next: 0 });
      continue;
    }
    const entry = top.map.entries[top.next++];
    if (entry === undefined) {
      stack.pop();
      continue;
    }
    const { key, value } = entry;
    if (key.type !== "str") return reject(configProblem("key-not-string", file, `config error, key is not of type string: ${goFormat(key)}`, { line: key.node.line }));
    const here = top.path === "" ? key.value : `${top.path}.${key.value}`;
    if (!VALID_KEYS.has(key.value)) reject(configProblem("unknown-key", file, `config error, unknown key '${key.value}'`, { path: here, line: key.node.line }));
    // metadata is free-form: the loader passes it through without checking its keys.
    if (key.value === "metadata") continue;
    switch (value.type) {
      case "seq":
        stack.push({ seq: value, path: here, next: 0 });
        break;
      case "map":
        stack.push({ map: value, path: here, next: 0 });
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
    if (d.shareThreshold && !finalKey.includes("*")) {
      reject(configProblem("share-threshold-without-wildcard", file, `share_threshold can only be used with wildcard values (containing '*'), but found key '${finalKey}'`, where(d, ".share_threshold")));
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

