/**
 * Was ratelimit-config changed behind the webhook's back? The webhook stamps every write it
 * admits with an HMAC over the object, the data it let through and the time, keyed by a secret
 * only TrendMaster's containers hold; the forecaster stamps its own writes the same way. Data
 * without a valid stamp was written while the webhook was out of the path (failurePolicy Ignore
 * during an outage). A forged stamp, a stamp made for other data and no stamp are alike: unguarded.
 */
import { GUARDED_DIGEST_ANNOTATION } from "../../ratelimit/annotations.js";
import { configDataDigest } from "../../ratelimit/digest.js";
import { verifyGuardStamp, type StampKeyRing, type StampSubject } from "../../ratelimit/guard-stamp.js";
import type { ConfigMapObject } from "../io/configmaps.js";
import { lastWriter } from "./history.js";

export type GuardCheck =
  /** A valid stamp for exactly this data, or data already verified by an earlier cycle. */
  | { readonly status: "guarded"; readonly digest: string }
  /** Nothing was ever verified and the object carries no stamp of ours: the webhook has not guarded it yet (just installed). */
  | { readonly status: "unstamped"; readonly digest: string }
  /** No stamp key configured (guardStamp.keyFile): nothing can be verified. */
  | { readonly status: "unchecked"; readonly digest: string }
  | { readonly status: "unguarded"; readonly digest: string; readonly stamp: string; readonly writtenBy: string; readonly writtenAt: string };

/**
 * `lastGuardedDigest`: the data digest an earlier cycle verified (kept in the forecast cache). The
 * same data stays guarded once its stamp's key is retired, so a key rotation raises no alarm.
 */
export function checkGuarded(configMap: ConfigMapObject, keys: StampKeyRing | undefined, subject: StampSubject, lastGuardedDigest: string | undefined): GuardCheck {
  const digest = configDataDigest(configMap.data, configMap.binaryData);
  if (keys === undefined) return { status: "unchecked", digest };
  const stamp = configMap.metadata.annotations?.[GUARDED_DIGEST_ANNOTATION];
  const verdict = verifyGuardStamp(keys, subject, digest, stamp);
  if (verdict.valid || digest === lastGuardedDigest) return { status: "guarded", digest };
  // Before anything was ever verified, an absent stamp (or the unkeyed digest of earlier releases) means "not guarded yet".
  if (lastGuardedDigest === undefined && (stamp === undefined || stamp === digest)) return { status: "unstamped", digest };
  const writer = lastWriter(configMap.metadata.managedFields);
  return { status: "unguarded", digest, stamp: stamp ?? "(none)", writtenBy: writer.manager, writtenAt: writer.time };
}
