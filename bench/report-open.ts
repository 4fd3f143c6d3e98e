/**
 * How fast a 1,000-rule report opens in Debian's chromium (headless, via playwright-core), beside
 * a 5-rule report (the quick start's size) opened the same way in the same run.
 * The pages are built by the report's own code from synthetic traffic: 28 days of 5-minute steps
 * per rule, daily and weekly cycles, noise and a few bursts, cleaned as the forecaster cleans it.
 * Per page, over 5 fresh loads (median, max): time from navigation to the table being interactive
 * (`report-ready`) and to the load event's end; one sort of the table; and, since the 1,000-row
 * table fills many screens, scrolling to the first rule's chart and to one halfway down until each
 * is drawn (charts draw only as they come into view).
 * Target: the 1,000-rule page opens (load event, table interactive) in under 2 s.
 * Run: npx tsc -p . && node dist/bench/report-open.js
 */
/// <reference lib="dom" />
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { prepareSeries } from "../forecaster/logic/series-prep.js";
import { DEFAULT_FORECAST_SETTINGS } from "../forecaster/logic/settings.js";
import { loadChartAssets } from "../forecaster/report/chart-assets.js";
import { buildChartData } from "../forecaster/report/chart-series.js";
import { buildReportData, type ReportRuleInput } from "../forecaster/report/report-data.js";
import { renderReportHtml } from "../forecaster/report/report-html.js";
import { chromiumMissing, launchChromium } from "../test/support/chromium.js";
import { repoRoot } from "../test/support/paths.js";
import { seededRandom } from "../forecaster/logic/synthetic-traffic.js";

const STEP_SECONDS = 300;
const DAYS = 28;
const LOADS = 5;
const END_MS = Date.UTC(2026, 0, 8, 14, 40);

function syntheticRule(index: number): ReportRuleInput {
  // Seeded: the same pages every run.
  const next = seededRandom(index + 1);
  const points = (DAYS * 86_400) / STEP_SECONDS;
  const startMs = END_MS - points * STEP_SECONDS * 1000;
  const mean = 50 + next() * 5000;
  const samples = Array.from({ length: points }, (_v, k) => {
    const t = startMs + k * STEP_SECONDS * 1000;
    const hour = (t / 3_600_000) % 24;
    const weekend = [0, 6].includes(new Date(t).getUTCDay()) ? 0.6 : 1;
    const burst = next() < 0.0005 ? 3 : 1;
    return { timestampMs: t, value: Math.round(mean * weekend * burst * (1 + 0.6 * Math.sin(((hour - 8) / 24) * 2 * Math.PI)) * (0.9 + 0.2 * next())) };
  });
  const prepared = prepareSeries({ fullKey: `edge.PARTNER_p${index}`, stepSeconds: STEP_SECONDS, samples }, DEFAULT_FORECAST_SETTINGS);
  const chart = buildChartData(prepared, "minute", 2, 24, END_MS - 21 * 86_400_000);
  const peak = Math.ceil(Math.max(...chart.traffic.map((v) => v ?? 0)));
  const current = Math.round(peak * (0.6 + next()));
  const recommended = Math.ceil(peak * 1.1);
  return {
    fullKey: `edge.PARTNER_p${index}.PATH_/api/v${index % 3}`,
    liveLimit: current,
    chart,
    forecast: {
      label: `PARTNER=p${index}/PATH=/api/v${index % 3}`,
      unit: "minute",
      current,
      recommended,
      band: { min: peak, max: peak * 4 },
      confidence: next() < 0.1 ? "low" : next() < 0.3 ? "medium" : "high",
      explanation: `edge.PARTNER_p${index}: ${recommended}/minute (was ${current}): p95 of the 24h peak +10% headroom`,
      peak: { value: peak, at: new Date(END_MS + 3_600_000 * (1 + (index % 20))).toISOString() },
    },
  };
}

async function buildPage(rules: number, dir: string): Promise<{ file: string; buildMs: number; bytes: number }> {
  const assets = await loadChartAssets();
  const inputs = Array.from({ length: rules }, (_v, i) => syntheticRule(i));
  const started = performance.now();
  const data = buildReportData({
    cache: { generation: 1, generatedAt: new Date(END_MS).toISOString(), source: "bench", model: "prophet", rules: {} },
    target: "istio-system/ratelimit-config",
    rules: inputs,
    unguarded: false,
    builtAt: new Date(END_MS).toISOString(),
    trafficSource: "synthetic",
  });
  const html = renderReportHtml(data, assets);
  const buildMs = performance.now() - started;
  const file = join(dir, `report-${rules}.html`);
  writeFileSync(file, html);
  return { file, buildMs, bytes: Buffer.byteLength(html) };
}

interface LoadTimes {
  /** Navigation start to the page script done: table sortable and filterable. */
  readyMs: number;
  /** Navigation start to the load event's end. */
  loadMs: number;
  /** One click on a column heading: 1,000 rows re-ordered. */
  sortMs: number;
  /** Scrolling to the first rule's chart until it is drawn. */
  firstChartMs: number;
  /** Scrolling to a chart halfway down until it is drawn. */
  middleChartMs: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const max = (xs: number[]): number => Math.max(...xs);

async function main(): Promise<void> {
  const missing = chromiumMissing();
  if (missing) {
    console.log(`report-open: ${missing}`);
    process.exitCode = 2;
    return;
  }
  const dir = join(repoRoot(), ".cache", "bench");
  mkdirSync(dir, { recursive: true });
  const browser = await launchChromium();
  try {
    console.log(`report in chromium (headless), ${LOADS} fresh loads each, median/max in ms; target: 1,000 rules open (load event, table interactive) < 2000 ms`);
    console.log("rules  file KiB  build ms     ready      load      sort   scroll to 1st chart   scroll to middle chart");
    for (const rules of [5, 1000]) {
      const page = await buildPage(rules, dir);
      const times: LoadTimes[] = [];
      for (let i = 0; i < LOADS; i++) {
        const tab = await browser.context.newPage();
        await tab.goto(pathToFileURL(page.file).href, { waitUntil: "load" });
        await tab.waitForSelector("html[data-ready=true]");
        const opened = await tab.evaluate(() => ({
          ready: performance.getEntriesByName("report-ready")[0]?.startTime ?? Number.NaN,
          load: (performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming | undefined)?.loadEventEnd ?? Number.NaN,
        }));
        // Sorting is synchronous in the page: timed around the click itself.
        const sortMs = await tab.evaluate(() => {
          const button = [...document.querySelectorAll("thead button")].find((b) => b.textContent?.startsWith("Forecast peak")) as HTMLButtonElement;
          const started = performance.now();
          button.click();
          return performance.now() - started;
        });
        const chartAfterScroll = async (index: number): Promise<number> => {
          const figure = tab.locator("figure.chart").nth(index);
          const started = await tab.evaluate(() => performance.now());
          await figure.scrollIntoViewIfNeeded();
          await figure.locator("canvas").waitFor();
          return (await tab.evaluate(() => performance.now())) - started;
        };
        const firstChartMs = await chartAfterScroll(0);
        const middleChartMs = await chartAfterScroll(Math.floor(rules / 2));
        times.push({ readyMs: opened.ready, loadMs: opened.load, sortMs, firstChartMs, middleChartMs });
        await tab.close();
      }
      const col = (f: (t: LoadTimes) => number) => `${median(times.map(f)).toFixed(0)}/${max(times.map(f)).toFixed(0)}`;
      console.log(`${String(rules).padStart(5)}  ${(page.bytes / 1024).toFixed(0).padStart(8)}  ${page.buildMs.toFixed(0).padStart(8)}  ${col((t) => t.readyMs).padStart(8)}  ${col((t) => t.loadMs).padStart(8)}  ${col((t) => t.sortMs).padStart(8)}  ${col((t) => t.firstChartMs).padStart(20)}  ${col((t) => t.middleChartMs).padStart(23)}`);
    }
  } finally {
    await browser.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
