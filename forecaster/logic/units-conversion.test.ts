import { roundUpSignificant, stepToUnit } from "./units-conversion.js";

describe("roundUpSignificant", () => {
  it.each([
    ["rounds up to two significant digits", 1234, 1300],
    ["keeps a number that already has two", 1300, 1300],
    ["carries into the next power of ten", 99.1, 100],
    ["rounds a small fraction up to an integer", 7.2, 8],
    ["turns anything above 10 into the next integer", 10.01, 11],
    ["never rounds a positive value to zero", 0.3, 1],
    ["keeps zero at zero", 0, 0],
    ["rounds 12.5 up", 12.5, 13],
    ["handles millions", 4_321_000, 4_400_000],
  ])("%s", (_name, value, expected) => expect(roundUpSignificant(value)).toBe(expected));
});

describe("stepToUnit", () => {
  it.each([
    ["5-minute counts to a per-minute limit: a fifth, times the burst factor", 300, 60, 2, 0.4, true, false],
    ["same length: unchanged", 300, 300, 2, 1, false, false],
    ["1-minute counts to a per-hour limit: the peak rate held for the hour", 60, 3600, 2, 60, false, true],
    ["5-minute counts to a per-second limit", 300, 1, 3, 0.01, true, false],
  ])("%s", (_name, step, unit, burst, factor, burstApplied, extrapolated) => {
    const conversion = stepToUnit(step, unit, burst);
    expect(conversion.factor).toBeCloseTo(factor, 12);
    expect(conversion.burstFactorApplied).toBe(burstApplied);
    expect(conversion.extrapolated).toBe(extrapolated);
  });
});
