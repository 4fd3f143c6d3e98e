import { SlackNotifier, type Notifier, type SlackSettings } from "../../forecaster/io/slack.js";

/** A break-glass write, as told to the on-call channel. */
export interface BreakGlassNotice {
  readonly user: string;
  readonly reason: string;
  readonly configMap: string;
  /** Rules admitted outside their band, `label: from/unit (band min-max)`. */
  readonly rules: readonly string[];
}

export interface BreakGlassNotifier {
  notify(notice: BreakGlassNotice): Promise<void>;
}

/** The settings file's `slack` section as the webhook reads it (the forecaster's schema, docs/settings.md). */
export interface SlackDelivery {
  /** Incoming-webhook URLs, one per line (a mounted Secret), read at each notice so rotation needs no restart. */
  readonly webhookUrlFile?: string;
  /** Bot token file, for chat.postMessage to `channels`. */
  readonly botTokenFile?: string;
  readonly channels: readonly string[];
  readonly apiUrl: string;
  readonly timeoutMs: number;
}

const MAX_LISTED_RULES = 20;

/** The notice as an alert on the forecaster's rate_limit_changes route. */
export function breakGlassAlertText(notice: BreakGlassNotice): { title: string; body: string } {
  const listed = notice.rules.slice(0, MAX_LISTED_RULES).join("\n");
  const more = notice.rules.length > MAX_LISTED_RULES ? `\n... and ${notice.rules.length - MAX_LISTED_RULES} more` : "";
  const title = `:rotating_light: Break-glass write to ${notice.configMap} by ${notice.user}: ${notice.reason}`;
  return { title, body: `${title}\n${notice.rules.length === 0 ? "no limit outside its band" : listed + more}` };
}

/** The shared Slack notifier, routed as the forecaster routes rate_limit_changes. */
export function slackSettingsOf(delivery: SlackDelivery): SlackSettings {
  const off = { enabled: false, channels: [] };
  return {
    ...(delivery.webhookUrlFile !== undefined ? { webhookUrlFile: delivery.webhookUrlFile } : {}),
    ...(delivery.botTokenFile !== undefined ? { botTokenFile: delivery.botTokenFile } : {}),
    apiUrl: delivery.apiUrl,
    timeoutMs: delivery.timeoutMs,
    alerts: { rate_limit_changes: { enabled: true, channels: delivery.channels }, ml_confidence_low: off, system_errors: off },
  };
}

/**
 * Break-glass notices to Slack, through the notifier the forecaster uses. Failures go to
 * `onError`, never thrown: a notice must not fail a write.
 */
export function createSlackNotifier(delivery: SlackDelivery, onError: (message: string) => void, notifier: Notifier = new SlackNotifier(slackSettingsOf(delivery))): BreakGlassNotifier {
  return {
    async notify(notice) {
      const results = await notifier.send({ kind: "rate_limit_changes", ...breakGlassAlertText(notice) });
      for (const result of results) if (!result.ok) onError(`Slack break-glass notice: ${result.error ?? result.destination}`);
    },
  };
}
