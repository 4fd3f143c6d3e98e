import type { AdmissionPolicy } from "./admission/policy.js";
import type { AdmissionRequest } from "./admission/review.js";
import { AnswerMemo, answerContext, sameContext, type RememberedAnswer } from "./answer-memo.js";
import { uidTemplateOf } from "./review-template.js";
import { TARGET } from "./test-support/admission-fixtures.js";

const POLICY: AdmissionPolicy = { mode: "enforce", maxForecastAgeMs: 3_600_000, breakGlass: { users: [], groups: [] }, target: TARGET, mergeDomains: false };

function entry(uid: string, padding: number): RememberedAnswer {
  const body = Buffer.from(`{"request":{"uid":"${uid}","pad":"${" ".repeat(padding)}"}}`);
  const request = { uid, kind: { group: "", version: "v1", kind: "ConfigMap" }, resource: { group: "", version: "v1", resource: "configmaps" }, operation: "UPDATE", userInfo: {} } as AdmissionRequest;
  const template = uidTemplateOf(body, uid);
  if (!template) throw new Error("no template");
  return { endpoint: "mutate", template, verified: true, request, context: answerContext(request, POLICY, { state: "absent" }, 0), decision: { response: { uid, allowed: true }, outcome: { verdict: "allowed", guarded: false, clamps: [], wouldClamps: [], loadErrors: [] } }, afterUid: Buffer.from("}}") };
}

describe("answer memo", () => {
  it("keeps at most `capacity` answers, the most recently used", () => {
    const memo = new AnswerMemo(2);
    const [a, b, c] = [entry("a", 1), entry("b", 2), entry("c", 3)];
    memo.remember(a);
    memo.remember(b);
    memo.touch(a);
    memo.remember(c);
    expect(memo.size).toBe(2);
    expect(memo.find("mutate", a.template.body)?.entry).toBe(a);
    expect(memo.find("mutate", b.template.body)).toBeUndefined();
    expect(memo.find("validate", a.template.body)).toBeUndefined();
  });

  it("keeps at most `maxBytes`, and never an answer bigger than half of it", () => {
    const memo = new AnswerMemo(100, 10_000);
    for (let i = 0; i < 20; i++) memo.remember(entry(`u${i}`, 1_000));
    expect(memo.size).toBeLessThanOrEqual(4);
    const big = new AnswerMemo(100, 10_000);
    big.remember(entry("big", 6_000));
    expect(big.size).toBe(0);
  });

  it("tells a byte-identical body (usable) from one with another uid on an unproven template (not usable)", () => {
    const memo = new AnswerMemo();
    const a = { ...entry("a", 1), verified: false };
    memo.remember(a);
    expect(memo.find("mutate", a.template.body)).toMatchObject({ uid: "a", usable: true });
    expect(memo.find("mutate", Buffer.from(a.template.body.toString().replace('"a"', '"b"')))).toMatchObject({ uid: "b", usable: false });
  });

  it("context: policy and forecast by identity, and the clock's verdict on the forecast", () => {
    const request = entry("a", 1).request;
    const guarded = { ...request, namespace: TARGET.namespace, name: TARGET.name };
    const loaded = { state: "loaded" as const, cache: { generation: 1, generatedAt: "2026-11-26T12:00:00Z", source: "t", model: "t", rules: {} } };
    const at = (ms: number) => answerContext(guarded, POLICY, loaded, Date.parse("2026-11-26T12:00:00Z") + ms);
    expect(sameContext(at(0), at(60_000))).toBe(true);
    expect(sameContext(at(0), at(2 * 3_600_000))).toBe(false);
    expect(sameContext(at(2 * 3_600_000), at(3 * 3_600_000))).toBe(false); // the warning says the age
    expect(sameContext(at(0), answerContext(guarded, { ...POLICY }, loaded, Date.parse("2026-11-26T12:00:00Z")))).toBe(false);
    expect(sameContext(at(0), answerContext(guarded, POLICY, { ...loaded }, Date.parse("2026-11-26T12:00:00Z")))).toBe(false);
  });
});

describe("sightings", () => {
  const body = (text: string) => Buffer.from(`{"request":{"uid":"UID-1","x":"${text}"}}`);
  const at = { start: 19, end: 24 };

  it("says whether the bytes outside the uid were seen, whatever the uid", () => {
    const memo = new AnswerMemo();
    expect(body("one").toString("latin1", at.start, at.end)).toBe("UID-1");
    expect(memo.sightedBefore("mutate", body("one"), at.start, at.end)).toBe(false);
    expect(memo.sightedBefore("mutate", Buffer.from(body("one").toString().replace("UID-1", "UID-2")), at.start, at.end)).toBe(true);
    expect(memo.sightedBefore("validate", body("one"), at.start, at.end)).toBe(false);
    expect(memo.sightedBefore("mutate", body("two"), at.start, at.end)).toBe(false);
  });

  it("keeps at most maxSightings, forgetting the oldest", () => {
    const memo = new AnswerMemo(8, 1024 * 1024, 3);
    for (const text of ["a", "b", "c", "d"]) memo.sightedBefore("mutate", body(text), at.start, at.end);
    expect(memo.sightedBefore("mutate", body("a"), at.start, at.end)).toBe(false);
    expect(memo.sightedBefore("mutate", body("d"), at.start, at.end)).toBe(true);
  });
});
