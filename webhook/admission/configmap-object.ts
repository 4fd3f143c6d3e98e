import { ANNOTATIONS } from "../../ratelimit/annotations.js";

/** The parts of a ConfigMap in an AdmissionRequest the handler reads, checked once. */
export interface ConfigMapObject {
  readonly name?: string;
  readonly namespace?: string;
  readonly annotations: Readonly<Record<string, string>>;
  readonly data: Readonly<Record<string, string>>;
  readonly binaryData: Readonly<Record<string, string>>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function stringMap(value: unknown, path: string): Record<string, string> | string {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) return `${path} is not a map`;
  for (const [key, item] of Object.entries(value)) if (typeof item !== "string") return `${path}['${key}'] is not a string`;
  return value as Record<string, string>;
}

/** Read a ConfigMap out of untrusted JSON; a message names the first thing that is wrong. */
export function readConfigMapObject(object: unknown): { ok: true; configMap: ConfigMapObject } | { ok: false; message: string } {
  if (!isRecord(object)) return { ok: false, message: "object is not a JSON object" };
  const metadata = object.metadata === undefined ? {} : object.metadata;
  if (!isRecord(metadata)) return { ok: false, message: "metadata is not a map" };
  const annotations = stringMap(metadata.annotations, "metadata.annotations");
  const data = stringMap(object.data, "data");
  const binaryData = stringMap(object.binaryData, "binaryData");
  for (const item of [annotations, data, binaryData]) if (typeof item === "string") return { ok: false, message: item };
  return {
    ok: true,
    configMap: {
      ...(typeof metadata.name === "string" ? { name: metadata.name } : {}),
      ...(typeof metadata.namespace === "string" ? { namespace: metadata.namespace } : {}),
      annotations: annotations as Record<string, string>,
      data: data as Record<string, string>,
      binaryData: binaryData as Record<string, string>,
    },
  };
}

/** The forecast generation a forecaster write was computed from, when the object carries a valid one. */
export function writeGenerationOf(object: unknown): number | undefined {
  if (!isRecord(object) || !isRecord(object.metadata) || !isRecord(object.metadata.annotations)) return undefined;
  const raw = object.metadata.annotations[ANNOTATIONS.generation];
  if (typeof raw !== "string" || !/^\d{1,15}$/.test(raw.trim())) return undefined;
  return Number(raw.trim());
}
