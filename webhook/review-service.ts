import type { Logger } from "pino";
import type { StampKeyRing } from "../ratelimit/guard-stamp.js";
import { admit, isGuardedObject, type Endpoint } from "./admission/admit.js";
import { generationClaimOf } from "./admission/generation-claim.js";
import type { AdmissionPolicy, ForecastSnapshot } from "./admission/policy.js";
import type { AdmissionContext, AdmissionDecision } from "./admission/ratelimit-config.js";
import { readAdmissionReview, reviewOf, type AdmissionRequest, type AdmissionReview } from "./admission/review.js";
import type { ForecastSource } from "./io/forecast-source.js";
import type { BreakGlassNotifier } from "./io/slack-notifier.js";
import type { WebhookMetrics } from "./metrics.js";
import { AnswerMemo, answerContext, sameContext, type RememberedAnswer } from "./answer-memo.js";
import { uidPosition, uidTemplateOf, type UidTemplate } from "./review-template.js";
import { answerWithUid, encodeAnswer } from "./review-wire.js";
import { cutUserText } from "./admission/messages.js";

export interface ReviewServiceDeps {
  readonly forecast: ForecastSource;
  /** The policy now (the settings file may have changed since the last request). */
  readonly policy: () => AdmissionPolicy;
  readonly nowMs: () => number;
  readonly derive: AdmissionContext["derive"];
  /** The stamp key ring now (re-read when its file changes); undefined: writes are not stamped. */
  readonly stampKeys?: () => StampKeyRing | undefined;
  readonly metrics: WebhookMetrics;
  readonly logger: Logger;
  readonly notifier?: BreakGlassNotifier;
  /** Longest wait for a cache re-read; the API server's own webhook timeout is 10 s at most. */
  readonly refreshTimeoutMs?: number;
  /** Answers remembered for reviews that come again with a new uid (0: none). */
  readonly rememberedAnswers?: number;
}

/** 200 with an AdmissionReview, or 400 when the body is not one (without a uid there is nothing to answer). */
export type ReviewReply = { readonly status: 200; readonly body: AdmissionReview } | { readonly status: 400; readonly body: { readonly error: string } };

/** An answer as the bytes to send. */
export interface WireReply {
  readonly status: 200 | 400;
  readonly chunks: readonly Buffer[];
}

export interface ReviewService {
  /** A parsed body (tests, callers holding objects). */
  review(endpoint: Endpoint, body: unknown): Promise<ReviewReply>;
  /**
   * The posted bytes: a review equal to a recent one but for its uid is answered from memory
   * (same decision, same records), anything else is parsed and decided. The bytes are read during
   * the call only (the caller may reuse the buffer once it resolves).
   */
  reviewBytes(endpoint: Endpoint, body: Buffer): Promise<WireReply>;
}

/**
 * The admission path between HTTP and the pure decision: reads the review, re-reads the forecast
 * cache when a write is newer than it, decides, then records (metrics, log, Slack). Records are
 * side effects, so a dry-run request leaves none besides its admission count.
 */
export function createReviewService(deps: ReviewServiceDeps): ReviewService {
  const refreshTimeoutMs = deps.refreshTimeoutMs ?? 3_000;
  const memo = new AnswerMemo(deps.rememberedAnswers ?? 8);

  async function forecastFor(request: AdmissionRequest, policy: AdmissionPolicy): Promise<ForecastSnapshot> {
    const snapshot = deps.forecast.current();
    if (!isGuardedObject(request, policy.target)) return snapshot;
    const claim = generationClaimOf(request, policy);
    if (claim.kind !== "forecaster" || (snapshot.state === "loaded" && snapshot.cache.generation >= claim.generation)) return snapshot;
    // The forecaster's write from a newer generation than ours: check it against that generation's bands, not the older ones.
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
      const rules = override.outsideBand.map((c) => `${cutUserText(c.label)}: ${c.from}/${c.unit} (band ${c.band.min}-${c.band.max})`);
      deps.logger.warn({ ...fields, overrideUser: override.glass.user, reason: cutUserText(override.glass.reason), rules }, override.glass.kind === "accepted" ? "break-glass write admitted unclamped" : "break-glass annotation ignored: user not allowed");
      if (override.glass.kind === "accepted" && deps.notifier) {
        void deps.notifier.notify({ user: override.glass.user, reason: cutUserText(override.glass.reason), configMap: `${policy.target.namespace}/${policy.target.name}`, rules });
      }
    }
  }

  /**
   * Decide and record. On the wire path (`wire` given) the answer is also encoded, and remembered
   * under the body's template; `wire.known`'s decision is reused when nothing it depends on changed.
   */
  async function answer(endpoint: Endpoint, request: AdmissionRequest, wire?: { known?: RememberedAnswer; template?: UidTemplate }): Promise<{ decision: AdmissionDecision; chunks: readonly Buffer[] }> {
    const policy = deps.policy();
    const forecast = await forecastFor(request, policy);
    const nowMs = deps.nowMs();
    const stampKeys = deps.stampKeys?.();
    let decision: AdmissionDecision;
    let chunks: readonly Buffer[] = [];
    const context = wire ? answerContext(request, policy, forecast, nowMs, stampKeys) : undefined;
    const known = wire?.known;
    if (known && context && sameContext(known.context, context)) {
      decision = { response: { ...known.decision.response, uid: request.uid }, outcome: known.decision.outcome };
      chunks = answerWithUid(request.uid, known.afterUid);
      memo.touch(known);
    } else {
      decision = admit(endpoint, request, { policy, forecast, nowMs, derive: deps.derive, ...(stampKeys ? { stampKeys } : {}) });
      if (wire && context) {
        const encoded = encodeAnswer(reviewOf(decision.response));
        chunks = [encoded.bytes];
        const template = known?.template ?? wire.template;
        // A bug's answer is not worth repeating: the next request tries again.
        if (template && encoded.afterUid && !decision.outcome.internalError) {
          memo.remember({ endpoint, template, verified: known?.verified ?? false, request, context, decision, afterUid: encoded.afterUid }, known);
        }
      }
    }
    try {
      record(endpoint, request, policy, decision);
    } catch (error) {
      deps.logger.error({ err: (error as Error).message }, "recording an admission failed");
    }
    return { decision, chunks };
  }

  function notAReview(message: string, reason: string): { status: 400; body: { error: string } } {
    deps.metrics.badRequests.inc({ reason });
    return { status: 400, body: { error: message } };
  }

  return {
    async review(endpoint, body) {
      const read = readAdmissionReview(body);
      if (!read.ok) return notAReview(read.message, "not-an-admission-review");
      const { decision } = await answer(endpoint, read.request);
      return { status: 200, body: reviewOf(decision.response) };
    },

    async reviewBytes(endpoint, body) {
      const known = memo.find(endpoint, body);
      if (known?.usable) {
        // The remembered request is this body's parse but for the uid (the template proves it).
        return { status: 200, chunks: (await answer(endpoint, { ...known.entry.request, uid: known.uid }, { known: known.entry })).chunks };
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString("utf8"));
      } catch (error) {
        const reply = notAReview(`body is not JSON: ${(error as Error).message}`, "entity.parse.failed");
        return { status: 400, chunks: [encodeAnswer(reply.body).bytes] };
      }
      const read = readAdmissionReview(parsed);
      if (!read.ok) return { status: 400, chunks: [encodeAnswer(notAReview(read.message, "not-an-admission-review").body).bytes] };
      const request = read.request;
      if (known) {
        // The same bytes but the uid's: if this body's uid is the one found there, the template is proven.
        if (request.uid === known.uid) known.entry.verified = true;
        else memo.forget(known.entry);
      }
      const proven = known?.entry.verified ? known.entry : undefined;
      if (proven) return { status: 200, chunks: (await answer(endpoint, request, { known: proven })).chunks };
      const at = uidPosition(body, request.uid);
      const repeated = at !== undefined && memo.sightedBefore(endpoint, body, at.start, at.end);
      const wire = { template: repeated ? uidTemplateOf(body, request.uid) : undefined };
      return { status: 200, chunks: (await answer(endpoint, request, wire)).chunks };
    },
  };
}
