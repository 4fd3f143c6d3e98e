import { humanDuration } from "./table.js";

describe("humanDuration, as kubectl's AGE column shows it", () => {
  it.each([
    ["seconds under two minutes", 119_000, "119s"],
    ["minutes and seconds under ten minutes", 301_000, "5m1s"],
    ["whole minutes under three hours", 90 * 60_000, "90m"],
    ["hours and minutes under eight hours", (5 * 60 + 7) * 60_000, "5h7m"],
    ["days and hours under eight days", (3 * 24 + 2) * 3_600_000, "3d2h"],
    ["a clock slightly behind", -500, "0s"],
  ])("%s", (_name, milliseconds, expected) => expect(humanDuration(milliseconds)).toBe(expected));
});
