/**
 * Whether a one-shot command talks to a person at a terminal. On a terminal its logs are short
 * human lines at warn and above (more with -v); otherwise they stay JSON on stderr for machines.
 * TRENDMASTER_TERMINAL=1 or 0 overrides the check (tests, `script`, CI logs read by people).
 */
import type { DestinationStream, Logger } from "pino";
import type { LogLevel } from "../forecaster/config.js";
import { createLogger } from "../forecaster/io/logger.js";
import type { OptionSpec } from "./options.js";

export const VERBOSE_OPTION: OptionSpec = { name: "verbose", short: "v", type: "boolean", meaning: "on a terminal, also show logs below warning (down to LOG_LEVEL)", defaultValue: "warnings and errors only" };

export function isTerminal(env: Readonly<Record<string, string | undefined>>, stdout: { readonly isTTY?: boolean }): boolean {
  const forced = env.TRENDMASTER_TERMINAL;
  if (forced === "1" || forced === "true") return true;
  if (forced === "0" || forced === "false") return false;
  return stdout.isTTY === true;
}

const PINO_LEVELS: Readonly<Record<number, string>> = { 10: "trace", 20: "debug", 30: "info", 40: "warning", 50: "error", 60: "fatal" };
/** Fields every log line carries; a person does not need them repeated. */
const HIDDEN_FIELDS = new Set(["level", "time", "name", "component", "msg", "pid", "hostname"]);

/** A pino destination writing `warning: message (key=value, …)` instead of JSON. */
export function humanLogDestination(write: (text: string) => void): DestinationStream {
  return {
    write(line: string): void {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        write(line);
        return;
      }
      const level = PINO_LEVELS[Number(entry.level)] ?? "log";
      const details = Object.entries(entry)
        .filter(([key]) => !HIDDEN_FIELDS.has(key))
        .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`);
      write(`${level}: ${String(entry.msg ?? "")}${details.length > 0 ? ` (${details.join(", ")})` : ""}\n`);
    },
  };
}

/** The logger of a one-shot command: human lines on a terminal (warn+, or LOG_LEVEL with -v), JSON on stderr otherwise. */
export function oneShotLogger(name: string, logLevel: LogLevel, humanLines: boolean, verbose: boolean): Logger {
  if (!humanLines) return createLogger(logLevel, name, process.stderr);
  const level = verbose || logLevel === "error" || logLevel === "fatal" || logLevel === "silent" ? logLevel : "warn";
  return createLogger(level, name, humanLogDestination((text) => void process.stderr.write(text)));
}
