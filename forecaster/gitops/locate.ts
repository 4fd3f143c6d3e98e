/**
 * Where ratelimit-config's config sits inside a file of the GitOps repository, found without
 * changing a byte: a ConfigMap manifest (`data."config.yaml"`, multi-document files allowed), a bare
 * config file, or a Helm values file holding the config at a key path, either as a `|` block scalar
 * or as structured YAML. The result is a window: a text the ratelimit loader reads exactly as the
 * service would read the rendered config, whose offsets map straight back into the file, so
 * ratelimit/edit.ts can rewrite only the numbers.
 */
import type { ConfigFile } from "../../ratelimit/loader.js";
import { parseYamlSource, YamlSyntaxError, type MappingNode, type SourceNode } from "../../ratelimit/yaml-source.js";

export const CONFIG_FORMATS = ["configmap", "ratelimit", "helm-block", "helm-structured"] as const;
export type ConfigFormat = (typeof CONFIG_FORMATS)[number];

/** How to find the config in one file. */
export interface ConfigLocationSpec {
  readonly format: ConfigFormat;
  /** Helm formats: the key path (`ratelimit.config`, `a."dotted.key"`). */
  readonly keyPath?: string;
  /** configmap: the data key (default `config.yaml`). */
  readonly dataKey?: string;
  /** configmap: the ConfigMap's metadata.name, needed only when the file holds several. */
  readonly configMapName?: string;
  /** helm-structured with a descriptors list: the domain, when no sibling `domain` key holds it. */
  readonly domain?: string;
}

/**
 * The config as the loader reads it: `prefix + fileText.slice(start, end)`. The prefix only adds
 * blank lines (so problems name the file's own line numbers) and, for a bare descriptors list,
 * the `domain:` and `descriptors:` keys the chart's template adds when it renders.
 */
export interface ConfigWindow {
  readonly file: ConfigFile;
  readonly prefix: string;
  readonly start: number;
  readonly end: number;
  /** Where it was found, for messages: `values.yaml at ratelimit.config (line 12)`. */
  readonly where: string;
}

/** `not-found`: the key path or the ConfigMap is not in the file; `invalid`: it is, in a form TrendMaster cannot read. */
export type LocateFailure = "not-found" | "invalid";

export type LocateResult = { readonly ok: true; readonly window: ConfigWindow } | { readonly ok: false; readonly kind: LocateFailure; readonly problem: string };

/** `a.b."c.d"` → `["a", "b", "c.d"]`; undefined when malformed. */
export function parseKeyPath(keyPath: string): string[] | undefined {
  const segments: string[] = [];
  let i = 0;
  while (i < keyPath.length) {
    let segment: string;
    if (keyPath[i] === '"') {
      const close = keyPath.indexOf('"', i + 1);
      if (close === -1) return undefined;
      segment = keyPath.slice(i + 1, close);
      i = close + 1;
    } else {
      const dot = keyPath.indexOf(".", i);
      const stop = dot === -1 ? keyPath.length : dot;
      segment = keyPath.slice(i, stop);
      if (segment.includes('"')) return undefined;
      i = stop;
    }
    if (segment === "") return undefined;
    segments.push(segment);
    if (i < keyPath.length) {
      if (keyPath[i] !== ".") return undefined;
      i++;
      if (i === keyPath.length) return undefined;
    }
  }
  return segments.length > 0 ? segments : undefined;
}

/** Finds the config of `spec` in the file at `path` (its text as in Git). */
export function locateConfig(path: string, text: string, spec: ConfigLocationSpec): LocateResult {
  if (spec.format === "ratelimit") return { ok: true, window: { file: { name: baseName(path), text }, prefix: "", start: 0, end: text.length, where: path } };
  if (spec.format === "configmap") return locateInManifest(path, text, spec);
  const segments = spec.keyPath === undefined ? undefined : parseKeyPath(spec.keyPath);
  if (segments === undefined) return fail(`${path}: key path '${spec.keyPath ?? ""}' is not a dotted key path (quote keys holding dots: a."b.c")`);
  const doc = parseDocument(path, text, 0, text.length);
  if ("problem" in doc) return fail(doc.problem);
  const found = walk(doc.root, segments);
  if ("problem" in found) return fail(`${path}: key path ${spec.keyPath}: ${found.problem}`, "not-found");
  const where = `${path} at ${spec.keyPath} (line ${lineOf(text, found.node.start + doc.base)})`;
  const name = segments[segments.length - 1] as string;
  if (spec.format === "helm-block") return blockScalarWindow(text, found.node, doc.base, name, where);
  return structuredWindow(text, found.node, found.parent, doc.base, spec, where);
}

function fail(problem: string, kind: LocateFailure = "invalid"): LocateResult {
  return { ok: false, kind, problem };
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf("\n"); i !== -1 && i < offset; i = text.indexOf("\n", i + 1)) line++;
  return line;
}

type ParsedDocument = { root: SourceNode | null; base: number } | { problem: string };

/** One YAML document of the file, parsed on its own: node offsets plus `base` are file offsets. */
function parseDocument(path: string, text: string, start: number, end: number): ParsedDocument {
  // Blank lines before the slice keep the parser's line numbers equal to the file's.
  const lead = "\n".repeat(lineOf(text, start) - 1);
  try {
    return { root: parseYamlSource(lead + text.slice(start, end)), base: start - lead.length };
  } catch (error) {
    const reason = error instanceof YamlSyntaxError ? error.message : (error as Error).message;
    return { problem: `${path}: not YAML: ${reason}` };
  }
}

/** Document ranges of a multi-document file (`---` and `...` lines at column 0 separate them). */
export function documentRanges(text: string): Array<{ start: number; end: number }> {
  const ranges: Array<{ start: number; end: number }> = [];
  let start = 0;
  const marker = /^(?:---|\.\.\.)(?:[ \t].*)?$/gm;
  for (let m = marker.exec(text); m !== null; m = marker.exec(text)) {
    ranges.push({ start, end: m.index });
    const eol = text.indexOf("\n", m.index);
    start = eol === -1 ? text.length : eol + 1;
  }
  ranges.push({ start, end: text.length });
  return ranges.filter((r) => text.slice(r.start, r.end).trim() !== "");
}

function valueOf(mapping: MappingNode, key: string): SourceNode | undefined {
  for (let i = 0; i < mapping.size; i++) if (mapping.keyText(i) === key) return mapping.valueAt(i);
  return undefined;
}

function scalarText(node: SourceNode | undefined): string | undefined {
  return node?.kind === "scalar" ? node.text : undefined;
}

function walk(root: SourceNode | null, segments: readonly string[]): { node: SourceNode; parent: MappingNode | undefined } | { problem: string } {
  let node: SourceNode | null = root;
  let parent: MappingNode | undefined;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    const at = segments.slice(0, i).join(".") || "the document";
    if (node?.kind === "alias") return { problem: `${at} is a YAML alias; TrendMaster edits only the anchored original` };
    if (node?.kind === "sequence" && /^\d+$/.test(segment)) {
      const item: SourceNode | undefined = node.items[Number(segment)];
      if (item === undefined) return { problem: `${at} has no item ${segment}` };
      parent = undefined;
      node = item;
      continue;
    }
    if (node?.kind !== "mapping") return { problem: `${at} is not a mapping, so it has no key '${segment}'` };
    const value = valueOf(node, segment);
    if (value === undefined) return { problem: `key '${segment}' not found${i > 0 ? ` under ${at}` : ""}` };
    parent = node;
    node = value;
  }
  if (node === null) return { problem: "the document is empty" };
  return { node, parent };
}

/** A ConfigMap manifest: the `data` key of the (named) ConfigMap among the file's documents. */
function locateInManifest(path: string, text: string, spec: ConfigLocationSpec): LocateResult {
  const dataKey = spec.dataKey ?? "config.yaml";
  const candidates: Array<{ value: SourceNode; base: number; name: string | undefined }> = [];
  for (const range of documentRanges(text)) {
    const doc = parseDocument(path, text, range.start, range.end);
    if ("problem" in doc) return fail(doc.problem);
    if (doc.root?.kind !== "mapping" || scalarText(valueOf(doc.root, "kind")) !== "ConfigMap") continue;
    const metadata = valueOf(doc.root, "metadata");
    const name = metadata?.kind === "mapping" ? scalarText(valueOf(metadata, "name")) : undefined;
    if (spec.configMapName !== undefined && name !== spec.configMapName) continue;
    const data = valueOf(doc.root, "data");
    const value = data?.kind === "mapping" ? valueOf(data, dataKey) : undefined;
    if (value !== undefined) candidates.push({ value, base: doc.base, name });
  }
  const named = spec.configMapName === undefined ? "" : ` named '${spec.configMapName}'`;
  if (candidates.length === 0) return fail(`${path}: no ConfigMap${named} with data."${dataKey}" in the file`, "not-found");
  if (candidates.length > 1) return fail(`${path}: ${candidates.length} ConfigMaps have data."${dataKey}" (${candidates.map((c) => c.name ?? "?").join(", ")}): set the ConfigMap name`);
  const only = candidates[0] as { value: SourceNode; base: number; name: string | undefined };
  const where = `${path} at ConfigMap ${only.name ?? "?"} data."${dataKey}" (line ${lineOf(text, only.value.start + only.base)})`;
  return blockScalarWindow(text, only.value, only.base, dataKey, where);
}

/** A `|` block scalar: its content lines as they stand, a config indented as a whole. */
function blockScalarWindow(text: string, node: SourceNode, base: number, name: string, where: string): LocateResult {
  if (node.kind !== "scalar") return fail(`${where}: expected the config as a | block scalar, found a ${node.kind}`);
  if (node.style !== "literal") {
    const form = node.style === "folded" ? "a folded (>) block scalar, whose line breaks the loader would not see as written" : `a ${node.style === "plain" ? "plain" : "quoted"} string`;
    return fail(`${where}: the config is ${form}; TrendMaster edits it only as a literal | block scalar`);
  }
  const headerEnd = text.indexOf("\n", node.start + base);
  if (headerEnd === -1 || headerEnd >= node.end + base) return fail(`${where}: the | block scalar is empty`);
  const start = headerEnd + 1;
  // A literal scalar's lines all share its indentation: shifted as a whole, the config parses to the same tree.
  return { ok: true, window: windowOf(text, "\n".repeat(lineOf(text, start) - 1), start, node.end + base, name, where) };
}

function windowOf(text: string, prefix: string, start: number, end: number, name: string, where: string): ConfigWindow {
  return { file: { name, text: prefix + text.slice(start, end) }, prefix, start, end, where };
}

/** The config as YAML in the values: a mapping that is the config, or a descriptors list. */
function structuredWindow(text: string, node: SourceNode, parent: MappingNode | undefined, base: number, spec: ConfigLocationSpec, where: string): LocateResult {
  const start = node.start + base;
  const lineStart = text.lastIndexOf("\n", start - 1) + 1;
  const ownLine = text.slice(lineStart, start).trim() === "";
  const name = (parseKeyPath(spec.keyPath ?? "") ?? ["config.yaml"]).join(".");
  const blankLines = "\n".repeat(Math.max(0, lineOf(text, start) - 1));
  if (node.kind === "mapping") {
    // Spaces up to the mapping's column keep its keys aligned, even after a `- ` or a `key: ` on its line.
    return { ok: true, window: windowOf(text, blankLines + " ".repeat(start - lineStart), start, node.end + base, name, where) };
  }
  if (node.kind !== "sequence") return fail(`${where}: expected the config (a mapping with domain and descriptors) or a descriptors list, found a ${node.kind}`);
  const domain = spec.domain ?? (parent ? scalarText(valueOf(parent, "domain")) : undefined);
  if (domain === undefined || domain === "") return fail(`${where}: a descriptors list needs its domain: no sibling 'domain' key holds one, and no domain is set for the target`);
  // What the chart renders around the list; blank lines first so line numbers stay the file's.
  const header = `domain: ${JSON.stringify(domain)}\ndescriptors:`;
  const lead = "\n".repeat(Math.max(0, lineOf(text, start) - 3));
  if (!ownLine || text[start] === "[") return { ok: true, window: windowOf(text, `${lead}${header} `, start, node.end + base, name, where) };
  return { ok: true, window: windowOf(text, `${lead}${header}\n`, lineStart, node.end + base, name, where) };
}

/** The file with the window replaced by the edited window text (`prefix` + new content). */
export function spliceWindow(fileText: string, window: ConfigWindow, editedWindowText: string): string {
  if (!editedWindowText.startsWith(window.prefix)) throw new Error("edited window lost its prefix");
  return fileText.slice(0, window.start) + editedWindowText.slice(window.prefix.length) + fileText.slice(window.end);
}
