/**
 * The report page's CSS. Colours are custom properties with a dark-scheme set, chosen for at least
 * 4.5:1 text contrast in both; the page script reads the chart colours from the same properties.
 */
export const PAGE_STYLE = `
:root {
  color-scheme: light dark;
  --bg: #ffffff; --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --head: #f6f8fa; --link: #0550ae;
  --risk-bg: #fff1e5; --risk-fg: #953800; --ok: #116329; --warn: #9a6700; --bad: #cf222e;
  --traffic: #0969da; --forecast: #8250df; --current: #cf222e; --recommended: #1a7f37;
  --band: rgba(130, 80, 223, 0.16); --anomaly: #bc4c00; --peak: #8250df; --grid: rgba(0, 0, 0, 0.08);
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --fg: #e6edf3; --muted: #9da7b3; --line: #30363d; --head: #161b22; --link: #58a6ff;
    --risk-bg: #3d1d00; --risk-fg: #ffb77c; --ok: #3fb950; --warn: #d29922; --bad: #ff7b72;
    --traffic: #58a6ff; --forecast: #d2a8ff; --current: #ff7b72; --recommended: #3fb950;
    --band: rgba(210, 168, 255, 0.2); --anomaly: #ffa657; --peak: #d2a8ff; --grid: rgba(255, 255, 255, 0.1);
  }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header, main { max-width: 1400px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 16px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 24px 0 8px; }
h3 { font-size: 15px; margin: 0 0 8px; word-break: break-all; }
h4 { font-size: 13px; margin: 0 0 4px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
a { color: var(--link); }
.meta { color: var(--muted); margin: 0; }
.alert { background: var(--risk-bg); color: var(--risk-fg); padding: 8px 12px; border-radius: 6px; }
.counts { display: flex; flex-wrap: wrap; gap: 8px; list-style: none; padding: 0; margin: 0; }
.count { border: 1px solid var(--line); border-radius: 8px; padding: 8px 14px; min-width: 110px; background: var(--head); }
.count strong { display: block; font-size: 22px; }
.count-at-risk { background: var(--risk-bg); color: var(--risk-fg); border-color: var(--risk-fg); }
.controls { display: flex; gap: 10px; align-items: center; margin: 6px 0 10px; flex-wrap: wrap; }
.controls input { font: inherit; padding: 5px 8px; min-width: 280px; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); }
#shown { color: var(--muted); }
.table-wrap { overflow-x: auto; border: 1px solid var(--line); border-radius: 8px; }
table { border-collapse: collapse; width: 100%; }
caption { text-align: left; color: var(--muted); padding: 8px 10px; caption-side: top; }
th, td { padding: 6px 10px; border-top: 1px solid var(--line); text-align: left; vertical-align: top; white-space: nowrap; }
thead th { background: var(--head); border-top: none; position: sticky; top: 0; }
th.num, td.num { text-align: right; }
thead button { font: inherit; font-weight: 600; color: var(--fg); background: none; border: 0; padding: 2px 0; cursor: pointer; }
thead button:focus-visible, a:focus-visible, input:focus-visible { outline: 2px solid var(--link); outline-offset: 2px; }
th[aria-sort="ascending"] .arrow::after { content: " ▲"; }
th[aria-sort="descending"] .arrow::after { content: " ▼"; }
tbody th { font-weight: 500; white-space: normal; min-width: 260px; }
tbody th a { word-break: break-all; }
tr.at-risk { background: var(--risk-bg); }
.risk { display: block; color: var(--risk-fg); font-size: 12px; }
.state { display: inline-block; font-size: 11px; border: 1px solid var(--line); border-radius: 10px; padding: 0 7px; margin-left: 6px; color: var(--muted); font-weight: 500; vertical-align: middle; }
.state-changed { color: var(--link); border-color: var(--link); }
.state-failed, .state-unmapped { color: var(--bad); border-color: var(--bad); }
.state-low-confidence { color: var(--warn); border-color: var(--warn); }
.over { color: var(--bad); font-weight: 600; }
.conf-high { color: var(--ok); }
.conf-medium { color: var(--warn); }
.conf-low { color: var(--bad); font-weight: 600; }
.legend-note { color: var(--muted); }
/* Off-screen rule sections are neither styled nor laid out until scrolled near: 1,000 of them
   would otherwise cost more than the table. */
.rule { border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; margin: 0 0 14px; content-visibility: auto; contain-intrinsic-size: auto 470px; }
.rule-body { display: grid; grid-template-columns: minmax(0, 2.2fr) minmax(260px, 1fr); gap: 16px; }
@media (max-width: 900px) { .rule-body { grid-template-columns: 1fr; } }
.chart { margin: 0; min-width: 0; }
.chart-box { min-height: 300px; }
.chart figcaption { color: var(--muted); font-size: 12px; }
.placeholder { color: var(--muted); }
.why p { margin: 0 0 8px; word-break: break-word; }
.why dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; margin: 0 0 8px; }
.why dt { color: var(--muted); }
.why dd { margin: 0; word-break: break-all; }
.no-chart { color: var(--muted); }
[hidden] { display: none !important; }
.uplot { font-family: inherit; color: var(--fg); }
.u-legend { font-size: 12px; }
`;
