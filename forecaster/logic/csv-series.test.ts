import { seriesFromCsvPoints } from "./csv-series.js";

const T0 = Date.UTC(2026, 0, 5);
const rows: [number, number][] = [[T0 + 120_000, 3], [T0, 1], [T0 + 60_000, 2], [T0 + 300_000, 6]];

describe("seriesFromCsvPoints", () => {
  it("keeps the rows, sorted, with their most common spacing as the step", () => {
    const s = seriesFromCsvPoints("k", rows);
    expect(s.stepSeconds).toBe(60);
    expect(s.samples.map((x) => x.value)).toEqual([1, 2, 3, 6]);
  });

  it("sums the rows onto a coarser grid when a step is given", () => {
    const s = seriesFromCsvPoints("k", rows, 120);
    expect(s.stepSeconds).toBe(120);
    // grid points T0, T0+2m, T0+4m hold the rows in (t - 2m, t]: 1 | 2+3 | NaN; T0+6m: 6
    expect(s.samples.map((x) => x.value)).toEqual([1, 5, Number.NaN, 6]);
  });
});
