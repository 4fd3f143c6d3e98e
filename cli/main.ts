#!/usr/bin/env node
import { processIO, type CommandIO } from "./io.js";

type Command = (args: string[], io: CommandIO) => Promise<number>;

/**
 * One entry per command: the summary for `trendmaster --help`, and the command loaded on demand so
 * `trendmaster validate` never pays for the forecaster's WASM. Each command's options and
 * `--help` live in its own module (a `CommandSpec`, cli/options.ts).
 */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  validate: { summary: "check ratelimit config files or ConfigMap manifests as the ratelimit service loads them", load: async () => (await import("./validate.js")).validateCommand },
  webhook: { summary: "serve the admission webhook guarding ratelimit-config (enforce or audit mode)", load: async () => (await import("./webhook.js")).webhookCommand },
  backtest: { summary: "fit on a timestamp,value CSV, recommend a static limit and score it on a holdout", load: async () => (await import("./backtest.js")).backtestCommand },
  forecaster: { summary: "run forecast cycles on the SCHEDULE (Lease, /metrics, Slack alerts)", load: async () => (await import("./forecaster.js")).forecasterCommand },
  run: { summary: "run --once: one forecast cycle, for a Job or CronJob", load: async () => (await import("./run.js")).runCommand },
  report: { summary: "write the forecast report: one self-contained HTML page with every rule's traffic, forecast and limits", load: async () => (await import("./report.js")).reportCommand },
  history: { summary: "list the saved revisions of ratelimit-config", load: async () => (await import("./history.js")).historyCommand },
  rollback: { summary: "restore ratelimit-config to a history revision, byte for byte", load: async () => (await import("./rollback.js")).rollbackCommand },
};

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`);
  return [
    "usage: trendmaster <command> [options]",
    "",
    "commands:",
    ...lines,
    "",
    "Run 'trendmaster <command> --help' for a command's options, their meanings and defaults.",
    "validate, history, run, rollback and backtest print a table, or JSON/YAML with -o json|yaml.",
    "",
  ].join("\n");
}

export async function main(argv: string[], io: CommandIO = processIO): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === "-h" || name === "--help" || name === "help") {
    (name === undefined ? io.stderr : io.stdout)(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr(`trendmaster: unknown command '${name}'\n${usage()}`);
    return 2;
  }
  return (await command.load())(args, io);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`trendmaster: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
