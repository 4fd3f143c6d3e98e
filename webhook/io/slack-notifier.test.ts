import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSlackNotifier, type FetchLike } from "./slack-notifier.js";

describe("createSlackNotifier", () => {
  const dir = mkdtempSync(join(tmpdir(), "tm-slack-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const notice = { user: "oncall", reason: "INC-1 failover", configMap: "istio-system/ratelimit-config", rules: ["PARTNER=acme: 1000/minute (band 5000-9000)"] };
  const text = ":rotating_light: Break-glass write to istio-system/ratelimit-config by oncall: INC-1 failover\nPARTNER=acme: 1000/minute (band 5000-9000)";

  it("posts to every incoming webhook and every channel, reading the secrets at send time", async () => {
    writeFileSync(join(dir, "urls"), "# on-call\nhttps://hooks.example/a\n\nhttps://hooks.example/b\n");
    writeFileSync(join(dir, "token"), "xoxb-1\n");
    const calls: Array<[string, string, string | undefined]> = [];
    const fetchFn: FetchLike = async (url, init) => {
      calls.push([url, init.body, init.headers.authorization]);
      return { status: 200, text: async () => (url.endsWith("chat.postMessage") ? '{"ok":true}' : "ok") };
    };
    const errors: string[] = [];
    await createSlackNotifier({ webhookUrlFile: join(dir, "urls"), botTokenFile: join(dir, "token"), channels: ["#limits"], apiUrl: "https://slack.test/api/", timeoutMs: 1000 }, (e) => errors.push(e), fetchFn).notify(notice);
    expect(errors).toEqual([]);
    expect(calls).toEqual([
      ["https://hooks.example/a", JSON.stringify({ text }), undefined],
      ["https://hooks.example/b", JSON.stringify({ text }), undefined],
      ["https://slack.test/api/chat.postMessage", JSON.stringify({ channel: "#limits", text, unfurl_links: false }), "Bearer xoxb-1"],
    ]);
  });

  it("reports failures instead of throwing", async () => {
    const errors: string[] = [];
    const failing: FetchLike = async (url) => {
      if (url.includes("down")) throw new Error("ECONNREFUSED");
      return { status: 200, text: async () => '{"ok":false,"error":"channel_not_found"}' };
    };
    writeFileSync(join(dir, "urls2"), "https://down.example/\n");
    writeFileSync(join(dir, "token2"), "xoxb-2");
    await createSlackNotifier({ webhookUrlFile: join(dir, "urls2"), botTokenFile: join(dir, "token2"), channels: ["#nope"], apiUrl: "https://slack.test/api", timeoutMs: 1000 }, (e) => errors.push(e), failing).notify(notice);
    await createSlackNotifier({ webhookUrlFile: join(dir, "missing"), channels: [], apiUrl: "https://slack.test/api", timeoutMs: 1000 }, (e) => errors.push(e), failing).notify(notice);
    expect(errors).toEqual([
      "Slack break-glass notice to webhook #1 failed: ECONNREFUSED",
      'Slack break-glass notice to #nope: HTTP 200 {"ok":false,"error":"channel_not_found"}',
      `slack.webhookUrlFile ${join(dir, "missing")}: ENOENT`,
    ]);
  });
});
