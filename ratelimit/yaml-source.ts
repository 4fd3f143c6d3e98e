import { parseBlockYaml } from "./block-yaml.js";
import { parseGoYaml, type ParsedYamlDocument } from "./yaml-tree.js";

export type { AliasNode, MappingNode, ScalarNode, SequenceNode, SourceNode } from "./source-nodes.js";
export { LineIndex } from "./source-nodes.js";
export { YamlSyntaxError } from "./yaml-errors.js";
export type { ParsedYamlDocument } from "./yaml-tree.js";

/**
 * Parse the first YAML document of `text` into a source tree (null for an empty document), as
 * yaml.v2 reads it: later documents, and anything after the first document's root, are never read.
 * Throws YamlSyntaxError with yaml.v2's message for malformed YAML.
 */
export function parseYamlSource(text: string): import("./source-nodes.js").SourceNode | null {
  return parseYamlDocument(text).root;
}

/** parseYamlSource, also telling how many nodes were built and whether any is an alias or tagged. */
export function parseYamlDocument(text: string): ParsedYamlDocument {
  text = withoutLoneSurrogates(text);
  // Most configs are plain block YAML: the direct parser takes those, yaml.v2's full reader everything else.
  const block = parseBlockYaml(text);
  if (block) return { root: block.root, nodeCount: block.nodeCount, hasAlias: false, hasTag: false };
  return parseYamlEvents(text);
}

/** The general path: any YAML, through the yaml.v2 reader (scanner, parser, node tree) and its error messages. */
export function parseYamlEvents(text: string): ParsedYamlDocument {
  return parseGoYaml(text);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, "g");

/**
 * A JSON string may carry half a surrogate pair (`"\ud83d"`); Go's JSON decoder, and so the API
 * server and the service, read it as U+FFFD. One UTF-16 unit for another: every offset stays.
 */
function withoutLoneSurrogates(text: string): string {
  return LONE_SURROGATE.test(text) ? text.replace(LONE_SURROGATES, "\uFFFD") : text;
}
