import { GoDecodeFailure } from "./go-resolve.js";
import { DecodeBudget, goKeyIdentity, goSyntax, isMergeKey, MergeError, scalarValue, type GoValue, type MapEntry } from "./go-yaml.js";
import type { AliasNode, MappingNode, SequenceNode, SourceNode } from "./source-nodes.js";

/*
 * yaml.v2's decode into `interface{}`, without recursion: yaml.v2 nests up to 10,000 levels, deeper
 * than a JS stack goes, so the walk keeps its own stack. The order of decode steps is yaml.v2's
 * (depth first, keys before values), which its alias ratio depends on.
 */

type Frame =
  | { readonly t: "seq"; readonly node: SequenceNode; readonly items: GoValue[]; next: number }
  | { readonly t: "map"; readonly node: MappingNode; readonly entries: MapEntry[] }
  | { readonly t: "fill"; readonly node: MappingNode; readonly entries: MapEntry[]; readonly index: Map<string, MapEntry>; next: number; key: GoValue | undefined }
  | { readonly t: "mergeSeq"; readonly node: SequenceNode; readonly entries: MapEntry[]; readonly index: Map<string, MapEntry>; next: number }
  | { readonly t: "alias"; readonly alias: AliasNode };

/**
 * Decode a document's root as yaml.v2 decodes into `map[interface{}]interface{}` (the loader's
 * first unmarshal): maps keyed by any scalar, later keys overwriting earlier ones, merges applied.
 * Throws GoDecodeFailure where yaml.v2 fails the whole decode.
 */
export function decodeGeneric(root: SourceNode, budget = new DecodeBudget()): GoValue {
  budget.step(); // the document node
  return decodeGenericValue(root, budget);
}

const isMappingSource = (n: SourceNode) => n.kind === "mapping" || (n.kind === "alias" && n.target.kind === "mapping");

/** Decode one value into `interface{}` within a decode already under way (its budget). */
export function decodeGenericValue(root: SourceNode, budget: DecodeBudget): GoValue {
  const stack: Frame[] = [];
  let result: GoValue | undefined;

  const deliver = (value: GoValue): void => {
    for (;;) {
      const top = stack.at(-1);
      if (!top) {
        result = value;
        return;
      }
      if (top.t === "alias") {
        budget.leaveAlias(top.alias);
        stack.pop();
        continue;
      }
      if (top.t === "seq") top.items.push(value);
      else if (top.t === "fill") {
        if (top.key === undefined) {
          if (value.type === "seq" || value.type === "map") throw new GoDecodeFailure(`invalid map key: ${goSyntax(value)}`);
          top.key = value;
        } else {
          const identity = goKeyIdentity(top.key);
          const existing = top.index.get(identity);
          if (existing) existing.value = value;
          else {
            const entry = { key: top.key, value };
            top.entries.push(entry);
            top.index.set(identity, entry);
          }
          top.key = undefined;
          top.next += 2;
        }
      }
      return;
    }
  };

  /** Begin decoding a node: scalars deliver at once, collections push their frame. */
  const start = (node: SourceNode): void => {
    for (;;) {
      budget.step();
      if (node.kind === "alias") {
        budget.enterAlias(node);
        stack.push({ t: "alias", alias: node });
        node = node.target;
        continue;
      }
      if (node.kind === "scalar") return deliver(scalarValue(node));
      if (node.kind === "sequence") {
        stack.push({ t: "seq", node, items: [], next: 0 });
        return;
      }
      const entries: MapEntry[] = [];
      stack.push({ t: "map", node, entries });
      stack.push({ t: "fill", node, entries, index: new Map(), next: 0, key: undefined });
      return;
    }
  };

  /** A merge source (a mapping, or an alias of one) decoded into the map being filled. */
  const mergeFrom = (source: SourceNode, into: { entries: MapEntry[]; index: Map<string, MapEntry> }): void => {
    budget.step();
    if (source.kind === "alias") {
      budget.enterAlias(source);
      stack.push({ t: "alias", alias: source });
      budget.step();
      source = source.target;
    }
    stack.push({ t: "fill", node: source as MappingNode, entries: into.entries, index: into.index, next: 0, key: undefined });
  };

  start(root);
  while (stack.length > 0) {
    const top = stack.at(-1) as Frame;
    switch (top.t) {
      case "seq":
        if (top.next < top.node.items.length) start(top.node.items[top.next++] as SourceNode);
        else {
          stack.pop();
          deliver({ type: "seq", items: top.items, node: top.node });
        }
        break;
      case "map":
        stack.pop();
        deliver({ type: "map", entries: top.entries, node: top.node });
        break;
      case "alias":
        // A merge through an alias has filled its map.
        budget.leaveAlias(top.alias);
        stack.pop();
        break;
      case "mergeSeq":
        // yaml.v2 merges a list of maps last to first, checking each as it comes to it.
        if (top.next < 0) stack.pop();
        else {
          const item = top.node.items[top.next--] as SourceNode;
          if (!isMappingSource(item)) throw new MergeError();
          mergeFrom(item, top);
        }
        break;
      case "fill": {
        const kv = top.node.keysAndValues;
        if (top.next + 1 >= kv.length) {
          stack.pop();
          break;
        }
        const k = kv[top.next] as SourceNode;
        const v = kv[top.next + 1] as SourceNode;
        if (top.key !== undefined) start(v);
        else if (isMergeKey(k)) {
          top.next += 2;
          if (v.kind === "sequence") stack.push({ t: "mergeSeq", node: v, entries: top.entries, index: top.index, next: v.items.length - 1 });
          else if (isMappingSource(v)) mergeFrom(v, top);
          else throw new MergeError();
        } else start(k);
        break;
      }
    }
  }
  return result as GoValue;
}
