import { configMaps, leases } from "./resources.js";
import { checkAgainstSchema, encodeLikeGo } from "./schema.js";

describe("decoding as the Go types would", () => {
  it.each([
    ["a number in data", configMaps, { data: { limit: 100 } }, "json: cannot unmarshal number into Go struct field ConfigMap.data of type string"],
    ["bad base64 in binaryData", configMaps, { binaryData: { blob: "no!" } }, "illegal base64 data at input byte 2"],
    ["a string lease duration", leases, { spec: { leaseDurationSeconds: "30" } }, "json: cannot unmarshal string into Go struct field LeaseSpec.spec.leaseDurationSeconds of type int32"],
    ["a malformed renewTime", leases, { spec: { renewTime: "yesterday" } }, 'parsing time "yesterday" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "yesterday" as "2006"'],
  ])("refuses %s", (_name, resource, value, message) => {
    expect(checkAgainstSchema(value, resource.schema, resource.kind).map((finding) => finding.message)).toEqual([message]);
  });

  it("reports unknown fields with their path", () => {
    expect(checkAgainstSchema({ spec: { holder: "x" } }, leases.schema, "Lease")).toEqual([{ problem: "unknown-field", path: "spec.holder", message: 'unknown field "spec.holder"' }]);
  });

  it.each([
    ["drops empty omitempty maps and nulls", configMaps, { metadata: { name: "a", annotations: {}, labels: null }, data: {} }, { metadata: { name: "a" } }],
    ["keeps a non-pointer struct as {}", leases, { metadata: { name: "a" } }, { metadata: { name: "a" }, spec: {} }],
    [
      "writes MicroTime with six digits in UTC",
      leases,
      { metadata: {}, spec: { renewTime: "2026-01-01T01:02:03.5+01:00", acquireTime: "2026-01-01T00:00:00Z" } },
      { metadata: {}, spec: { renewTime: "2026-01-01T00:02:03.500000Z", acquireTime: "2026-01-01T00:00:00.000000Z" } },
    ],
  ])("%s", (_name, resource, value, expected) => expect(encodeLikeGo(value, resource.schema)).toEqual(expected));
});
