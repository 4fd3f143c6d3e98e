// The request and answer shapes the verb handlers share.
import type { UserInfo } from "./authentication.js";
import type { KubeObject } from "./objects.js";
import type { ResourcePath } from "./request-path.js";
import type { ResourceDefinition } from "./resources.js";
import type { Status } from "./status.js";

/** An authenticated request for a served resource. */
export interface ApiRequest {
  path: ResourcePath;
  resource: ResourceDefinition;
  query: URLSearchParams;
  body: Buffer;
  contentType: string;
  accept: string;
  user: UserInfo;
  userAgent: string;
}

export interface ApiResponse {
  code: number;
  body: object;
  warnings: string[];
}

export function failed(status: Status, warnings: string[] = []): ApiResponse {
  return { code: status.code, body: status, warnings };
}

/** List items travel without kind/apiVersion, as the apiserver encodes typed lists. */
export function listItem(object: KubeObject): object {
  const { kind: _kind, apiVersion: _apiVersion, ...rest } = object;
  return rest;
}
