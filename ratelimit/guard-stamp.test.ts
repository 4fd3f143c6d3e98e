import { parseStampKeyRing, signGuardStamp, verifyGuardStamp, type StampKeyRing } from "./guard-stamp.js";
import { configDataDigest } from "./digest.js";

const OLD_KEY = "old-key-0123456789abcdef0123456789abcdef";
const NEW_KEY = "new-key-fedcba9876543210fedcba9876543210";
const SUBJECT = { namespace: "istio-system", name: "ratelimit-config" };
const AT = Date.UTC(2026, 10, 26, 14, 0, 0);

function ring(text: string): StampKeyRing {
  const parsed = parseStampKeyRing(text);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.ring;
}

describe("guard stamp", () => {
  const digest = configDataDigest({ "config.yaml": "domain: edge\n" });

  it("verifies a stamp made by the same key for the same object and data, with its time", () => {
    const stamp = signGuardStamp(ring(OLD_KEY), SUBJECT, digest, AT + 999);
    expect(verifyGuardStamp(ring(OLD_KEY), SUBJECT, digest, stamp)).toEqual({ valid: true, keyId: ring(OLD_KEY).signing.id, signedAtMs: AT });
  });

  it.each([
    ["no stamp", undefined, "missing"],
    ["the plain sha256 digest a writer can compute", digest, "malformed"],
    ["a stamp made with a key the ring does not hold", signGuardStamp(ring(NEW_KEY), SUBJECT, digest, AT), "unknown-key"],
    ["a stamp made for other data", signGuardStamp(ring(OLD_KEY), SUBJECT, configDataDigest({ "config.yaml": "domain: other\n" }), AT), "mismatch"],
    ["a stamp made for another object", signGuardStamp(ring(OLD_KEY), { namespace: "istio-system", name: "other" }, digest, AT), "mismatch"],
    ["a stamp whose time was changed", signGuardStamp(ring(OLD_KEY), SUBJECT, digest, AT).replace(/:(\d+):/, (_m, s: string) => `:${Number(s) + 1}:`), "mismatch"],
  ])("refuses %s", (_name, stamp, why) => {
    expect(verifyGuardStamp(ring(OLD_KEY), SUBJECT, digest, stamp)).toEqual({ valid: false, why });
  });

  it("a ring signs with its first key and verifies with all (rotation)", () => {
    const before = signGuardStamp(ring(OLD_KEY), SUBJECT, digest, AT);
    const rotated = ring(`${NEW_KEY}\n${OLD_KEY}\n`);
    expect(verifyGuardStamp(rotated, SUBJECT, digest, before).valid).toBe(true);
    const after = signGuardStamp(rotated, SUBJECT, digest, AT);
    expect(after).not.toBe(before);
    expect(verifyGuardStamp(ring(NEW_KEY), SUBJECT, digest, after).valid).toBe(true);
  });

  it.each([
    ["an empty file", "\n# only a comment\n", "holds no key (one key per line, the first one signs)"],
    ["a short key", `${OLD_KEY}\nshort\n`, "key 2 is 5 characters long; at least 32 are needed"],
  ])("refuses a key file with %s, without quoting the key", (_name, text, problem) => {
    expect(parseStampKeyRing(text)).toEqual({ ok: false, problem });
  });
});
