import yaml from "js-yaml";
import type { ConfigFile } from "./loader.js";

/** The parts of a Kubernetes ConfigMap the ratelimit service reads (it mounts every key as a file). */
export interface ConfigMapLike {
  readonly metadata?: { readonly name?: string; readonly namespace?: string };
  readonly data?: Readonly<Record<string, string>>;
  readonly binaryData?: Readonly<Record<string, string>>;
}

/** Config files of a ConfigMap, one per data key, in key order; dot-files are skipped as the service skips them. */
export function configFilesOfConfigMap(configMap: ConfigMapLike): ConfigFile[] {
  const files: ConfigFile[] = [];
  for (const [name, text] of Object.entries(configMap.data ?? {})) {
    if (!name.startsWith(".")) files.push({ name, text: String(text) });
  }
  for (const [name, base64] of Object.entries(configMap.binaryData ?? {})) {
    if (!name.startsWith(".")) files.push({ name, text: Buffer.from(String(base64), "base64").toString("utf8") });
  }
  return files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function isConfigMap(doc: unknown): doc is ConfigMapLike & { kind: "ConfigMap" } {
  return typeof doc === "object" && doc !== null && (doc as { kind?: unknown }).kind === "ConfigMap";
}

/**
 * The config files in one file on disk: a ConfigMap manifest (possibly several YAML documents, or a
 * List) yields its data keys; anything else is a bare config file named by `baseName`.
 */
export function configFilesOfDocument(baseName: string, text: string): ConfigFile[] {
  let docs: unknown[];
  try {
    docs = yaml.loadAll(text);
  } catch {
    return [{ name: baseName, text }];
  }
  const maps: ConfigMapLike[] = [];
  for (const doc of docs) {
    if (isConfigMap(doc)) maps.push(doc);
    const items = (doc as { kind?: unknown; items?: unknown } | null)?.items;
    if (typeof doc === "object" && doc !== null && Array.isArray(items)) maps.push(...items.filter(isConfigMap));
  }
  return maps.length === 0 ? [{ name: baseName, text }] : maps.flatMap(configFilesOfConfigMap);
}
