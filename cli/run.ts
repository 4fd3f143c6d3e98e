import { createLogger } from "../forecaster/io/logger.js";
import { createRuntime, runOnce } from "../forecaster/main.js";
import { formatCycleReport } from "../forecaster/logic/cycle-report.js";
import type { CommandIO } from "./io.js";
import { loadForecasterConfig, parseFlags, terminationSignal } from "./forecaster-options.js";

const USAGE = `usage: trendmaster run --once [--dry-run] [--output-mode cluster|git|both] [--source-dir DIR] [--json]

Runs one forecast cycle (for a Job or CronJob) and exits:
  0   the cycle did its job (applied, no change, or dry run)
  1   the cycle failed (traffic source down, config unreadable, write refused); limits kept
  2   invalid arguments or configuration
  75  another forecaster holds the Lease; nothing done, retry later
--output-mode git writes the changes to the Git repository of gitops.* (a branch and one pull
request) instead of ratelimit-config; with --dry-run it prints the commit it would make.
Settings: PROMETHEUS_URL, DRY_RUN, LOG_LEVEL, KUBECONFIG, TRENDMASTER_SETTINGS, POD_NAMESPACE (docs/settings.md).`;

/** `trendmaster run --once`. */
export async function runCommand(args: readonly string[], io: CommandIO): Promise<number> {
  if (args.includes("-h") || args.includes("--help")) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  const flags = parseFlags(args, { switches: ["--once", "--dry-run", "--json"], values: ["--source-dir", "--output-mode"] });
  if (!flags.ok) {
    io.stderr(`trendmaster run: ${flags.problems.join("; ")}\n${USAGE}\n`);
    return 2;
  }
  if (!flags.switches.has("--once")) {
    io.stderr(`trendmaster run: --once is required (the scheduled loop is 'trendmaster forecaster')\n${USAGE}\n`);
    return 2;
  }
  const sourceDir = flags.values.get("--source-dir");
  const outputMode = flags.values.get("--output-mode");
  const config = loadForecasterConfig("run", io, { ...(flags.switches.has("--dry-run") ? { dryRun: true } : {}), ...(sourceDir ? { sourceDir } : {}), ...(outputMode ? { outputMode } : {}) }, true);
  if (config === undefined) return 2;
  const termination = terminationSignal();
  // Logs go to stderr so stdout holds only the report (parseable with --json).
  const runtime = await createRuntime(config, { log: createLogger(config.logLevel, "trendmaster-run", process.stderr) });
  try {
    const { exitCode, report } = await runOnce(runtime, io.stdout, termination.signal);
    if (report) io.stdout(flags.switches.has("--json") ? `${JSON.stringify({ ...report, plan: undefined, rules: report.plan?.rules.map(({ recommendation: _r, ...rest }) => rest) }, null, 2)}\n` : formatCycleReport(report));
    return exitCode;
  } finally {
    termination.dispose();
    await runtime.close();
  }
}
