// The stand-in's etcd: one global revision counter shared by every resource, objects keyed by
// resource/namespace/name, and an event history so a watch can resume from any resourceVersion.
import { randomUUID } from "node:crypto";
import { type KubeObject, canonicalJson, deepCopy, formatKubeTime } from "./objects.js";
import type { ResourceDefinition } from "./resources.js";
import { OPTIMISTIC_LOCK_MESSAGE, type Status, alreadyExists, conflict, gone, notFound } from "./status.js";

export type StoreResult = { object: KubeObject } | { status: Status };

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

/** One committed change; `previous` is the object before it (for MODIFIED and DELETED). */
export interface StoreEvent {
  type: WatchEventType;
  resource: ResourceDefinition;
  revision: number;
  object: KubeObject;
  previous: KubeObject | undefined;
}

export type StoreListener = (event: StoreEvent) => void;

interface Subscription {
  resource: ResourceDefinition;
  namespace: string | undefined;
  listener: StoreListener;
}

export interface WriteOptions {
  /** `?dryRun=All`: run every check, persist nothing, leave the revision alone. */
  dryRun: boolean;
}

function objectKey(resource: ResourceDefinition, namespace: string | undefined, name: string): string {
  return `${resource.group}/${resource.plural}/${namespace ?? ""}/${name}`;
}

export class ObjectStore {
  private revision = 1;
  private compactedRevision = 0;
  private readonly objects = new Map<string, KubeObject>();
  private readonly history: StoreEvent[] = [];
  private readonly subscriptions = new Set<Subscription>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  /** The latest committed revision, which a list returns as its resourceVersion. */
  currentRevision(): number {
    return this.revision;
  }

  get(resource: ResourceDefinition, namespace: string | undefined, name: string): KubeObject | undefined {
    const stored = this.objects.get(objectKey(resource, namespace, name));
    return stored === undefined ? undefined : deepCopy(stored);
  }

  /** All objects of a resource, in one namespace or all, sorted by namespace then name like etcd keys. */
  list(resource: ResourceDefinition, namespace: string | undefined): KubeObject[] {
    const prefix = `${resource.group}/${resource.plural}/${namespace === undefined ? "" : `${namespace}/`}`;
    return [...this.objects.entries()]
      .filter(([key]) => key.startsWith(prefix))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, object]) => deepCopy(object));
  }

  create(resource: ResourceDefinition, object: KubeObject, options: WriteOptions): StoreResult {
    const name = object.metadata.name ?? "";
    const key = objectKey(resource, object.metadata.namespace, name);
    if (this.objects.has(key)) return { status: alreadyExists(resource, name) };
    const created = deepCopy(object);
    created.metadata.uid = randomUUID();
    created.metadata.creationTimestamp = formatKubeTime(this.now());
    if (options.dryRun) {
      delete created.metadata.resourceVersion;
      return { object: created };
    }
    return { object: this.commit("ADDED", resource, key, created, undefined) };
  }

  /**
   * Compare-and-swap on resourceVersion, as etcd's transaction in GuaranteedUpdate:
   * the write lands only if the stored object still has `expectedResourceVersion`.
   */
  update(resource: ResourceDefinition, object: KubeObject, expectedResourceVersion: string, options: WriteOptions): StoreResult {
    const name = object.metadata.name ?? "";
    const key = objectKey(resource, object.metadata.namespace, name);
    const current = this.objects.get(key);
    if (current === undefined) return { status: notFound(resource, name) };
    if (current.metadata.resourceVersion !== expectedResourceVersion) {
      return { status: conflict(resource, name, OPTIMISTIC_LOCK_MESSAGE) };
    }
    const updated = deepCopy(object);
    // Identity fields are the server's, whatever the client sent.
    updated.metadata.uid = current.metadata.uid;
    updated.metadata.creationTimestamp = current.metadata.creationTimestamp;
    if (options.dryRun) {
      updated.metadata.resourceVersion = current.metadata.resourceVersion;
      return { object: updated };
    }
    // A no-op update does not bump the revision or emit an event (the apiserver skips the write).
    updated.metadata.resourceVersion = current.metadata.resourceVersion;
    if (canonicalJson(updated) === canonicalJson(current)) {
      return { object: deepCopy(current) };
    }
    return { object: this.commit("MODIFIED", resource, key, updated, current) };
  }

  delete(resource: ResourceDefinition, namespace: string | undefined, name: string, options: WriteOptions): StoreResult {
    const key = objectKey(resource, namespace, name);
    const current = this.objects.get(key);
    if (current === undefined) return { status: notFound(resource, name) };
    if (options.dryRun) return { object: deepCopy(current) };
    const deleted = deepCopy(current);
    return { object: this.commit("DELETED", resource, key, deleted, current) };
  }

  /**
   * Replays every event after `sinceRevision`, then streams new ones, for one resource in one
   * namespace (or all). Returns the function that stops the subscription.
   */
  watch(
    resource: ResourceDefinition,
    namespace: string | undefined,
    sinceRevision: number,
    listener: StoreListener,
  ): { stop: () => void } | { status: Status } {
    if (sinceRevision < this.compactedRevision) {
      return { status: gone(`too old resource version: ${sinceRevision} (${this.compactedRevision})`) };
    }
    const subscription: Subscription = { resource, namespace, listener };
    for (const event of this.history) {
      if (event.revision > sinceRevision && this.concerns(subscription, event)) listener(event);
    }
    this.subscriptions.add(subscription);
    return { stop: () => this.subscriptions.delete(subscription) };
  }

  /** Forgets the event history, as etcd compaction does: older watches then get 410 Gone. */
  compact(): void {
    this.compactedRevision = this.revision;
    this.history.length = 0;
  }

  private concerns(subscription: Subscription, event: StoreEvent): boolean {
    if (subscription.resource !== event.resource) return false;
    return subscription.namespace === undefined || subscription.namespace === event.object.metadata.namespace;
  }

  private commit(type: WatchEventType, resource: ResourceDefinition, key: string, object: KubeObject, previous: KubeObject | undefined): KubeObject {
    this.revision += 1;
    object.metadata.resourceVersion = String(this.revision);
    if (type === "DELETED") this.objects.delete(key);
    else this.objects.set(key, object);
    const event: StoreEvent = { type, resource, revision: this.revision, object: deepCopy(object), previous };
    this.history.push(event);
    for (const subscription of this.subscriptions) {
      if (this.concerns(subscription, event)) subscription.listener(event);
    }
    return deepCopy(object);
  }
}
