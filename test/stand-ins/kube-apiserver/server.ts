// The HTTPS front of the stand-in: authentication, routing by URL the way the apiserver's
// handler chain does, the request log, and writing answers (with Warning headers).
import { dumpYaml } from "@kubernetes/client-node";
import type { IncomingMessage, ServerResponse } from "node:http";
import { type Server, createServer } from "node:https";
import { answerReview, reviewResources } from "./access-reviews.js";
import { type KnownUser, authenticate } from "./authentication.js";
import { type Authorizer, forbiddenRequest, requestVerb } from "./authorization.js";
import {
  AGGREGATED_DISCOVERY_MEDIA_TYPE,
  type DiscoveredResource,
  acceptsAggregatedDiscovery,
  aggregatedDiscovery,
  apiGroupDocument,
  apiGroupList,
  apiResourceList,
  apiVersions,
  versionInfo,
} from "./discovery.js";
import type { ApiRequest, ApiResponse } from "./api-request.js";
import type { ReadHandlers } from "./read-handlers.js";
import type { WriteHandlers } from "./write-handlers.js";
import { parseBody } from "./decoding.js";
import { openApiDocument } from "./openapi.js";
import { parseResourcePath } from "./request-path.js";
import { type ResourceDefinition, findResource } from "./resources.js";
import { type Status, isStatus, methodNotAllowed, notAcceptable, resourceNotServed, unauthorized } from "./status.js";
import type { ObjectStore } from "./store.js";
import { serveWatch } from "./watch.js";

/** kube-apiserver's --max-request-bytes default for JSON and YAML bodies: 3 MiB. */
const MAX_REQUEST_BYTES = 3 * 1024 * 1024;

/** One line of the request log: everything a test or a developer needs to see what kubectl asked. */
export interface RequestRecord {
  method: string;
  url: string;
  accept: string;
  contentType: string;
  userAgent: string;
  user: string | undefined;
  code: number;
  body: string;
}

export interface ServerDependencies {
  tls: { certPem: string; keyPem: string };
  users: () => readonly KnownUser[];
  authorize: Authorizer;
  resources: readonly ResourceDefinition[];
  reads: ReadHandlers;
  writes: WriteHandlers;
  store: ObjectStore;
  now: () => Date;
  onRequest: (record: RequestRecord) => void;
}

interface Answer {
  code: number;
  body: object | string;
  contentType?: string;
  warnings?: string[];
}

function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_REQUEST_BYTES) chunks.push(chunk);
    });
    request.on("end", () => resolve(size > MAX_REQUEST_BYTES ? undefined : Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

/** RFC 7234 warn-text: a quoted string with `"` and `\` escaped, as the apiserver writes it. */
function warningHeader(text: string): string {
  return `299 - "${text.replace(/[\\"]/g, (char) => `\\${char}`)}"`;
}

/**
 * The serialization the client asked for. The stand-in speaks JSON and YAML; a client that
 * accepts only protobuf gets 406, where the real apiserver would answer in protobuf.
 */
export function negotiateMediaType(accept: string): "json" | "yaml" | undefined {
  const ranges = accept.split(",").map((range) => range.split(";")[0]?.trim().toLowerCase() ?? "");
  for (const range of ranges) {
    if (range === "application/json" || range === "application/*" || range === "*/*" || range === "") return "json";
    if (range === "application/yaml") return "yaml";
  }
  return undefined;
}

function writeAnswer(response: ServerResponse, answer: Answer, format: "json" | "yaml"): void {
  const warnings = [...new Set(answer.warnings ?? [])];
  if (warnings.length > 0) response.setHeader("Warning", warnings.map(warningHeader));
  const asYaml = format === "yaml" && typeof answer.body !== "string" && answer.contentType === undefined;
  const text = typeof answer.body === "string" ? answer.body : asYaml ? dumpYaml(answer.body) : JSON.stringify(answer.body);
  const contentType = asYaml ? "application/yaml" : (answer.contentType ?? (typeof answer.body === "string" ? "text/plain; charset=utf-8" : "application/json"));
  response.writeHead(answer.code, { "Content-Type": contentType, "Cache-Control": "no-cache, private" });
  response.end(text);
}

function fromStatus(status: Status): Answer {
  return { code: status.code, body: status };
}

function fromResponse(response: ApiResponse): Answer {
  return { code: response.code, body: response.body, warnings: response.warnings };
}

export function createApiServer(dependencies: ServerDependencies): { server: Server; endWatches: () => void } {
  const openWatches = new Set<() => void>();
  const discovered: readonly DiscoveredResource[] = [...dependencies.resources, ...reviewResources];

  const route = async (request: IncomingMessage, response: ServerResponse, url: URL, body: Buffer, user: KnownUser): Promise<Answer | "streaming"> => {
    const method = request.method ?? "GET";
    const accept = request.headers.accept ?? "application/json";
    const path = url.pathname.replace(/\/+$/, "") || "/";
    const serverAddress = `${url.hostname}:${url.port}`;

    if (method === "GET" && (path === "/api" || path === "/apis")) {
      if (acceptsAggregatedDiscovery(accept)) {
        return { code: 200, body: aggregatedDiscovery(discovered, path), contentType: AGGREGATED_DISCOVERY_MEDIA_TYPE };
      }
      return { code: 200, body: path === "/api" ? apiVersions(serverAddress) : apiGroupList(discovered) };
    }
    const groupMatch = /^\/apis\/([^/]+)$/.exec(path);
    if (method === "GET" && groupMatch) {
      const document = apiGroupDocument(discovered, groupMatch[1] ?? "");
      return document === undefined ? fromStatus(resourceNotServed()) : { code: 200, body: document };
    }
    const versionMatch = /^\/api\/(v1)$/.exec(path) ?? /^\/apis\/([^/]+\/[^/]+)$/.exec(path);
    if (method === "GET" && versionMatch) {
      const [group, version] = path.startsWith("/api/") ? ["", versionMatch[1] ?? ""] : (versionMatch[1] ?? "").split("/");
      const document = apiResourceList(discovered, group ?? "", version ?? "");
      return document === undefined ? fromStatus(resourceNotServed()) : { code: 200, body: document };
    }
    if (path.startsWith("/openapi/")) {
      const document = openApiDocument(path, dependencies.resources);
      return document === undefined ? { code: 404, body: "404 page not found\n" } : { code: 200, body: document.body, contentType: document.contentType };
    }

    const resourcePath = parseResourcePath(path);
    if (resourcePath === undefined) {
      return path.startsWith("/api/") || path.startsWith("/apis/") ? fromStatus(resourceNotServed()) : { code: 404, body: "404 page not found\n" };
    }
    const review = reviewResources.find((candidate) => candidate.group === resourcePath.group && candidate.version === resourcePath.version && candidate.plural === resourcePath.plural);
    if (review !== undefined && resourcePath.namespace === undefined && resourcePath.name === undefined) {
      if (method !== "POST") return fromStatus(methodNotAllowed(method, review as ResourceDefinition));
      const parsed = parseBody(body, request.headers["content-type"] ?? "application/json");
      if ("status" in parsed) return fromStatus(parsed.status);
      const answer = answerReview(review, parsed.value, user.info, dependencies.authorize);
      return isStatus(answer) ? fromStatus(answer) : { code: 201, body: answer };
    }
    const resource = findResource(resourcePath.group, resourcePath.version, resourcePath.plural);
    const scopeFits = resource !== undefined && (resource.namespaced || resourcePath.namespace === undefined);
    if (resource === undefined || !scopeFits || resourcePath.subresource !== undefined) return fromStatus(resourceNotServed());

    const watchRequested = ["true", "1"].includes(url.searchParams.get("watch") ?? "");
    const fieldName = /^metadata\.name=([^,]+)$/.exec(url.searchParams.get("fieldSelector") ?? "")?.[1];
    const authorization = {
      user: user.info,
      verb: requestVerb(method, resourcePath.name !== undefined, watchRequested),
      apiGroup: resource.group,
      resource: resource.plural,
      ...(resourcePath.namespace === undefined ? {} : { namespace: resourcePath.namespace }),
      // A list or watch narrowed to one name is authorized for that name, as the apiserver does.
      ...(resourcePath.name !== undefined ? { name: resourcePath.name } : fieldName !== undefined ? { name: fieldName } : {}),
    };
    if (!dependencies.authorize(authorization)) return fromStatus(forbiddenRequest(resource, authorization));

    const apiRequest: ApiRequest = {
      path: resourcePath,
      resource,
      query: url.searchParams,
      body,
      contentType: request.headers["content-type"] ?? "application/json",
      accept,
      user: user.info,
      userAgent: request.headers["user-agent"] ?? "",
    };
    const { reads, writes } = dependencies;
    const named = resourcePath.name !== undefined;
    const namespacedWithout = resource.namespaced && resourcePath.namespace === undefined;
    switch (method) {
      case "GET": {
        if (named) return fromResponse(reads.get(apiRequest));
        if (watchRequested) {
          const refused = serveWatch(apiRequest, response, {
            store: dependencies.store,
            now: dependencies.now,
            track: (end) => {
              openWatches.add(end);
              return () => openWatches.delete(end);
            },
          });
          return refused === undefined ? "streaming" : fromStatus(refused);
        }
        return fromResponse(reads.list(apiRequest));
      }
      case "POST":
        if (named || namespacedWithout) return fromStatus(methodNotAllowed("create", resource));
        return fromResponse(await writes.create(apiRequest));
      case "PUT":
        if (!named) return fromStatus(methodNotAllowed("update", resource));
        return fromResponse(await writes.update(apiRequest));
      case "PATCH":
        if (!named) return fromStatus(methodNotAllowed("patch", resource));
        return fromResponse(await writes.patch(apiRequest));
      case "DELETE":
        if (named) return fromResponse(await writes.delete(apiRequest));
        if (namespacedWithout) return fromStatus(methodNotAllowed("deletecollection", resource));
        return fromResponse(await writes.deleteCollection(apiRequest));
      default:
        return fromStatus(methodNotAllowed(method, resource));
    }
  };

  const server = createServer({ cert: dependencies.tls.certPem, key: dependencies.tls.keyPem }, (request, response) => {
    const url = new URL(request.url ?? "/", `https://${request.headers.host ?? "127.0.0.1"}`);
    const record: RequestRecord = {
      method: request.method ?? "GET",
      url: `${url.pathname}${url.search}`,
      accept: request.headers.accept ?? "",
      contentType: request.headers["content-type"] ?? "",
      userAgent: request.headers["user-agent"] ?? "",
      user: undefined,
      code: 0,
      body: "",
    };
    const format = negotiateMediaType(request.headers.accept ?? "");
    const finish = (answer: Answer | "streaming"): void => {
      if (answer !== "streaming") writeAnswer(response, answer, format ?? "json");
      record.code = answer === "streaming" ? 200 : answer.code;
      dependencies.onRequest(record);
    };
    void (async () => {
      const body = await readBody(request);
      if (body === undefined) {
        return finish({ code: 413, body: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: `Request entity too large: limit is ${MAX_REQUEST_BYTES}`, reason: "RequestEntityTooLarge", code: 413 } });
      }
      record.body = body.toString("utf8");
      // Health and version are public (system:public-info-viewer); the rest needs a known user.
      if (record.method === "GET" && ["/healthz", "/livez", "/readyz"].includes(url.pathname)) return finish({ code: 200, body: "ok" });
      if (record.method === "GET" && url.pathname === "/version") return finish({ code: 200, body: versionInfo() });
      if (format === undefined && !acceptsAggregatedDiscovery(record.accept) && !url.pathname.startsWith("/openapi/")) {
        return finish(fromStatus(notAcceptable()));
      }
      const user = authenticate(dependencies.users(), request.headers.authorization);
      if (user === undefined) return finish(fromStatus(unauthorized()));
      record.user = user.name;
      finish(await route(request, response, url, body, user));
    })().catch((error: unknown) => {
      // A bug in the stand-in: answer 500 so the test fails loudly instead of hanging.
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      if (!response.headersSent) finish({ code: 500, body: { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason: "InternalError", code: 500 } });
      else response.destroy();
    });
  });

  return {
    server,
    endWatches: () => {
      for (const end of [...openWatches]) end();
    },
  };
}
