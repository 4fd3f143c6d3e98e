import type { Logger } from "pino";
import { admit, isGuardedObject, type Endpoint } from "./admission/admit.js";
import { writeGenerationOf } from "./admission/configmap-object.js";
import type { AdmissionPolicy, ForecastSnapshot } from "./admission/policy.js";
import type { AdmissionContext, AdmissionDecision } from "./admission/ratelimit-config.js";
import { readAdmissionReview, reviewOf, type AdmissionRequest, type AdmissionReview } from "./admission/review.js";
import type { ForecastSource } from "./io/forecast-source.js";
import type { BreakGlassNotifier } from "./io/slack-notifier.js";
import type { WebhookMetrics } from "./metrics.js";

export interface ReviewServiceDeps {
  readonly forecast: ForecastSource;
  /** The policy now (the settings file may have changed since the last request). */
  readonly policy: () => AdmissionPolicy;
  readonly nowMs: () => number;
  readonly derive: AdmissionContext["derive"];
  readonly metrics: WebhookMetrics;
  readonly logger: Logger;
  readonly notifier?: BreakGlassNotifier;
  /** Longest wait for a cache re-read; the API server's own webhook timeout is 10 s at most. */
  readonly refreshTimeoutMs?: number;
}

/** 200 with an AdmissionReview, or 400 when the body is not one (without a uid there is nothing to answer). */
export type ReviewReply = { readonly status: 200; readonly body: AdmissionReview } | { readonly status: 400; readonly body: { readonly error: string } };

export interface ReviewService {
  review(endpoint: Endpoint, body: unknown): Promise<ReviewReply>;
}

/**
 * The admission path between HTTP and the pure decision: reads the review, re-reads the forecast
 * cache when a write is newer than it, decides, then records (metrics, log, Slack). Records are
 * side effects, so a dry-run request leaves none besides its admission count.
 */
export function createReviewService(deps: ReviewServiceDeps): ReviewService {
  const refreshTimeoutMs = deps.refreshTimeoutMs ?? 3_000;

  async function forecastFor(request: AdmissionRequest, policy: AdmissionPolicy): Promise<ForecastSnapshot> {
    const snapshot = deps.forecast.current();
    if (!isGuardedObject(request, policy.target)) return snapshot;
    const generation = writeGenerationOf(request.object);
    if (generation === undefined || (snapshot.state === "loaded" && snapshot.cache.generation >= generation)) return snapshot;
    // A forecaster write from a newer generation than ours: never clamp it against the older one.
    deps.metrics.forecastRereads.inc();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<ForecastSnapshot>((resolve) => {
      timer = setTimeout(() => resolve(deps.forecast.current()), refreshTimeoutMs);
    });
    try {
      return await Promise.race([deps.forecast.refresh(), timeout]);
    } catch (error) {
      deps.logger.warn({ err: (error as Error).message }, "forecast cache re-read failed");
      return deps.forecast.current();
    } finally {
      clearTimeout(timer);
    }
  }

  function record(endpoint: Endpoint, request: AdmissionRequest, policy: AdmissionPolicy, decision: AdmissionDecision): void {
    const { outcome, response } = decision;
    const dryRun = request.dryRun === true;
    deps.metrics.admissions.inc({ endpoint, operation: request.operation, verdict: outcome.verdict, mode: policy.mode, dry_run: String(dryRun) });
    if (!outcome.guarded) return;
    if (outcome.internalError) {
      deps.metrics.internalErrors.inc();
      deps.logger.error({ uid: request.uid, endpoint, error: outcome.internalError }, "admission failed");
    }
    const fields = { uid: request.uid, endpoint, operation: request.operation, user: request.userInfo.username, dryRun, mode: policy.mode, allowed: response.allowed };
    if (endpoint === "validate") {
      if (outcome.loadErrors.length > 0 && !dryRun) deps.metrics.loadErrors.inc({ mode: policy.mode });
      if (!response.allowed) deps.logger.info({ ...fields, message: response.status?.message }, "write denied");
      return;
    }
    // Counting clamps, overrides and unguarded writes once: on mutate, for writes that persist.
    if (dryRun) return;
    for (const clamp of outcome.clamps) deps.metrics.clamps.inc({ direction: clamp.direction });
    for (const clamp of outcome.wouldClamps) deps.metrics.auditWouldClamps.inc({ direction: clamp.direction });
    if (outcome.unguarded) deps.metrics.unguarded.inc({ reason: outcome.unguarded });
    if (outcome.clamps.length > 0 || outcome.wouldClamps.length > 0) {
      deps.logger.info({ ...fields, clamped: outcome.clamps.length, wouldClamp: outcome.wouldClamps.length, warnings: response.warnings }, policy.mode === "audit" ? "audit: limits would be clamped" : "limits clamped");
    }
    const override = outcome.override;
    if (override) {
      deps.metrics.overrides.inc({ result: override.glass.kind });
      const rules = override.outsideBand.map((c) => `${c.label}: ${c.from}/${c.unit} (band ${c.band.min}-${c.band.max})`);
      deps.logger.warn({ ...fields, overrideUser: override.glass.user, reason: override.glass.reason, rules }, override.glass.kind === "accepted" ? "break-glass write admitted unclamped" : "break-glass annotation ignored: user not allowed");
      if (override.glass.kind === "accepted" && deps.notifier) {
        void deps.notifier.notify({ user: override.glass.user, reason: override.glass.reason, configMap: `${policy.target.namespace}/${policy.target.name}`, rules });
      }
    }
  }

  return {
    async review(endpoint, body) {
      const read = readAdmissionReview(body);
      if (!read.ok) {
        deps.metrics.badRequests.inc({ reason: "not-an-admission-review" });
        return { status: 400, body: { error: read.message } };
      }
      const request = read.request;
      const policy = deps.policy();
      const forecast = await forecastFor(request, policy);
      const decision = admit(endpoint, request, { policy, forecast, nowMs: deps.nowMs(), derive: deps.derive });
      try {
        record(endpoint, request, policy, decision);
      } catch (error) {
        deps.logger.error({ err: (error as Error).message }, "recording an admission failed");
      }
      return { status: 200, body: reviewOf(decision.response) };
    },
  };
}
