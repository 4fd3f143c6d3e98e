import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SlackNotifier } from "../../forecaster/io/slack.js";
import { freeLoopbackPort } from "../../test/support/prometheus-server.js";
import { startSlackApiStandIn, type SlackApiStandIn } from "../../test/stand-ins/slack-api.js";
import { createSlackNotifier, slackSettingsOf, type SlackDelivery } from "./slack-notifier.js";

const fastRetry = { retries: 1, factor: 1, minTimeout: 10, maxTimeout: 10 };

describe("createSlackNotifier (break-glass notices through the shared Slack notifier)", () => {
  const dir = mkdtempSync(join(tmpdir(), "tm-slack-"));
  let slack: SlackApiStandIn;
  beforeEach(async () => (slack = await startSlackApiStandIn("xoxb-1")));
  afterEach(() => slack.close());
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const notice = { user: "oncall", reason: "INC-1 failover", configMap: "istio-system/ratelimit-config", rules: ["PARTNER=acme: 1000/minute (band 5000-9000)"] };
  const title = ":rotating_light: Break-glass write to istio-system/ratelimit-config by oncall: INC-1 failover";
  const notifierFor = (delivery: SlackDelivery, errors: string[]) => createSlackNotifier(delivery, (e) => errors.push(e), new SlackNotifier(slackSettingsOf(delivery), fastRetry));

  it("posts to every incoming webhook and every channel, reading the secrets at send time", async () => {
    const base = slack.apiUrl.replace(/\/api$/, "");
    writeFileSync(join(dir, "urls"), `# on-call\n${base}/services/A\n\n${base}/services/B\n`);
    writeFileSync(join(dir, "token"), "xoxb-1\n");
    const errors: string[] = [];
    await notifierFor({ webhookUrlFile: join(dir, "urls"), botTokenFile: join(dir, "token"), channels: ["#limits"], apiUrl: `${slack.apiUrl}/`, timeoutMs: 1000 }, errors).notify(notice);
    expect(errors).toEqual([]);
    expect(slack.messages.map((m) => [m.path, m.channel, m.text, m.body])).toEqual([
      ["/chat.postMessage", "#limits", title, `${title}\nPARTNER=acme: 1000/minute (band 5000-9000)`],
      ["/services/A", undefined, title, `${title}\nPARTNER=acme: 1000/minute (band 5000-9000)`],
      ["/services/B", undefined, title, `${title}\nPARTNER=acme: 1000/minute (band 5000-9000)`],
    ]);
  });

  it("lists at most 20 rules", async () => {
    writeFileSync(join(dir, "token3"), "xoxb-1");
    const rules = Array.from({ length: 23 }, (_, i) => `PARTNER=p${i}: 1/second (band 5-9)`);
    await notifierFor({ botTokenFile: join(dir, "token3"), channels: ["#limits"], apiUrl: slack.apiUrl, timeoutMs: 1000 }, []).notify({ ...notice, rules });
    const body = slack.messages[0]?.body ?? "";
    expect(body).toContain("PARTNER=p19:");
    expect(body).not.toContain("PARTNER=p20:");
    expect(body.endsWith("\n... and 3 more")).toBe(true);
  });

  it("reports failures instead of throwing", async () => {
    const errors: string[] = [];
    writeFileSync(join(dir, "urls2"), `http://127.0.0.1:${await freeLoopbackPort()}/services/down\n`);
    writeFileSync(join(dir, "token2"), "xoxb-1");
    slack.missingChannels.add("#nope");
    await notifierFor({ webhookUrlFile: join(dir, "urls2"), botTokenFile: join(dir, "token2"), channels: ["#nope"], apiUrl: slack.apiUrl, timeoutMs: 1000 }, errors).notify(notice);
    await notifierFor({ webhookUrlFile: join(dir, "missing"), channels: [], apiUrl: slack.apiUrl, timeoutMs: 1000 }, errors).notify(notice);
    expect(errors[1]).toMatch(/^Slack break-glass notice: incoming webhook to webhook #1: (ECONNREFUSED|TypeError: fetch failed)$/);
    expect(errors).toEqual([
      "Slack break-glass notice: chat.postMessage to #nope: channel_not_found",
      errors[1],
      `Slack break-glass notice: slack.webhookUrlFile ${join(dir, "missing")}: ENOENT`,
    ]);
  });
});
