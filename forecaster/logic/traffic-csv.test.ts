import { binOntoGrid, parseTimestamp, parseTrafficCsv } from "./traffic-csv.js";

const T0 = Date.UTC(2014, 3, 10);
const MINUTE = 60_000;

describe("parseTimestamp", () => {
  it.each([
    ["epoch seconds", "1397088000", T0],
    ["epoch seconds with fraction", "1397088000.5", T0 + 500],
    ["epoch milliseconds", "1397088000000", T0],
    ["NAB style, no zone means UTC", "2014-04-10 00:00:00", T0],
    ["ISO with Z", "2014-04-10T00:00:00Z", T0],
    ["ISO with offset", "2014-04-10T02:00:00+02:00", T0],
    ["date only", "2014-04-10", T0],
    ["quoted", '"2014-04-10 00:00:00"', T0],
    ["garbage", "yesterday-ish", undefined],
  ])("%s", (_name, text, expected) => expect(parseTimestamp(text)).toBe(expected));
});

describe("parseTrafficCsv", () => {
  it.each([
    ["timestamp,value header", "timestamp,value\n2014-04-10 00:00:00,5\n2014-04-10 00:01:00,7\n", [[T0, 5], [T0 + MINUTE, 7]], []],
    ["Prophet ds,y header", "ds,y\n2014-04-10,3\n", [[T0, 3]], []],
    ["columns in another order", "value,timestamp\n4,1397088000\n", [[T0, 4]], []],
    ["no header", "1397088000,4\n", [[T0, 4]], []],
    ["NaN and empty values are gaps", "timestamp,value\n1397088000,NaN\n1397088060,\n", [[T0, Number.NaN], [T0 + MINUTE, Number.NaN]], []],
    ["CRLF and comments", "# exported\r\ntimestamp,value\r\n1397088000,1\r\n", [[T0, 1]], []],
    ["bad rows reported with line numbers", "timestamp,value\nnope,1\n1397088000,abc\n1397088000,-3\n", [],
      ["line 2: bad timestamp 'nope'", "line 3: bad value 'abc'", "line 4: negative request count -3"]],
    ["a header naming nothing usable", "when,count\n1397088000,1\n", [[T0, 1]], ["line 1: header 'when,count' names no timestamp (timestamp/ds/time) and value (value/y/requests) columns"]],
  ])("%s", (_name, text, points, problems) => expect(parseTrafficCsv(text)).toEqual({ points, problems }));
});

describe("binOntoGrid", () => {
  const range = { startMs: T0, endMs: T0 + 3 * 5 * MINUTE, stepSeconds: 300 };

  it("sums finer rows into the step that ends at or after them", () => {
    const rows = Array.from({ length: 16 }, (_, i) => [T0 - 4 * MINUTE + i * MINUTE, 1] as const);
    const binned = binOntoGrid(range, rows);
    // Grid T0, T0+5m, T0+10m: (T0-5m, T0] holds 5 rows (from T0-4m), the next two 5 each; T0+11m on is outside.
    expect(binned.samples.map((s) => [s.timestampMs, s.value])).toEqual([[T0, 5], [T0 + 5 * MINUTE, 5], [T0 + 10 * MINUTE, 5]]);
    expect(binned.filled).toBe(3);
    expect(binned.fileStepSeconds).toBe(60);
  });

  it("leaves steps without rows NaN", () => {
    const binned = binOntoGrid(range, [[T0 + 5 * MINUTE, 8], [T0 + 10 * MINUTE, Number.NaN]]);
    expect(binned.samples.map((s) => s.value)).toEqual([Number.NaN, 8, Number.NaN]);
    expect(binned.filled).toBe(1);
  });
});
