import { pino } from "pino";
import { parseStampKeyRing } from "../ratelimit/guard-stamp.js";
import { ANNOTATIONS } from "../ratelimit/annotations.js";
import type { ForecastCache } from "../ratelimit/forecast-cache.js";
import { DIRECT_DERIVATIONS } from "./admission/content-memo.js";
import type { AdmissionPolicy, ForecastSnapshot } from "./admission/policy.js";
import type { AdmissionReview } from "./admission/review.js";
import type { ForecastSource } from "./io/forecast-source.js";
import type { BreakGlassNotice } from "./io/slack-notifier.js";
import { createWebhookMetrics } from "./metrics.js";
import { createReviewService, type ReviewReply, type ReviewServiceDeps, type WireReply } from "./review-service.js";
import { admissionReview, forecastCache, rateLimitConfigMap, TARGET } from "./test-support/admission-fixtures.js";

const NOW = Date.parse("2026-11-26T14:00:00Z");
const CONFIG = "domain: edge\ndescriptors:\n  - key: PARTNER\n    value: acme\n    rate_limit: {unit: minute, requests_per_unit: 1000}\n";
const band = (min: number, max: number, generation: number): ForecastCache =>
  forecastCache({ "edge.PARTNER_acme": { label: "PARTNER=acme", band: { min, max }, peak: { value: min, at: "2026-11-30T19:00:00Z" } } }, generation, "2026-11-26T13:00:00Z");

/** A forecast source whose refresh() moves to the next snapshot, as a re-read would. */
class FakeForecastSource implements ForecastSource {
  refreshes = 0;
  constructor(
    private snapshot: ForecastSnapshot,
    private readonly afterRefresh: ForecastSnapshot = snapshot,
  ) {}
  current() {
    return this.snapshot;
  }
  async refresh() {
    this.refreshes++;
    this.snapshot = this.afterRefresh;
    return this.snapshot;
  }
  async start() {}
  stop() {}
  /** A new snapshot, as the watch or the file poll delivers one. */
  replace(snapshot: ForecastSnapshot) {
    this.snapshot = snapshot;
  }
}

const FORECASTER = { username: "system:serviceaccount:trendmaster:trendmaster-forecaster", groups: ["system:serviceaccounts"] };
const POLICY: AdmissionPolicy = { mode: "enforce", maxForecastAgeMs: 24 * 3_600_000, breakGlass: { users: ["oncall"], groups: [] }, target: TARGET, mergeDomains: false, forecasterUsers: [FORECASTER.username] };

function setup(source: ForecastSource, policy: AdmissionPolicy = POLICY, options: Partial<Pick<ReviewServiceDeps, "policy" | "nowMs" | "rememberedAnswers" | "derive" | "stampKeys">> = {}) {
  const metrics = createWebhookMetrics(() => source.current(), () => NOW);
  const notices: BreakGlassNotice[] = [];
  const service = createReviewService({
    forecast: source,
    policy: () => policy,
    nowMs: () => NOW,
    derive: DIRECT_DERIVATIONS,
    metrics,
    logger: pino({ level: "silent" }),
    notifier: { notify: async (notice) => void notices.push(notice) },
    ...options,
  });
  const counter = async (name: string) => (await metrics.registry.getSingleMetricAsString(name)).split("\n").filter((l) => !l.startsWith("#") && l.trim() !== "");
  return { service, notices, counter };
}

function response200(reply: ReviewReply): AdmissionReview {
  if (reply.status !== 200) throw new Error(JSON.stringify(reply.body));
  return reply.body;
}

function response(reply: ReviewReply) {
  if (reply.status !== 200) throw new Error(JSON.stringify(reply.body));
  return (reply.body as AdmissionReview).response;
}

describe("generation re-read", () => {
  const write = (generation: string, userInfo = FORECASTER) => admissionReview({ object: rateLimitConfigMap({ "config.yaml": CONFIG }, { [ANNOTATIONS.generation]: generation }), userInfo });

  it("re-reads the cache before judging a write from a newer generation, then clamps against the new one", async () => {
    const source = new FakeForecastSource({ state: "loaded", cache: band(5000, 9000, 7) }, { state: "loaded", cache: band(800, 1200, 8) });
    const { service } = setup(source);
    const answer = response(await service.review("mutate", write("8")));
    expect(source.refreshes).toBe(1);
    // Against generation 7 the limit would have been raised to 5000; generation 8 allows it.
    expect(answer?.warnings).toBeUndefined();
    expect(answer?.auditAnnotations?.["forecast-generation"]).toBe("8");
  });

  it("clamps against the generation in force when the re-read cache still lacks the claimed one", async () => {
    const source = new FakeForecastSource({ state: "loaded", cache: band(5000, 9000, 7) });
    const { service } = setup(source);
    const answer = response(await service.review("mutate", write("8")));
    expect(source.refreshes).toBe(1);
    expect(answer?.warnings).toEqual([
      "trendmaster.io/generation 8 is not in the forecast cache (the webhook has generation 7): limits checked against generation 7's bands",
      "PARTNER=acme: 1000/minute raised to 5000 (forecast peak 5000/minute on Mon 19:00)",
    ]);
  });

  it("does not re-read for anyone else's claim: it is ignored", async () => {
    const source = new FakeForecastSource({ state: "loaded", cache: band(5000, 9000, 7) }, { state: "loaded", cache: band(800, 1200, 8) });
    const { service } = setup(source);
    const answer = response(await service.review("mutate", write("8", { username: "admin", groups: ["system:masters"] })));
    expect(source.refreshes).toBe(0);
    expect(answer?.warnings).toEqual([
      "trendmaster.io/generation ignored: admin is not the forecaster; limits checked against generation 7's bands",
      "PARTNER=acme: 1000/minute raised to 5000 (forecast peak 5000/minute on Mon 19:00)",
    ]);
  });

  it("does not re-read for a write from the generation it has", async () => {
    const source = new FakeForecastSource({ state: "loaded", cache: band(5000, 9000, 7) });
    const { service } = setup(source);
    const answer = response(await service.review("mutate", write("7")));
    expect(source.refreshes).toBe(0);
    expect(answer?.warnings).toEqual(["PARTNER=acme: 1000/minute raised to 5000 (forecast peak 5000/minute on Mon 19:00)"]);
  });
});

describe("records", () => {
  const glass = { [ANNOTATIONS.overrideReason]: "INC-1 failover" };
  const source = () => new FakeForecastSource({ state: "loaded", cache: band(5000, 9000, 7) });

  it("counts clamps, overrides and notifies Slack of an accepted break-glass", async () => {
    const { service, notices, counter } = setup(source());
    await service.review("mutate", admissionReview({ object: rateLimitConfigMap({ "config.yaml": CONFIG }) }));
    await service.review("mutate", admissionReview({ object: rateLimitConfigMap({ "config.yaml": CONFIG }, glass), userInfo: { username: "oncall" } }));
    await service.review("mutate", admissionReview({ object: rateLimitConfigMap({ "config.yaml": CONFIG }, glass), userInfo: { username: "mallory" } }));
    expect(await counter("trendmaster_webhook_clamps_total")).toEqual(['trendmaster_webhook_clamps_total{direction="raised"} 2']);
    expect(await counter("trendmaster_webhook_overrides_total")).toEqual(['trendmaster_webhook_overrides_total{result="accepted"} 1', 'trendmaster_webhook_overrides_total{result="refused"} 1']);
    expect(notices).toEqual([{ user: "oncall", reason: "INC-1 failover", configMap: "istio-system/ratelimit-config", rules: ["PARTNER=acme: 1000/minute (band 5000-9000)"] }]);
  });

  it("leaves no side effect for a dry-run request but its admission count", async () => {
    const { service, notices, counter } = setup(source());
    const dry = admissionReview({ object: rateLimitConfigMap({ "config.yaml": CONFIG }, glass), userInfo: { username: "oncall" }, dryRun: true });
    const answer = response(await service.review("mutate", dry));
    expect(answer?.warnings).toEqual(["break-glass by oncall: limits admitted unclamped (INC-1 failover)"]);
    expect(notices).toEqual([]);
    expect(await counter("trendmaster_webhook_overrides_total")).toEqual([]);
    expect(await counter("trendmaster_webhook_admissions_total")).toEqual(['trendmaster_webhook_admissions_total{endpoint="mutate",operation="UPDATE",verdict="allowed",mode="enforce",dry_run="true"} 1']);
    // A dry-run is answered exactly as the real write would be.
    const clampDry = response(await service.review("mutate", admissionReview({ object: rateLimitConfigMap({ "config.yaml": CONFIG }), dryRun: true })));
    const clampReal = response(await service.review("mutate", admissionReview({ object: rateLimitConfigMap({ "config.yaml": CONFIG }) })));
    expect(clampDry).toEqual(clampReal);
    expect(await counter("trendmaster_webhook_clamps_total")).toEqual(['trendmaster_webhook_clamps_total{direction="raised"} 1']);
  });

  it("counts what audit mode would clamp", async () => {
    const { service, counter } = setup(source(), { ...POLICY, mode: "audit" });
    await service.review("mutate", admissionReview({ object: rateLimitConfigMap({ "config.yaml": CONFIG }) }));
    expect(await counter("trendmaster_webhook_audit_would_clamps_total")).toEqual(['trendmaster_webhook_audit_would_clamps_total{direction="raised"} 1']);
    expect(await counter("trendmaster_webhook_clamps_total")).toEqual([]);
  });

  it("answers 400 to a body that is not an AdmissionReview", async () => {
    const { service, counter } = setup(source());
    expect(await service.review("validate", { kind: "AdmissionReview" })).toEqual({ status: 400, body: { error: `apiVersion undefined is not 'admission.k8s.io/v1'` } });
    expect(await counter("trendmaster_webhook_bad_requests_total")).toEqual(['trendmaster_webhook_bad_requests_total{reason="not-an-admission-review"} 1']);
  });
});

describe("answers remembered for a review that comes again with another uid", () => {
  const bytes = (options: Parameters<typeof admissionReview>[0]) => Buffer.from(JSON.stringify(admissionReview(options)));
  const object = rateLimitConfigMap({ "config.yaml": CONFIG });
  const glass = { [ANNOTATIONS.overrideReason]: "INC-1 failover" };
  const answerOf = (reply: WireReply) => {
    expect(reply.status).toBe(200);
    return JSON.parse(Buffer.concat(reply.chunks).toString("utf8")) as AdmissionReview;
  };
  /** The answer a service that remembers nothing gives, for comparison. */
  const fresh = async (body: Buffer, source: ForecastSource, policy: AdmissionPolicy = POLICY, nowMs = NOW) => {
    const { service } = setup(source, policy, { rememberedAnswers: 0, nowMs: () => nowMs });
    return answerOf(await service.reviewBytes("mutate", body));
  };
  const loaded = (cache: ForecastCache): ForecastSnapshot => ({ state: "loaded", cache });

  it("answers another uid with its own uid, exactly as without memory, and records each admission", async () => {
    const source = new FakeForecastSource(loaded(band(5000, 9000, 7)));
    let loads = 0;
    const derive = { ...DIRECT_DERIVATIONS, loadConfig: (...args: Parameters<typeof DIRECT_DERIVATIONS.loadConfig>) => (loads++, DIRECT_DERIVATIONS.loadConfig(...args)) };
    const { service, counter } = setup(source, POLICY, { derive });
    for (const uid of ["uid-1", "uid-2", "uid-3", "uid-2"]) {
      const body = bytes({ uid, object });
      const answer = answerOf(await service.reviewBytes("mutate", body));
      expect(answer.response?.uid).toBe(uid);
      expect(answer).toEqual(await fresh(body, source));
    }
    // Decided twice: a first sighting is not remembered (most reviews never come again), the second
    // is; the third is parsed (that proves the template) and answered from memory, as is every later one.
    expect(loads).toBe(2);
    expect(await counter("trendmaster_webhook_clamps_total")).toEqual(['trendmaster_webhook_clamps_total{direction="raised"} 4']);
    expect(await counter("trendmaster_webhook_admissions_total")).toEqual(['trendmaster_webhook_admissions_total{endpoint="mutate",operation="UPDATE",verdict="patched",mode="enforce",dry_run="false"} 4']);
  });

  it("decides again when the forecast changes, the mode switches or the forecast goes stale", async () => {
    const source = new FakeForecastSource(loaded(band(5000, 9000, 7)));
    let policy = POLICY;
    let now = NOW;
    const { service } = setup(source, POLICY, { policy: () => policy, nowMs: () => now });
    const ask = async (uid: string) => {
      const body = bytes({ uid, object });
      const answer = answerOf(await service.reviewBytes("mutate", body));
      expect(answer).toEqual(await fresh(body, source, policy, now));
      return answer.response?.warnings;
    };
    expect(await ask("a")).toEqual(["PARTNER=acme: 1000/minute raised to 5000 (forecast peak 5000/minute on Mon 19:00)"]);
    source.replace(loaded(band(6000, 9000, 8)));
    expect(await ask("b")).toEqual(["PARTNER=acme: 1000/minute raised to 6000 (forecast peak 6000/minute on Mon 19:00)"]);
    policy = { ...POLICY, mode: "audit" };
    expect(await ask("c")).toEqual(["audit mode, not applied: PARTNER=acme: 1000/minute raised to 6000 (forecast peak 6000/minute on Mon 19:00)"]);
    now = NOW + 24 * 3_600_000;
    expect(await ask("d")).toEqual(["forecast generation 8 is 25h old (max 24h): limits not checked against guardrails"]);
    now = NOW + 26 * 3_600_000;
    expect(await ask("e")).toEqual(["forecast generation 8 is 27h old (max 24h): limits not checked against guardrails"]);
  });

  it("never serves one user's, one dry run's or one endpoint's answer for another", async () => {
    const source = new FakeForecastSource(loaded(band(5000, 9000, 7)));
    const { service, notices, counter } = setup(source);
    const oncall = bytes({ uid: "u1", object: rateLimitConfigMap({ "config.yaml": CONFIG }, glass), userInfo: { username: "oncall" } });
    const mallory = bytes({ uid: "u2", object: rateLimitConfigMap({ "config.yaml": CONFIG }, glass), userInfo: { username: "mallory" } });
    const dry = bytes({ uid: "u3", object: rateLimitConfigMap({ "config.yaml": CONFIG }, glass), userInfo: { username: "oncall" }, dryRun: true });
    for (const body of [oncall, mallory, dry, oncall, mallory, dry]) expect(answerOf(await service.reviewBytes("mutate", body))).toEqual(await fresh(body, source));
    expect(answerOf(await service.reviewBytes("validate", mallory))).toEqual(response200(await setup(source, POLICY, { rememberedAnswers: 0 }).service.review("validate", JSON.parse(mallory.toString()))));
    expect(notices.map((n) => n.user)).toEqual(["oncall", "oncall"]);
    expect(await counter("trendmaster_webhook_overrides_total")).toEqual(['trendmaster_webhook_overrides_total{result="accepted"} 2', 'trendmaster_webhook_overrides_total{result="refused"} 2']);
  });

  it("signs afresh after a key rotation: a remembered answer never carries the retired key's stamp", async () => {
    const source = new FakeForecastSource(loaded(band(5000, 9000, 7)));
    const ringOf = (text: string) => {
      const parsed = parseStampKeyRing(text);
      if (!parsed.ok) throw new Error(parsed.problem);
      return parsed.ring;
    };
    let ring = ringOf("review-service-key-one-0123456789abcdef01234");
    const { service } = setup(source, POLICY, { stampKeys: () => ring });
    const stampOf = (answer: AdmissionReview) =>
      (JSON.parse(Buffer.from(answer.response?.patch ?? "", "base64").toString("utf8")) as { path: string; value: unknown }[]).find((op) => op.path.includes("guarded-digest"))?.value as string;
    const body = (uid: string) => bytes({ uid, object });
    for (const uid of ["a", "b", "c"]) await service.reviewBytes("mutate", body(uid));
    const before = stampOf(answerOf(await service.reviewBytes("mutate", body("d"))));
    expect(before.split(":")[1]).toBe(ring.signing.id);
    ring = ringOf("review-service-key-two-fedcba9876543210fedcb");
    const after = stampOf(answerOf(await service.reviewBytes("mutate", body("e"))));
    expect(after.split(":")[1]).toBe(ring.signing.id);
  });

  it("re-reads the cache for a newer generation's write even when its answer is remembered", async () => {
    const source = new FakeForecastSource(loaded(band(5000, 9000, 7)));
    const { service } = setup(source);
    const write = (uid: string) => bytes({ uid, object: rateLimitConfigMap({ "config.yaml": CONFIG }, { [ANNOTATIONS.generation]: "8" }), userInfo: FORECASTER });
    await service.reviewBytes("mutate", write("a"));
    await service.reviewBytes("mutate", write("b"));
    expect(source.refreshes).toBe(2);
  });

  it("proves the uid's position before trusting it: an equal uid elsewhere in the body is not taken for it", async () => {
    const source = new FakeForecastSource(loaded(band(5000, 9000, 7)));
    const { service } = setup(source);
    // The object comes first and its metadata.uid has the request's uid: the template's first guess is the wrong field.
    const body = (requestUid: string, objectUid: string) => {
      const review = admissionReview({ uid: requestUid, object: { ...object, metadata: { ...(object.metadata as object), uid: objectUid } } }) as { request: Record<string, unknown> };
      const { uid, ...rest } = review.request;
      return Buffer.from(JSON.stringify({ ...review, request: { object: rest.object, ...rest, uid } }));
    };
    // Twice each, so that each is remembered (a first sighting is not): the first pair under the wrong field.
    const sequence = [["same", "same"], ["same", "same"], ["same", "other"], ["next", "other"], ["next", "other"], ["next", "third"], ["last", "third"]] as const;
    for (const [requestUid, objectUid] of sequence) {
      const answer = answerOf(await service.reviewBytes("mutate", body(requestUid, objectUid)));
      expect(answer.response?.uid).toBe(requestUid);
      expect(answer).toEqual(await fresh(body(requestUid, objectUid), source));
    }
  });

  it("keeps no reference to the bytes it was given", async () => {
    const source = new FakeForecastSource(loaded(band(5000, 9000, 7)));
    let loads = 0;
    const derive = { ...DIRECT_DERIVATIONS, loadConfig: (...args: Parameters<typeof DIRECT_DERIVATIONS.loadConfig>) => (loads++, DIRECT_DERIVATIONS.loadConfig(...args)) };
    const { service } = setup(source, POLICY, { derive });
    const buffers = ["a", "b", "c"].map((uid) => bytes({ uid, object }));
    for (const buffer of buffers) {
      await service.reviewBytes("mutate", buffer);
      buffer.fill(0x20);
    }
    expect(loads).toBe(2);
    // Remembered from copies: the overwritten buffers changed nothing.
    const body = bytes({ uid: "d", object });
    expect(answerOf(await service.reviewBytes("mutate", body))).toEqual(await fresh(body, source));
    expect(loads).toBe(2);
  });

  it("remembers nothing of reviews seen once (another resourceVersion each time)", async () => {
    const source = new FakeForecastSource(loaded(band(5000, 9000, 7)));
    let loads = 0;
    const derive = { ...DIRECT_DERIVATIONS, loadConfig: (...args: Parameters<typeof DIRECT_DERIVATIONS.loadConfig>) => (loads++, DIRECT_DERIVATIONS.loadConfig(...args)) };
    const { service } = setup(source, POLICY, { derive });
    for (let version = 1; version <= 5; version++) {
      const body = bytes({ uid: `u${version}`, object: { ...object, metadata: { ...(object.metadata as object), resourceVersion: String(version) } } });
      expect(answerOf(await service.reviewBytes("mutate", body))).toEqual(await fresh(body, source));
    }
    expect(loads).toBe(5);
  });

  it("answers 400 to bytes that are not JSON or not a review, as before", async () => {
    const { service, counter } = setup(new FakeForecastSource({ state: "absent" }));
    const notJson = await service.reviewBytes("mutate", Buffer.from("{nope"));
    expect(notJson.status).toBe(400);
    expect(JSON.parse(Buffer.concat(notJson.chunks).toString())).toEqual({ error: expect.stringMatching(/^body is not JSON: /) as unknown });
    expect((await service.reviewBytes("mutate", Buffer.from("{}"))).status).toBe(400);
    expect(await counter("trendmaster_webhook_bad_requests_total")).toEqual(['trendmaster_webhook_bad_requests_total{reason="entity.parse.failed"} 1', 'trendmaster_webhook_bad_requests_total{reason="not-an-admission-review"} 1']);
  });
});
