import { admissionReview } from "../test-support/admission-fixtures.js";
import { readAdmissionReview } from "./review.js";

const valid = admissionReview({ object: { metadata: { name: "x" } } }) as { request: Record<string, unknown> };
const withRequest = (changes: Record<string, unknown>) => ({ ...valid, request: { ...valid.request, ...changes } });

describe("readAdmissionReview", () => {
  it.each<[string, unknown, string]>([
    ["a string", "hello", "body is not a JSON object"],
    ["an array", [valid], "body is not a JSON object"],
    ["null", null, "body is not a JSON object"],
    ["v1beta1", { ...valid, apiVersion: "admission.k8s.io/v1beta1" }, `apiVersion "admission.k8s.io/v1beta1" is not 'admission.k8s.io/v1'`],
    ["another kind", { ...valid, kind: "ConversionReview" }, `kind "ConversionReview" is not 'AdmissionReview'`],
    ["no request", { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview" }, "request is missing or not an object"],
    ["an empty uid", withRequest({ uid: "" }), "request.uid is missing or not a non-empty string"],
    ["a numeric uid", withRequest({ uid: 7 }), "request.uid is missing or not a non-empty string"],
    ["an unknown operation", withRequest({ operation: "PATCH" }), `request.operation "PATCH" is not one of CREATE, UPDATE, DELETE, CONNECT`],
    ["no kind", withRequest({ kind: "ConfigMap" }), "request.kind is missing or has no kind"],
    ["a string dryRun", withRequest({ dryRun: "true" }), "request.dryRun is not a boolean"],
  ])("refuses %s", (_name, body, message) => expect(readAdmissionReview(body)).toEqual({ ok: false, message }));

  it("translates a valid review once, keeping what the handlers read", () => {
    const read = readAdmissionReview(withRequest({ dryRun: true, userInfo: { username: "alice", groups: ["sre", 3] } }));
    expect(read.ok && read.request).toMatchObject({ uid: "705ab4f5-6393-11e8-b7cc-42010a800002", operation: "UPDATE", dryRun: true, name: "ratelimit-config", namespace: "istio-system", kind: { group: "", version: "v1", kind: "ConfigMap" }, userInfo: { username: "alice", groups: ["sre"] } });
  });
});
