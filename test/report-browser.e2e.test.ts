/// <reference lib="dom" />
// The report as a reviewer sees it: the quick start's rules and traffic, one real cycle
// (`trendmaster run --once`) and `trendmaster report` as processes against the kube-apiserver
// stand-in, then the page opened from file:// in Debian's chromium through playwright-core.
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { Page } from "playwright-core";
import { decodeForecastCache, type ForecastCache } from "../ratelimit/forecast-cache.js";
import { kubectlPath, missingBinaryMessage } from "./support/binaries.js";
import { chromiumMissing, launchChromium, type RunningChromium } from "./support/chromium.js";
import { runKubectl } from "./support/kubectl.js";
import { cliPath, repoRoot } from "./support/paths.js";
import { freeLoopbackPort } from "./support/prometheus-server.js";
import { runProcess, type ProcessResult } from "./support/run-process.js";
import { latestTimeOfWeek, THURSDAY_AFTERNOON } from "./support/weekly-anchor.js";
import { startKubeApiStandIn, type KubeApiStandIn } from "./stand-ins/kube-apiserver/index.js";
import { writeQuickStartTraffic } from "./quick-start/traffic.js";
import { shiftedClockEnv } from "./support/shifted-clock-env.js";

const kubectl = kubectlPath();
const missing = chromiumMissing() ?? (kubectl === undefined ? missingBinaryMessage("kubectl") : undefined);
if (missing !== undefined) {
  console.warn(missing);
  describe("report in chromium", () => it.skip(missing, () => undefined));
}
const describeIf = missing === undefined ? describe : describe.skip;

/** Screenshots land here for people to look at (CI keeps them as artifacts). */
const OUTPUT = join(repoRoot(), ".cache", "test-output", "report");

describeIf("report in chromium (quick-start data)", () => {
  let api: KubeApiStandIn;
  let work: string;
  let browser: RunningChromium;
  let pageUrl: string;
  let cache: ForecastCache;
  let liveLimits: number[];
  let env: Record<string, string>;
  let traffic: string;
  let beforeAnyCycle: ProcessResult;
  let unwritable: ProcessResult;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "trendmaster-report-"));
    await mkdir(OUTPUT, { recursive: true });
    api = await startKubeApiStandIn();
    const kubeconfig = api.kubeconfigPath();
    const k = async (args: string[], stdin?: string) => {
      const result = await runKubectl(kubectl as string, kubeconfig, args, stdin !== undefined ? { stdin } : {});
      if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${result.stderr}`);
      return result.stdout;
    };
    await k(["create", "namespace", "trendmaster"]);
    const example = join(repoRoot(), "examples", "ratelimit-config.yaml");
    await k(["apply", "-f", example]);
    const settings = join(work, "settings.yaml");
    await writeFile(settings, "forecaster:\n  historyDays: 28\n  stepSeconds: 300\n");
    traffic = join(work, "traffic");
    await writeQuickStartTraffic(example, traffic, latestTimeOfWeek(Date.now(), THURSDAY_AFTERNOON), { historyDays: 28, stepSeconds: 300 });
    env = { ...shiftedClockEnv(), PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: work, KUBECONFIG: kubeconfig, POD_NAMESPACE: "trendmaster", TRENDMASTER_SETTINGS: settings, LOG_LEVEL: "warn", DRY_RUN: "false" };
    beforeAnyCycle = await runProcess(process.execPath, [cliPath(), "report", "-o", join(work, "early.html"), "--source-dir", traffic], { env });
    const cycle = await runProcess(process.execPath, [cliPath(), "run", "--once", "--source-dir", traffic], { env });
    if (cycle.code !== 0) throw new Error(`run --once exited ${cycle.code}: ${cycle.stdout}${cycle.stderr}`);
    const file = join(work, "report.html");
    const report = await runProcess(process.execPath, [cliPath(), "report", "-o", file, "--source-dir", traffic], { env });
    if (report.code !== 0) throw new Error(`report exited ${report.code}: ${report.stdout}${report.stderr}`);
    expect(report.stdout).toMatch(/^report written to .*report\.html: 5 rules \(/);
    unwritable = await runProcess(process.execPath, [cliPath(), "report", "-o", join(work, "no-such-folder", "report.html"), "--source-dir", traffic], { env });
    pageUrl = pathToFileURL(file).href;
    cache = decodeForecastCache(JSON.parse(await k(["get", "configmap", "trendmaster-forecast", "-n", "trendmaster", "-o", "json"])) as { data?: Record<string, string> });
    const stored = JSON.parse(await k(["get", "configmap", "ratelimit-config", "-n", "istio-system", "-o", "json"])) as { data: Record<string, string> };
    liveLimits = [...stored.data["config.yaml"]!.matchAll(/requests_per_unit: (\d+)/g)].map((m) => Number(m[1]));
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await api?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const open = async (): Promise<Page> => {
    const page = await browser.context.newPage();
    await page.goto(pageUrl);
    await page.waitForSelector("html[data-ready=true]");
    return page;
  };
  const visibleLabels = (page: Page) => page.$$eval("#overview tbody tr:not([hidden]) th a", (links) => links.map((a) => a.textContent ?? ""));
  const column = (page: Page, key: string) => page.$$eval("#overview tbody tr", (rows, k) => rows.map((r) => r.getAttribute(`data-${k}`) ?? ""), key);

  it("says there is no forecast yet, and writes nothing, before the first cycle (exit 1)", async () => {
    expect(beforeAnyCycle.code).toBe(1);
    expect(beforeAnyCycle.stderr).toBe("trendmaster report: no forecast yet: the forecast cache ConfigMap trendmaster/trendmaster-forecast does not exist (run a cycle first)\n");
    expect(beforeAnyCycle.stdout).toBe("");
    await expect(readFile(join(work, "early.html"))).rejects.toThrow(/ENOENT/);
  });

  it("names the file it cannot write (exit 1)", () => {
    expect(unwritable.code).toBe(1);
    expect(unwritable.stderr).toBe(`trendmaster report: cannot write '${join(work, "no-such-folder", "report.html")}': ENOENT\n`);
  });

  it("shows every rule of the forecast with its numbers, and makes no network request", async () => {
    const requests: string[] = [];
    const page = await browser.context.newPage();
    page.on("request", (request) => requests.push(request.url()));
    await page.route("**/*", (route) => (route.request().url() === pageUrl ? route.continue() : route.abort()));
    await page.goto(pageUrl);
    await page.waitForSelector("html[data-ready=true]");

    const rules = Object.values(cache.rules);
    expect((await visibleLabels(page)).sort()).toEqual(rules.map((r) => r.label).sort());
    expect(await page.locator("article.rule").count()).toBe(rules.length);
    for (const rule of rules) {
      const row = page.locator("#overview tbody tr", { has: page.getByRole("link", { name: rule.label, exact: true }) });
      expect(await row.getAttribute("data-recommended")).toBe(String(rule.recommended));
      expect(await row.getAttribute("data-peak")).toBe(String(rule.peak?.value));
      expect(await row.locator("td").nth(3).textContent()).toBe(rule.band ? `${rule.band.min}–${rule.band.max}` : "–");
    }
    // The cycle applied its recommendations: the limits in force are the ones it set.
    expect((await column(page, "current")).map(Number).sort((a, b) => a - b)).toEqual([...liveLimits].sort((a, b) => a - b));
    // The counts are the cycle's own, as it recorded them in the cache.
    for (const state of ["changed", "unchanged", "low-confidence", "unmapped", "failed"]) {
      expect(await page.locator(`.count-${state} strong`).textContent()).toBe(String(rules.filter((r) => r.state === state).length));
    }

    // Draw every chart, then check nothing was requested but the page itself.
    for (const figure of await page.locator("figure.chart").all()) {
      await figure.scrollIntoViewIfNeeded();
      await figure.locator("canvas").waitFor();
    }
    expect(requests).toEqual([pageUrl]);
    await page.close();
  });

  it("sorts by a column with the mouse and with the keyboard, and reverses on the second press", async () => {
    const page = await open();
    // At-risk rows open the table.
    const risky = await page.$$eval("#overview tbody tr", (rows) => rows.map((r) => r.classList.contains("at-risk")));
    expect(risky).toEqual([...risky].sort((a, b) => Number(b) - Number(a)));

    await page.getByRole("button", { name: "Current limit" }).click();
    const ascending = (await column(page, "current")).map(Number);
    expect(ascending).toEqual([...ascending].sort((a, b) => a - b));
    expect(await page.locator("th", { has: page.getByRole("button", { name: "Current limit" }) }).getAttribute("aria-sort")).toBe("ascending");
    await page.getByRole("button", { name: "Current limit" }).click();
    expect((await column(page, "current")).map(Number)).toEqual([...ascending].reverse());

    await page.getByRole("button", { name: "Rule" }).focus();
    await page.keyboard.press("Enter");
    const labels = await column(page, "label");
    expect(labels).toEqual([...labels].sort());
    await page.getByRole("button", { name: "Peak ÷ limit" }).focus();
    await page.keyboard.press("Space");
    const ratios = (await column(page, "ratio")).map(Number);
    expect(ratios).toEqual([...ratios].sort((a, b) => a - b));
    expect(await page.locator("th", { has: page.getByRole("button", { name: "Peak ÷ limit" }) }).getAttribute("aria-sort")).toBe("ascending");
    await page.close();
  });

  it("filters rows and rule sections by text", async () => {
    const page = await open();
    await page.getByLabel("Filter rules").fill("customer_id_2");
    expect((await visibleLabels(page)).sort()).toEqual(Object.values(cache.rules).map((r) => r.label).filter((l) => l.includes("CUSTOMER_ID_2")).sort());
    expect(await page.locator("article.rule:not([hidden])").count()).toBe(2);
    expect(await page.locator("#shown").textContent()).toBe("2 of 5 rules shown");
    await page.getByLabel("Filter rules").fill("no such rule");
    expect(await visibleLabels(page)).toEqual([]);
    await page.getByLabel("Filter rules").fill("");
    expect((await visibleLabels(page)).length).toBe(5);
    await page.close();
  });

  it("draws charts only as they scroll into view, and none is blank", async () => {
    const page = await open();
    await page.screenshot({ path: join(OUTPUT, "overview.png") });
    const figures = await page.locator("figure.chart").all();
    expect(figures.length).toBe(5);
    // The last rule is far below the first screen: not drawn until it is scrolled to.
    expect(await figures[figures.length - 1]!.getAttribute("data-drawn")).toBeNull();
    for (const figure of figures) {
      await figure.scrollIntoViewIfNeeded();
      await figure.locator("canvas").waitFor();
      // Canvas pixels that differ from the (transparent) background: the lines, band and points.
      const painted = await figure.locator("canvas").evaluate((canvas: HTMLCanvasElement) => {
        const pixels = canvas.getContext("2d")!.getImageData(0, 0, canvas.width, canvas.height).data;
        let count = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) count++;
        return count / (canvas.width * canvas.height);
      });
      expect(painted).toBeGreaterThan(0.02);
    }
    await page.locator("article.rule").first().screenshot({ path: join(OUTPUT, "rule.png") });
    await page.close();
  });

  it("is served by `trendmaster forecaster` at /report over HTTP, and opens from there with no other request", async () => {
    const port = await freeLoopbackPort();
    await writeFile(env.TRENDMASTER_SETTINGS!, `forecaster:\n  historyDays: 28\n  stepSeconds: 300\n  workers: 1\n  metrics: {port: ${port}}\n`);
    // No cycle is due (SCHEDULE once a year): the page comes from the cache the earlier cycle wrote.
    const forecaster = spawn(process.execPath, [cliPath(), "forecaster", "--source-dir", traffic], { env: { ...env, SCHEDULE: "0 0 1 1 *" }, stdio: "ignore" });
    try {
      const url = `http://127.0.0.1:${port}/report`;
      const served = await waitForOk(url, 20_000);
      expect(served.headers.get("content-type")).toBe("text/html; charset=utf-8");
      const html = await served.text();
      for (const rule of Object.values(cache.rules)) expect(html).toContain(`>${rule.label}</a>`);
      expect(html).toContain(`Forecast generation ${cache.generation},`);

      const requests: string[] = [];
      const page = await browser.context.newPage();
      page.on("request", (request) => requests.push(request.url()));
      await page.goto(url);
      await page.waitForSelector("html[data-ready=true]");
      expect(await visibleLabels(page)).toHaveLength(Object.keys(cache.rules).length);
      await page.locator("figure.chart canvas").first().waitFor();
      expect(requests).toEqual([url]);
      await page.close();
    } finally {
      forecaster.kill("SIGTERM");
      await new Promise((resolve) => forecaster.once("exit", resolve));
    }
  }, 60_000);

  it("keeps text readable in the dark scheme", async () => {
    const page = await browser.context.newPage();
    await page.emulateMedia({ colorScheme: "dark" });
    await page.goto(pageUrl);
    await page.waitForSelector("html[data-ready=true]");
    const [background, text] = await page.evaluate(() => [getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]);
    expect(contrast(background!, text!)).toBeGreaterThan(7);
    await page.locator("article.rule").first().scrollIntoViewIfNeeded();
    await page.locator("article.rule").first().locator("canvas").waitFor();
    await page.screenshot({ path: join(OUTPUT, "overview-dark.png") });
    await page.close();
    await readFile(join(OUTPUT, "overview-dark.png"));
  });
});

async function waitForOk(url: string, timeoutMs: number): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(url).catch(() => undefined);
    if (response?.ok) return response;
    if (Date.now() > deadline) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms (last: ${response?.status ?? "no answer"})`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** WCAG contrast ratio of two `rgb(r, g, b)` colours. */
function contrast(a: string, b: string): number {
  const luminance = (css: string): number => {
    const [r, g, bl] = (css.match(/\d+/g) ?? []).slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}
