/**
 * The `trendmaster` command (dist/cli/main.js) as a real child process: run to completion, or
 * keep running (webhook, forecaster) with its output captured so a test can wait for a log line;
 * startProcess does the same for any long-running command (the quick start).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { cliPath } from "../support/paths.js";
import { runProcess, type ProcessResult } from "../support/run-process.js";
import { shiftedClockEnv } from "../support/shifted-clock-env.js";

export type CliResult = ProcessResult;

/** A clean environment: only PATH (and a shifted clock, if any) from ours, so nothing else of the test runner's leaks in. */
function processEnv(env: Readonly<Record<string, string>>): Record<string, string> {
  return { ...shiftedClockEnv(), PATH: process.env.PATH ?? "/usr/bin:/bin", ...env };
}

/** Runs `trendmaster <args>` and resolves with its exit code and output; killed after `timeoutMs`. */
export function runTrendmaster(args: readonly string[], env: Readonly<Record<string, string>>, timeoutMs = 45_000): Promise<CliResult> {
  return runProcess(process.execPath, [cliPath(), ...args], { env: processEnv(env), timeoutMs });
}

/** A long-running process (the webhook, the forecaster, the quick start) with its output captured. */
export interface LongRunningProcess {
  readonly child: ChildProcess;
  /** stdout and stderr so far, interleaved. */
  output(): string;
  /** stdout alone so far. */
  stdout(): string;
  /** Resolves with the first output line matching `pattern`; rejects if the process exits first or on timeout. */
  waitForLine(pattern: RegExp, timeoutMs?: number, fromOffset?: number): Promise<string>;
  /** SIGTERM, then SIGKILL after 10 s; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** A long-running `trendmaster` process (webhook, forecaster). */
export type TrendmasterProcess = LongRunningProcess;

export function startTrendmaster(args: readonly string[], env: Readonly<Record<string, string>>): TrendmasterProcess {
  return startProcess(process.execPath, [cliPath(), ...args], { env: processEnv(env) });
}

export interface StartProcessOptions {
  /** The whole environment (nothing of the test runner's is added). */
  readonly env: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Leads its own process group (its pid is the group's id), so a test can signal or check everything it started. */
  readonly processGroup?: boolean;
}

export function startProcess(command: string, args: readonly string[], options: StartProcessOptions): LongRunningProcess {
  const child = spawn(command, args, { env: options.env, stdio: ["ignore", "pipe", "pipe"], ...(options.cwd !== undefined ? { cwd: options.cwd } : {}), ...(options.processGroup ? { detached: true } : {}) });
  let output = "";
  let stdout = "";
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer): void => {
    output += chunk.toString("utf8");
    for (const listener of listeners) listener();
  };
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString("utf8");
    append(chunk);
  });
  child.stderr?.on("data", append);
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  child.on("exit", () => {
    for (const listener of listeners) listener();
  });
  return {
    child,
    output: () => output,
    stdout: () => stdout,
    waitForLine(pattern, timeoutMs = 20_000, fromOffset = 0) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const line = output.slice(fromOffset).split("\n").find((candidate) => pattern.test(candidate));
          if (line !== undefined) return finish(() => resolve(line));
          if (child.exitCode !== null || child.signalCode !== null) finish(() => reject(new Error(`process exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}:\n${output}`)));
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${pattern}:\n${output}`))), timeoutMs);
        const finish = (settle: () => void): void => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        const code = await exited;
        clearTimeout(timer);
        return code;
      }
      return child.exitCode;
    },
  };
}
