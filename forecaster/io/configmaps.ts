/**
 * ConfigMaps as the forecaster reads and writes them: ratelimit-config, the forecast cache and the
 * history revisions. The cycle only sees ConfigMapStore; KubeConfigMapStore talks to the API server
 * through @kubernetes/client-node, tests use the in-memory store in test/fakes/memory-kube.ts.
 */
import { ApiException, CoreV1Api, type KubeConfig, type V1ConfigMap, type V1ManagedFieldsEntry } from "@kubernetes/client-node";

/** Who last wrote which part of an object (metadata.managedFields, translated at the edge). */
export interface FieldManager {
  readonly manager: string;
  readonly operation: string;
  /** ISO-8601, when the API server recorded it. */
  readonly time?: string;
}

export interface ObjectMeta {
  readonly name: string;
  readonly namespace: string;
  readonly resourceVersion?: string;
  readonly uid?: string;
  readonly creationTimestamp?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly managedFields?: readonly FieldManager[];
  /**
   * Every other metadata field as read (ownerReferences, finalizers, generateName...), sent back
   * untouched: an update replaces the whole object, and what we do not model must not be lost.
   */
  readonly passthrough?: Readonly<Record<string, unknown>>;
}

/** A ConfigMap, our own plain-data type (client-node's classes stay in this file). */
export interface ConfigMapObject {
  readonly metadata: ObjectMeta;
  readonly data?: Readonly<Record<string, string>>;
  readonly binaryData?: Readonly<Record<string, string>>;
  /** ConfigMap.immutable, kept as read. */
  readonly immutable?: boolean;
}

/** Metadata fields ObjectMeta models; the rest travel in `passthrough`. */
const MODELLED_METADATA = new Set(["name", "namespace", "resourceVersion", "uid", "creationTimestamp", "labels", "annotations", "managedFields"]);

/** Kubernetes refused or failed a request; `status` is the HTTP status (0: no answer). */
export class KubeRequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly reason?: string,
  ) {
    super(message);
    this.name = "KubeRequestError";
  }
}

/** 409 on an update: the object changed since it was read (or, on create, it already exists). */
export function isConflict(error: unknown): boolean {
  return error instanceof KubeRequestError && error.status === 409;
}

export function isNotFound(error: unknown): boolean {
  return error instanceof KubeRequestError && error.status === 404;
}

export interface ConfigMapStore {
  /** undefined when the ConfigMap does not exist. */
  get(namespace: string, name: string): Promise<ConfigMapObject | undefined>;
  list(namespace: string, labelSelector: string): Promise<ConfigMapObject[]>;
  /** Throws a 409 KubeRequestError when it already exists. */
  create(configMap: ConfigMapObject): Promise<ConfigMapObject>;
  /** An update carrying metadata.resourceVersion: throws a 409 KubeRequestError when the object moved on. */
  replace(configMap: ConfigMapObject): Promise<ConfigMapObject>;
  /** Deleting a missing ConfigMap is not an error. */
  delete(namespace: string, name: string): Promise<void>;
}

/** `namespace/name`: how every message names a ConfigMap. */
export function configMapRef(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** Translates any client-node failure into a KubeRequestError that names the operation and object. */
export function kubeError(what: string, error: unknown): KubeRequestError {
  if (error instanceof KubeRequestError) return error;
  if (error instanceof ApiException) {
    const body = parseStatusBody(error.body);
    const message = body.message ?? (typeof error.body === "string" ? error.body.slice(0, 300) : error.message);
    return new KubeRequestError(`${what}: HTTP ${error.code}${body.reason ? ` ${body.reason}` : ""}: ${message}`, error.code, body.reason);
  }
  const cause = error instanceof Error ? error.message : String(error);
  return new KubeRequestError(`${what}: ${cause}`, 0);
}

function parseStatusBody(body: unknown): { message?: string; reason?: string } {
  let value = body;
  if (typeof body === "string") {
    try {
      value = JSON.parse(body);
    } catch {
      return {};
    }
  }
  if (typeof value !== "object" || value === null) return {};
  const v = value as { message?: unknown; reason?: unknown };
  return { ...(typeof v.message === "string" ? { message: v.message } : {}), ...(typeof v.reason === "string" ? { reason: v.reason } : {}) };
}

function isoTime(value: Date | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return value instanceof Date ? value.toISOString() : String(value);
}

function fromManagedFields(entries: readonly V1ManagedFieldsEntry[] | undefined): FieldManager[] | undefined {
  if (entries === undefined) return undefined;
  return entries.map((entry) => ({ manager: entry.manager ?? "unknown", operation: entry.operation ?? "", ...(entry.time !== undefined ? { time: isoTime(entry.time) as string } : {}) }));
}

/** client-node's V1ConfigMap to ours: the one place the wire type is read. */
export function fromV1ConfigMap(cm: V1ConfigMap, fallbackNamespace: string): ConfigMapObject {
  const meta = cm.metadata ?? {};
  const managedFields = fromManagedFields(meta.managedFields);
  const creationTimestamp = isoTime(meta.creationTimestamp);
  const passthrough = Object.fromEntries(Object.entries(meta).filter(([key, value]) => !MODELLED_METADATA.has(key) && value !== undefined));
  return {
    metadata: {
      name: meta.name ?? "",
      namespace: meta.namespace ?? fallbackNamespace,
      ...(meta.resourceVersion !== undefined ? { resourceVersion: meta.resourceVersion } : {}),
      ...(meta.uid !== undefined ? { uid: meta.uid } : {}),
      ...(creationTimestamp !== undefined ? { creationTimestamp } : {}),
      ...(meta.labels !== undefined ? { labels: meta.labels } : {}),
      ...(meta.annotations !== undefined ? { annotations: meta.annotations } : {}),
      ...(managedFields !== undefined ? { managedFields } : {}),
      ...(Object.keys(passthrough).length > 0 ? { passthrough } : {}),
    },
    ...(cm.data !== undefined ? { data: cm.data } : {}),
    ...(cm.binaryData !== undefined ? { binaryData: cm.binaryData } : {}),
    ...(cm.immutable !== undefined ? { immutable: cm.immutable } : {}),
  };
}

/**
 * Ours to client-node's. managedFields and creationTimestamp are left out: the server owns them,
 * and sending managedFields back would reset them.
 */
export function toV1ConfigMap(cm: ConfigMapObject): V1ConfigMap {
  const m = cm.metadata;
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: {
      ...(m.passthrough as V1ConfigMap["metadata"]),
      name: m.name,
      namespace: m.namespace,
      ...(m.resourceVersion !== undefined ? { resourceVersion: m.resourceVersion } : {}),
      ...(m.uid !== undefined ? { uid: m.uid } : {}),
      ...(m.labels !== undefined ? { labels: { ...m.labels } } : {}),
      ...(m.annotations !== undefined ? { annotations: { ...m.annotations } } : {}),
    },
    ...(cm.data !== undefined ? { data: { ...cm.data } } : {}),
    ...(cm.binaryData !== undefined ? { binaryData: { ...cm.binaryData } } : {}),
    ...(cm.immutable !== undefined ? { immutable: cm.immutable } : {}),
  };
}

/** ConfigMapStore over the Kubernetes API (in-cluster, or from KUBECONFIG). */
export class KubeConfigMapStore implements ConfigMapStore {
  readonly #api: CoreV1Api;
  readonly #fieldManager: string;

  constructor(kubeConfig: KubeConfig, fieldManager = "trendmaster-forecaster") {
    this.#api = kubeConfig.makeApiClient(CoreV1Api);
    this.#fieldManager = fieldManager;
  }

  async get(namespace: string, name: string): Promise<ConfigMapObject | undefined> {
    try {
      return fromV1ConfigMap(await this.#api.readNamespacedConfigMap({ namespace, name }), namespace);
    } catch (error) {
      const failure = kubeError(`read ConfigMap ${configMapRef(namespace, name)}`, error);
      if (failure.status === 404) return undefined;
      throw failure;
    }
  }

  async list(namespace: string, labelSelector: string): Promise<ConfigMapObject[]> {
    try {
      const list = await this.#api.listNamespacedConfigMap({ namespace, labelSelector });
      return list.items.map((item) => fromV1ConfigMap(item, namespace));
    } catch (error) {
      throw kubeError(`list ConfigMaps in ${namespace} (${labelSelector})`, error);
    }
  }

  async create(configMap: ConfigMapObject): Promise<ConfigMapObject> {
    const { namespace, name } = configMap.metadata;
    try {
      const created = await this.#api.createNamespacedConfigMap({ namespace, body: toV1ConfigMap(configMap), fieldManager: this.#fieldManager });
      return fromV1ConfigMap(created, namespace);
    } catch (error) {
      throw kubeError(`create ConfigMap ${configMapRef(namespace, name)}`, error);
    }
  }

  async replace(configMap: ConfigMapObject): Promise<ConfigMapObject> {
    const { namespace, name, resourceVersion } = configMap.metadata;
    try {
      const replaced = await this.#api.replaceNamespacedConfigMap({ namespace, name, body: toV1ConfigMap(configMap), fieldManager: this.#fieldManager });
      return fromV1ConfigMap(replaced, namespace);
    } catch (error) {
      throw kubeError(`update ConfigMap ${configMapRef(namespace, name)} at resourceVersion ${resourceVersion ?? "(none)"}`, error);
    }
  }

  async delete(namespace: string, name: string): Promise<void> {
    try {
      await this.#api.deleteNamespacedConfigMap({ namespace, name });
    } catch (error) {
      const failure = kubeError(`delete ConfigMap ${configMapRef(namespace, name)}`, error);
      if (failure.status !== 404) throw failure;
    }
  }
}
