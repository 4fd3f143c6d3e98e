import { createRuntime, startScheduled } from "../forecaster/main.js";
import type { CommandIO } from "./io.js";
import { loadForecasterConfig, parseFlags, terminationSignal } from "./forecaster-options.js";

const USAGE = `usage: trendmaster forecaster [--dry-run] [--source-dir DIR] [--run-now]

Runs forecast cycles on the SCHEDULE (node-cron, default '0 */6 * * *') with a random start
jitter, one at a time across replicas (a Kubernetes Lease). Serves /metrics, /healthz and /readyz
on forecaster.metrics.port (9090). SIGTERM stops the running cycle at a safe point and exits 0.
  --run-now   also run a cycle right away (forecaster.runOnStart)`;

/** `trendmaster forecaster`: the long-running scheduled forecaster. */
export async function forecasterCommand(args: readonly string[], io: CommandIO): Promise<number> {
  if (args.includes("-h") || args.includes("--help")) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  const flags = parseFlags(args, { switches: ["--dry-run", "--run-now"], values: ["--source-dir"] });
  if (!flags.ok) {
    io.stderr(`trendmaster forecaster: ${flags.problems.join("; ")}\n${USAGE}\n`);
    return 2;
  }
  const sourceDir = flags.values.get("--source-dir");
  const loaded = loadForecasterConfig("forecaster", io, { ...(flags.switches.has("--dry-run") ? { dryRun: true } : {}), ...(sourceDir ? { sourceDir } : {}) }, true);
  if (loaded === undefined) return 2;
  const config = flags.switches.has("--run-now") ? { ...loaded, runOnStart: true } : loaded;
  const termination = terminationSignal();
  const runtime = await createRuntime(config);
  const scheduled = await startScheduled(runtime);
  const name = await termination.received;
  await scheduled.stop(`received ${name}`);
  termination.dispose();
  return 0;
}
