import { systemClock } from "../forecaster/io/clock.js";
import { KubeConfigMapStore } from "../forecaster/io/configmaps.js";
import { KubeLeaseStore, StoreLeaseLock } from "../forecaster/io/lease.js";
import { describeLimitChanges } from "../forecaster/logic/history.js";
import { EXIT_LEASE_HELD, loadKubeConfig } from "../forecaster/main.js";
import { rollback, RollbackError } from "../forecaster/rollback.js";
import type { CommandIO } from "./io.js";
import { loadForecasterConfig, parseFlags } from "./forecaster-options.js";

const USAGE = `usage: trendmaster rollback [--to REVISION] [--reason TEXT] [--actor NAME]

Restores ratelimit-config's data exactly as a history revision saved it (default: the newest, i.e.
the content before the last change). The content it replaces is saved as a new revision first.
Takes the forecaster's Lease, so it never races a cycle (exit 75 while a cycle runs).
  --reason   break-glass reason (trendmaster.io/override-reason) for the webhook, when the restored
             limits are outside the forecast band and you are on its allow-list
  --actor    who to record (default: the kubeconfig user)`;

export async function rollbackCommand(args: readonly string[], io: CommandIO): Promise<number> {
  if (args.includes("-h") || args.includes("--help")) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  const flags = parseFlags(args, { switches: [], values: ["--to", "--reason", "--actor"] });
  if (!flags.ok) {
    io.stderr(`trendmaster rollback: ${flags.problems.join("; ")}\n${USAGE}\n`);
    return 2;
  }
  const toText = flags.values.get("--to");
  const toRevision = toText === undefined ? undefined : Number(toText);
  if (toRevision !== undefined && (!Number.isInteger(toRevision) || toRevision < 1)) {
    io.stderr(`trendmaster rollback: --to '${toText}' is not a revision number\n`);
    return 2;
  }
  const config = loadForecasterConfig("rollback", io, {}, false);
  if (config === undefined) return 2;
  const kubeConfig = loadKubeConfig(config);
  const actor = flags.values.get("--actor") ?? kubeConfig.getCurrentUser()?.name ?? "unknown";
  const deps = { configMaps: new KubeConfigMapStore(kubeConfig, "trendmaster-rollback"), clock: systemClock };
  const lock = new StoreLeaseLock(new KubeLeaseStore(kubeConfig), { ...config.lease, identity: `rollback-${config.lease.identity}` }, systemClock);
  try {
    const acquired = await lock.tryAcquire();
    if (!acquired.acquired) {
      io.stderr(`trendmaster rollback: a forecast cycle is running (Lease held by ${acquired.holder}); retry when it ends\n`);
      return EXIT_LEASE_HELD;
    }
    try {
      const reason = flags.values.get("--reason");
      const result = await rollback(deps, { ratelimitConfig: config.ratelimitConfig, history: config.history }, { ...(toRevision !== undefined ? { toRevision } : {}), actor, ...(reason ? { reason } : {}), maxConflictRetries: config.maxConflictRetries });
      const target = `${config.ratelimitConfig.namespace}/${config.ratelimitConfig.name}`;
      if (result.status === "already-current") {
        io.stdout(`${target} already holds the content of revision ${result.revision}: nothing written\n`);
        return 0;
      }
      io.stdout(`${target} restored to revision ${result.revision}; the replaced content is revision ${result.savedAs}\n`);
      if (result.changes.length > 0) io.stdout(`${describeLimitChanges(result.changes, 50)}\n`);
      if (result.pruneProblem) io.stderr(`warning: ${result.pruneProblem}\n`);
      if (!result.exact) {
        io.stderr("warning: the stored content differs from the revision: the admission webhook changed it (limits clamped to the forecast band). Re-run with --reason as a break-glass user to restore it exactly.\n");
        return 1;
      }
      return 0;
    } finally {
      await acquired.lease.release();
    }
  } catch (error) {
    io.stderr(`trendmaster rollback: ${error instanceof RollbackError ? error.message : (error as Error).message}\n`);
    return 1;
  }
}
