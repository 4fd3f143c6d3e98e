import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import jsonpatch from "fast-json-patch";
import { ANNOTATIONS, GUARDED_DIGEST_ANNOTATION } from "../../ratelimit/annotations.js";
import { configDataDigest } from "../../ratelimit/digest.js";
import { parseStampKeyRing, signGuardStamp, verifyGuardStamp, type StampKeyRing } from "../../ratelimit/guard-stamp.js";
import type { ForecastCache } from "../../ratelimit/forecast-cache.js";
import { repoRoot } from "../../test/support/paths.js";
import { admissionReview, forecastCache, largeConfig, rateLimitConfigMap, TARGET } from "../test-support/admission-fixtures.js";
import { admit, type Endpoint } from "./admit.js";
import { createMemoizedDerivations, DIRECT_DERIVATIONS } from "./content-memo.js";
import type { AdmissionPolicy, ForecastSnapshot } from "./policy.js";
import type { AdmissionContext, AdmissionDecision } from "./ratelimit-config.js";
import { readAdmissionReview, type AdmissionRequest, type UserInfo } from "./review.js";

const NOW = Date.parse("2026-11-26T14:00:00Z");
const HOUR = 3_600_000;

const CONFIG = `# edge limits: reviewed by SRE weekly
domain: edge
descriptors:
  - key: PARTNER
    value: acme
    descriptors:
      - key: PATH
        value: /x
        rate_limit: {unit: minute, requests_per_unit: 1000}   # acme contract
      - key: PATH
        value: /y
        rate_limit:
          unit: minute
          requests_per_unit: 90000
  - key: PARTNER
    value: globex
    rate_limit:
      unit: second
      requests_per_unit: 50
`;

const CACHE = forecastCache(
  {
    "edge.PARTNER_acme.PATH_/x": { label: "PARTNER=acme/PATH=/x", band: { min: 4200, max: 16000 }, recommended: 4600, peak: { value: 4100, at: "2026-11-30T19:00:00Z" } },
    "edge.PARTNER_acme.PATH_/y": { label: "PARTNER=acme/PATH=/y", band: { min: 2000, max: 20000 }, recommended: 5000 },
    // globex has no band: it passes whatever its limit.
    "edge.PARTNER_globex": { label: "PARTNER=globex", unit: "second", recommended: 40 },
  },
  7,
  "2026-11-26T12:00:00Z",
);

const FORECASTER = "system:serviceaccount:trendmaster:trendmaster-forecaster";
const POLICY: AdmissionPolicy = { mode: "enforce", maxForecastAgeMs: 24 * HOUR, breakGlass: { users: ["oncall@example.com"], groups: ["sre"] }, target: TARGET, mergeDomains: false, forecasterUsers: [FORECASTER] };

const KEYS: StampKeyRing = (() => {
  const parsed = parseStampKeyRing("test-stamp-key-0123456789abcdef0123456789\n");
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.ring;
})();
const stampOf = (data: Record<string, string>) => signGuardStamp(KEYS, TARGET, configDataDigest(data), NOW);

function context(overrides: Partial<AdmissionPolicy> = {}, forecast: ForecastSnapshot = { state: "loaded", cache: CACHE }): AdmissionContext {
  return { policy: { ...POLICY, ...overrides }, forecast, nowMs: NOW, derive: DIRECT_DERIVATIONS, stampKeys: KEYS };
}

function requestOf(review: Record<string, unknown>): AdmissionRequest {
  const read = readAdmissionReview(review);
  if (!read.ok) throw new Error(read.message);
  return read.request;
}

function decide(endpoint: Endpoint, data: Record<string, string>, options: { annotations?: Record<string, string>; userInfo?: UserInfo; ctx?: AdmissionContext; operation?: "CREATE" | "UPDATE" } = {}): AdmissionDecision {
  const object = rateLimitConfigMap(data, options.annotations ?? {});
  const request = requestOf(admissionReview({ object, operation: options.operation ?? "UPDATE", ...(options.userInfo ? { userInfo: options.userInfo } : {}) }));
  return admit(endpoint, request, options.ctx ?? context());
}

/** The object the API server would store: the patch applied to what was sent. */
function patched(data: Record<string, string>, decision: AdmissionDecision, annotations: Record<string, string> = {}): { data: Record<string, string>; metadata: { annotations: Record<string, string> } } {
  const object = rateLimitConfigMap(data, annotations);
  const patch = decision.response.patch;
  if (patch === undefined) return object as never;
  expect(decision.response.patchType).toBe("JSONPatch");
  const operations = JSON.parse(Buffer.from(patch, "base64").toString("utf8")) as jsonpatch.Operation[];
  return jsonpatch.applyPatch(object, operations, true, false).newDocument as never;
}

describe("mutate, enforce mode", () => {
  it("clamps limits outside their band, a warning per clamp, and keeps every other byte", () => {
    const decision = decide("mutate", { "config.yaml": CONFIG });
    expect(decision.response.allowed).toBe(true);
    expect(decision.response.uid).toBe("705ab4f5-6393-11e8-b7cc-42010a800002");
    expect(decision.response.warnings).toEqual([
      "PARTNER=acme/PATH=/x: 1000/minute raised to 4200 (forecast peak 4100/minute on Mon 19:00)",
      "PARTNER=acme/PATH=/y: 90000/minute lowered to 20000 (guardrail max 20000/minute, recommended 5000/minute)",
    ]);
    const stored = patched({ "config.yaml": CONFIG }, decision);
    expect(stored.data["config.yaml"]).toBe(CONFIG.replace("requests_per_unit: 1000}", "requests_per_unit: 4200}").replace("requests_per_unit: 90000", "requests_per_unit: 20000"));
    expect(decision.outcome.verdict).toBe("patched");
    expect(decision.outcome.clamps.map((c) => [c.fullKey, c.from, c.to])).toEqual([
      ["edge.PARTNER_acme.PATH_/x", 1000, 4200],
      ["edge.PARTNER_acme.PATH_/y", 90000, 20000],
    ]);
    expect(decision.response.auditAnnotations).toEqual({
      mode: "enforce",
      "forecast-generation": "7",
      clamped: JSON.stringify(["PARTNER=acme/PATH=/x: 1000->4200", "PARTNER=acme/PATH=/y: 90000->20000"]),
    });
  });

  it("stamps the data as admitted with an HMAC the key ring verifies", () => {
    const decision = decide("mutate", { "config.yaml": CONFIG }, { annotations: { owner: "sre" } });
    const stored = patched({ "config.yaml": CONFIG }, decision, { owner: "sre" });
    expect(stored.metadata.annotations).toEqual({ owner: "sre", [GUARDED_DIGEST_ANNOTATION]: stampOf(stored.data) });
    expect(verifyGuardStamp(KEYS, TARGET, configDataDigest(stored.data), stored.metadata.annotations[GUARDED_DIGEST_ANNOTATION])).toEqual({ valid: true, keyId: KEYS.signing.id, signedAtMs: NOW });
  });

  it("replaces a writer's own stamp, and stamps nothing without a key ring", () => {
    const forged = { [GUARDED_DIGEST_ANNOTATION]: configDataDigest({ "config.yaml": CONFIG }) };
    const stamped = patched({ "config.yaml": CONFIG }, decide("mutate", { "config.yaml": CONFIG }, { annotations: forged }), forged);
    expect(stamped.metadata.annotations[GUARDED_DIGEST_ANNOTATION]).toBe(stampOf(stamped.data));
    const { stampKeys: _keys, ...unkeyed } = context();
    const unstamped = patched({ "config.yaml": CONFIG }, decide("mutate", { "config.yaml": CONFIG }, { ctx: unkeyed }));
    expect(unstamped.metadata.annotations).toEqual({});
  });

  it("patches only the clamped numbers of a 1,000-rule config (byte preservation)", () => {
    const { text, cache } = largeConfig(1000, 10, 7, new Date(NOW - HOUR).toISOString());
    const decision = decide("mutate", { "config.yaml": text }, { ctx: context({}, { state: "loaded", cache }) });
    expect(decision.outcome.clamps).toHaveLength(10);
    const after = patched({ "config.yaml": text }, decision).data["config.yaml"] as string;
    const before = text.split("\n");
    const changed = after.split("\n").flatMap((line, i) => (line === before[i] ? [] : [[before[i], line]]));
    expect(after.split("\n")).toHaveLength(before.length);
    expect(changed).toHaveLength(10);
    for (const [was, now] of changed) expect((now as string).replace(/\d+/, "N")).toBe((was as string).replace(/\d+/, "N"));
  });

  it("admits a config already inside every band with only the stamp", () => {
    const inside = CONFIG.replace("requests_per_unit: 1000}", "requests_per_unit: 5000}").replace("requests_per_unit: 90000", "requests_per_unit: 9000");
    const decision = decide("mutate", { "config.yaml": inside });
    expect(decision.response.warnings).toBeUndefined();
    expect(decision.outcome.verdict).toBe("allowed");
    const ops = JSON.parse(Buffer.from(decision.response.patch as string, "base64").toString()) as jsonpatch.Operation[];
    expect(ops.map((o) => o.path)).toEqual([`/metadata/annotations/${GUARDED_DIGEST_ANNOTATION.replace("/", "~1")}`]);
  });

  it("gives no patch at all when the stamp is already right (reinvocation)", () => {
    const inside = CONFIG.replace("requests_per_unit: 1000}", "requests_per_unit: 5000}").replace("requests_per_unit: 90000", "requests_per_unit: 9000");
    const decision = decide("mutate", { "config.yaml": inside }, { annotations: { [GUARDED_DIGEST_ANNOTATION]: stampOf({ "config.yaml": inside }) } });
    expect(decision.response.patch).toBeUndefined();
    expect(decision.response.patchType).toBeUndefined();
  });

  it("clamps a rule kept in binaryData and writes it back as base64", () => {
    const object = { ...rateLimitConfigMap({}), data: undefined, binaryData: { "config.yaml": Buffer.from(CONFIG).toString("base64") } };
    const request = requestOf(admissionReview({ object }));
    const decision = admit("mutate", request, context());
    const ops = JSON.parse(Buffer.from(decision.response.patch as string, "base64").toString()) as Array<{ path: string; value: unknown }>;
    const data = ops.find((o) => o.path === "/binaryData/config.yaml");
    expect(Buffer.from(String(data?.value), "base64").toString()).toContain("requests_per_unit: 4200}");
  });

  it("denies a clamp it cannot write (a limit shared through an anchor)", () => {
    const anchored = `domain: edge
descriptors:
  - key: PARTNER
    value: acme
    descriptors:
      - key: PATH
        value: /x
        rate_limit: &shared {unit: minute, requests_per_unit: 1000}
      - key: PATH
        value: /z
        rate_limit: *shared
`;
    const decision = decide("mutate", { "config.yaml": anchored });
    expect(decision.response.allowed).toBe(false);
    expect(decision.response.status?.code).toBe(422);
    expect(decision.response.warnings).toBeUndefined();
    expect(decision.response.patch).toBeUndefined();
    expect(decision.response.status?.message).toBe(
      "PARTNER=acme/PATH=/x: 1000/minute is outside the guardrail band [4200, 16000] and cannot be clamped: requests_per_unit is shared with other rules through a YAML anchor or merge key; change it by hand (or use trendmaster.io/override-reason)",
    );
  });

  it("does not check a rule whose unit changed since the forecast", () => {
    const decision = decide("mutate", { "config.yaml": CONFIG.replace("{unit: minute, requests_per_unit: 1000}", "{unit: second, requests_per_unit: 1000}") });
    expect(decision.response.warnings?.[0]).toBe("PARTNER=acme/PATH=/x: unit is second but forecast generation 7 is per minute: not checked against guardrails");
    expect(decision.outcome.clamps.map((c) => c.fullKey)).toEqual(["edge.PARTNER_acme.PATH_/y"]);
  });

  it("passes a config that does not load through to validate (stamped, no warnings)", () => {
    const decision = decide("mutate", { "config.yaml": "domain: edge\ndescriptors:\n  - key: a\n    rate_limit: {unit: hours, requests_per_unit: 1}\n" });
    expect(decision.response.allowed).toBe(true);
    expect(decision.response.warnings).toBeUndefined();
  });
});

describe("mutate, audit mode", () => {
  it("admits unchanged but for the stamp, with the warnings enforce would give", () => {
    const decision = decide("mutate", { "config.yaml": CONFIG }, { ctx: context({ mode: "audit" }) });
    expect(decision.response.allowed).toBe(true);
    expect(decision.response.warnings).toEqual([
      "audit mode, not applied: PARTNER=acme/PATH=/x: 1000/minute raised to 4200 (forecast peak 4100/minute on Mon 19:00)",
      "audit mode, not applied: PARTNER=acme/PATH=/y: 90000/minute lowered to 20000 (guardrail max 20000/minute, recommended 5000/minute)",
    ]);
    const stored = patched({ "config.yaml": CONFIG }, decision);
    expect(stored.data["config.yaml"]).toBe(CONFIG);
    expect(stored.metadata.annotations[GUARDED_DIGEST_ANNOTATION]).toBe(stampOf({ "config.yaml": CONFIG }));
    expect(decision.response.auditAnnotations?.["would-clamp"]).toBe(JSON.stringify(["PARTNER=acme/PATH=/x: 1000->4200", "PARTNER=acme/PATH=/y: 90000->20000"]));
    expect(decision.outcome.wouldClamps).toHaveLength(2);
    expect(decision.outcome.clamps).toHaveLength(0);
  });
});

describe("break-glass", () => {
  const reason = { [ANNOTATIONS.overrideReason]: "INC-4711 partner migration" };
  it.each([
    ["an allow-listed user", { username: "oncall@example.com", groups: [] }],
    ["a member of an allow-listed group", { username: "bob", groups: ["system:authenticated", "sre"] }],
  ])("admits %s unclamped and records it", (_name, userInfo) => {
    const decision = decide("mutate", { "config.yaml": CONFIG }, { annotations: reason, userInfo });
    expect(patched({ "config.yaml": CONFIG }, decision, reason).data["config.yaml"]).toBe(CONFIG);
    expect(decision.response.warnings).toEqual([`break-glass by ${userInfo.username}: limits admitted unclamped (INC-4711 partner migration)`]);
    expect(decision.response.auditAnnotations).toMatchObject({ "override-user": userInfo.username, "override-reason": "INC-4711 partner migration" });
    expect(decision.outcome.override?.glass.kind).toBe("accepted");
    expect(decision.outcome.override?.outsideBand).toHaveLength(2);
    expect(decide("validate", { "config.yaml": CONFIG }, { annotations: reason, userInfo }).response.allowed).toBe(true);
  });

  it("ignores the annotation from anyone else, with a warning, and clamps", () => {
    const userInfo = { username: "mallory", groups: ["devs"] };
    const decision = decide("mutate", { "config.yaml": CONFIG }, { annotations: reason, userInfo });
    expect(decision.response.warnings?.[0]).toBe("trendmaster.io/override-reason ignored: mallory is not on the break-glass allow-list");
    expect(decision.outcome.clamps).toHaveLength(2);
    expect(decision.outcome.override?.glass.kind).toBe("refused");
    expect(decision.response.auditAnnotations?.["override-refused"]).toBe("mallory");
    const validated = decide("validate", { "config.yaml": CONFIG }, { annotations: reason, userInfo });
    expect(validated.response.allowed).toBe(false);
    expect(validated.response.status?.message?.split("\n").at(-1)).toBe("trendmaster.io/override-reason ignored: mallory is not on the break-glass allow-list");
  });
});

describe("forecast trust", () => {
  const generation = (n: string) => ({ [ANNOTATIONS.generation]: n });
  it.each<[string, ForecastSnapshot, Record<string, string>, string]>([
    ["no cache", { state: "absent" }, {}, "no forecast cache: limits not checked against guardrails"],
    ["cache not read yet", { state: "unknown" }, {}, "no forecast cache: limits not checked against guardrails"],
    ["unreadable cache", { state: "unreadable", problem: "forecast cache: rules is missing" }, {}, "forecast cache unreadable (forecast cache: rules is missing): limits not checked against guardrails"],
    ["stale cache", { state: "loaded", cache: { ...CACHE, generatedAt: "2026-11-25T10:00:00Z" } }, {}, "forecast generation 7 is 28h old (max 24h): limits not checked against guardrails"],
  ])("%s: admits unclamped with a warning", (_name, forecast, annotations, warning) => {
    const decision = decide("mutate", { "config.yaml": CONFIG }, { annotations, ctx: context({}, forecast) });
    expect(decision.response.allowed).toBe(true);
    expect(decision.response.warnings).toEqual([warning]);
    expect(patched({ "config.yaml": CONFIG }, decision, annotations).data["config.yaml"]).toBe(CONFIG);
    expect(decide("validate", { "config.yaml": CONFIG }, { annotations, ctx: context({}, forecast) }).response.allowed).toBe(true);
  });

  it("clamps a write from the same or an older generation", () => {
    for (const g of ["7", "6"]) expect(decide("mutate", { "config.yaml": CONFIG }, { annotations: generation(g) }).outcome.clamps).toHaveLength(2);
  });

  it.each<[string, UserInfo, string]>([
    ["anyone but the forecaster: ignored, named in a warning", { username: "admin", groups: ["system:masters"] }, "trendmaster.io/generation ignored: admin is not the forecaster; limits checked against generation 7's bands"],
    ["a break-glass user too (the claim is not break-glass)", { username: "oncall@example.com", groups: ["sre"] }, "trendmaster.io/generation ignored: oncall@example.com is not the forecaster; limits checked against generation 7's bands"],
    ["the forecaster, for a generation the cache does not have", { username: FORECASTER, groups: [] }, "trendmaster.io/generation 999 is not in the forecast cache (the webhook has generation 7): limits checked against generation 7's bands"],
  ])("a claimed newer generation never switches clamping off: %s", (_name, userInfo, note) => {
    const annotations = generation("999");
    const decision = decide("mutate", { "config.yaml": CONFIG }, { annotations, userInfo });
    expect(decision.response.warnings).toEqual([
      note,
      "PARTNER=acme/PATH=/x: 1000/minute raised to 4200 (forecast peak 4100/minute on Mon 19:00)",
      "PARTNER=acme/PATH=/y: 90000/minute lowered to 20000 (guardrail max 20000/minute, recommended 5000/minute)",
    ]);
    expect(decision.outcome.unguarded).toBeUndefined();
    expect(decision.response.auditAnnotations?.["generation-claim"]).toBe(note);
    const validated = decide("validate", { "config.yaml": CONFIG }, { annotations, userInfo });
    expect(validated.response.allowed).toBe(false);
    expect(validated.response.status?.message).toContain("is outside the guardrail band [4200, 16000] of forecast generation 7");
  });

  it("the forecaster's claim of the generation it wrote: checked against that generation, without a note", () => {
    const decision = decide("mutate", { "config.yaml": CONFIG }, { annotations: generation("7"), userInfo: { username: FORECASTER } });
    expect(decision.outcome.clamps).toHaveLength(2);
    expect(decision.response.warnings?.some((w) => w.includes("trendmaster.io/generation"))).toBe(false);
  });

  it("honours a configured maximum age", () => {
    const cache: ForecastCache = { ...CACHE, generatedAt: "2026-11-26T09:00:00Z" };
    expect(decide("mutate", { "config.yaml": CONFIG }, { ctx: context({ maxForecastAgeMs: 4 * HOUR }, { state: "loaded", cache }) }).response.warnings).toEqual([
      "forecast generation 7 is 5h old (max 4h): limits not checked against guardrails",
    ]);
  });
});

describe("validate", () => {
  it("denies, in enforce mode, a final object outside the band", () => {
    const decision = decide("validate", { "config.yaml": CONFIG });
    expect(decision.response.allowed).toBe(false);
    expect(decision.response.status).toEqual({
      status: "Failure",
      code: 422,
      reason: "Invalid",
      message: "PARTNER=acme/PATH=/x: 1000/minute is outside the guardrail band [4200, 16000] of forecast generation 7\nPARTNER=acme/PATH=/y: 90000/minute is outside the guardrail band [2000, 20000] of forecast generation 7",
    });
  });

  it("admits the object mutate produced", () => {
    const data = patched({ "config.yaml": CONFIG }, decide("mutate", { "config.yaml": CONFIG })).data;
    expect(decide("validate", data).response).toEqual({ uid: "705ab4f5-6393-11e8-b7cc-42010a800002", allowed: true, auditAnnotations: { mode: "enforce", "forecast-generation": "7" } });
  });

  it("admits, in audit mode, what enforce would deny", () => {
    expect(decide("validate", { "config.yaml": CONFIG }, { ctx: context({ mode: "audit" }) }).response.allowed).toBe(true);
  });

  it("warns, in audit mode, what the loader refuses", () => {
    const decision = decide("validate", { "config.yaml": "domain: edge\ndescriptors:\n  - key: a\n    rate_limit: {unit: hours, requests_per_unit: 1}\n" }, { ctx: context({ mode: "audit" }) });
    expect(decision.response.allowed).toBe(true);
    expect(decision.response.warnings).toEqual(["audit mode, would deny: config.yaml: invalid rate limit unit 'hours'"]);
  });
});

/** Every loader error, from the shared upstream fixtures and our own bad-config fixtures. */
function loaderErrorCases(): Array<[string, Record<string, string>, string]> {
  const cases: Array<[string, Record<string, string>, string]> = [];
  const badDir = join(repoRoot(), "test", "fixtures", "bad-configs");
  for (const name of readdirSync(badDir).filter((f) => f.endsWith(".yaml")).sort()) {
    const text = readFileSync(join(badDir, name), "utf8");
    const expected = /^# expect: (.*)$/m.exec(text)?.[1];
    if (expected !== undefined) cases.push([name, { [name]: text }, expected.replace(/\\n/g, "\n")]);
  }
  const shared = resolve(repoRoot(), "..", "shared", "ratelimit-fixtures");
  if (!existsSync(shared)) {
    console.warn(`skipping the shared loader fixtures: ${shared} is missing`);
    return cases;
  }
  const rows = readFileSync(join(shared, "fixtures.tsv"), "utf8").trim().split("\n").slice(1).map((line) => line.split("\t"));
  for (const [file, outcome, text, loadContext] of rows) {
    if (outcome !== "error" || !file || !text || !loadContext) continue;
    const data: Record<string, string> = { [file]: readFileSync(join(shared, file), "utf8") };
    if (loadContext.startsWith("loaded AFTER basic_config.yaml")) data["basic_config.yaml"] = readFileSync(join(shared, "basic_config.yaml"), "utf8");
    else if (!loadContext.startsWith("alone")) continue; // "the same file loaded twice" cannot happen in one ConfigMap
    cases.push([`shared ${file}`, data, text]);
  }
  return cases;
}

describe("every loader error is denied with the loader's text", () => {
  const cases = loaderErrorCases();
  // A fresh clone without ../shared has only our own fixtures; the shared ones are then skipped (with a warning above).
  it("has cases", () => {
    expect(cases.filter(([name]) => !name.startsWith("shared ")).length).toBeGreaterThanOrEqual(20);
    if (existsSync(resolve(repoRoot(), "..", "shared", "ratelimit-fixtures"))) expect(cases.filter(([name]) => name.startsWith("shared ")).length).toBeGreaterThan(10);
  });
  it.each(cases)("%s", (_name, data, expected) => {
    const decision = decide("validate", data);
    expect(decision.response.allowed).toBe(false);
    expect(decision.response.status?.message).toBe(expected);
    expect(decision.outcome.loadErrors).toEqual([expected]);
  });
});

describe("objects the webhook does not guard", () => {
  it.each<[string, { name?: string; namespace?: string; kind?: string }]>([
    ["another ConfigMap", { name: "other" }],
    ["another namespace", { namespace: "default" }],
    ["another kind", { kind: "Secret" }],
  ])("admits %s untouched", (_name, where) => {
    const request = requestOf(admissionReview({ object: rateLimitConfigMap({ "config.yaml": "not: [valid" }, {}, where.name ?? TARGET.name), ...where }));
    for (const endpoint of ["mutate", "validate"] as const) expect(admit(endpoint, request, context()).response).toEqual({ uid: request.uid, allowed: true });
  });

  it("admits a DELETE of ratelimit-config", () => {
    const request = requestOf(admissionReview({ operation: "DELETE", oldObject: rateLimitConfigMap({ "config.yaml": CONFIG }) }));
    expect(admit("validate", request, context()).response).toEqual({ uid: request.uid, allowed: true });
  });
});

describe("an object that is not a ConfigMap at all", () => {
  const object = { metadata: { name: TARGET.name }, data: { "config.yaml": 42 } };
  it("is denied in enforce mode", () => {
    const decision = admit("mutate", requestOf(admissionReview({ object })), context());
    expect(decision.response.status?.message).toBe("ratelimit-config is not a readable ConfigMap: data['config.yaml'] is not a string");
  });
  it("is admitted with a warning in audit mode", () => {
    const decision = admit("validate", requestOf(admissionReview({ object })), context({ mode: "audit" }));
    expect(decision.response).toMatchObject({ allowed: true, warnings: ["audit mode, would deny: ratelimit-config is not a readable ConfigMap: data['config.yaml'] is not a string"] });
  });
});

describe("a bug in the handler", () => {
  const broken: AdmissionContext = {
    ...context(),
    derive: {
      ...DIRECT_DERIVATIONS,
      loadConfig: () => {
        throw new Error("boom");
      },
    },
  };
  it("denies in enforce mode, with the uid", () => {
    expect(decide("mutate", { "config.yaml": CONFIG }, { ctx: broken }).response).toMatchObject({ uid: "705ab4f5-6393-11e8-b7cc-42010a800002", allowed: false, status: { code: 500, message: "trendmaster webhook internal error: boom" } });
  });
  it("admits with a warning in audit mode", () => {
    const audit = { ...broken, policy: { ...broken.policy, mode: "audit" as const } };
    expect(decide("mutate", { "config.yaml": CONFIG }, { ctx: audit }).response).toMatchObject({ allowed: true, warnings: ["trendmaster webhook internal error: boom"] });
  });
});

describe("derivations remembered by content", () => {
  it("decide exactly as direct ones, on first sight and on every hit", () => {
    const memo = createMemoizedDerivations(2);
    const cases: Array<[Endpoint, Record<string, string>, Record<string, string>]> = [
      ["mutate", { "config.yaml": CONFIG }, {}],
      ["mutate", { "config.yaml": CONFIG.replace("90000", "9000") }, {}],
      ["validate", { "config.yaml": CONFIG }, {}],
      ["mutate", { "config.yaml": CONFIG }, { [ANNOTATIONS.overrideReason]: "x" }],
      ["validate", { "config.yaml": "domain: edge\ndescriptors: 3\n" }, {}],
      ["mutate", { "a.yaml": CONFIG, "b.yaml": CONFIG.replace("domain: edge", "domain: other") }, {}],
    ];
    for (let round = 0; round < 3; round++) {
      for (const [endpoint, data, annotations] of cases) {
        expect(decide(endpoint, data, { annotations, ctx: { ...context(), derive: memo } })).toEqual(decide(endpoint, data, { annotations }));
      }
    }
  });
});
