import { uidMatching, uidTemplateOf } from "./review-template.js";

const review = (uid: string, name = "ratelimit-config") => Buffer.from(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"${uid}","name":"${name}","object":{"metadata":{"uid":"c0ffee"}}}}`);
const UID = "705ab4f5-6393-11e8-b7cc-42010a800002";

describe("uid templates", () => {
  const template = uidTemplateOf(review(UID), UID);

  it("finds the request uid's text and recognises the same review with any other plain uid", () => {
    expect(template).toBeDefined();
    if (!template) return;
    expect(template.body.toString("latin1", template.start, template.end)).toBe(UID);
    expect(uidMatching(template, review(UID))).toBe(UID);
    expect(uidMatching(template, review("e3b0c442-98fc-1c14-9afb-f4c8996fb924"))).toBe("e3b0c442-98fc-1c14-9afb-f4c8996fb924");
    expect(uidMatching(template, review("x"))).toBe("x");
  });

  it("recognises nothing that differs elsewhere, however little", () => {
    if (!template) throw new Error("no template");
    expect(uidMatching(template, review(UID, "ratelimit-confiG"))).toBeUndefined();
    expect(uidMatching(template, review(UID, "ratelimit-config2"))).toBeUndefined();
    expect(uidMatching(template, Buffer.concat([review(UID), Buffer.from(" ")]))).toBeUndefined();
    expect(uidMatching(template, review(UID).subarray(1))).toBeUndefined();
    expect(uidMatching(template, Buffer.alloc(0))).toBeUndefined();
  });

  it("recognises no uid whose JSON text is not itself: quotes, escapes, control or non-ASCII characters, empty or huge", () => {
    if (!template) throw new Error("no template");
    for (const uid of ['a"b', "a\\u0041", "a\\\\b", "tab\there", "caf\u00e9", "", "x".repeat(129)]) {
      expect(uidMatching(template, review(uid))).toBeUndefined();
    }
    // A quote inside the uid would make the rest of the body another document: `"a","name":"other` is two tokens.
    expect(uidMatching(template, review(`${UID}","name":"other`))).toBeUndefined();
  });

  it("makes no template for a uid that is not plain, or not found as a uid value", () => {
    expect(uidTemplateOf(review('a\\"b'), 'a"b')).toBeUndefined();
    expect(uidTemplateOf(review(UID), "not-there")).toBeUndefined();
  });

  it("keeps a copy of the body: the caller's buffer may be reused", () => {
    const body = review(UID);
    const copy = uidTemplateOf(body, UID);
    body.fill(0x20);
    expect(copy && uidMatching(copy, review("other"))).toBe("other");
  });
});
