/**
 * The report as one self-contained HTML page: styles, uPlot, the page script and the data inlined,
 * and a Content-Security-Policy that forbids every network request, so it opens the same from
 * file://, from /report, or from a Slack link. The table and texts are rendered here (readable
 * without scripts); the page script sorts, filters and draws the charts. Pure.
 */
import { PAGE_SCRIPT } from "./page-script.js";
import { PAGE_STYLE } from "./page-style.js";
import type { ReportData, ReportRow, ReportState } from "./report-data.js";

/** The charting library's files, read by the caller from node_modules. */
export interface ChartAssets {
  readonly script: string;
  readonly style: string;
}

const STATE_TEXT: Readonly<Record<ReportState, string>> = {
  changed: "changed",
  unchanged: "unchanged",
  "low-confidence": "low confidence",
  unmapped: "unmapped",
  failed: "failed",
  excluded: "excluded",
};
const CONFIDENCE_RANK = { low: 0, medium: 1, high: 2 } as const;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);
}

/** JSON safe inside a <script> element: no `</script>` or `<!--` can end it early. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");
}

/** Inline script text may not contain `</script`; uPlot's does not, this keeps it that way. */
function inlineScript(text: string): string {
  return text.replace(/<\/script/gi, "<\\/script");
}

const formatNumber = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(n < 10 ? 2 : 1));
const formatTime = (iso: string): string => `${iso.slice(0, 16).replace("T", " ")}Z`;
const percent = (share: number): string => `${(share * 100).toFixed(share < 0.01 && share > 0 ? 2 : 1)}%`;

const COLUMNS: ReadonlyArray<{ key: string; title: string; numeric: boolean }> = [
  { key: "label", title: "Rule", numeric: false },
  { key: "unit", title: "Unit", numeric: false },
  { key: "current", title: "Current limit", numeric: true },
  { key: "recommended", title: "Recommended", numeric: true },
  { key: "band", title: "Band", numeric: true },
  { key: "peak", title: "Forecast peak", numeric: true },
  { key: "ratio", title: "Peak ÷ limit", numeric: true },
  { key: "confidence", title: "Confidence", numeric: true },
  { key: "change", title: "Last change", numeric: true },
  { key: "throttled", title: "Throttled share", numeric: true },
];

function rowHtml(row: ReportRow, order: number): string {
  const sortValues: Record<string, string> = {
    order: String(order),
    label: row.label.toLowerCase(),
    unit: row.unit,
    current: String(row.currentLimit),
    recommended: String(row.recommended),
    band: row.band ? String(row.band.min) : "",
    peak: row.peak ? String(row.peak.value) : "",
    ratio: row.peakToLimit !== undefined ? String(row.peakToLimit) : "",
    confidence: String(CONFIDENCE_RANK[row.confidence]),
    change: row.lastChangeAt ? String(Date.parse(row.lastChangeAt)) : "",
    throttled: row.throttledShare !== undefined ? String(row.throttledShare) : "",
  };
  const data = Object.entries(sortValues).map(([k, v]) => ` data-${k}="${escapeHtml(v)}"`).join("");
  const search = escapeHtml(`${row.label} ${row.fullKey} ${STATE_TEXT[row.state]} ${row.risks.join(" ")}`.toLowerCase());
  const risk = row.risks.length > 0 ? `<span class="risk" title="${escapeHtml(row.risks.join("; "))}">at risk: ${escapeHtml(row.risks.join("; "))}</span>` : "";
  const dash = `<span aria-label="none">–</span>`;
  const ratio = row.peakToLimit !== undefined ? `<span class="${row.peakToLimit > 1 ? "over" : ""}">${row.peakToLimit.toFixed(2)}</span>` : dash;
  return `<tr id="row-${row.id}" class="${row.risks.length > 0 ? "at-risk" : ""}"${data} data-search="${search}">`
    + `<th scope="row"><a href="#${row.id}">${escapeHtml(row.label)}</a><span class="state state-${row.state}">${STATE_TEXT[row.state]}</span>${risk}</th>`
    + `<td>${escapeHtml(row.unit)}</td>`
    + `<td class="num">${row.currentLimit}</td>`
    + `<td class="num">${row.recommended}</td>`
    + `<td class="num">${row.band ? `${row.band.min}–${row.band.max}` : dash}</td>`
    + `<td class="num">${row.peak ? formatNumber(row.peak.value) : dash}</td>`
    + `<td class="num">${ratio}</td>`
    + `<td><span class="conf conf-${row.confidence}">${row.confidence}</span></td>`
    + `<td>${row.lastChangeAt ? formatTime(row.lastChangeAt) : dash}</td>`
    + `<td class="num">${row.throttledShare !== undefined ? percent(row.throttledShare) : dash}</td>`
    + `</tr>`;
}

function ruleSectionHtml(row: ReportRow, index: number): string {
  const facts: Array<[string, string]> = [
    ["Full key", row.fullKey],
    ["State", STATE_TEXT[row.state]],
    ["Current limit", `${row.currentLimit}/${row.unit}`],
    ["Recommended", `${row.recommended}/${row.unit}`],
    ["Band", row.band ? `${row.band.min}–${row.band.max}/${row.unit}` : "none (no trustworthy forecast)"],
    ["Forecast peak", row.peak ? `${formatNumber(row.peak.value)}/${row.unit} at ${formatTime(row.peak.at)}` : "none"],
    ["Confidence", row.confidence],
  ];
  if (row.risks.length > 0) facts.push(["At risk", row.risks.join("; ")]);
  const chartLabel = `Requests per ${row.unit} of ${row.label} over the recorded days, the next day's forecast with the band, current limit ${row.currentLimit} and recommended ${row.recommended}`;
  const chart = row.chart
    ? `<figure class="chart" data-index="${index}"><div class="chart-box" role="img" aria-label="${escapeHtml(chartLabel)}"><p class="placeholder">Chart draws when scrolled into view.</p></div><figcaption>${escapeHtml(row.chart.valueNote)}. Drag across the chart to zoom in; double-click to see every day again.</figcaption></figure>`
    : `<p class="no-chart">No traffic to chart: ${escapeHtml(row.fetchProblem?.message ?? "the traffic source returned no series for this rule")}</p>`;
  return `<article id="${row.id}" class="rule" aria-labelledby="${row.id}-h" data-search="${escapeHtml(`${row.label} ${row.fullKey}`.toLowerCase())}">`
    + `<h3 id="${row.id}-h">${escapeHtml(row.label)} <span class="state state-${row.state}">${STATE_TEXT[row.state]}</span></h3>`
    + `<div class="rule-body">${chart}<div class="why"><h4>Why</h4><p>${escapeHtml(row.explanation)}</p><dl>${facts.map(([k, v]) => `<dt>${k}</dt><dd>${escapeHtml(v)}</dd>`).join("")}</dl><p><a href="#row-${row.id}">Back to the table</a></p></div></div>`
    + `</article>`;
}

/** Per chart, what the page script needs; index = position of the rule's section. */
function chartPayload(data: ReportData): unknown[] {
  return data.rows.map((row) => ({
    label: row.label,
    unit: row.unit,
    current: row.currentLimit,
    recommended: row.recommended,
    band: row.band ? [row.band.min, row.band.max] : null,
    peak: row.peak ? [Date.parse(row.peak.at) / 1000, row.peak.value] : null,
    chart: row.chart ?? null,
  }));
}

export function renderReportHtml(data: ReportData, assets: ChartAssets): string {
  const c = data.counts;
  const countItems: Array<[number, string, string]> = [
    [c.atRisk, "at risk", "at-risk"],
    [c.changed, "changed", "changed"],
    [c.unchanged, "unchanged", "unchanged"],
    [c["low-confidence"], "low confidence", "low-confidence"],
    [c.unmapped, "unmapped", "unmapped"],
    [c.failed, "failed", "failed"],
    ...(c.excluded > 0 ? [[c.excluded, "excluded", "excluded"] as [number, string, string]] : []),
  ];
  const mode = data.dryRun === undefined ? "" : data.dryRun ? " Dry run: nothing was applied." : " Changes were applied.";
  const unguarded = data.unguarded ? `<p class="alert" role="alert">ratelimit-config was last changed without the webhook (unguarded): rules whose limit differs from the forecast's are marked.</p>` : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="color-scheme" content="light dark">
<title>${escapeHtml(data.title)}</title>
<style>${assets.style}</style>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header>
<h1>${escapeHtml(data.title)}</h1>
<p class="meta">Forecast generation ${data.generation}, computed ${formatTime(data.generatedAt)} (${escapeHtml(data.model || "no model")}).${mode} Traffic from ${escapeHtml(data.trafficSource)}; report built ${formatTime(data.builtAt)}.</p>
${unguarded}
</header>
<main>
<section aria-labelledby="summary-h">
<h2 id="summary-h">Summary</h2>
<ul class="counts">${countItems.map(([n, text, cls]) => `<li class="count count-${cls}"><strong>${n}</strong> ${text}</li>`).join("")}</ul>
</section>
<section aria-labelledby="overview-h">
<h2 id="overview-h">Rules</h2>
<div class="controls"><label for="filter">Filter rules</label> <input id="filter" type="search" autocomplete="off" placeholder="key, value, state or risk"> <span id="shown" aria-live="polite">${data.rows.length} of ${data.rows.length} rules shown</span></div>
<div class="table-wrap">
<table id="overview">
<caption>One row per rule of ${escapeHtml(data.target)}, rules at risk first. Select a column heading to sort by it; select it again to reverse.</caption>
<thead><tr>${COLUMNS.map((col) => `<th scope="col" aria-sort="none" class="${col.numeric ? "num" : ""}"><button type="button" data-key="${col.key}" data-numeric="${col.numeric}">${col.title}<span class="arrow" aria-hidden="true"></span></button></th>`).join("")}</tr></thead>
<tbody>
${data.rows.map(rowHtml).join("\n")}
</tbody>
</table>
</div>
</section>
<section aria-labelledby="rules-h">
<h2 id="rules-h">Per rule</h2>
<p class="legend-note">Each chart: the recorded traffic, the next day's forecast shape (the same hours a week earlier, cleaned) with the guardrail band shaded, the model's expected peak, the current limit and the recommended limit. Filled dots mark steps kept out of fitting; a dotted vertical line, where the traffic the model was fitted on begins. Times in UTC.</p>
${data.rows.map(ruleSectionHtml).join("\n")}
</section>
</main>
<script type="application/json" id="report-data">${scriptJson(chartPayload(data))}</script>
<script>${inlineScript(assets.script)}</script>
<script>${inlineScript(PAGE_SCRIPT)}</script>
</body>
</html>
`;
}
