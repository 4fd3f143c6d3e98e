import { createRuntime, startScheduled } from "../forecaster/main.js";
import type { CommandIO } from "./io.js";
import { CYCLE_OPTIONS, FORECASTER_ENVIRONMENT, loadForecasterConfig, terminationSignal } from "./forecaster-options.js";
import { commandLineOrExit, stringOption, switchOption, type CommandSpec } from "./options.js";

export const FORECASTER_SPEC: CommandSpec = {
  name: "forecaster",
  summary: "run forecast cycles on the SCHEDULE (Lease, /metrics, Slack alerts)",
  synopsis: "[--dry-run] [--source-dir DIR] [--run-now]",
  description:
    "Runs forecast cycles on the SCHEDULE (node-cron, default '0 */6 * * *') with a random start\n" +
    "jitter, one at a time across replicas (a Kubernetes Lease). Serves /metrics, /healthz and /readyz\n" +
    "on forecaster.metrics.port (9090). SIGTERM stops the running cycle at a safe point and exits 0.\n" +
    "Logs are JSON lines on stdout at LOG_LEVEL.",
  options: [...CYCLE_OPTIONS, { name: "run-now", type: "boolean", meaning: "also run a cycle right away (forecaster.runOnStart)", defaultValue: "off" }],
  notes: FORECASTER_ENVIRONMENT,
};

/** `trendmaster forecaster`: the long-running scheduled forecaster. */
export async function forecasterCommand(args: readonly string[], io: CommandIO): Promise<number> {
  const parsed = commandLineOrExit(FORECASTER_SPEC, args, io);
  if (typeof parsed === "number") return parsed;
  const sourceDir = stringOption(parsed.values, "source-dir");
  const loaded = loadForecasterConfig("forecaster", io, { ...(switchOption(parsed.values, "dry-run") ? { dryRun: true } : {}), ...(sourceDir ? { sourceDir } : {}) }, true);
  if (loaded === undefined) return 2;
  const config = switchOption(parsed.values, "run-now") ? { ...loaded, runOnStart: true } : loaded;
  const termination = terminationSignal();
  const runtime = await createRuntime(config);
  const scheduled = await startScheduled(runtime);
  const name = await termination.received;
  await scheduled.stop(`received ${name}`);
  termination.dispose();
  return 0;
}
