/**
 * Who may hold the forecaster's Lease: pure decisions over the Lease's spec, so the race between
 * replicas and Jobs is tested without a server. The API server's resourceVersion check makes the
 * decision safe: two candidates may both decide "take", only one update wins.
 */

/** coordination.k8s.io/v1 LeaseSpec, times as RFC 3339 strings with microseconds. */
export interface LeaseSpec {
  readonly holderIdentity?: string;
  readonly leaseDurationSeconds?: number;
  readonly acquireTime?: string;
  readonly renewTime?: string;
  readonly leaseTransitions?: number;
}

export type LeaseDecision =
  | { readonly kind: "take"; readonly spec: LeaseSpec }
  | { readonly kind: "held"; readonly holder: string; readonly expiresAtMs: number };

/** MicroTime as the API server parses it: exactly six fractional digits (Date has milliseconds). */
export function formatMicroTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}

/** When the current holder's claim ends; 0 when nobody holds it. */
export function leaseExpiresAtMs(spec: LeaseSpec | undefined): number {
  if (!spec?.holderIdentity) return 0;
  const renewed = Date.parse(spec.renewTime ?? spec.acquireTime ?? "");
  if (Number.isNaN(renewed)) return 0;
  return renewed + (spec.leaseDurationSeconds ?? 0) * 1000;
}

/** Take the Lease when it is free, expired or already ours; otherwise say who holds it until when. */
export function decideLeaseAcquire(current: LeaseSpec | undefined, identity: string, nowMs: number, durationSeconds: number): LeaseDecision {
  const holder = current?.holderIdentity ?? "";
  const expiresAtMs = leaseExpiresAtMs(current);
  if (holder !== "" && holder !== identity && expiresAtMs > nowMs) return { kind: "held", holder, expiresAtMs };
  const now = formatMicroTime(nowMs);
  const transitions = current?.leaseTransitions ?? 0;
  const ours = holder === identity;
  return {
    kind: "take",
    spec: {
      holderIdentity: identity,
      leaseDurationSeconds: durationSeconds,
      acquireTime: ours && current?.acquireTime ? current.acquireTime : now,
      renewTime: now,
      leaseTransitions: ours || holder === "" ? transitions : transitions + 1,
    },
  };
}

/** The renewed spec, or undefined when the Lease is no longer ours (someone took it over). */
export function renewLease(current: LeaseSpec | undefined, identity: string, nowMs: number): LeaseSpec | undefined {
  if (current?.holderIdentity !== identity) return undefined;
  return { ...current, renewTime: formatMicroTime(nowMs) };
}

/** The spec that hands the Lease back: no holder, so the next candidate need not wait for expiry. */
export function releaseLease(current: LeaseSpec | undefined, identity: string, nowMs: number): LeaseSpec | undefined {
  if (current?.holderIdentity !== identity) return undefined;
  return { ...current, holderIdentity: "", leaseDurationSeconds: 1, renewTime: formatMicroTime(nowMs) };
}
