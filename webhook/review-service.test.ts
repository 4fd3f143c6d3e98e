import { pino } from "pino";
import { ANNOTATIONS } from "../ratelimit/annotations.js";
import type { ForecastCache } from "../ratelimit/forecast-cache.js";
import { DIRECT_DERIVATIONS } from "./admission/content-memo.js";
import type { AdmissionPolicy, ForecastSnapshot } from "./admission/policy.js";
import type { AdmissionReview } from "./admission/review.js";
import type { ForecastSource } from "./io/forecast-source.js";
import type { BreakGlassNotice } from "./io/slack-notifier.js";
import { createWebhookMetrics } from "./metrics.js";
import { createReviewService, type ReviewReply } from "./review-service.js";
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
}

const POLICY: AdmissionPolicy = { mode: "enforce", maxForecastAgeMs: 24 * 3_600_000, breakGlass: { users: ["oncall"], groups: [] }, target: TARGET, mergeDomains: false };

function setup(source: ForecastSource, policy: AdmissionPolicy = POLICY) {
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
  });
  const counter = async (name: string) => (await metrics.registry.getSingleMetricAsString(name)).split("\n").filter((l) => !l.startsWith("#") && l.trim() !== "");
  return { service, notices, counter };
}

function response(reply: ReviewReply) {
  if (reply.status !== 200) throw new Error(JSON.stringify(reply.body));
  return (reply.body as AdmissionReview).response;
}

describe("generation re-read", () => {
  const write = (generation: string) => admissionReview({ object: rateLimitConfigMap({ "config.yaml": CONFIG }, { [ANNOTATIONS.generation]: generation }) });

  it("re-reads the cache before judging a write from a newer generation, then clamps against the new one", async () => {
    const source = new FakeForecastSource({ state: "loaded", cache: band(5000, 9000, 7) }, { state: "loaded", cache: band(800, 1200, 8) });
    const { service } = setup(source);
    const answer = response(await service.review("mutate", write("8")));
    expect(source.refreshes).toBe(1);
    // Against generation 7 the limit would have been raised to 5000; generation 8 allows it.
    expect(answer?.warnings).toBeUndefined();
    expect(answer?.auditAnnotations?.["forecast-generation"]).toBe("8");
  });

  it("does not clamp when the re-read cache is still older than the write", async () => {
    const source = new FakeForecastSource({ state: "loaded", cache: band(5000, 9000, 7) });
    const { service } = setup(source);
    const answer = response(await service.review("mutate", write("8")));
    expect(source.refreshes).toBe(1);
    expect(answer?.warnings).toEqual(["this write was computed from forecast generation 8 but the webhook has 7: limits not checked against guardrails"]);
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
