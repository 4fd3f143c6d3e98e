// Server-side printing: `kubectl get` without -o asks for meta.k8s.io/v1 Table and prints the
// rows the server renders, so the Age column is computed here like the apiserver's printers.
import type { KubeObject } from "./objects.js";
import type { ResourceDefinition } from "./resources.js";

/** True when the Accept header asks for `as=Table` in meta.k8s.io/v1 (v1beta1 is long gone). */
export function acceptsTable(accept: string): boolean {
  return accept.split(",").some((mediaType) => {
    const parameters = mediaType.split(";").map((part) => part.trim());
    return parameters.includes("as=Table") && parameters.includes("g=meta.k8s.io") && parameters.includes("v=v1");
  });
}

/** k8s.io/apimachinery/pkg/util/duration.HumanDuration */
export function humanDuration(milliseconds: number): string {
  const seconds = Math.floor(milliseconds / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const days = Math.floor(hours / 24) % 365;
    return days === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${days}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

export type IncludeObject = "None" | "Metadata" | "Object";

export function parseIncludeObject(value: string | null): IncludeObject {
  return value === "None" || value === "Object" ? value : "Metadata";
}

function rowObject(object: KubeObject, include: IncludeObject): object | undefined {
  if (include === "None") return undefined;
  if (include === "Object") return object;
  return { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: object.metadata };
}

/** A meta.k8s.io/v1 Table of `objects`; `resourceVersion` is the list's. */
export function buildTable(
  resource: ResourceDefinition,
  objects: KubeObject[],
  include: IncludeObject,
  now: Date,
  listMetadata: Record<string, string | number>,
): object {
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: listMetadata,
    columnDefinitions: resource.table.columns,
    rows: objects.map((object) => {
      const age = (timestamp: string | undefined): string => {
        const since = Date.parse(timestamp ?? "");
        return Number.isNaN(since) ? "<unknown>" : humanDuration(now.getTime() - since);
      };
      const row: { cells: Array<string | number>; object?: object } = { cells: resource.table.cells(object, age) };
      const included = rowObject(object, include);
      if (included !== undefined) row.object = included;
      return row;
    }),
  };
}
