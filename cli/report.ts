import { rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { cycleSettingsOf, loadKubeConfig } from "../forecaster/main.js";
import { systemClock } from "../forecaster/io/clock.js";
import { KubeConfigMapStore } from "../forecaster/io/configmaps.js";
import { PrometheusEffectivenessSource } from "../forecaster/io/effectiveness.js";
import { FileTrafficSource } from "../forecaster/io/file-source.js";
import { createPrometheusTrafficSource } from "../forecaster/io/prometheus-source.js";
import { ReportUnavailable } from "../forecaster/report/gather.js";
import { buildReportPage } from "../forecaster/report/report-page.js";
import type { ReportDeps } from "../forecaster/report/gather.js";
import type { CommandIO } from "./io.js";
import { FORECASTER_ENVIRONMENT, loadForecasterConfig } from "./forecaster-options.js";
import { formatArgumentProblems, commandLineOrExit, stringOption, type CommandSpec } from "./options.js";

export const DEFAULT_REPORT_FILE = "trendmaster-report.html";

export const REPORT_SPEC: CommandSpec = {
  name: "report",
  summary: "write the forecast report: one self-contained HTML page with every rule's traffic, forecast and limits",
  synopsis: "[-o FILE.html] [--source-dir DIR]",
  description:
    "Writes one self-contained HTML page (scripts, styles and data inlined; no network request; opens\n" +
    "from file://): every rule's current limit, recommendation, band, forecast peak and confidence,\n" +
    "and a chart of its traffic, forecast and limits. Built from the forecast cache ConfigMap and the\n" +
    "traffic the cycle used, re-fetched from PROMETHEUS_URL or from --source-dir's CSV files.",
  options: [
    { name: "output", short: "o", type: "string", valueName: "FILE.html", meaning: "where to write the page", defaultValue: DEFAULT_REPORT_FILE },
    { name: "source-dir", type: "string", valueName: "DIR", meaning: "read traffic from DIR's CSV files, as 'run --once --source-dir' does", defaultValue: "Prometheus at PROMETHEUS_URL" },
  ],
  notes: `exit status: 0 written, 1 no forecast yet or a source failed, 2 invalid arguments or configuration\n${FORECASTER_ENVIRONMENT}`,
};

/** `trendmaster report`. */
export async function reportCommand(args: readonly string[], io: CommandIO): Promise<number> {
  const parsed = commandLineOrExit(REPORT_SPEC, args, io);
  if (typeof parsed === "number") return parsed;
  const output = stringOption(parsed.values, "output") ?? DEFAULT_REPORT_FILE;
  if (!/\.html?$/i.test(output)) {
    io.stderr(formatArgumentProblems(REPORT_SPEC, [`-o '${output}' should name an .html file`]));
    return 2;
  }
  const sourceDir = stringOption(parsed.values, "source-dir");
  const config = loadForecasterConfig("report", io, sourceDir ? { sourceDir } : {}, true);
  if (config === undefined) return 2;

  const closers: Array<() => Promise<void> | void> = [];
  try {
    let deps: ReportDeps;
    const base = { configMaps: new KubeConfigMapStore(loadKubeConfig(config), "trendmaster-cli"), clock: systemClock };
    if (config.traffic.kind === "files") deps = { ...base, traffic: new FileTrafficSource({ path: config.traffic.path }) };
    else {
      const source = await createPrometheusTrafficSource(config.traffic.settings);
      closers.push(() => source.close());
      deps = { ...base, traffic: source, ...(config.effectiveness.enabled ? { effectiveness: new PrometheusEffectivenessSource(source.client, config.effectiveness) } : {}) };
    }
    const page = await buildReportPage(deps, cycleSettingsOf(config));
    for (const warning of page.warnings) io.stderr(`trendmaster report: warning: ${warning}\n`);
    // Written beside the target, then renamed: a reader never sees half a page.
    const temporary = path.join(path.dirname(output), `.${path.basename(output)}.${process.pid}.tmp`);
    try {
      await writeFile(temporary, page.html);
      await rename(temporary, output);
    } catch (error) {
      await rm(temporary, { force: true });
      io.stderr(`trendmaster report: cannot write '${output}': ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}\n`);
      return 1;
    }
    const c = page.data.counts;
    io.stdout(`report written to ${output}: ${page.data.rows.length} rules (${c.atRisk} at risk, ${c.changed} changed, ${c.unchanged} unchanged, ${c["low-confidence"]} low confidence, ${c.unmapped} unmapped, ${c.failed} failed), forecast generation ${page.data.generation}\n`);
    return 0;
  } catch (error) {
    const message = error instanceof ReportUnavailable ? error.message : `${(error as Error).message}`;
    io.stderr(`trendmaster report: ${message}\n`);
    return 1;
  } finally {
    for (const close of closers) await close();
  }
}
