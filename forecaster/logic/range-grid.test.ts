import { gridPointCount, placeOnGrid, splitRange } from "./range-grid.js";

const MINUTE = 60_000;

describe("gridPointCount", () => {
  it.each([
    ["exact multiple", { startMs: 0, endMs: 10 * MINUTE, stepSeconds: 60 }, 10],
    ["partial last step still has a point", { startMs: 0, endMs: 10 * MINUTE + 1, stepSeconds: 60 }, 11],
    ["empty range", { startMs: 5, endMs: 5, stepSeconds: 60 }, 0],
    ["14 days at 1 minute", { startMs: 0, endMs: 14 * 1440 * MINUTE, stepSeconds: 60 }, 20_160],
  ])("%s", (_name, range, expected) => expect(gridPointCount(range)).toBe(expected));
});

describe("splitRange", () => {
  it.each([
    ["fits in one request", 10, 11_000, [[0, 10]]],
    ["exactly the limit", 11_000, 11_000, [[0, 11_000]]],
    ["one point over", 11_001, 11_000, [[0, 11_000], [11_000, 1]]],
    ["14 days at 1 minute", 20_160, 11_000, [[0, 11_000], [11_000, 9_160]]],
    ["small limit", 7, 3, [[0, 3], [3, 3], [6, 1]]],
    ["nothing to fetch", 0, 3, []],
  ])("%s", (_name, points, maxPoints, expected) => {
    const range = { startMs: 1_000 * MINUTE, endMs: (1_000 + points) * MINUTE, stepSeconds: 60 };
    const chunks = splitRange(range, maxPoints);
    expect(chunks.map((c) => [c.firstIndex, c.points])).toEqual(expected);
    for (const c of chunks) {
      expect(c.startMs).toBe(range.startMs + c.firstIndex * MINUTE);
      expect((c.endMs - c.startMs) / MINUTE).toBe(c.points - 1);
      expect(c.points).toBeLessThanOrEqual(maxPoints);
    }
  });
});

describe("placeOnGrid", () => {
  it("fills grid points, leaves gaps NaN and counts points off the grid", () => {
    const range = { startMs: 0, endMs: 4 * MINUTE, stepSeconds: 60 };
    const placed = placeOnGrid(range, [{ timestampsMs: [0, 2 * MINUTE], values: [1, 3] }, { timestampsMs: [30_000, 4 * MINUTE], values: [9, 9] }]);
    expect(placed.samples.map((s) => s.timestampMs)).toEqual([0, MINUTE, 2 * MINUTE, 3 * MINUTE]);
    expect(placed.samples.map((s) => s.value)).toEqual([1, Number.NaN, 3, Number.NaN]);
    expect(placed.offGrid).toBe(2);
    expect(placed.filled).toBe(2);
  });
});
