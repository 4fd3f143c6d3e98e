/**
 * How docs/walkthrough.md has its commands run: its intro's shell (the `export` line it asks for,
 * and what `kubectl` means there), a bin folder that gives a real shell those programs, and a
 * command's output as a terminal shows it, stdout and stderr on one screen in the order written.
 */
import { chmod, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { runProcess, type ProcessResult } from "../support/run-process.js";
import { exportedVariables, parseShellLine } from "./readme-commands.js";

export interface WalkthroughShell {
  /** What the intro's `export ...` sets for every command. */
  readonly exported: Readonly<Record<string, string>>;
  /** The programs the intro names ("`kubectl` below is `.cache/bin/kubectl`"): name to path. */
  readonly programs: Readonly<Record<string, string>>;
}

/** Reads the intro (the text before the first `## `): its `export` line and its "`name` below is `path`" sentences. */
export function walkthroughShell(markdown: string): WalkthroughShell {
  const heading = markdown.search(/^## /m);
  const intro = markdown.slice(0, heading < 0 ? markdown.length : heading).replace(/\s*\n\s*/g, " ");
  const exportLine = /`(export [^`]+)`/.exec(intro)?.[1];
  if (exportLine === undefined) throw new Error("the walkthrough's intro has no `export ...` line for the commands' shell");
  const programs: Record<string, string> = {};
  for (const named of intro.matchAll(/`([\w-]+)` below is `([^`\s]+)`/g)) programs[named[1] as string] = named[2] as string;
  return { exported: exportedVariables(parseShellLine(exportLine)), programs };
}

function shellQuoted(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * A folder for the front of PATH: each program the intro names runs the file it names (relative to
 * `cwd`), and `npx trendmaster` runs the package's bin (package.json: dist/cli/main.js) with this
 * node, as npx resolves it; any other npx use fails, so the page cannot lean on the network.
 */
export async function readerBin(dir: string, programs: Readonly<Record<string, string>>, cwd: string, cli: string): Promise<string> {
  const scripts: Record<string, string> = {
    npx: `if [ "$1" = trendmaster ]; then shift; exec ${shellQuoted(process.execPath)} ${shellQuoted(cli)} "$@"; fi\necho "npx: this test's shell runs only npx trendmaster" >&2\nexit 127\n`,
  };
  for (const [name, path] of Object.entries(programs)) scripts[name] = `exec ${shellQuoted(resolve(cwd, path))} "$@"\n`;
  for (const [name, body] of Object.entries(scripts)) {
    await writeFile(join(dir, name), `#!/bin/sh\n${body}`);
    await chmod(join(dir, name), 0o755);
  }
  return dir;
}

/** What a terminal shows of the bytes written to it: of each line, what follows its last carriage return, without escape sequences. */
export function asTerminalShows(written: string): string {
  return written
    .split("\n")
    .map((line) => (line.split("\r").pop() ?? "").replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ""))
    .join("\n");
}

/**
 * Runs a `$` line with bash, stderr on the same pipe as stdout (a terminal's one screen, in the
 * order written); `stdout` is what the terminal shows, `stderr` empty.
 */
export async function runInReaderShell(text: string, env: Readonly<Record<string, string>>, cwd: string): Promise<ProcessResult> {
  const result = await runProcess("bash", ["-c", `exec 2>&1\n${text}`], { env, cwd, timeoutMs: 60_000 });
  return { ...result, stdout: asTerminalShows(result.stdout) };
}
