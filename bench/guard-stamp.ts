/**
 * What the guard stamp costs per admitted write: one HMAC-SHA256 sign (webhook) and one verify
 * (forecaster), beside a webhook review's 1–5 ms. Run: npm run build && node dist/bench/guard-stamp.js
 */
import { parseStampKeyRing, signGuardStamp, verifyGuardStamp } from "../ratelimit/guard-stamp.js";

const parsed = parseStampKeyRing("bench-stamp-key-0123456789abcdef0123456789abcdef\nretired-stamp-key-fedcba9876543210fedcba98765432\n");
if (!parsed.ok) throw new Error(parsed.problem);
const ring = parsed.ring;
const subject = { namespace: "istio-system", name: "ratelimit-config" };
const digest = `sha256:${"ab".repeat(32)}`;
const rounds = 200_000;

function perCallMicros(run: (i: number) => unknown): number {
  for (let i = 0; i < rounds / 10; i++) run(i); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) run(i);
  return Number(process.hrtime.bigint() - start) / rounds / 1000;
}

const stamp = signGuardStamp(ring, subject, digest, Date.UTC(2026, 10, 26));
if (!verifyGuardStamp(ring, subject, digest, stamp).valid) throw new Error("bench stamp does not verify");
const sign = perCallMicros((i) => signGuardStamp(ring, subject, digest, i * 1000));
const verify = perCallMicros(() => verifyGuardStamp(ring, subject, digest, stamp));
const forged = perCallMicros(() => verifyGuardStamp(ring, subject, digest, digest));
console.log(`guard stamp over ${rounds} calls each: sign ${sign.toFixed(2)} µs, verify ${verify.toFixed(2)} µs, refuse a forged digest ${forged.toFixed(2)} µs`);
