/**
 * Options and configuration loading shared by `trendmaster forecaster`, `run`, `rollback` and
 * `history`: the environment is read once, and every wrong setting is
 * printed before the command exits with 2.
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { buildForecasterConfig, type ForecasterConfig } from "../forecaster/config.js";
import { kubeconfigProblem } from "./kubeconfig-check.js";
import type { CommandIO } from "./io.js";
import type { OptionSpec } from "./options.js";

/** Options of the commands that run forecast cycles (`run`, `forecaster`). */
export const CYCLE_OPTIONS: readonly OptionSpec[] = [
  { name: "dry-run", type: "boolean", meaning: "forecast and report, write nothing (also DRY_RUN=true)", defaultValue: "off" },
  { name: "source-dir", type: "string", valueName: "DIR", meaning: "read traffic from CSV files in DIR instead of Prometheus", defaultValue: "Prometheus at PROMETHEUS_URL" },
];

/** Where the settings come from, for each command's help. */
export const FORECASTER_ENVIRONMENT =
  "Settings: PROMETHEUS_URL, DRY_RUN, LOG_LEVEL, KUBECONFIG, TRENDMASTER_SETTINGS, POD_NAMESPACE (docs/settings.md).\n" +
  "Without KUBECONFIG, ~/.kube/config is read; inside a pod, its ServiceAccount.";

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new Error(`cannot read '${path}': ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

/** The validated configuration, or every problem printed to stderr (then exit 2). */
export function loadForecasterConfig(
  command: string,
  io: CommandIO,
  overrides: { dryRun?: boolean; sourceDir?: string; outputMode?: string },
  needsTraffic: boolean,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ForecasterConfig | undefined {
  const result = buildForecasterConfig({ env, readText, overrides, cores: availableParallelism(), needsTraffic });
  if (result.ok) {
    // Every command that loads this configuration talks to the API server.
    const kube = kubeconfigProblem(env);
    if (kube === undefined) return result.config;
    io.stderr(`trendmaster ${command}: ${kube}\n`);
    return undefined;
  }
  io.stderr(`trendmaster ${command}: invalid configuration (${result.problems.length} problem${result.problems.length === 1 ? "" : "s"}):\n${result.problems.map((p) => `  - ${p}`).join("\n")}\n`);
  return undefined;
}

/** Resolves when the process gets SIGTERM or SIGINT; `signal` aborts at the same moment. */
export function terminationSignal(): { signal: AbortSignal; received: Promise<string>; dispose: () => void } {
  const controller = new AbortController();
  let resolve: (name: string) => void = () => {};
  const received = new Promise<string>((r) => {
    resolve = r;
  });
  const handler = (name: NodeJS.Signals) => {
    controller.abort(new Error(`received ${name}`));
    resolve(name);
  };
  process.once("SIGTERM", handler);
  process.once("SIGINT", handler);
  return {
    signal: controller.signal,
    received,
    dispose: () => {
      process.off("SIGTERM", handler);
      process.off("SIGINT", handler);
    },
  };
}
