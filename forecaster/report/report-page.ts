/** The report page, end to end: gather (I/O), then build and render (pure). */
import { loadChartAssets } from "./chart-assets.js";
import { gatherReport, type ReportDeps, type ReportSettings } from "./gather.js";
import type { ReportData } from "./report-data.js";
import { renderReportHtml } from "./report-html.js";

export interface ReportPage {
  readonly html: string;
  readonly data: ReportData;
  readonly warnings: readonly string[];
}

export async function buildReportPage(deps: ReportDeps, settings: ReportSettings): Promise<ReportPage> {
  const [{ data, warnings }, assets] = await Promise.all([gatherReport(deps, settings), loadChartAssets()]);
  return { html: renderReportHtml(data, assets), data, warnings };
}
