/**
 * The guarded-digest stamp: an HMAC-SHA256 over the object's identity, its data digest and the
 * time, keyed by a secret only TrendMaster's containers hold (a mounted Secret file). A writer
 * who can set annotations but not read that file cannot make a stamp the forecaster accepts.
 *
 * Stamp: `v1:<key id>:<unix seconds>:<hex mac>`. The key id (a hash of the key, not the key)
 * names which key of the ring signed, so a rotation is verified against the right one.
 */
import { createHash, createHmac, timingSafeEqual } from "node:crypto";

export interface StampKey {
  readonly id: string;
  readonly secret: Buffer;
}

/** The first key signs; every key verifies (the previous one stays during a rotation). */
export interface StampKeyRing {
  readonly signing: StampKey;
  readonly keys: readonly StampKey[];
}

export interface StampSubject {
  readonly namespace: string;
  readonly name: string;
}

/** Shorter keys are refused: the stamp is only as strong as its key. */
export const MIN_STAMP_KEY_CHARS = 32;

const STAMP_PATTERN = /^v1:([0-9a-f]{12}):(\d{1,12}):([0-9a-f]{64})$/;

function keyOf(text: string): StampKey {
  const secret = Buffer.from(text, "utf8");
  return { id: createHash("sha256").update("trendmaster guard stamp key\n").update(secret).digest("hex").slice(0, 12), secret };
}

/**
 * A key file: one key per line (blank lines and `#` comments skipped), the first one signs.
 * Returns a problem naming what is wrong, never the key itself.
 */
export function parseStampKeyRing(text: string): { ok: true; ring: StampKeyRing } | { ok: false; problem: string } {
  const lines = text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== "" && !line.startsWith("#"));
  if (lines.length === 0) return { ok: false, problem: "holds no key (one key per line, the first one signs)" };
  const short = lines.findIndex((line) => line.length < MIN_STAMP_KEY_CHARS);
  if (short >= 0) return { ok: false, problem: `key ${short + 1} is ${lines[short]?.length} characters long; at least ${MIN_STAMP_KEY_CHARS} are needed` };
  const keys = lines.map(keyOf);
  return { ok: true, ring: { signing: keys[0] as StampKey, keys } };
}

function mac(key: StampKey, subject: StampSubject, digest: string, unixSeconds: number): string {
  return createHmac("sha256", key.secret).update(`trendmaster.io/guarded-digest v1\n${subject.namespace}/${subject.name}\n${digest}\n${unixSeconds}`).digest("hex");
}

export function signGuardStamp(ring: StampKeyRing, subject: StampSubject, digest: string, atMs: number): string {
  const unixSeconds = Math.max(0, Math.floor(atMs / 1000));
  return `v1:${ring.signing.id}:${unixSeconds}:${mac(ring.signing, subject, digest, unixSeconds)}`;
}

export type StampVerdict =
  | { readonly valid: true; readonly keyId: string; readonly signedAtMs: number }
  | { readonly valid: false; readonly why: "missing" | "malformed" | "unknown-key" | "mismatch" };

/** Whether `stamp` was made by a key of the ring for exactly this object and data. */
export function verifyGuardStamp(ring: StampKeyRing, subject: StampSubject, digest: string, stamp: string | undefined): StampVerdict {
  if (stamp === undefined || stamp === "") return { valid: false, why: "missing" };
  const match = STAMP_PATTERN.exec(stamp);
  if (!match) return { valid: false, why: "malformed" };
  const [, keyId, seconds, given] = match as unknown as [string, string, string, string];
  const key = ring.keys.find((k) => k.id === keyId);
  if (!key) return { valid: false, why: "unknown-key" };
  const expected = Buffer.from(mac(key, subject, digest, Number(seconds)), "hex");
  if (!timingSafeEqual(expected, Buffer.from(given, "hex"))) return { valid: false, why: "mismatch" };
  return { valid: true, keyId, signedAtMs: Number(seconds) * 1000 };
}
