/** `npm start` as a newcomer runs it: the whole system on embedded defaults, real processes, real kubectl. */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../support/paths.js";
import { runProcess, type ProcessResult } from "../support/run-process.js";
import { holdQuickStartLock } from "./quick-start-lock.js";
import { quickStartMissing } from "./running-quick-start.js";

const missing = quickStartMissing();

function runQuickStart(): Promise<ProcessResult> {
  return runProcess(process.execPath, [join(repoRoot(), "dist", "test", "quick-start", "main.js"), "--exit"], { cwd: repoRoot(), env: { ...process.env, LOG_LEVEL: "warn" } });
}

/** The README's `$ npm start` console block. */
function readmeQuickStartOutput(): string {
  const readme = readFileSync(join(repoRoot(), "README.md"), "utf8");
  const block = /```console\n\$ npm start\n([\s\S]*?)```/.exec(readme);
  if (!block?.[1]) throw new Error("README.md has no `$ npm start` console block");
  return block[1];
}

/** The recommendation table: from its header to the first blank line. */
function tableOf(output: string): string[] {
  const lines = output.split("\n");
  const header = lines.findIndex((l) => l.startsWith("rule "));
  const end = lines.findIndex((l, i) => i > header && l.trim() === "");
  return lines.slice(header, end);
}

/** The explanation lines, with their timestamps (which follow the day the demo runs) masked. */
function whyLines(output: string): string[] {
  return output.split("\n").filter((l) => l.startsWith("  global-ratelimit.")).map((l) => l.replace(/\d{4}-\d\d-\d\dT\d\d:\d\dZ/g, "<time>"));
}

const describeIf = missing ? describe.skip : describe;
if (missing) describe("quick start", () => it.skip(missing, () => undefined));

describeIf("quick start (npm start)", () => {
  // .cache/quick-start is this test's until its last look at report.html (readme-commands.test.ts uses it too).
  let release: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    release = await holdQuickStartLock();
  }, 200_000);
  afterAll(() => release?.());

  it("runs one full cycle through the stand-in API and the webhook, prints the table and the kubectl command", async () => {
    const result = await runQuickStart();
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const lines = result.stdout.split("\n");
    const header = lines.findIndex((l) => l.startsWith("rule "));
    expect(lines[header]).toMatch(/^rule\s+was\s+forecast peak\s+recommended\s+band\s+confidence\s+now$/);
    const rows = lines.slice(header + 1, header + 6);
    expect(rows.map((r) => r.split(/\s{2,}/)[0])).toEqual([
      "PARTNER=CUSTOMER_ID_1/PATH=/api_v3/catalog",
      "PARTNER=CUSTOMER_ID_1/PATH=/api_v3/playback/start",
      "PARTNER=CUSTOMER_ID_2/PATH=/api_v3/epg/grid",
      "PARTNER=CUSTOMER_ID_2/PATH=/api_v2/user/profile",
      "PARTNER",
    ]);
    // Every rule got a trustworthy forecast and the cycle applied it: "now" is the recommendation.
    for (const row of rows) {
      const [, , , recommended, band, confidence, now] = row.split(/\s{2,}/);
      expect(band).toMatch(/^\d+\.\.\d+$/);
      expect(confidence).toBe("high");
      expect(`${now}/`).toBe(`${recommended?.split("/")[0]}/`);
    }
    expect(result.stdout).toMatch(/Cycle finished in \d+\.\d s/);
    // The recording ends at the same time of the week on any day: the README's example is what a newcomer sees.
    const readme = readmeQuickStartOutput();
    expect(tableOf(result.stdout)).toEqual(tableOf(readme));
    const explanations = whyLines(result.stdout);
    for (const line of whyLines(readme)) expect(explanations).toContain(line);
    expect(result.stdout).toContain("KUBECONFIG=.cache/quick-start/kubeconfig .cache/bin/kubectl edit configmap ratelimit-config -n istio-system");
    expect(existsSync(join(repoRoot(), ".cache", "quick-start", "kubeconfig"))).toBe(true);
    // The report: written by `trendmaster report`, and printed only once the forecaster answered 200 at /report.
    expect(result.stdout).toMatch(/^report: \.cache\/quick-start\/report\.html \(open it in a browser\), served at http:\/\/127\.0\.0\.1:\d+\/report$/m);
    const page = readFileSync(join(repoRoot(), ".cache", "quick-start", "report.html"), "utf8");
    for (const label of rows.map((r) => r.split(/\s{2,}/)[0] as string)) expect(page).toContain(`>${label}</a>`);
  }, 120_000);
});
