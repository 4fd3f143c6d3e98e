import { systemClock } from "../forecaster/io/clock.js";
import { KubeConfigMapStore } from "../forecaster/io/configmaps.js";
import { KubeLeaseStore, StoreLeaseLock } from "../forecaster/io/lease.js";
import { describeLimitChanges } from "../forecaster/logic/history.js";
import { EXIT_LEASE_HELD, loadKubeConfig } from "../forecaster/main.js";
import { rollback, RollbackError, type RollbackResult } from "../forecaster/rollback.js";
import type { CommandIO } from "./io.js";
import { FORECASTER_ENVIRONMENT, loadForecasterConfig } from "./forecaster-options.js";
import { formatArgumentProblems, commandLineOrExit, stringOption, type CommandSpec } from "./options.js";
import { OUTPUT_OPTIONS, outputFormatOf, renderStructured } from "./output-format.js";

export const ROLLBACK_SPEC: CommandSpec = {
  name: "rollback",
  summary: "restore ratelimit-config to a history revision, byte for byte",
  synopsis: "[--to REVISION] [--reason TEXT] [--actor NAME] [-o table|json|yaml]",
  description:
    "Restores ratelimit-config's data exactly as a history revision saved it. The content it replaces is\n" +
    "saved as a new revision first. Takes the forecaster's Lease, so it never races a cycle.",
  options: [
    { name: "to", type: "string", valueName: "REVISION", meaning: "the revision to restore (see 'trendmaster history')", defaultValue: "the newest: the content before the last change" },
    { name: "reason", type: "string", valueName: "TEXT", meaning: "break-glass reason (trendmaster.io/override-reason) when the restored limits are outside the forecast band and you are on the webhook's allow-list" },
    { name: "actor", type: "string", valueName: "NAME", meaning: "who to record as restoring it", defaultValue: "the kubeconfig user" },
    ...OUTPUT_OPTIONS,
  ],
  notes: `exit status: 0 restored or already current, 1 failed or the webhook changed the restored limits, 2 bad arguments or configuration, 75 a forecast cycle holds the Lease (retry when it ends)
${FORECASTER_ENVIRONMENT}`,
};

/** The `-o json|yaml` report (field names are documented in the README). */
function rollbackReport(target: string, result: RollbackResult): object {
  if (result.status === "already-current") return { target, status: result.status, revision: result.revision, written: false };
  return { target, status: result.status, revision: result.revision, savedAs: result.savedAs, written: true, exact: result.exact, conflicts: result.conflicts, changes: result.changes, ...(result.pruneProblem ? { pruneProblem: result.pruneProblem } : {}) };
}

export async function rollbackCommand(args: readonly string[], io: CommandIO): Promise<number> {
  const parsed = commandLineOrExit(ROLLBACK_SPEC, args, io);
  if (typeof parsed === "number") return parsed;
  const output = outputFormatOf(parsed.values);
  const toText = stringOption(parsed.values, "to");
  const toRevision = toText === undefined ? undefined : Number(toText);
  const problems = [...("problem" in output ? [output.problem] : []), ...(toRevision !== undefined && (!Number.isInteger(toRevision) || toRevision < 1) ? [`--to '${toText}' is not a revision number`] : [])];
  if (problems.length > 0 || "problem" in output) {
    io.stderr(formatArgumentProblems(ROLLBACK_SPEC, problems));
    return 2;
  }
  const config = loadForecasterConfig("rollback", io, {}, false);
  if (config === undefined) return 2;
  const kubeConfig = loadKubeConfig(config);
  const actor = stringOption(parsed.values, "actor") ?? kubeConfig.getCurrentUser()?.name ?? "unknown";
  const deps = { configMaps: new KubeConfigMapStore(kubeConfig, "trendmaster-rollback"), clock: systemClock };
  const lock = new StoreLeaseLock(new KubeLeaseStore(kubeConfig), { ...config.lease, identity: `rollback-${config.lease.identity}` }, systemClock);
  try {
    const acquired = await lock.tryAcquire();
    if (!acquired.acquired) {
      io.stderr(`trendmaster rollback: a forecast cycle is running (Lease held by ${acquired.holder}); retry when it ends\n`);
      return EXIT_LEASE_HELD;
    }
    try {
      const reason = stringOption(parsed.values, "reason");
      const result = await rollback(deps, { ratelimitConfig: config.ratelimitConfig, history: config.history }, { ...(toRevision !== undefined ? { toRevision } : {}), actor, ...(reason ? { reason } : {}), maxConflictRetries: config.maxConflictRetries });
      const target = `${config.ratelimitConfig.namespace}/${config.ratelimitConfig.name}`;
      if (output.format !== "table") io.stdout(renderStructured(output.format, rollbackReport(target, result)));
      if (result.status === "already-current") {
        if (output.format === "table") io.stdout(`${target} already holds the content of revision ${result.revision}: nothing written\n`);
        return 0;
      }
      if (output.format === "table") {
        io.stdout(`${target} restored to revision ${result.revision}; the replaced content is revision ${result.savedAs}\n`);
        if (result.changes.length > 0) io.stdout(`${describeLimitChanges(result.changes, 50)}\n`);
      }
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
