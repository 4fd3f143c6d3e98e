import type { ForecastCache } from "../../ratelimit/forecast-cache.js";

/** enforce: clamp and deny. audit: admit unchanged, say what enforce would have done. */
export type WebhookMode = "enforce" | "audit";
export const WEBHOOK_MODES: readonly WebhookMode[] = ["enforce", "audit"];

/** Everything the admission decision depends on besides the request and the forecast: settings, validated and frozen. */
export interface AdmissionPolicy {
  readonly mode: WebhookMode;
  /** Older forecasts are not trusted: no clamping, a warning. */
  readonly maxForecastAgeMs: number;
  /** Who may write a limit outside the band with trendmaster.io/override-reason. */
  readonly breakGlass: { readonly users: readonly string[]; readonly groups: readonly string[] };
  /** The one ConfigMap the webhook guards; every other object is admitted untouched. */
  readonly target: { readonly namespace: string; readonly name: string };
  /** The ratelimit service's MERGE_DOMAIN_CONFIG: files may share a domain. */
  readonly mergeDomains: boolean;
  /**
   * The forecaster's usernames (`system:serviceaccount:<ns>:<sa>`): only their writes may claim a
   * forecast generation (trendmaster.io/generation). Absent or empty: nobody may.
   */
  readonly forecasterUsers?: readonly string[];
}

/** What the webhook knows of the forecast cache ConfigMap right now. */
export type ForecastSnapshot =
  | { readonly state: "unknown" }
  | { readonly state: "absent" }
  | { readonly state: "unreadable"; readonly problem: string }
  | { readonly state: "loaded"; readonly cache: ForecastCache };
