/**
 * The coordination.k8s.io Lease that lets one cycle run at a time across every forecaster replica
 * and Job. Held for the length of a cycle, renewed while it runs, handed back at the end.
 */
import { ApiException, CoordinationV1Api, type KubeConfig, type V1Lease } from "@kubernetes/client-node";
import { decideLeaseAcquire, releaseLease, renewLease, type LeaseSpec } from "../logic/lease-decision.js";
import type { Clock } from "./clock.js";
import { configMapRef, isConflict, kubeError, type ObjectMeta } from "./configmaps.js";

export interface LeaseObject {
  readonly metadata: ObjectMeta;
  readonly spec: LeaseSpec;
}

export interface LeaseStore {
  get(namespace: string, name: string): Promise<LeaseObject | undefined>;
  /** Throws a 409 KubeRequestError when it already exists. */
  create(lease: LeaseObject): Promise<LeaseObject>;
  /** Throws a 409 KubeRequestError when metadata.resourceVersion is stale. */
  replace(lease: LeaseObject): Promise<LeaseObject>;
}

function timeText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return value instanceof Date ? value.toISOString() : String(value);
}

function fromV1Lease(lease: V1Lease, namespace: string): LeaseObject {
  const meta = lease.metadata ?? {};
  const spec = lease.spec ?? {};
  const acquireTime = timeText(spec.acquireTime);
  const renewTime = timeText(spec.renewTime);
  return {
    metadata: { name: meta.name ?? "", namespace: meta.namespace ?? namespace, ...(meta.resourceVersion !== undefined ? { resourceVersion: meta.resourceVersion } : {}) },
    spec: {
      ...(spec.holderIdentity !== undefined ? { holderIdentity: spec.holderIdentity } : {}),
      ...(spec.leaseDurationSeconds !== undefined ? { leaseDurationSeconds: spec.leaseDurationSeconds } : {}),
      ...(acquireTime !== undefined ? { acquireTime } : {}),
      ...(renewTime !== undefined ? { renewTime } : {}),
      ...(spec.leaseTransitions !== undefined ? { leaseTransitions: spec.leaseTransitions } : {}),
    },
  };
}

function toV1Lease(lease: LeaseObject): V1Lease {
  const m = lease.metadata;
  // MicroTime fields go out as the strings formatMicroTime made (six fractional digits): client-node
  // passes values of its unknown V1MicroTime type through untouched, and a Date would print three.
  const spec = { ...lease.spec } as unknown as NonNullable<V1Lease["spec"]>;
  return {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: { name: m.name, namespace: m.namespace, ...(m.resourceVersion !== undefined ? { resourceVersion: m.resourceVersion } : {}) },
    spec,
  };
}

export class KubeLeaseStore implements LeaseStore {
  readonly #api: CoordinationV1Api;
  constructor(kubeConfig: KubeConfig) {
    this.#api = kubeConfig.makeApiClient(CoordinationV1Api);
  }

  async get(namespace: string, name: string): Promise<LeaseObject | undefined> {
    try {
      return fromV1Lease(await this.#api.readNamespacedLease({ namespace, name }), namespace);
    } catch (error) {
      if (error instanceof ApiException && error.code === 404) return undefined;
      throw kubeError(`read Lease ${configMapRef(namespace, name)}`, error);
    }
  }

  async create(lease: LeaseObject): Promise<LeaseObject> {
    const { namespace, name } = lease.metadata;
    try {
      return fromV1Lease(await this.#api.createNamespacedLease({ namespace, body: toV1Lease(lease) }), namespace);
    } catch (error) {
      throw kubeError(`create Lease ${configMapRef(namespace, name)}`, error);
    }
  }

  async replace(lease: LeaseObject): Promise<LeaseObject> {
    const { namespace, name } = lease.metadata;
    try {
      return fromV1Lease(await this.#api.replaceNamespacedLease({ namespace, name, body: toV1Lease(lease) }), namespace);
    } catch (error) {
      throw kubeError(`update Lease ${configMapRef(namespace, name)}`, error);
    }
  }
}

export interface LeaseSettings {
  readonly namespace: string;
  readonly name: string;
  /** Unique per process: pod name plus a random suffix. */
  readonly identity: string;
  readonly durationSeconds: number;
  /** How often the holder renews; well under durationSeconds. */
  readonly renewEverySeconds: number;
}

/** A Lease this process holds. `lost` aborts when it can no longer prove it still holds it. */
export interface HeldLease {
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

export type AcquireResult = { readonly acquired: true; readonly lease: HeldLease } | { readonly acquired: false; readonly holder: string; readonly expiresAtMs: number };

/** Runs at most one cycle at a time across processes sharing the Lease. */
export interface LeaseLock {
  tryAcquire(): Promise<AcquireResult>;
}

export class StoreLeaseLock implements LeaseLock {
  constructor(
    private readonly store: LeaseStore,
    private readonly settings: LeaseSettings,
    private readonly clock: Clock,
    private readonly onRenewError: (error: Error) => void = () => {},
  ) {}

  async tryAcquire(): Promise<AcquireResult> {
    const { namespace, name, identity, durationSeconds } = this.settings;
    const current = await this.store.get(namespace, name);
    const decision = decideLeaseAcquire(current?.spec, identity, this.clock.now().getTime(), durationSeconds);
    if (decision.kind === "held") return { acquired: false, holder: decision.holder, expiresAtMs: decision.expiresAtMs };
    try {
      const written = current
        ? await this.store.replace({ metadata: current.metadata, spec: decision.spec })
        : await this.store.create({ metadata: { namespace, name }, spec: decision.spec });
      return { acquired: true, lease: this.#hold(written) };
    } catch (error) {
      if (!isConflict(error)) throw error;
      // Another candidate wrote first: it holds the Lease now.
      const winner = await this.store.get(namespace, name);
      return { acquired: false, holder: winner?.spec.holderIdentity ?? "another forecaster", expiresAtMs: 0 };
    }
  }

  #hold(initial: LeaseObject): HeldLease {
    const { namespace, name, identity, durationSeconds, renewEverySeconds } = this.settings;
    const controller = new AbortController();
    let latest = initial;
    let lastRenewMs = this.clock.now().getTime();
    let renewing: Promise<void> = Promise.resolve();
    const renew = async (): Promise<void> => {
      try {
        const current = latest.metadata.resourceVersion !== undefined ? latest : await this.store.get(namespace, name);
        let spec = renewLease(current?.spec, identity, this.clock.now().getTime());
        let base = current;
        try {
          if (spec === undefined || base === undefined) throw new Error("lost");
          latest = await this.store.replace({ metadata: base.metadata, spec });
        } catch (error) {
          if (!isConflict(error) && (error as Error).message !== "lost") throw error;
          base = await this.store.get(namespace, name);
          spec = renewLease(base?.spec, identity, this.clock.now().getTime());
          if (spec === undefined || base === undefined) {
            controller.abort(new Error(`Lease ${namespace}/${name} was taken over by ${base?.spec.holderIdentity || "nobody"}`));
            return;
          }
          latest = await this.store.replace({ metadata: base.metadata, spec });
        }
        lastRenewMs = this.clock.now().getTime();
      } catch (error) {
        this.onRenewError(error as Error);
        if (this.clock.now().getTime() - lastRenewMs >= durationSeconds * 1000) {
          controller.abort(new Error(`Lease ${namespace}/${name} could not be renewed for ${durationSeconds}s: ${(error as Error).message}`));
        }
      }
    };
    const timer = setInterval(() => {
      renewing = renewing.then(renew);
    }, renewEverySeconds * 1000);
    timer.unref();
    return {
      lost: controller.signal,
      release: async () => {
        clearInterval(timer);
        await renewing;
        if (controller.signal.aborted) return;
        const current = await this.store.get(namespace, name);
        const spec = releaseLease(current?.spec, identity, this.clock.now().getTime());
        if (spec === undefined || current === undefined) return;
        try {
          await this.store.replace({ metadata: current.metadata, spec });
        } catch (error) {
          // A conflict means someone else moved it; the Lease expires on its own otherwise.
          if (!isConflict(error)) throw error;
        }
      },
    };
  }
}
