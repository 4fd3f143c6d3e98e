import { readFile } from "node:fs/promises";

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

export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal }) => Promise<{ status: number; text(): Promise<string> }>;

async function readLines(path: string): Promise<string[]> {
  return (await readFile(path, "utf8")).split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
}

/**
 * Break-glass notices to Slack, through the same settings the forecaster uses (its
 * rate_limit_changes route). Failures go to `onError`, never thrown: a notice must not fail a write.
 */
export function createSlackNotifier(delivery: SlackDelivery, onError: (message: string) => void, fetchFn: FetchLike = fetch): BreakGlassNotifier {
  const post = async (url: string, body: unknown, headers: Record<string, string>, where: string) => {
    try {
      const response = await fetchFn(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body), signal: AbortSignal.timeout(delivery.timeoutMs) });
      const text = await response.text();
      const slackError = headers.authorization !== undefined && !/"ok"\s*:\s*true/.test(text);
      if (response.status !== 200 || slackError) onError(`Slack break-glass notice to ${where}: HTTP ${response.status} ${text.slice(0, 200)}`);
    } catch (error) {
      onError(`Slack break-glass notice to ${where} failed: ${(error as Error).message}`);
    }
  };
  return {
    async notify(notice) {
      const rules = notice.rules.length === 0 ? "no limit outside its band" : notice.rules.slice(0, 20).join("\n") + (notice.rules.length > 20 ? `\n... and ${notice.rules.length - 20} more` : "");
      const text = `:rotating_light: Break-glass write to ${notice.configMap} by ${notice.user}: ${notice.reason}\n${rules}`;
      if (delivery.webhookUrlFile !== undefined) {
        let urls: string[] = [];
        try {
          urls = await readLines(delivery.webhookUrlFile);
        } catch (error) {
          onError(`slack.webhookUrlFile ${delivery.webhookUrlFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
        }
        await Promise.all(urls.map((url, i) => post(url, { text }, {}, `webhook #${i + 1}`)));
      }
      if (delivery.botTokenFile !== undefined && delivery.channels.length > 0) {
        let token = "";
        try {
          token = (await readFile(delivery.botTokenFile, "utf8")).trim();
        } catch (error) {
          onError(`slack.botTokenFile ${delivery.botTokenFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
          return;
        }
        const url = `${delivery.apiUrl.replace(/\/+$/, "")}/chat.postMessage`;
        await Promise.all(delivery.channels.map((channel) => post(url, { channel, text, unfurl_links: false }, { authorization: `Bearer ${token}` }, channel)));
      }
    },
  };
}
