import { readFile } from "node:fs/promises";
import { GUARDED_DIGEST_ANNOTATION } from "../../ratelimit/annotations.js";
import { configDataDigest } from "../../ratelimit/digest.js";
import { parseStampKeyRing, verifyGuardStamp, type StampVerdict } from "../../ratelimit/guard-stamp.js";

/** What the stored ratelimit-config's guarded-digest stamp is worth under the key ring in `keyFile`. */
export async function storedStampVerdict(keyFile: string, stored: { readonly data: Readonly<Record<string, string>>; readonly annotations: Readonly<Record<string, string>> }): Promise<StampVerdict> {
  const ring = parseStampKeyRing(await readFile(keyFile, "utf8"));
  if (!ring.ok) throw new Error(`stamp key file ${keyFile}: ${ring.problem}`);
  return verifyGuardStamp(ring.ring, { namespace: "istio-system", name: "ratelimit-config" }, configDataDigest(stored.data), stored.annotations[GUARDED_DIGEST_ANNOTATION]);
}
