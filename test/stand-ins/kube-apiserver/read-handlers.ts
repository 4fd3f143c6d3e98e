// get and list, as the apiserver answers them: the object, a typed list (paginated with limit
// and continue) or, when kubectl asks for it, a server-side Table.
import { type ApiRequest, type ApiResponse, failed, listItem } from "./api-request.js";
import { type KubeObject, isPlainObject } from "./objects.js";
import { apiVersionOf } from "./resources.js";
import { parseFieldSelector, parseLabelSelector } from "./selectors.js";
import { badRequest, notFound } from "./status.js";
import type { ObjectStore } from "./store.js";
import { acceptsTable, buildTable, parseIncludeObject } from "./table.js";

export class ReadHandlers {
  constructor(
    private readonly store: ObjectStore,
    private readonly now: () => Date,
  ) {}

  get(request: ApiRequest): ApiResponse {
    const object = this.store.get(request.resource, request.path.namespace, request.path.name ?? "");
    if (object === undefined) return failed(notFound(request.resource, request.path.name ?? ""));
    if (acceptsTable(request.accept)) {
      const include = parseIncludeObject(request.query.get("includeObject"));
      return { code: 200, body: buildTable(request.resource, [object], include, this.now(), { resourceVersion: object.metadata.resourceVersion ?? "" }), warnings: [] };
    }
    return { code: 200, body: object, warnings: [] };
  }

  list(request: ApiRequest): ApiResponse {
    const { resource, query } = request;
    const revision = this.store.currentRevision();
    const labels = parseLabelSelector(query.get("labelSelector"));
    if ("error" in labels) return failed(badRequest(`unable to parse requirement: ${labels.error}`));
    const fields = parseFieldSelector(query.get("fieldSelector"), resource.fieldLabels);
    if ("error" in fields) return failed(badRequest(fields.error));
    let items = this.store.list(resource, request.path.namespace).filter((object) => labels.selector(object) && fields.selector(object));

    // Pagination: the continue token remembers where the previous page ended.
    const continueToken = query.get("continue");
    if (continueToken !== null && continueToken !== "") {
      const start = decodeContinue(continueToken);
      if (start === undefined) return failed(badRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)"));
      items = items.filter((object) => itemKey(object) > start);
    }
    const limit = Number.parseInt(query.get("limit") ?? "0", 10);
    const metadata: Record<string, string | number> = { resourceVersion: String(revision) };
    if (limit > 0 && items.length > limit) {
      metadata.remainingItemCount = items.length - limit;
      items = items.slice(0, limit);
      metadata.continue = encodeContinue(itemKey(items[items.length - 1] as KubeObject));
    }
    if (acceptsTable(request.accept)) {
      return { code: 200, body: buildTable(resource, items, parseIncludeObject(query.get("includeObject")), this.now(), metadata), warnings: [] };
    }
    return { code: 200, body: { kind: `${resource.kind}List`, apiVersion: apiVersionOf(resource), metadata, items: items.map(listItem) }, warnings: [] };
  }
}

function itemKey(object: KubeObject): string {
  return `${object.metadata.namespace ?? ""}/${object.metadata.name ?? ""}`;
}

function encodeContinue(start: string): string {
  return Buffer.from(JSON.stringify({ v: "meta.k8s.io/v1", start })).toString("base64url");
}

function decodeContinue(token: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    return isPlainObject(parsed) && typeof parsed.start === "string" ? parsed.start : undefined;
  } catch {
    return undefined;
  }
}
