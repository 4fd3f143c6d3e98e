// ?watch=1: a chunked stream of newline-delimited WatchEvents, as client-go's and client-node's
// watchers read it. Selectors are applied to both sides of a change, so an object that stops
// matching arrives as DELETED and one that starts matching as ADDED, like the watch cache does.
import type { ServerResponse } from "node:http";
import type { ApiRequest } from "./api-request.js";
import { type KubeObject, deepCopy } from "./objects.js";
import { parseFieldSelector, parseLabelSelector } from "./selectors.js";
import { type Status, badRequest } from "./status.js";
import type { ObjectStore, StoreEvent, WatchEventType } from "./store.js";
import { acceptsTable, buildTable, parseIncludeObject } from "./table.js";

/** kube-apiserver's --min-request-timeout: watches without timeoutSeconds end after 30 to 60 min. */
const DEFAULT_WATCH_SECONDS = 1800;

export interface WatchOptions {
  store: ObjectStore;
  now: () => Date;
  /** Called with a function that ends this watch, so the server can end all of them on stop. */
  track: (end: () => void) => () => void;
}

/** Starts streaming, or returns the Status to answer instead (bad selector or resourceVersion). */
export function serveWatch(request: ApiRequest, response: ServerResponse, options: WatchOptions): Status | undefined {
  const { resource, query } = request;
  const labels = parseLabelSelector(query.get("labelSelector"));
  if ("error" in labels) return badRequest(`unable to parse requirement: ${labels.error}`);
  const fields = parseFieldSelector(query.get("fieldSelector"), resource.fieldLabels);
  if ("error" in fields) return badRequest(fields.error);
  const matches = (object: KubeObject | undefined): boolean => object !== undefined && labels.selector(object) && fields.selector(object);
  const requested = query.get("resourceVersion") ?? "";
  if (requested !== "" && !/^\d+$/.test(requested)) return badRequest(`invalid resource version: ${requested}`);

  const asTable = acceptsTable(request.accept);
  const include = parseIncludeObject(query.get("includeObject"));
  let sentColumns = false;
  const encode = (type: WatchEventType | "ERROR", object: object): string => {
    if (asTable && type !== "ERROR") {
      const table = buildTable(resource, [object as KubeObject], include, options.now(), {}) as { columnDefinitions?: unknown };
      // Column definitions travel with the first event only.
      if (sentColumns) delete table.columnDefinitions;
      sentColumns = true;
      return `${JSON.stringify({ type, object: table })}\n`;
    }
    return `${JSON.stringify({ type, object })}\n`;
  };

  response.writeHead(200, { "Content-Type": "application/json", "Cache-Control": "no-cache, private", "Transfer-Encoding": "chunked" });
  response.flushHeaders();

  const send = (event: StoreEvent): void => {
    const nowMatches = event.type !== "DELETED" && matches(event.object);
    const beforeMatches = event.type !== "ADDED" && matches(event.previous);
    if (event.type === "DELETED" && beforeMatches) response.write(encode("DELETED", event.object));
    else if (nowMatches && beforeMatches) response.write(encode("MODIFIED", event.object));
    else if (nowMatches) response.write(encode("ADDED", event.object));
    else if (beforeMatches) {
      const gone = deepCopy(event.previous as KubeObject);
      gone.metadata.resourceVersion = String(event.revision);
      response.write(encode("DELETED", gone));
    }
  };

  // No resourceVersion, or "0": start with the current state as ADDED events.
  let since = Number.parseInt(requested, 10);
  if (requested === "" || requested === "0") {
    since = options.store.currentRevision();
    for (const object of options.store.list(resource, request.path.namespace)) if (matches(object)) response.write(encode("ADDED", object));
  }
  const subscription = options.store.watch(resource, request.path.namespace, since, send);
  if ("status" in subscription) {
    response.end(encode("ERROR", subscription.status));
    return undefined;
  }

  const timeoutSeconds = Number.parseInt(query.get("timeoutSeconds") ?? "", 10);
  let ended = false;
  const end = (): void => {
    if (ended) return;
    ended = true;
    clearTimeout(timer);
    subscription.stop();
    untrack();
    response.end();
  };
  const timer = setTimeout(end, (Number.isNaN(timeoutSeconds) ? DEFAULT_WATCH_SECONDS : timeoutSeconds) * 1000);
  timer.unref();
  const untrack = options.track(end);
  response.on("close", end);
  return undefined;
}
