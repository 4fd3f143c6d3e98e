import yaml from "js-yaml";
import { parseBlockYaml } from "./block-yaml.js";
import { AliasNodeImpl, DocumentPositions, isBlank, LineIndex, MappingNodeImpl, ScalarNodeImpl, SequenceNodeImpl, type ScalarNode, type SourceNode } from "./source-nodes.js";

export type { AliasNode, MappingNode, ScalarNode, SequenceNode, SourceNode } from "./source-nodes.js";
export { LineIndex } from "./source-nodes.js";

/** A YAML syntax error, located. */
export class YamlSyntaxError extends Error {
  constructor(
    readonly reason: string,
    /** 1-based line. */
    readonly line: number,
  ) {
    super(`yaml: line ${line}: ${reason}`);
  }
}

/** Nesting deeper than this is refused (js-yaml's own guard), keeping parse time and stack bounded. */
export const MAX_YAML_DEPTH = 100;

/** A parsed document: its root, and what decoding needs to know before walking it. */
export interface ParsedYamlDocument {
  /** The first document's root (null for an empty document). */
  readonly root: SourceNode | null;
  /** Nodes built (an upper bound of those in the tree). */
  readonly nodeCount: number;
  /** Whether any alias node was built. */
  readonly hasAlias: boolean;
}

/**
 * Parse the first YAML document of `text` into a source tree (null for an empty document).
 * Later documents are ignored, as Go's yaml.Unmarshal ignores them.
 * Throws YamlSyntaxError for malformed YAML.
 */
export function parseYamlSource(text: string): SourceNode | null {
  return parseYamlDocument(text).root;
}

/** parseYamlSource, also telling how many nodes were built and whether any is an alias. */
export function parseYamlDocument(text: string): ParsedYamlDocument {
  // Most configs are plain block YAML: the direct parser takes those, js-yaml everything else.
  const block = parseBlockYaml(text);
  if (block) return { root: block.root, nodeCount: block.nodeCount, hasAlias: false };
  return parseYamlEvents(text);
}

/** The general path: any YAML, through js-yaml's composition events (and its error messages). */
export function parseYamlEvents(text: string): ParsedYamlDocument {
  const builder = new SourceTreeBuilder(text);
  // Flat stacks instead of an object per event: what each open frame composed so far sits on
  // `nodes`/`results` (the node we built, js-yaml's value for it) above the frame's `heights` mark.
  const nodes: Array<SourceNode | undefined> = [];
  const results: unknown[] = [];
  let top = 0;
  const starts: number[] = [];
  const heights: number[] = [];
  try {
    yaml.loadAll(text, undefined, {
      schema: yaml.FAILSAFE_SCHEMA,
      json: true, // duplicate keys: last wins, as in yaml.v2's non-strict Unmarshal
      // Nodes are built as js-yaml closes them (children first), in one pass over the events.
      listener(event, state) {
        if (event === "open") {
          starts.push(state.position);
          heights.push(top);
          return;
        }
        if (starts.length === 0) return;
        const start = starts.pop() as number;
        const height = heights.pop() as number;
        const value = state.result;
        // js-yaml opens a wrapper frame around some nodes (e.g. with an anchor): it composes to the very
        // same value as its only child, where a one-item sequence composes to a new array.
        if (top - height === 1 && results[height] === value) return;
        let node: SourceNode | undefined;
        // js-yaml probes for one more key before a `---`/`...` marker: an empty frame that is no node.
        if (state.kind == null && value == null && state.position <= start) node = undefined;
        else node = builder.build(start, state.kind, value, state.position, nodes, height, top);
        nodes[height] = node;
        results[height] = value;
        top = height + 1;
      },
    });
  } catch (error) {
    throw toSyntaxError(error, text);
  }
  return { root: top > 0 ? nodes[0] ?? null : null, nodeCount: builder.nodeCount, hasAlias: builder.hasAlias };
}

function toSyntaxError(error: unknown, text: string): YamlSyntaxError {
  if (error instanceof yaml.YAMLException) {
    const line = (error.mark?.line ?? new LineIndex(text).lineOf(text.length) - 1) + 1;
    return new YamlSyntaxError(goWording(error.reason ?? error.message), line);
  }
  if (error instanceof RangeError) return new YamlSyntaxError("document nesting too deep", 1);
  throw error;
}

/** Go yaml.v2's wording for the syntax errors whose meaning both parsers share. */
function goWording(reason: string): string {
  if (/^unexpected end of the stream within a (single|double) quoted scalar/.test(reason)) {
    return "found unexpected end of stream";
  }
  if (reason.startsWith("nesting exceeded maxDepth")) return `exceeded max depth of ${MAX_YAML_DEPTH}`;
  if (reason.startsWith("tab characters must not be used in indentation")) {
    return "found character that cannot start any token";
  }
  if (reason.startsWith("unidentified alias")) return reason.replace("unidentified alias", "unknown anchor") + " referenced";
  return reason;
}

class SourceTreeBuilder {
  private readonly anchors = new Map<string, SourceNode>();
  private readonly positions: DocumentPositions;
  nodeCount = 0;
  hasAlias = false;
  constructor(private readonly text: string) {
    this.positions = new DocumentPositions(text);
  }

  get lines(): LineIndex {
    return this.positions.lines;
  }

  /** Build the node for a frame js-yaml just closed; its children are `children[from..to)`, already built. */
  build(frameStart: number, kind: string | null, value: unknown, endPosition: number, children: ReadonlyArray<SourceNode | undefined>, from: number, to: number): SourceNode {
    this.nodeCount++;
    let pos = this.skipSpace(frameStart);
    let anchor: string | undefined;
    let tag: string | undefined;
    // Node properties: `&anchor`, `!tag`, in either order.
    for (;;) {
      const c = this.text.charCodeAt(pos);
      if (c === 38 /* & */ || c === 33 /* ! */) {
        const m = /^[&!][^\s,\[\]{}]*/.exec(this.text.slice(pos, pos + 1024));
        const prop = m?.[0] ?? this.text[pos] ?? "";
        if (c === 38) anchor = prop.slice(1);
        else tag = prop;
        pos = this.skipSpace(pos + prop.length);
      } else break;
    }
    const start = pos;
    const first = this.text.charCodeAt(start);
    let result: SourceNode;
    if (first === 42 /* * */) {
      const name = /^\*([^\s,\[\]{}]+)/.exec(this.text.slice(start, start + 1024))?.[1] ?? "";
      const target = this.anchors.get(name);
      if (!target) throw new YamlSyntaxError(`unknown anchor '${name}' referenced`, this.lines.lineOf(start));
      this.hasAlias = true;
      result = new AliasNodeImpl(start, start + 1 + name.length, this.positions, anchor, tag, name, target);
    } else if (kind === "mapping") {
      const keysAndValues = builtChildren(children, from, to);
      if (keysAndValues.length % 2 === 1) {
        // A key without a value node (`key:` at the end of a flow map) decodes to null.
        const key = keysAndValues[keysAndValues.length - 1] as SourceNode;
        keysAndValues.push(this.nullAt(key.end));
      }
      const flow = first === 123; /* { */
      result = new MappingNodeImpl(start, flow ? endPosition : blockEnd(keysAndValues, endPosition), this.positions, anchor, tag, keysAndValues, flow);
    } else if (kind === "sequence") {
      const items = builtChildren(children, from, to);
      if (Array.isArray(value) && value.length > items.length) this.insertEmptyItems(items, value, start);
      result = new SequenceNodeImpl(start, first === 91 /* [ */ ? endPosition : blockEnd(items, endPosition), this.positions, anchor, tag, items);
    } else {
      const text = typeof value === "string" ? value : "";
      const style = first === 34 /* " */ ? "double" : first === 39 /* ' */ ? "single" : first === 124 /* | */ ? "literal" : first === 62 /* > */ ? "folded" : "plain";
      result = new ScalarNodeImpl(start, kind === "scalar" ? endPosition : start, this.positions, anchor, tag, text, style);
    }
    if (anchor !== undefined) this.anchors.set(anchor, result);
    return result;
  }

  /**
   * An empty item (`-` and nothing) is a null in js-yaml's array but emits no event, so no node was
   * built for it: put a null node in its place, as yaml.v2 decodes one (the loader refuses it).
   */
  private insertEmptyItems(items: SourceNode[], value: readonly unknown[], sequenceStart: number): void {
    const built = items.splice(0);
    let next = 0;
    for (const element of value) {
      const node = built[next];
      if (element === null && !(node && isEmptyNode(node))) {
        items.push(this.nullAt(items.at(-1)?.end ?? sequenceStart));
      } else if (node) {
        items.push(node);
        next++;
      }
    }
    if (next !== built.length) items.splice(0, items.length, ...built); // could not line them up: keep what was built
  }

  private nullAt(offset: number): ScalarNode {
    this.nodeCount++;
    return new ScalarNodeImpl(offset, offset, this.positions, undefined, undefined, "", "plain");
  }

  /** Skip white space, line breaks, comments and the `- `/`? `/`: ` indicators js-yaml leaves before a node. */
  private skipSpace(pos: number): number {
    const t = this.text;
    for (;;) {
      const code = t.charCodeAt(pos);
      if (isBlank(code)) pos++;
      else if (code === 35 /* # */) {
        const nl = t.indexOf("\n", pos);
        pos = nl === -1 ? t.length : nl + 1;
      } else return pos;
    }
  }
}

/**
 * The nodes among `children[from..to)`, in an array of exactly their number: an array grown by
 * push reserves room for 17 or more, and a config has thousands of small mappings.
 */
function builtChildren(children: ReadonlyArray<SourceNode | undefined>, from: number, to: number): SourceNode[] {
  let count = 0;
  for (let i = from; i < to; i++) if (children[i]) count++;
  const built = new Array<SourceNode>(count);
  let j = 0;
  for (let i = from; i < to; i++) {
    const child = children[i];
    if (child) built[j++] = child;
  }
  return built;
}


/**
 * Where a block collection ends: where its last child does. js-yaml's position is past trailing
 * comments, which only a guess can step back over (`# ` inside `a,"b # c` is a comment), so that
 * is kept only for a collection ending in an empty value.
 */
function blockEnd(children: readonly SourceNode[], position: number): number {
  const last = children.at(-1);
  return last && !isEmptyNode(last) ? last.end : position;
}

/** A node with no content (js-yaml composes it to null), or an alias of one. */
function isEmptyNode(node: SourceNode): boolean {
  if (node.kind === "alias") return isEmptyNode(node.target);
  return node.kind === "scalar" && node.style === "plain" && node.text === "" && node.start === node.end;
}
