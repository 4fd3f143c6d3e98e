import { BodyPool } from "./body-reader.js";

describe("body pool", () => {
  it("lends buffers of the asked length and reuses what comes back", () => {
    const pool = new BodyPool();
    const first = pool.acquire(100_000);
    expect(first.length).toBe(100_000);
    pool.release(first);
    const second = pool.acquire(90_000);
    expect(second.length).toBe(90_000);
    expect(second.buffer).toBe(first.buffer);
    // Lent out again: a third body gets its own memory.
    expect(pool.acquire(90_000).buffer).not.toBe(first.buffer);
  });

  it("takes back only what it lent, once", () => {
    const pool = new BodyPool();
    const slab = Buffer.from("a small buffer on Node's shared slab");
    pool.release(slab);
    const lent = pool.acquire(10);
    expect(lent.buffer).not.toBe(slab.buffer);
    pool.release(lent);
    pool.release(lent);
    expect(pool.acquire(10).buffer).toBe(lent.buffer);
    expect(pool.acquire(10).buffer).not.toBe(lent.buffer);
  });

  it("keeps at most maxFreeBytes", () => {
    const pool = new BodyPool(150_000);
    const [a, b] = [pool.acquire(100_000), pool.acquire(100_000)];
    pool.release(a);
    pool.release(b);
    expect(pool.acquire(100_000).buffer).toBe(a.buffer);
    expect(pool.acquire(100_000).buffer).not.toBe(b.buffer);
  });
});
