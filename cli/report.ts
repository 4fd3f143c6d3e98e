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
import { loadForecasterConfig, parseFlags } from "./forecaster-options.js";

export const DEFAULT_REPORT_FILE = "trendmaster-report.html";

const USAGE = `usage: trendmaster report [-o FILE.html] [--source-dir DIR]

Writes one self-contained HTML page (scripts, styles and data inlined; no network request; opens
from file://): every rule's current limit, recommendation, band, forecast peak and confidence,
and a chart of its traffic, forecast and limits. Built from the forecast cache ConfigMap and the
traffic the cycle used, re-fetched from PROMETHEUS_URL or from --source-dir's CSV files.
  -o FILE.html      where to write it (default ${DEFAULT_REPORT_FILE})
  --source-dir DIR  read traffic from DIR's CSV files, as 'run --once --source-dir' does
Exit: 0 written, 1 no forecast yet or a source failed, 2 invalid arguments or configuration.
Settings: PROMETHEUS_URL, KUBECONFIG, TRENDMASTER_SETTINGS, POD_NAMESPACE (docs/settings.md).`;

/** `trendmaster report`. */
export async function reportCommand(args: readonly string[], io: CommandIO): Promise<number> {
  if (args.includes("-h") || args.includes("--help")) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  const flags = parseFlags(args, { switches: [], values: ["-o", "--source-dir"] });
  if (!flags.ok) {
    io.stderr(`trendmaster report: ${flags.problems.join("; ")}\n${USAGE}\n`);
    return 2;
  }
  const output = flags.values.get("-o") ?? DEFAULT_REPORT_FILE;
  if (!/\.html?$/i.test(output)) {
    io.stderr(`trendmaster report: -o '${output}' should name an .html file\n${USAGE}\n`);
    return 2;
  }
  const sourceDir = flags.values.get("--source-dir");
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
