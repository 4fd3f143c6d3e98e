import { FakeClock } from "../../test/fakes/fake-clock.js";
import { StoreLeaseLock } from "./lease.js";
import { MemoryLeaseStore } from "../../test/fakes/memory-kube.js";

const settings = (identity: string) => ({ namespace: "trendmaster", name: "trendmaster-forecaster", identity, durationSeconds: 60, renewEverySeconds: 20 });

describe("StoreLeaseLock", () => {
  it("lets exactly one of two racing candidates hold the Lease, and the other take it after release", async () => {
    const store = new MemoryLeaseStore();
    const clock = new FakeClock(Date.parse("2026-11-26T12:00:00Z"));
    const a = new StoreLeaseLock(store, settings("a"), clock);
    const b = new StoreLeaseLock(store, settings("b"), clock);
    const [ra, rb] = await Promise.all([a.tryAcquire(), b.tryAcquire()]);
    expect([ra.acquired, rb.acquired].filter(Boolean)).toHaveLength(1);
    const winner = ra.acquired ? ra : rb;
    const loser = ra.acquired ? rb : ra;
    expect(loser.acquired === false && loser.holder).toBe(ra.acquired ? "a" : "b");
    if (winner.acquired) await winner.lease.release();
    const again = await (ra.acquired ? b : a).tryAcquire();
    expect(again.acquired).toBe(true);
    if (again.acquired) await again.lease.release();
  });

  it("takes over a Lease whose holder stopped renewing", async () => {
    const store = new MemoryLeaseStore();
    const clock = new FakeClock(Date.parse("2026-11-26T12:00:00Z"));
    const crashed = await new StoreLeaseLock(store, settings("crashed"), clock).tryAcquire();
    expect(crashed.acquired).toBe(true);
    clock.advance(30_000);
    expect((await new StoreLeaseLock(store, settings("b"), clock).tryAcquire()).acquired).toBe(false);
    clock.advance(31_000);
    const taken = await new StoreLeaseLock(store, settings("b"), clock).tryAcquire();
    expect(taken.acquired).toBe(true);
    expect((await store.get("trendmaster", "trendmaster-forecaster"))?.spec).toMatchObject({ holderIdentity: "b", leaseTransitions: 1 });
    if (taken.acquired) await taken.lease.release();
  });
});
