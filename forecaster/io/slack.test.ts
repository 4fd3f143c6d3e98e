import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { clip, SlackNotifier, type SlackSettings } from "./slack.js";
import type { Alert } from "../logic/alerts.js";

interface Captured {
  path: string;
  authorization?: string;
  body: { channel?: string; text?: string; blocks?: Array<{ text: { text: string } }> };
}

/** A local HTTP server playing Slack's Web API and incoming webhooks. */
async function fakeSlack(answer: (path: string, n: number) => { status: number; body: string }) {
  const captured: Captured[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let data = "";
    req.on("data", (c) => (data += c));
    req.on("end", () => {
      captured.push({ path: req.url ?? "", ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}), body: JSON.parse(data) as Captured["body"] });
      const a = answer(req.url ?? "", captured.length);
      res.writeHead(a.status, { "content-type": "application/json" }).end(a.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, captured, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const alert: Alert = { kind: "rate_limit_changes", title: "TrendMaster changed 1 rate limit(s)", body: "*changed*\n```\nrule  from  to\n```" };

function settings(apiUrl: string, extra: Partial<SlackSettings> = {}): SlackSettings {
  const route = { enabled: true, channels: ["#rate-limits", "#oncall"] };
  return { apiUrl, timeoutMs: 2000, alerts: { rate_limit_changes: route, ml_confidence_low: { enabled: false, channels: ["#x"] }, system_errors: route }, ...extra };
}

describe("SlackNotifier", () => {
  it("posts chat.postMessage to each listed channel with the bot token from the Secret file", async () => {
    const slack = await fakeSlack(() => ({ status: 200, body: '{"ok":true}' }));
    const dir = await mkdtemp(join(tmpdir(), "slack-"));
    await writeFile(join(dir, "token"), "xoxb-test-token\n");
    try {
      const results = await new SlackNotifier(settings(slack.url, { botTokenFile: join(dir, "token") })).send(alert);
      expect(results).toEqual([{ destination: "#rate-limits", ok: true }, { destination: "#oncall", ok: true }]);
      expect(slack.captured.map((c) => [c.path, c.authorization, c.body.channel])).toEqual([
        ["/chat.postMessage", "Bearer xoxb-test-token", "#rate-limits"],
        ["/chat.postMessage", "Bearer xoxb-test-token", "#oncall"],
      ]);
      expect(slack.captured[0]?.body.blocks?.[0]?.text.text).toContain("```");
    } finally {
      await slack.close();
    }
  });

  it("reports Slack's own errors and outages without throwing", async () => {
    const slack = await fakeSlack((_p, n) => (n === 1 ? { status: 200, body: '{"ok":false,"error":"channel_not_found"}' } : { status: 503, body: "down" }));
    try {
      const results = await new SlackNotifier(settings(slack.url, { botTokenFile: "/does/not/exist" })).send(alert);
      expect(results).toEqual([
        { destination: "#rate-limits", ok: false, error: "slack.botTokenFile /does/not/exist: ENOENT" },
        { destination: "#oncall", ok: false, error: "slack.botTokenFile /does/not/exist: ENOENT" },
      ]);
      const dir = await mkdtemp(join(tmpdir(), "slack-"));
      await writeFile(join(dir, "token"), "xoxb");
      const second = await new SlackNotifier(settings(slack.url, { botTokenFile: join(dir, "token"), alerts: { ...settings("").alerts, rate_limit_changes: { enabled: true, channels: ["#nope", "#down"] } } })).send(alert);
      expect(second[0]).toEqual({ destination: "#nope", ok: false, error: "chat.postMessage to #nope: channel_not_found" });
      expect(second[1]?.ok).toBe(false);
      const unreachable = await new SlackNotifier(settings("http://127.0.0.1:1", { botTokenFile: join(dir, "token") })).send(alert);
      expect(unreachable.every((r) => !r.ok)).toBe(true);
    } finally {
      await slack.close();
    }
  }, 20_000);

  it("posts to incoming webhooks listed in a file, and sends nothing for a disabled kind", async () => {
    const slack = await fakeSlack(() => ({ status: 200, body: "ok" }));
    const dir = await mkdtemp(join(tmpdir(), "slack-"));
    await writeFile(join(dir, "urls"), `# team hooks\n${slack.url}/services/T/B/1\n${slack.url}/services/T/B/2\n`);
    try {
      const notifier = new SlackNotifier(settings(slack.url, { webhookUrlFile: join(dir, "urls") }));
      expect(await notifier.send(alert)).toEqual([{ destination: "webhook #1", ok: true }, { destination: "webhook #2", ok: true }]);
      expect(await notifier.send({ ...alert, kind: "ml_confidence_low" })).toEqual([]);
      expect(slack.captured.map((c) => c.path)).toEqual(["/services/T/B/1", "/services/T/B/2"]);
    } finally {
      await slack.close();
    }
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
