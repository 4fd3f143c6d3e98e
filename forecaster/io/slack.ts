/**
 * Delivers alerts to Slack through Slack's own clients: `@slack/web-api` (chat.postMessage with a
 * bot token, one call per channel) and `@slack/webhook` (incoming-webhook URLs). Both the
 * forecaster and the webhook's break-glass notices go through this one notifier. A Slack outage
 * never fails a cycle or a write: every failure is returned as a result, never thrown.
 */
import { readFile } from "node:fs/promises";
import { LogLevel, type Logger as SlackLogger, type RetryOptions, WebAPIHTTPError, WebAPIPlatformError, WebAPIRateLimitedError, WebAPIRequestError, WebClient } from "@slack/web-api";
import { IncomingWebhook, IncomingWebhookHTTPError, IncomingWebhookRequestError } from "@slack/webhook";
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

/**
 * Two retries, about 0.5 s then 1 s apart, for 5xx answers and network errors (the Web API client
 * also waits out a 429's Retry-After). Slack's own default retries for about 30 minutes, which would
 * hold a cycle long after its alert stopped being news.
 */
export const SLACK_RETRY: RetryOptions = { retries: 2, factor: 2, minTimeout: 500, maxTimeout: 2000, randomize: false };

/** Sends nothing: Slack not configured. */
export const silentNotifier: Notifier = { send: async () => [] };

/** The clients log through console by default; failures here are returned as results instead. */
const silentSlackLogger: SlackLogger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  setLevel: () => {},
  getLevel: () => LogLevel.ERROR,
  setName: () => {},
};

export class SlackNotifier implements Notifier {
  constructor(
    private readonly settings: SlackSettings,
    private readonly retry: RetryOptions = SLACK_RETRY,
  ) {}

  async send(alert: Alert): Promise<DeliveryResult[]> {
    const route = this.settings.alerts[alert.kind];
    if (!route.enabled) return [];
    const results: DeliveryResult[] = [];
    const blocks = [{ type: "section" as const, text: { type: "mrkdwn" as const, text: clip(alert.body) } }];
    if (route.channels.length > 0 && (this.settings.botTokenFile !== undefined || this.settings.botToken !== undefined)) {
      const token = await this.#token();
      if ("error" in token) results.push(...route.channels.map((channel) => ({ destination: channel, ok: false, error: token.error })));
      else {
        const client = new WebClient(token.value, { slackApiUrl: withSlash(this.settings.apiUrl), timeout: this.settings.timeoutMs, retryConfig: this.retry, logger: silentSlackLogger });
        for (const channel of route.channels) {
          results.push(await deliver(channel, "chat.postMessage", () => client.chat.postMessage({ channel, text: alert.title, blocks, unfurl_links: false })));
        }
      }
    }
    const urls = await this.#webhookUrls();
    if ("error" in urls) results.push({ destination: "incoming webhooks", ok: false, error: urls.error });
    else {
      for (const [index, url] of urls.value.entries()) {
        const destination = `webhook #${index + 1}`;
        const webhook = new IncomingWebhook(url.reveal(), { timeout: this.settings.timeoutMs, retryConfig: this.retry });
        results.push(await deliver(destination, "incoming webhook", () => webhook.send({ text: alert.title, blocks })));
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
}

async function deliver(destination: string, what: string, call: () => Promise<unknown>): Promise<DeliveryResult> {
  try {
    await call();
    return { destination, ok: true };
  } catch (error) {
    return { destination, ok: false, error: `${what} to ${destination}: ${slackFailure(error)}` };
  }
}

/**
 * What went wrong, in Slack's words where it gave some. Never the URL: an incoming webhook's URL
 * is its secret.
 */
export function slackFailure(error: unknown): string {
  if (error instanceof WebAPIPlatformError) return error.data.error;
  if (error instanceof WebAPIRateLimitedError) return `rate limited (retry after ${error.retryAfter} s)`;
  if (error instanceof WebAPIHTTPError || error instanceof IncomingWebhookHTTPError) {
    const body = typeof error.body === "string" && error.body !== "" ? ` ${error.body.slice(0, 200)}` : "";
    return `HTTP ${error.statusCode}${body}`;
  }
  if (error instanceof WebAPIRequestError || error instanceof IncomingWebhookRequestError) return requestFailure(error.original);
  return requestFailure(error);
}

/**
 * A network failure's cause: fetch reports ECONNREFUSED and friends as "fetch failed" with a cause.
 * Read by shape, not `instanceof Error`: fetch's errors may come from another realm.
 */
function requestFailure(error: unknown): string {
  const failure = error as { name?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } } | null | undefined;
  if (typeof failure !== "object" || failure === null) return String(error);
  if (failure.name === "TimeoutError") return "timed out";
  if (failure.cause?.code !== undefined) return String(failure.cause.code);
  return String(failure.cause?.message ?? failure.message ?? error);
}

function withSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}

/** Slack section text is limited to 3000 characters; a code block cut in half is closed again. */
export function clip(text: string): string {
  if (text.length <= 2900) return text;
  const cut = `${text.slice(0, 2890)}…`;
  return (cut.split("```").length - 1) % 2 === 1 ? `${cut}\n\`\`\`` : cut;
}
