import { decideLeaseAcquire, formatMicroTime, releaseLease, renewLease } from "./lease-decision.js";

const NOW = Date.parse("2026-11-26T12:00:00.123Z");

describe("lease decisions", () => {
  it("formats MicroTime with six fractional digits, as the API server requires", () => {
    expect(formatMicroTime(NOW)).toBe("2026-11-26T12:00:00.123000Z");
  });

  it.each([
    ["takes a missing Lease", undefined, "take"],
    ["takes a released Lease", { holderIdentity: "", renewTime: formatMicroTime(NOW), leaseDurationSeconds: 60 }, "take"],
    ["takes an expired Lease", { holderIdentity: "b", renewTime: formatMicroTime(NOW - 61_000), leaseDurationSeconds: 60 }, "take"],
    ["leaves a live Lease to its holder", { holderIdentity: "b", renewTime: formatMicroTime(NOW - 30_000), leaseDurationSeconds: 60 }, "held"],
    ["re-takes its own Lease", { holderIdentity: "a", renewTime: formatMicroTime(NOW - 1000), leaseDurationSeconds: 60 }, "take"],
  ] as const)("%s", (_name, spec, kind) => {
    expect(decideLeaseAcquire(spec, "a", NOW, 60).kind).toBe(kind);
  });

  it("counts transitions when the holder changes", () => {
    const d = decideLeaseAcquire({ holderIdentity: "b", renewTime: formatMicroTime(NOW - 61_000), leaseDurationSeconds: 60, leaseTransitions: 4 }, "a", NOW, 60);
    expect(d.kind === "take" && d.spec.leaseTransitions).toBe(5);
  });

  it("renews and releases only its own Lease", () => {
    expect(renewLease({ holderIdentity: "b" }, "a", NOW)).toBeUndefined();
    expect(renewLease({ holderIdentity: "a" }, "a", NOW)?.renewTime).toBe(formatMicroTime(NOW));
    expect(releaseLease({ holderIdentity: "a", leaseDurationSeconds: 60 }, "a", NOW)).toMatchObject({ holderIdentity: "", leaseDurationSeconds: 1 });
    expect(releaseLease({ holderIdentity: "b" }, "a", NOW)).toBeUndefined();
  });
});
