/**
 * Argument parsing and configuration loading shared by `trendmaster forecaster`, `run`, `rollback`
 * and `history`: flags are parsed, the environment is read once, and every wrong setting is
 * printed before the command exits with 2.
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { buildForecasterConfig, type ForecasterConfig } from "../forecaster/config.js";
import { kubeconfigProblem } from "./kubeconfig-check.js";
import type { CommandIO } from "./io.js";

export interface FlagSpec {
  /** Flags without a value. */
  readonly switches: readonly string[];
  /** Flags with a value. */
  readonly values: readonly string[];
}

export type ParsedFlags = { readonly ok: true; readonly switches: ReadonlySet<string>; readonly values: ReadonlyMap<string, string> } | { readonly ok: false; readonly problems: string[] };

export function parseFlags(args: readonly string[], spec: FlagSpec): ParsedFlags {
  const problems: string[] = [];
  const switches = new Set<string>();
  const values = new Map<string, string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg : arg.slice(0, eq);
    if (spec.switches.includes(name) && eq === -1) switches.add(name);
    else if (spec.values.includes(name)) {
      const value = eq === -1 ? args[++i] : arg.slice(eq + 1);
      if (value === undefined || value === "" || (eq === -1 && value.startsWith("--"))) {
        problems.push(`${name} needs a value`);
        if (value?.startsWith("--")) i--;
      } else values.set(name, value);
    } else problems.push(arg.startsWith("-") ? `unknown option '${arg}'` : `unexpected argument '${arg}'`);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, switches, values };
}

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
