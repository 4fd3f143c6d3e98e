/** A break-glass write, as told to the on-call channel. */
export interface BreakGlassNotice {
  readonly user: string;
  readonly reason: string;
  readonly configMap: string;
  /** Rules admitted outside their band, `label: from->band`. */
  readonly rules: readonly string[];
}

export interface BreakGlassNotifier {
  notify(notice: BreakGlassNotice): Promise<void>;
}

export type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body: string; signal: AbortSignal }) => Promise<{ ok: boolean; status: number }>;

/** Slack incoming webhook. Failures are reported to `onError`, never thrown: a notice must not fail a write. */
export function createSlackNotifier(webhookUrl: string, onError: (message: string) => void, fetchFn: FetchLike = fetch, timeoutMs = 5_000): BreakGlassNotifier {
  return {
    async notify(notice) {
      const rules = notice.rules.length === 0 ? "no limit outside its band" : notice.rules.slice(0, 20).join("\n") + (notice.rules.length > 20 ? `\n... and ${notice.rules.length - 20} more` : "");
      const text = `:rotating_light: Break-glass write to ${notice.configMap} by ${notice.user}: ${notice.reason}\n${rules}`;
      try {
        const response = await fetchFn(webhookUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text }), signal: AbortSignal.timeout(timeoutMs) });
        if (!response.ok) onError(`Slack answered ${response.status} to the break-glass notice`);
      } catch (error) {
        onError(`Slack break-glass notice failed: ${(error as Error).message}`);
      }
    },
  };
}
