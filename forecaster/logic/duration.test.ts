import { parseDurationSeconds } from "./duration.js";

describe("parseDurationSeconds", () => {
  it.each([
    ["5m", 300], ["30s", 30], ["1h", 3600], ["21d", 1_814_400], ["2w", 1_209_600], ["1h30m", 5400],
    ["", undefined], ["5", undefined], ["5x", undefined], ["0m", undefined], ["m5", undefined], ["5m junk", undefined],
  ])("%s", (text, expected) => expect(parseDurationSeconds(text)).toBe(expected));
});
