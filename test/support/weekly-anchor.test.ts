import { latestTimeOfWeek, THURSDAY_AFTERNOON } from "./weekly-anchor.js";

describe("latestTimeOfWeek", () => {
  it.each([
    ["a Saturday night", "2026-12-05T23:44:00Z", "2026-12-03T14:40:00.000Z"],
    ["a Monday morning", "2026-12-07T07:49:00Z", "2026-12-03T14:40:00.000Z"],
    ["the Thursday just before", "2026-12-03T14:39:59Z", "2026-11-26T14:40:00.000Z"],
    ["the instant itself", "2026-12-03T14:40:00Z", "2026-12-03T14:40:00.000Z"],
    ["the epoch's week", "1970-01-02T00:00:00Z", "1970-01-01T14:40:00.000Z"],
  ])("on %s", (_name, now, expected) => expect(new Date(latestTimeOfWeek(Date.parse(now), THURSDAY_AFTERNOON)).toISOString()).toBe(expected));

  it("lands on the asked weekday and time for every hour of a fortnight", () => {
    const start = Date.parse("2026-11-30T00:00:00Z");
    for (let h = 0; h < 24 * 14; h++) {
      const now = start + h * 3_600_000;
      const at = new Date(latestTimeOfWeek(now, { weekday: 0, hour: 22, minute: 5 }));
      expect([at.getUTCDay(), at.getUTCHours(), at.getUTCMinutes()]).toEqual([0, 22, 5]);
      expect(now - at.getTime()).toBeGreaterThanOrEqual(0);
      expect(now - at.getTime()).toBeLessThan(7 * 86_400_000);
    }
  });
});
