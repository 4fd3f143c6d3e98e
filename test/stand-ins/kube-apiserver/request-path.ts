// Splits a resource URL the way the apiserver's RequestInfoFactory does:
// /api/v1/namespaces/<ns>/<resource>/<name>/<subresource> and /apis/<group>/<version>/...

export interface ResourcePath {
  group: string;
  version: string;
  namespace: string | undefined;
  plural: string;
  name: string | undefined;
  subresource: string | undefined;
}

export function parseResourcePath(pathname: string): ResourcePath | undefined {
  const segments = pathname.split("/").filter((segment) => segment !== "").map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === "api" && segments.length >= 3) {
    group = "";
    version = segments[1] ?? "";
    rest = segments.slice(2);
  } else if (segments[0] === "apis" && segments.length >= 4) {
    group = segments[1] ?? "";
    version = segments[2] ?? "";
    rest = segments.slice(3);
  } else {
    return undefined;
  }
  // `namespaces/<ns>/<resource>...` scopes a namespaced resource; `namespaces/<name>` alone is the Namespace.
  if (rest[0] === "namespaces" && rest.length >= 3) {
    return { group, version, namespace: rest[1], plural: rest[2] ?? "", name: rest[3], subresource: rest[4] };
  }
  return { group, version, namespace: undefined, plural: rest[0] ?? "", name: rest[1], subresource: rest[2] };
}
