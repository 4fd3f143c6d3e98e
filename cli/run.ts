import { createRuntime, runOnce } from "../forecaster/main.js";
import { formatCycleReport } from "../forecaster/logic/cycle-report.js";
import type { CycleReport } from "../forecaster/logic/cycle-report.js";
import type { CommandIO } from "./io.js";
import { CYCLE_OPTIONS, FORECASTER_ENVIRONMENT, loadForecasterConfig, terminationSignal } from "./forecaster-options.js";
import { formatArgumentProblems, commandLineOrExit, stringOption, switchOption, type CommandSpec, type OptionSpec } from "./options.js";
import { OUTPUT_OPTIONS, outputFormatOf, renderStructured } from "./output-format.js";
import { isTerminal, oneShotLogger, VERBOSE_OPTION } from "./terminal.js";
import { terminalProgress } from "./progress-line.js";
import type { RulesProgress } from "../forecaster/cycle.js";

/** Where the cycle's changes go (gitops.outputMode otherwise; docs/settings.md). */
const OUTPUT_MODE_OPTION: OptionSpec = { name: "output-mode", type: "string", valueName: "MODE", meaning: "cluster (write ratelimit-config), git (a branch and one pull request, gitops.*) or both", defaultValue: "gitops.outputMode, or cluster" };

export const RUN_SPEC: CommandSpec = {
  name: "run",
  summary: "run --once: one forecast cycle, for a Job or CronJob",
  synopsis: "--once [--dry-run] [--output-mode cluster|git|both] [--source-dir DIR] [-o table|json|yaml] [-v]",
  description: "Runs one forecast cycle (for a Job or CronJob) and exits. The scheduled loop is 'trendmaster forecaster'.",
  options: [{ name: "once", type: "boolean", meaning: "run one cycle and exit (required)" }, ...CYCLE_OPTIONS, OUTPUT_MODE_OPTION, ...OUTPUT_OPTIONS, VERBOSE_OPTION],
  notes: `exit status:
  0   the cycle did its job (applied, no change, or dry run)
  1   the cycle failed (traffic source down, config unreadable, write refused); limits kept
  2   invalid arguments or configuration
  75  another forecaster holds the Lease; nothing done, retry later
--output-mode git writes the changes to the Git repository of gitops.* (a branch and one pull
request) instead of ratelimit-config; with --dry-run it prints the commit it would make.
${FORECASTER_ENVIRONMENT}`,
};

/** The `-o json|yaml` report: the cycle report with each rule's plan, minus the raw recommendation. */
function structuredCycleReport(report: CycleReport): object {
  return { ...report, plan: undefined, rules: report.plan?.rules.map(({ recommendation: _r, ...rest }) => rest) };
}

/** `trendmaster run --once`. */
export async function runCommand(args: readonly string[], io: CommandIO): Promise<number> {
  const parsed = commandLineOrExit(RUN_SPEC, args, io);
  if (typeof parsed === "number") return parsed;
  const output = outputFormatOf(parsed.values);
  if ("problem" in output) {
    io.stderr(formatArgumentProblems(RUN_SPEC, [output.problem]));
    return 2;
  }
  if (!switchOption(parsed.values, "once")) {
    io.stderr(formatArgumentProblems(RUN_SPEC, ["--once is required (the scheduled loop is 'trendmaster forecaster')"]));
    return 2;
  }
  const sourceDir = stringOption(parsed.values, "source-dir");
  const outputMode = stringOption(parsed.values, "output-mode");
  const config = loadForecasterConfig("run", io, { ...(switchOption(parsed.values, "dry-run") ? { dryRun: true } : {}), ...(sourceDir ? { sourceDir } : {}), ...(outputMode ? { outputMode } : {}) }, true);
  if (config === undefined) return 2;
  const termination = terminationSignal();
  // Logs go to stderr so stdout holds only the report; a person at a terminal sees them as short lines.
  const humanLines = output.format === "table" && isTerminal(process.env, process.stdout);
  // At a terminal, a progress line on stderr while the rules are fetched and forecast.
  const progress = humanLines ? terminalProgress(io.stderr, Date.now) : undefined;
  const runtime = await createRuntime(config, {
    log: oneShotLogger("trendmaster-run", config.logLevel, humanLines, switchOption(parsed.values, "verbose")),
    ...(progress ? { onRulesProgress: (p: RulesProgress) => progress.update(p) } : {}),
  });
  try {
    const { exitCode, report } = await runOnce(runtime, io.stdout, termination.signal);
    progress?.end();
    if (report) io.stdout(output.format === "table" ? formatCycleReport(report) : renderStructured(output.format, structuredCycleReport(report)));
    return exitCode;
  } finally {
    progress?.end();
    termination.dispose();
    await runtime.close();
  }
}
