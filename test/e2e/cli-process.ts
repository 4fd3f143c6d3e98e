/**
 * The `trendmaster` command (dist/cli/main.js) as a real child process: run to completion, or
 * keep running (webhook, forecaster) with its output captured so a test can wait for a log line.
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

/** A long-running `trendmaster` process (webhook, forecaster). */
export interface TrendmasterProcess {
  readonly child: ChildProcess;
  /** stdout and stderr so far, interleaved. */
  output(): string;
  /** Resolves with the first output line matching `pattern`; rejects if the process exits first or on timeout. */
  waitForLine(pattern: RegExp, timeoutMs?: number, fromOffset?: number): Promise<string>;
  /** SIGTERM, then SIGKILL after 10 s; resolves with the exit code. */
  stop(): Promise<number | null>;
}

export function startTrendmaster(args: readonly string[], env: Readonly<Record<string, string>>): TrendmasterProcess {
  const child = spawn(process.execPath, [cliPath(), ...args], { env: processEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer): void => {
    output += chunk.toString("utf8");
    for (const listener of listeners) listener();
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  child.on("exit", () => {
    for (const listener of listeners) listener();
  });
  return {
    child,
    output: () => output,
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
