/**
 * docs/walkthrough.md says its examples are the quick start's real output. This runs them as its
 * reader does: `npm start` left serving, then every `$` line of its console blocks, in the page's
 * order, in a bash shell from the repository root with what the intro sets up (its `export` line;
 * `kubectl` is the file it names; `npx trendmaster` is this build). Each must end with the exit code
 * the page shows (`exit N`, else 0) and print what the page shows, stdout and stderr as one
 * terminal shows them (times, durations, generations, ports and the pod name masked; `...` for any
 * lines). The commands come from the page itself: change one there and this test runs the changed one.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { cliPath, repoRoot } from "../support/paths.js";
import { consoleCommands, shownExitCode, shownOutputMismatch } from "./readme-commands.js";
import { quickStartMissing, shellEnv, startServingQuickStart, type RunningQuickStart } from "./running-quick-start.js";
import { readerBin, runInReaderShell, walkthroughShell } from "./walkthrough-commands.js";

const PAGE = "docs/walkthrough.md";
const markdown = readFileSync(join(repoRoot(), PAGE), "utf8");
const shell = walkthroughShell(markdown);
const commands = consoleCommands(markdown);

/**
 * The webhook re-reads its settings file on a file event, or at its next poll (every 2 s) where
 * events are not delivered; after a command changes the file, the next one waits that long, so
 * the mode it meets does not hang on how fast the event arrived on a busy machine.
 */
const SETTINGS_POLL_MS = 2_000;

async function digestOf(path: string): Promise<string> {
  return createHash("sha256").update(await readFile(path).catch(() => Buffer.alloc(0))).digest("hex");
}

const missing = quickStartMissing();
const describeIf = missing ? describe.skip : describe;
if (missing) describe("walkthrough commands", () => it.skip(missing, () => undefined));

describeIf("docs/walkthrough.md's commands against the running quick start", () => {
  let demo: RunningQuickStart | undefined;
  let bin = "";
  const env: Record<string, string> = {};

  beforeAll(async () => {
    demo = await startServingQuickStart();
    bin = await readerBin(await mkdtemp(join(tmpdir(), "trendmaster-walkthrough-bin-")), shell.programs, demo.cwd, cliPath());
    // A terminal: the CLI's logs as short lines at warn and above, and its progress line (TRENDMASTER_TERMINAL, cli/terminal.ts).
    const base = shellEnv();
    Object.assign(env, base, { PATH: `${bin}:${base.PATH ?? ""}`, TRENDMASTER_TERMINAL: "1" }, shell.exported);
  }, 240_000);

  afterAll(async () => {
    await demo?.close();
    if (bin) await rm(bin, { recursive: true, force: true });
  }, 30_000);

  // A page reshaped past what this test reads would otherwise leave nothing to run.
  it("reads the intro's shell and the page's commands", () => {
    expect(Object.keys(shell.exported)).toEqual(expect.arrayContaining(["KUBECONFIG", "POD_NAMESPACE", "TRENDMASTER_SETTINGS"]));
    expect(shell.programs).toHaveProperty("kubectl");
    // The files the intro names are the demo's.
    for (const path of [...Object.values(shell.exported), ...Object.values(shell.programs)]) if (path.includes("/")) expect(existsSync(resolve(demo?.cwd ?? "", path))).toBe(true);
    expect(commands.length).toBeGreaterThanOrEqual(7);
    expect(commands.filter((c) => shownExitCode(c.shownOutput).code !== 0).length).toBeGreaterThanOrEqual(1);
  });

  for (const command of commands) {
    it(`${PAGE}:${command.line}: ${command.text.replace(/\s+/g, " ")}`, async () => {
      const cwd = demo?.cwd ?? "";
      const settings = resolve(cwd, env.TRENDMASTER_SETTINGS ?? "");
      const before = await digestOf(settings);
      const result = await runInReaderShell(command.text, env, cwd);
      if (before !== (await digestOf(settings))) await new Promise((r) => setTimeout(r, SETTINGS_POLL_MS + 500));
      const shown = shownExitCode(command.shownOutput);
      expect({ exit: result.code, mismatch: shownOutputMismatch(shown.output, result.stdout, PAGE) }).toEqual({ exit: shown.code, mismatch: undefined });
    });
  }
});
