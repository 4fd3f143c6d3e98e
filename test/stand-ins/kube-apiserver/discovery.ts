// Discovery documents: the legacy per-group-version lists and the aggregated
// apidiscovery.k8s.io/v2 documents kubectl 1.31 asks for first, plus /version.

/** What discovery needs to know of a resource, stored or not (reviews are create-only). */
export interface DiscoveredResource {
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  verbs: string[];
  shortNames: string[];
}

export const AGGREGATED_DISCOVERY_MEDIA_TYPE = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/** True when the Accept header lists aggregated discovery v2 (the only version we serve). */
export function acceptsAggregatedDiscovery(accept: string): boolean {
  return accept.split(",").some((mediaType) => {
    const parameters = mediaType.split(";").map((part) => part.trim());
    return parameters.includes("g=apidiscovery.k8s.io") && parameters.includes("v=v2") && parameters.includes("as=APIGroupDiscoveryList");
  });
}

function groupNames(resources: readonly DiscoveredResource[]): string[] {
  return [...new Set(resources.map((resource) => resource.group).filter((group) => group !== ""))].sort();
}

function versionsOf(resources: readonly DiscoveredResource[], group: string): string[] {
  return [...new Set(resources.filter((resource) => resource.group === group).map((resource) => resource.version))];
}

function groupVersion(group: string, version: string): string {
  return group === "" ? version : `${group}/${version}`;
}

/** GET /api */
export function apiVersions(serverAddress: string): object {
  return { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress }] };
}

function apiGroup(resources: readonly DiscoveredResource[], group: string): object {
  const versions = versionsOf(resources, group).map((version) => ({ groupVersion: groupVersion(group, version), version }));
  return { name: group, versions, preferredVersion: versions[0] };
}

/** GET /apis */
export function apiGroupList(resources: readonly DiscoveredResource[]): object {
  return { kind: "APIGroupList", apiVersion: "v1", groups: groupNames(resources).map((group) => apiGroup(resources, group)) };
}

/** GET /apis/<group> */
export function apiGroupDocument(resources: readonly DiscoveredResource[], group: string): object | undefined {
  if (!groupNames(resources).includes(group)) return undefined;
  return { kind: "APIGroup", apiVersion: "v1", ...apiGroup(resources, group) };
}

/** GET /api/v1 or /apis/<group>/<version> */
export function apiResourceList(resources: readonly DiscoveredResource[], group: string, version: string): object | undefined {
  const served = resources.filter((resource) => resource.group === group && resource.version === version);
  if (served.length === 0) return undefined;
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: groupVersion(group, version),
    resources: served.map((resource) => ({
      name: resource.plural,
      singularName: resource.singular,
      namespaced: resource.namespaced,
      kind: resource.kind,
      verbs: resource.verbs,
      ...(resource.shortNames.length > 0 ? { shortNames: resource.shortNames } : {}),
    })),
  };
}

function aggregatedGroup(resources: readonly DiscoveredResource[], group: string): object {
  return {
    // The core group has no name; the field is then left out, as Go's omitempty does.
    metadata: group === "" ? { creationTimestamp: null } : { name: group, creationTimestamp: null },
    versions: versionsOf(resources, group).map((version) => ({
      version,
      resources: resources
        .filter((resource) => resource.group === group && resource.version === version)
        .map((resource) => ({
          resource: resource.plural,
          responseKind: { group, version, kind: resource.kind },
          scope: resource.namespaced ? "Namespaced" : "Cluster",
          singularResource: resource.singular,
          verbs: resource.verbs,
          ...(resource.shortNames.length > 0 ? { shortNames: resource.shortNames } : {}),
        })),
      freshness: "Current",
    })),
  };
}

/** Aggregated discovery for GET /api (core group only) or GET /apis (every named group). */
export function aggregatedDiscovery(resources: readonly DiscoveredResource[], path: "/api" | "/apis"): object {
  const groups = path === "/api" ? [""] : groupNames(resources);
  return {
    kind: "APIGroupDiscoveryList",
    apiVersion: "apidiscovery.k8s.io/v2",
    metadata: {},
    items: groups.map((group) => aggregatedGroup(resources, group)),
  };
}

/** GET /version: the release the stand-in imitates, marked as a stand-in in gitVersion. */
export function versionInfo(): object {
  return {
    major: "1",
    minor: "31",
    gitVersion: "v1.31.0+trendmaster-stand-in",
    gitCommit: "0000000000000000000000000000000000000000",
    gitTreeState: "clean",
    buildDate: "2024-08-13T07:28:49Z",
    goVersion: "go1.22.5",
    compiler: "gc",
    platform: "linux/amd64",
  };
}
