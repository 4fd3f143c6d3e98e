import { AliasNodeImpl, DocumentPositions, MappingNodeImpl, ScalarNodeImpl, SequenceNodeImpl, type ScalarNode, type SourceNode } from "./source-nodes.js";
import { YamlSyntaxError } from "./yaml-errors.js";
import { E, YamlEventParser, type YamlEvent } from "./yaml-events.js";

/** A parsed document: its root, and what decoding needs to know before walking it. */
export interface ParsedYamlDocument {
  /** The first document's root (null for an empty stream). */
  readonly root: SourceNode | null;
  /** Nodes built (an upper bound of those in the tree). */
  readonly nodeCount: number;
  /** Whether any alias node was built. */
  readonly hasAlias: boolean;
  /** Whether any node carries an explicit tag. */
  readonly hasTag: boolean;
}

const LONG_TAG_PREFIX = "tag:yaml.org,2002:";

/** The tag as yaml.v2 prints it in its errors. */
function shortTag(tag: string): string {
  return tag.startsWith(LONG_TAG_PREFIX) ? `!!${tag.slice(LONG_TAG_PREFIX.length)}` : tag;
}

const STYLES: ReadonlyArray<ScalarNode["style"]> = ["plain", "single", "double", "literal", "folded"];

interface OpenCollection {
  readonly node: MappingNodeImpl | SequenceNodeImpl;
  readonly children: SourceNode[];
  readonly flow: boolean;
}

/**
 * Read the first document of `text` as yaml.v2 does (its scanner, parser and node tree), and
 * nothing after that document's root: a later document, or junk, is never read.
 * Throws YamlSyntaxError with yaml.v2's message.
 */
export function parseGoYaml(text: string): ParsedYamlDocument {
  const events = new YamlEventParser(text.length === 0 ? "\n" : text);
  const positions = new DocumentPositions(text);
  const anchors = new Map<string, SourceNode>();
  let nodeCount = 0;
  let hasAlias = false;
  let hasTag = false;
  events.next(); // stream start
  const first = events.next();
  if (first.type === E.StreamEnd) return { root: null, nodeCount, hasAlias, hasTag };
  const stack: OpenCollection[] = [];
  const properties = (e: YamlEvent) => {
    const tag = e.tag === "" ? undefined : shortTag(e.tag);
    if (tag !== undefined) hasTag = true;
    return { anchor: e.anchor, tag, eventStart: e.start.pos < e.contentStart.pos ? e.start.pos : undefined };
  };
  for (;;) {
    const e = events.next();
    let done: SourceNode | undefined;
    switch (e.type) {
      case E.Scalar: {
        const p = properties(e);
        done = new ScalarNodeImpl(e.contentStart.pos, e.end.pos, positions, p.anchor, p.tag, e.value, STYLES[e.style] ?? "plain", p.eventStart);
        if (p.anchor !== undefined) anchors.set(p.anchor, done);
        nodeCount++;
        break;
      }
      case E.Alias: {
        const name = e.anchor ?? "";
        const target = anchors.get(name);
        if (!target) throw new YamlSyntaxError(`unknown anchor '${name}' referenced`, undefined);
        hasAlias = true;
        nodeCount++;
        done = new AliasNodeImpl(e.start.pos, e.end.pos, positions, undefined, undefined, name, target);
        break;
      }
      case E.MappingStart:
      case E.SequenceStart: {
        const p = properties(e);
        const children: SourceNode[] = [];
        const node =
          e.type === E.MappingStart
            ? new MappingNodeImpl(e.contentStart.pos, e.contentStart.pos, positions, p.anchor, p.tag, children, e.flow, p.eventStart)
            : new SequenceNodeImpl(e.contentStart.pos, e.contentStart.pos, positions, p.anchor, p.tag, children, p.eventStart);
        // yaml.v2 knows the anchor before the children: an alias inside may refer to its own collection.
        if (p.anchor !== undefined) anchors.set(p.anchor, node);
        nodeCount++;
        stack.push({ node, children, flow: e.flow });
        continue;
      }
      case E.MappingEnd:
      case E.SequenceEnd: {
        const open = stack.pop() as OpenCollection;
        const last = open.children.at(-1);
        if (open.flow) open.node.finish(e.end.pos);
        else if (last) open.node.finish(last.end);
        done = open.node;
        break;
      }
      default:
        throw new YamlSyntaxError(`unexpected event ${e.type}`, undefined);
    }
    const parent = stack.at(-1);
    if (parent) {
      parent.children.push(done);
      continue;
    }
    // The root is complete: yaml.v2 reads its document's end, and stops.
    events.next();
    return { root: done, nodeCount, hasAlias, hasTag };
  }
}
