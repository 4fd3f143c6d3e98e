import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freeLoopbackPort } from "../../test/support/prometheus-server.js";
import { startSlackApiStandIn, type SlackApiStandIn } from "../../test/stand-ins/slack-api.js";
import { clip, SlackNotifier, type SlackSettings } from "./slack.js";
import type { Alert } from "../logic/alerts.js";

const alert: Alert = { kind: "rate_limit_changes", title: "TrendMaster changed 1 rate limit(s)", body: "*changed*\n```\nrule  from  to\n```" };
/** Slack's clients retry as in production, only with short pauses. */
const fastRetry = { retries: 2, factor: 1, minTimeout: 10, maxTimeout: 10 };

function settings(apiUrl: string, extra: Partial<SlackSettings> = {}): SlackSettings {
  const route = { enabled: true, channels: ["#rate-limits", "#oncall"] };
  return { apiUrl, timeoutMs: 2000, alerts: { rate_limit_changes: route, ml_confidence_low: { enabled: false, channels: ["#x"] }, system_errors: route }, ...extra };
}

describe("SlackNotifier (through @slack/web-api and @slack/webhook, against the Slack API stand-in)", () => {
  let slack: SlackApiStandIn;
  let dir: string;
  beforeEach(async () => {
    slack = await startSlackApiStandIn("xoxb-test-token");
    dir = await mkdtemp(join(tmpdir(), "slack-"));
  });
  afterEach(() => slack.close());

  it("posts chat.postMessage to each listed channel with the bot token from the Secret file, read at every send", async () => {
    await writeFile(join(dir, "token"), "xoxb-test-token\n");
    const notifier = new SlackNotifier(settings(slack.apiUrl, { botTokenFile: join(dir, "token") }), fastRetry);
    expect(await notifier.send(alert)).toEqual([{ destination: "#rate-limits", ok: true }, { destination: "#oncall", ok: true }]);
    expect(slack.messages.map((m) => [m.path, m.token, m.channel, m.text, m.unfurlLinks])).toEqual([
      ["/chat.postMessage", "xoxb-test-token", "#rate-limits", alert.title, false],
      ["/chat.postMessage", "xoxb-test-token", "#oncall", alert.title, false],
    ]);
    expect(slack.messages[0]?.body).toBe(alert.body);
    // A rotated Secret is used at the next send, without a restart.
    await writeFile(join(dir, "token"), "xoxb-rotated\n");
    expect((await notifier.send(alert))[0]).toEqual({ destination: "#rate-limits", ok: false, error: "chat.postMessage to #rate-limits: invalid_auth" });
  });

  it("reports a missing token file, Slack's own errors, an outage and an unreachable API without throwing", async () => {
    const missing = await new SlackNotifier(settings(slack.apiUrl, { botTokenFile: "/does/not/exist" }), fastRetry).send(alert);
    expect(missing).toEqual([
      { destination: "#rate-limits", ok: false, error: "slack.botTokenFile /does/not/exist: ENOENT" },
      { destination: "#oncall", ok: false, error: "slack.botTokenFile /does/not/exist: ENOENT" },
    ]);
    await writeFile(join(dir, "token"), "xoxb-test-token");
    slack.missingChannels.add("#nope");
    const routed = settings(slack.apiUrl, { botTokenFile: join(dir, "token"), alerts: { ...settings("").alerts, rate_limit_changes: { enabled: true, channels: ["#nope"] } } });
    expect(await new SlackNotifier(routed, fastRetry).send(alert)).toEqual([{ destination: "#nope", ok: false, error: "chat.postMessage to #nope: channel_not_found" }]);
    expect(slack.requests).toEqual(["/api/chat.postMessage"]);

    slack.down = true;
    const outage = await new SlackNotifier(settings(slack.apiUrl, { botTokenFile: join(dir, "token") }), fastRetry).send(alert);
    expect(outage).toEqual([
      { destination: "#rate-limits", ok: false, error: "chat.postMessage to #rate-limits: HTTP 503 service unavailable" },
      { destination: "#oncall", ok: false, error: "chat.postMessage to #oncall: HTTP 503 service unavailable" },
    ]);
    // The first try and two retries for each channel, then it gives up.
    expect(slack.requests.length).toBe(1 + 2 * 3);

    const closedPort = await freeLoopbackPort();
    const unreachable = await new SlackNotifier(settings(`http://127.0.0.1:${closedPort}/api`, { botTokenFile: join(dir, "token") }), fastRetry).send(alert);
    // Under jest, fetch's errors come from another realm and the client keeps only their text.
    for (const [i, channel] of ["#rate-limits", "#oncall"].entries()) expect(unreachable[i]?.error).toMatch(new RegExp(`^chat\\.postMessage to ${channel}: (ECONNREFUSED|TypeError: fetch failed)$`));
  });

  it("waits out a 429's Retry-After and delivers", async () => {
    await writeFile(join(dir, "token"), "xoxb-test-token");
    slack.rateLimitNext = 1;
    const results = await new SlackNotifier(settings(slack.apiUrl, { botTokenFile: join(dir, "token") }), fastRetry).send(alert);
    expect(results).toEqual([{ destination: "#rate-limits", ok: true }, { destination: "#oncall", ok: true }]);
    expect(slack.requests.length).toBe(3);
    expect(slack.messages.map((m) => m.channel)).toEqual(["#rate-limits", "#oncall"]);
  });

  it("posts to incoming webhooks listed in a file, never names their URLs, and sends nothing for a disabled kind", async () => {
    const base = slack.apiUrl.replace(/\/api$/, "");
    await writeFile(join(dir, "urls"), `# team hooks\n${base}/services/T/B/1\n${base}/services/T/B/2\n`);
    const notifier = new SlackNotifier(settings(slack.apiUrl, { webhookUrlFile: join(dir, "urls") }), fastRetry);
    expect(await notifier.send(alert)).toEqual([{ destination: "webhook #1", ok: true }, { destination: "webhook #2", ok: true }]);
    expect(await notifier.send({ ...alert, kind: "ml_confidence_low" })).toEqual([]);
    expect(slack.messages.map((m) => [m.path, m.text, m.body])).toEqual([
      ["/services/T/B/1", alert.title, alert.body],
      ["/services/T/B/2", alert.title, alert.body],
    ]);
    slack.down = true;
    const outage = await notifier.send(alert);
    expect(outage.map((r) => r.error)).toEqual(["incoming webhook to webhook #1: HTTP 503 service unavailable", "incoming webhook to webhook #2: HTTP 503 service unavailable"]);
    expect(JSON.stringify(outage)).not.toContain("/services/");
    const unreadable = await new SlackNotifier(settings(slack.apiUrl, { webhookUrlFile: join(dir, "absent") }), fastRetry).send(alert);
    expect(unreadable).toEqual([{ destination: "incoming webhooks", ok: false, error: `slack.webhookUrlFile ${join(dir, "absent")}: ENOENT` }]);
  });
});

describe("clip", () => {
  it("keeps Slack's section limit and closes a code block it cuts", () => {
    const long = `*changed*\n\`\`\`\n${"edge.PARTNER_x  minute  100  200  +100%\n".repeat(200)}\`\`\``;
    const clipped = clip(long);
    expect(clipped.length).toBeLessThanOrEqual(3000);
    expect(clipped.endsWith("…\n```")).toBe(true);
    expect(clip("short")).toBe("short");
  });
});
