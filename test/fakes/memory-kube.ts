/**
 * In-memory ConfigMap and Lease stores with the API server's resourceVersion rules, for unit tests.
 * Cross-process tests use the HTTPS kube-apiserver stand-in in test/stand-ins/ instead.
 */
import { KubeRequestError, type ConfigMapObject, type ConfigMapStore } from "../../forecaster/io/configmaps.js";
import type { LeaseObject, LeaseStore } from "../../forecaster/io/lease.js";

interface Stored<T> {
  readonly object: T;
}

/** Matches `a=b,c=d` and `a` (exists) selectors: all the forecaster uses. */
function matchesSelector(labels: Readonly<Record<string, string>> | undefined, selector: string): boolean {
  for (const term of selector.split(",").map((t) => t.trim()).filter((t) => t !== "")) {
    const [key, value] = term.split("=") as [string, string | undefined];
    if (value === undefined ? labels?.[key] === undefined : labels?.[key] !== value) return false;
  }
  return true;
}

class VersionedMap<T extends { readonly metadata: { readonly name: string; readonly namespace: string; readonly resourceVersion?: string } }> {
  readonly #objects = new Map<string, Stored<T>>();
  #version = 1000;

  constructor(private readonly kind: string) {}

  #key(namespace: string, name: string): string {
    return `${namespace}/${name}`;
  }

  get(namespace: string, name: string): T | undefined {
    return structuredClone(this.#objects.get(this.#key(namespace, name))?.object);
  }

  all(namespace: string): T[] {
    return [...this.#objects.values()].map((s) => s.object).filter((o) => o.metadata.namespace === namespace).map((o) => structuredClone(o));
  }

  #stamp(object: T, extra: Partial<T["metadata"]> = {}): T {
    this.#version += 1;
    return structuredClone({ ...object, metadata: { ...object.metadata, ...extra, resourceVersion: String(this.#version) } });
  }

  create(object: T, extra: Partial<T["metadata"]> = {}): T {
    const key = this.#key(object.metadata.namespace, object.metadata.name);
    if (this.#objects.has(key)) throw new KubeRequestError(`create ${this.kind} ${key}: HTTP 409 AlreadyExists`, 409, "AlreadyExists");
    const stored = this.#stamp(object, extra);
    this.#objects.set(key, { object: stored });
    return structuredClone(stored);
  }

  replace(object: T, extra: Partial<T["metadata"]> = {}): T {
    const key = this.#key(object.metadata.namespace, object.metadata.name);
    const existing = this.#objects.get(key);
    if (!existing) throw new KubeRequestError(`update ${this.kind} ${key}: HTTP 404 NotFound`, 404, "NotFound");
    const sent = object.metadata.resourceVersion;
    if (sent !== undefined && sent !== existing.object.metadata.resourceVersion) {
      throw new KubeRequestError(`update ${this.kind} ${key}: HTTP 409 Conflict: the object has been modified; please apply your changes to the latest version and try again`, 409, "Conflict");
    }
    const stored = this.#stamp(object, extra);
    this.#objects.set(key, { object: stored });
    return structuredClone(stored);
  }

  delete(namespace: string, name: string): void {
    this.#objects.delete(this.#key(namespace, name));
  }
}

export class MemoryConfigMapStore implements ConfigMapStore {
  readonly #map = new VersionedMap<ConfigMapObject>("ConfigMap");
  /** Called before each replace reaches the store: tests slip a concurrent edit in here. */
  beforeReplace: ((configMap: ConfigMapObject) => void) | undefined;
  /** Every write, in order, for assertions. */
  readonly writes: Array<{ op: "create" | "replace" | "delete"; namespace: string; name: string }> = [];

  constructor(private readonly manager = "trendmaster-forecaster") {}

  #managed(): Partial<ConfigMapObject["metadata"]> {
    return { managedFields: [{ manager: this.manager, operation: "Update", time: new Date().toISOString() }] };
  }

  async get(namespace: string, name: string): Promise<ConfigMapObject | undefined> {
    return this.#map.get(namespace, name);
  }

  async list(namespace: string, labelSelector: string): Promise<ConfigMapObject[]> {
    return this.#map.all(namespace).filter((cm) => matchesSelector(cm.metadata.labels, labelSelector));
  }

  async create(configMap: ConfigMapObject): Promise<ConfigMapObject> {
    const created = this.#map.create(configMap, this.#managed());
    this.writes.push({ op: "create", namespace: configMap.metadata.namespace, name: configMap.metadata.name });
    return created;
  }

  async replace(configMap: ConfigMapObject): Promise<ConfigMapObject> {
    const hook = this.beforeReplace;
    if (hook) hook(configMap);
    const replaced = this.#map.replace(configMap, this.#managed());
    this.writes.push({ op: "replace", namespace: configMap.metadata.namespace, name: configMap.metadata.name });
    return replaced;
  }

  async delete(namespace: string, name: string): Promise<void> {
    this.#map.delete(namespace, name);
    this.writes.push({ op: "delete", namespace, name });
  }

  /** Write as someone else would (a human with kubectl, ArgoCD): bypasses hooks and the write log. */
  putAs(manager: string, configMap: ConfigMapObject): ConfigMapObject {
    const extra = { managedFields: [{ manager, operation: "Update", time: new Date().toISOString() }] };
    const existing = this.#map.get(configMap.metadata.namespace, configMap.metadata.name);
    if (!existing) return this.#map.create(configMap, extra);
    return this.#map.replace({ ...configMap, metadata: { ...configMap.metadata, resourceVersion: existing.metadata.resourceVersion as string } }, extra);
  }
}

export class MemoryLeaseStore implements LeaseStore {
  readonly #map = new VersionedMap<LeaseObject>("Lease");

  async get(namespace: string, name: string): Promise<LeaseObject | undefined> {
    return this.#map.get(namespace, name);
  }

  async create(lease: LeaseObject): Promise<LeaseObject> {
    return this.#map.create(lease);
  }

  async replace(lease: LeaseObject): Promise<LeaseObject> {
    return this.#map.replace(lease);
  }
}
