import fc from "fast-check";
import { scanMatrixValues } from "./prometheus-values-scanner.js";

/** What JSON.parse makes of a body, as columns: the reference the fast path must match. */
function slowColumns(body: string): { metric: unknown; t: number[]; v: number[] }[] {
  const parsed = JSON.parse(body) as { data: { result: { metric: unknown; values: [number, string][] }[] } };
  const value = (s: string) => (s === "+Inf" ? Infinity : s === "-Inf" ? -Infinity : Number(s));
  return parsed.data.result.map((r) => ({ metric: r.metric, t: r.values.map(([t]) => Math.round(t * 1000)), v: r.values.map(([, s]) => value(s)) }));
}

function fastColumns(body: string): { metric: unknown; t: number[]; v: number[] }[] | undefined {
  const scanned = scanMatrixValues(body);
  if (scanned === undefined) return undefined;
  const parsed = JSON.parse(scanned.outline) as { data: { result: { metric: unknown; values: { $values: number } }[] } };
  return parsed.data.result.map((r) => {
    const c = scanned.columns[r.values.$values];
    return { metric: r.metric, t: Array.from(c?.timestampsMs ?? []), v: Array.from(c?.values ?? []) };
  });
}

const sampleText = fc.oneof(
  fc.integer({ min: 0, max: 2 ** 40 }).map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
  fc.constantFrom("NaN", "+Inf", "-Inf", "1e+06", "0.1"),
);
const point = fc.tuple(fc.oneof(fc.integer({ min: 0, max: 2_000_000_000 }), fc.integer({ min: 0, max: 2_000_000_000_000 }).map((ms) => ms / 1000)), sampleText);
// Label names and values that try to look like the structure the scanner looks for.
const hostile = fc.oneof(fc.string({ unit: "grapheme" }), fc.constantFrom('"values":[[1,"2"]]', "values", "\\", '"', "[[", "]]"));
const series = fc.record({ metric: fc.dictionary(hostile, hostile, { maxKeys: 4 }), values: fc.array(point, { maxLength: 30 }) });
const body = fc.record({ result: fc.array(series, { maxLength: 5 }), warnings: fc.option(fc.array(hostile, { maxLength: 2 }), { nil: undefined }) });

describe("scanMatrixValues", () => {
  it("reads exactly what JSON.parse reads, compact or pretty-printed", () => {
    fc.assert(
      fc.property(body, fc.boolean(), (b, pretty) => {
        const json = JSON.stringify({ status: "success", data: { resultType: "matrix", result: b.result }, ...(b.warnings === undefined ? {} : { warnings: b.warnings }) }, null, pretty ? 2 : undefined);
        expect(fastColumns(json)).toEqual(slowColumns(json));
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ["a value that is not a sample", '{"data":{"result":[{"metric":{},"values":[[1,"x"]]}]}}'],
    ["a point with three fields", '{"data":{"result":[{"metric":{},"values":[[1,"2",3]]}]}}'],
    ["an unterminated string", '{"data":{"result":[{"metric":{"a":"b'],
  ])("gives up on %s, leaving it to JSON.parse", (_name, text) => expect(scanMatrixValues(text)).toBeUndefined());
});
