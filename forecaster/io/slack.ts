/**
 * Delivers alerts to Slack: a bot token (chat.postMessage, one call per channel) or incoming-webhook
 * URLs. A Slack outage never fails a cycle: every failure is returned and logged, never thrown.
 */
import { readFile } from "node:fs/promises";
import type { Alert, AlertKind } from "../logic/alerts.js";
import { RedactedSecret } from "./prometheus-settings.js";

export interface DeliveryResult {
  /** Channel name, or `webhook #n`. */
  readonly destination: string;
  readonly ok: boolean;
  readonly error?: string;
}

export interface Notifier {
  /** Never rejects: failures come back as results. */
  send(alert: Alert): Promise<DeliveryResult[]>;
}

export interface AlertRoute {
  readonly enabled: boolean;
  /** Channels for this alert kind (bot token mode). */
  readonly channels: readonly string[];
}

export interface SlackSettings {
  /** File holding the bot token (a mounted Secret), read on every send so rotation needs no restart. */
  readonly botTokenFile?: string;
  readonly botToken?: RedactedSecret;
  /** Incoming-webhook URLs: every enabled alert goes to each. */
  readonly webhookUrls?: readonly RedactedSecret[];
  /** File with incoming-webhook URLs, one per line (a mounted Secret), read on every send. */
  readonly webhookUrlFile?: string;
  /** Base of Slack's Web API; tests point it at a local server. */
  readonly apiUrl: string;
  readonly alerts: Readonly<Record<AlertKind, AlertRoute>>;
  readonly timeoutMs: number;
}

/** Sends nothing: Slack not configured. */
export const silentNotifier: Notifier = { send: async () => [] };

/** Keeps every alert, for tests and the demo. */
export class RecordingNotifier implements Notifier {
  readonly alerts: Alert[] = [];
  async send(alert: Alert): Promise<DeliveryResult[]> {
    this.alerts.push(alert);
    return [{ destination: "recorder", ok: true }];
  }
}

export class SlackNotifier implements Notifier {
  constructor(
    private readonly settings: SlackSettings,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  async send(alert: Alert): Promise<DeliveryResult[]> {
    const route = this.settings.alerts[alert.kind];
    if (!route.enabled) return [];
    const results: DeliveryResult[] = [];
    const token = this.settings.botTokenFile !== undefined || this.settings.botToken !== undefined ? await this.#token() : undefined;
    if (token !== undefined) {
      for (const channel of route.channels) {
        results.push("error" in token ? { destination: channel, ok: false, error: token.error } : await this.#postMessage(token.value, channel, alert));
      }
    }
    const urls = await this.#webhookUrls();
    if ("error" in urls) results.push({ destination: "incoming webhooks", ok: false, error: urls.error });
    else {
      let n = 0;
      for (const url of urls.value) {
        n += 1;
        results.push(await this.#postWebhook(url, `webhook #${n}`, alert));
      }
    }
    return results;
  }

  async #token(): Promise<{ value: string } | { error: string }> {
    if (this.settings.botToken !== undefined) return { value: this.settings.botToken.reveal() };
    const file = this.settings.botTokenFile as string;
    try {
      const value = (await readFile(file, "utf8")).trim();
      return value === "" ? { error: `slack.botTokenFile ${file} is empty` } : { value };
    } catch (error) {
      return { error: `slack.botTokenFile ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}` };
    }
  }

  async #webhookUrls(): Promise<{ value: readonly RedactedSecret[] } | { error: string }> {
    const fixed = this.settings.webhookUrls ?? [];
    const file = this.settings.webhookUrlFile;
    if (file === undefined) return { value: fixed };
    try {
      const lines = (await readFile(file, "utf8")).split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
      return { value: [...fixed, ...lines.map((l) => new RedactedSecret(l))] };
    } catch (error) {
      return { error: `slack.webhookUrlFile ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}` };
    }
  }

  async #postMessage(token: string, channel: string, alert: Alert): Promise<DeliveryResult> {
    const url = `${this.settings.apiUrl.replace(/\/+$/, "")}/chat.postMessage`;
    const body = JSON.stringify({ channel, text: alert.title, blocks: [{ type: "section", text: { type: "mrkdwn", text: clip(alert.body) } }], unfurl_links: false });
    return this.#post(url, body, channel, { authorization: `Bearer ${token}` }, (status, text) => {
      let parsed: { ok?: unknown; error?: unknown } = {};
      try {
        parsed = JSON.parse(text) as typeof parsed;
      } catch {
        return `chat.postMessage to ${channel}: HTTP ${status}, not JSON: ${text.slice(0, 200)}`;
      }
      return parsed.ok === true ? undefined : `chat.postMessage to ${channel}: ${String(parsed.error ?? `HTTP ${status}`)}`;
    });
  }

  async #postWebhook(url: RedactedSecret, destination: string, alert: Alert): Promise<DeliveryResult> {
    const body = JSON.stringify({ text: alert.title, blocks: [{ type: "section", text: { type: "mrkdwn", text: clip(alert.body) } }] });
    return this.#post(url.reveal(), body, destination, {}, (status, text) => (status === 200 ? undefined : `incoming webhook ${destination}: HTTP ${status} ${text.slice(0, 200)}`));
  }

  /** One retry after a 429 (honouring a short Retry-After) or a 5xx/network error. */
  async #post(url: string, body: string, destination: string, headers: Record<string, string>, check: (status: number, text: string) => string | undefined): Promise<DeliveryResult> {
    let lastError = "";
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const response = await this.fetchImpl(url, {
          method: "POST",
          headers: { "content-type": "application/json; charset=utf-8", ...headers },
          body,
          signal: AbortSignal.timeout(this.settings.timeoutMs),
        });
        const text = await response.text();
        if (response.status === 429 || response.status >= 500) {
          lastError = `${destination}: HTTP ${response.status}`;
          const retryAfterSeconds = Math.min(Number(response.headers.get("retry-after") ?? "1") || 1, 5);
          await new Promise((resolve) => setTimeout(resolve, retryAfterSeconds * 1000));
          continue;
        }
        const error = check(response.status, text);
        return error === undefined ? { destination, ok: true } : { destination, ok: false, error };
      } catch (error) {
        lastError = `${destination}: ${(error as Error).message}`;
      }
    }
    return { destination, ok: false, error: lastError };
  }
}

/** Slack section text is limited to 3000 characters; a code block cut in half is closed again. */
export function clip(text: string): string {
  if (text.length <= 2900) return text;
  const cut = `${text.slice(0, 2890)}…`;
  return (cut.split("```").length - 1) % 2 === 1 ? `${cut}\n\`\`\`` : cut;
}
