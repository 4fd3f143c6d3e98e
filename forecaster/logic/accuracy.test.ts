import { coverage, mase, smape, throttleShare } from "./accuracy.js";

describe("accuracy measures", () => {
  it("MASE scales by the in-sample seasonal-naive error", () => {
    // training with season 2: |3-1| = 2, |4-2| = 2 -> scale 2; errors 1 and 3 -> 2 / 2 = 1
    expect(mase([10, 10], [9, 13], [1, 2, 3, 4], 2)).toBe(1);
  });

  it("sMAPE is 2|a - f| / (|a| + |f|), a double zero counting as 0", () => {
    expect(smape([100, 0, 50], [50, 0, 50])).toBeCloseTo((2 * 50) / 150 / 3, 12);
  });

  it("coverage counts points inside the interval, skipping missing actuals", () => {
    expect(coverage([1, 5, Number.NaN, 9], [0, 0, 0, 0], [4, 6, 6, 6])).toBeCloseTo(2 / 3, 12);
  });

  it("throttle share is the share of points above the limit", () => {
    expect(throttleShare([10, 20, 30, 40], 25)).toBe(0.5);
    expect(throttleShare([10, 25], 25)).toBe(0);
  });
});
