/**
 * Was ratelimit-config changed behind the webhook's back? The webhook stamps every write it
 * admits with the digest of the data it let through; data that does not match its stamp was
 * written while the webhook was out of the path (failurePolicy Ignore during an outage).
 */
import { GUARDED_DIGEST_ANNOTATION } from "../../ratelimit/annotations.js";
import { configDataDigest } from "../../ratelimit/digest.js";
import type { ConfigMapObject } from "../io/configmaps.js";
import { lastWriter } from "./history.js";
import { APPLIED_DIGEST_ANNOTATION } from "./write-annotations.js";

export type GuardCheck =
  /** Data matches the webhook's stamp. */
  | { readonly status: "guarded"; readonly digest: string }
  /** No stamp at all: the webhook has never admitted a write of this object (not installed yet). */
  | { readonly status: "unstamped"; readonly digest: string }
  /** TrendMaster wrote this data itself (the webhook may have been down for that write). */
  | { readonly status: "own-write"; readonly digest: string }
  | { readonly status: "unguarded"; readonly digest: string; readonly stamp: string; readonly writtenBy: string; readonly writtenAt: string };

export function checkGuarded(configMap: ConfigMapObject): GuardCheck {
  const digest = configDataDigest(configMap.data, configMap.binaryData);
  const annotations = configMap.metadata.annotations ?? {};
  const stamp = annotations[GUARDED_DIGEST_ANNOTATION];
  if (stamp === undefined) return { status: "unstamped", digest };
  if (stamp === digest) return { status: "guarded", digest };
  if (annotations[APPLIED_DIGEST_ANNOTATION] === digest) return { status: "own-write", digest };
  const writer = lastWriter(configMap.metadata.managedFields);
  return { status: "unguarded", digest, stamp, writtenBy: writer.manager, writtenAt: writer.time };
}
