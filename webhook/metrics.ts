import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { forecastAgeMs } from "../ratelimit/forecast-cache.js";
import type { ForecastSnapshot } from "./admission/policy.js";

/** The webhook's Prometheus metrics, on their own registry (tests create several servers in one process). */
export interface WebhookMetrics {
  readonly registry: Registry;
  /** Admissions by endpoint, operation, verdict (allowed, patched, denied), mode and dry_run. */
  readonly admissions: Counter<"endpoint" | "operation" | "verdict" | "mode" | "dry_run">;
  /** Limits clamped into their band (enforce mode, not dry-run). */
  readonly clamps: Counter<"direction">;
  /** Limits audit mode would have clamped. */
  readonly auditWouldClamps: Counter<"direction">;
  /** Break-glass writes: accepted (allow-listed) or refused (annotation ignored). */
  readonly overrides: Counter<"result">;
  /** Writes admitted without a guardrail check, by why (missing, unreadable, stale). */
  readonly unguarded: Counter<"reason">;
  /** Configs the ratelimit service would not load. */
  readonly loadErrors: Counter<"mode">;
  readonly badRequests: Counter<"reason">;
  readonly internalErrors: Counter;
  readonly latency: Histogram<"endpoint">;
  readonly forecastGeneration: Gauge;
  readonly forecastAgeSeconds: Gauge;
  readonly certificateReloads: Counter<"result">;
  readonly forecastRereads: Counter;
}

/** `forecastOf` is read at each scrape for the forecast gauges. */
export function createWebhookMetrics(forecastOf: () => ForecastSnapshot = () => ({ state: "unknown" }), nowMs: () => number = Date.now): WebhookMetrics {
  const registry = new Registry();
  const registers = [registry];
  // Unprefixed, as in the forecaster: process_* and nodejs_* told apart by the scrape's job/container labels.
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    admissions: new Counter({ name: "trendmaster_webhook_admissions_total", help: "Admission reviews answered", labelNames: ["endpoint", "operation", "verdict", "mode", "dry_run"], registers }),
    clamps: new Counter({ name: "trendmaster_webhook_clamps_total", help: "Limits clamped into their guardrail band", labelNames: ["direction"], registers }),
    auditWouldClamps: new Counter({ name: "trendmaster_webhook_audit_would_clamps_total", help: "Limits audit mode would have clamped", labelNames: ["direction"], registers }),
    overrides: new Counter({ name: "trendmaster_webhook_overrides_total", help: "Break-glass writes (trendmaster.io/override-reason)", labelNames: ["result"], registers }),
    unguarded: new Counter({ name: "trendmaster_webhook_unguarded_admissions_total", help: "Writes admitted without a guardrail check", labelNames: ["reason"], registers }),
    loadErrors: new Counter({ name: "trendmaster_webhook_load_errors_total", help: "Configs the ratelimit service would refuse to load", labelNames: ["mode"], registers }),
    badRequests: new Counter({ name: "trendmaster_webhook_bad_requests_total", help: "Bodies that are not an AdmissionReview (answered 4xx)", labelNames: ["reason"], registers }),
    internalErrors: new Counter({ name: "trendmaster_webhook_internal_errors_total", help: "Admissions answered after a webhook bug", registers }),
    latency: new Histogram({
      name: "trendmaster_webhook_admission_duration_seconds",
      help: "Time from request to answer, body parsing included",
      labelNames: ["endpoint"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    forecastGeneration: new Gauge({
      name: "trendmaster_webhook_forecast_generation",
      help: "Forecast generation the webhook enforces (-1: none)",
      registers,
      collect() {
        const snapshot = forecastOf();
        this.set(snapshot.state === "loaded" ? snapshot.cache.generation : -1);
      },
    }),
    forecastAgeSeconds: new Gauge({
      name: "trendmaster_webhook_forecast_age_seconds",
      help: "Age of the forecast the webhook holds (absent: none)",
      registers,
      collect() {
        const snapshot = forecastOf();
        if (snapshot.state === "loaded") this.set(forecastAgeMs(snapshot.cache, nowMs()) / 1000);
        else this.reset();
      },
    }),
    certificateReloads: new Counter({ name: "trendmaster_webhook_certificate_reloads_total", help: "Serving certificate reloads", labelNames: ["result"], registers }),
    forecastRereads: new Counter({ name: "trendmaster_webhook_forecast_rereads_total", help: "Cache re-reads asked by a write from a newer generation", registers }),
  };
}
