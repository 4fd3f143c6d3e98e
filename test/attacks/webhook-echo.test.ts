// A write whose config holds a 2 MiB unknown key or unit: the real webhook process denies it,
// quoting at most 200 characters of it (marked as cut) in its answer and in its log line.
import { admissionReview, rateLimitConfigMap } from "../../webhook/test-support/admission-fixtures.js";
import { httpsRequest, testAgent } from "../../webhook/test-support/https-client.js";
import { hasOpenssl } from "../../webhook/test-support/tls-fixtures.js";
import { startWebhookProcess, type WebhookProcess } from "./webhook-process.js";

const KEY = "k".repeat(2 * 1024 * 1024);

(hasOpenssl() ? describe : describe.skip)("the webhook does not echo what it is sent", () => {
  let webhook: WebhookProcess;
  beforeAll(async () => {
    webhook = await startWebhookProcess();
  }, 30_000);
  afterAll(() => webhook?.stop());

  // A plain key longer than 1,024 characters is a YAML syntax error to the service (its implicit-key
  // limit); `? key` is the explicit form it reads whatever the length.
  it.each([
    ["unknown key", `domain: edge\n? ${KEY}\n: 1\ndescriptors:\n  - key: PARTNER\n    rate_limit: {unit: minute, requests_per_unit: 10}\n`, "config error, unknown key"],
    ["rate limit unit", `domain: edge\ndescriptors:\n  - key: PARTNER\n    rate_limit: {unit: ${KEY}, requests_per_unit: 10}\n`, "invalid rate limit unit"],
  ])("denies a config with a 2 MiB %s in a short answer and a short log line", async (_what, config, problem) => {
    const review = admissionReview({ uid: `echo-${problem.length}`, object: rateLimitConfigMap({ "config.yaml": config }), userInfo: { username: "mallory", groups: ["system:authenticated"] } });
    const reply = await httpsRequest(testAgent(Buffer.from(webhook.ca)), webhook.port, "POST", "/validate", JSON.stringify(review));
    expect(reply.status).toBe(200);
    expect(reply.text.length).toBeLessThan(2_000);
    const response = (JSON.parse(reply.text) as { response: { allowed: boolean; status?: { message?: string } } }).response;
    expect(response.allowed).toBe(false);
    expect(response.status?.message).toBe(`config.yaml: ${problem} '${"k".repeat(200)}...(cut: ${KEY.length} characters in all)'`);
    // The log line may reach us a moment after the answer.
    const denialLine = () => webhook.log().split("\n").find((line) => line.includes('"write denied"') && line.includes(`"uid":"echo-${problem.length}"`));
    for (let i = 0; i < 50 && denialLine() === undefined; i++) await new Promise((r) => setTimeout(r, 100));
    const denial = denialLine();
    expect(denial).toBeDefined();
    expect(denial?.length).toBeLessThan(2_000);
  }, 30_000);
});
