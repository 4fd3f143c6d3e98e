/**
 * One quick start left serving, as a reader has it after `npm start`: started from the repository
 * root in its own process group (a terminal's Ctrl-C reaches the group), holding the quick-start
 * lock, with a root-lookalike folder where a test runs the reader's commands from another shell.
 * Shared by the tests that run the README's and the walkthrough's commands against it.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startProcess, type LongRunningProcess } from "../e2e/cli-process.js";
import { helmPath, kubectlPath, missingBinaryMessage } from "../support/binaries.js";
import { repoRoot } from "../support/paths.js";
import { shiftedClockEnv } from "../support/shifted-clock-env.js";
import { holdQuickStartLock } from "./quick-start-lock.js";

/** Why a test of the running quick start cannot run here (no kubectl, helm or openssl), or undefined. */
export function quickStartMissing(): string | undefined {
  if (!kubectlPath()) return missingBinaryMessage("kubectl");
  if (!helmPath()) return missingBinaryMessage("helm");
  if (!["/usr/bin/openssl", "/bin/openssl", "/usr/local/bin/openssl"].some((p) => existsSync(p))) return "skipping: openssl is not installed";
  return undefined;
}

/** What a reader's shell has: PATH and HOME (kubectl keeps its cache there), and a shifted clock when the test has one. */
export function shellEnv(): Record<string, string> {
  return { ...shiftedClockEnv(), PATH: process.env.PATH ?? "/usr/bin:/bin", ...(process.env.HOME ? { HOME: process.env.HOME } : {}) };
}

/**
 * A folder that looks like the repository root (a link to each of its entries): the pages' relative
 * paths work there, and what the commands write (report.html) stays out of the working copy.
 */
async function rootLookalike(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "trendmaster-readme-"));
  for (const entry of await readdir(repoRoot())) if (entry !== ".git") await symlink(join(repoRoot(), entry), join(dir, entry));
  return dir;
}

export function processGroupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

export interface RunningQuickStart {
  readonly process: LongRunningProcess;
  /** The root lookalike: the reader's other shell's working directory. */
  readonly cwd: string;
  /** The rule labels of the demo's recommendation table. */
  readonly rules: readonly string[];
  /** Stops whatever still runs (Ctrl-C, then SIGKILL to the group), removes the folder, releases the lock. */
  close(): Promise<void>;
}

/** Takes the lock, starts `npm start` (LOG_LEVEL=warn) and resolves once it prints "Serving until Ctrl-C.". */
export async function startServingQuickStart(): Promise<RunningQuickStart> {
  const release = await holdQuickStartLock();
  let cwd = "";
  let quickStart: LongRunningProcess | undefined;
  const close = async (): Promise<void> => {
    const pid = quickStart?.child.pid;
    if (pid !== undefined && processGroupAlive(pid)) {
      process.kill(-pid, "SIGINT");
      if (!(await waitUntil(() => !processGroupAlive(pid), 15_000))) process.kill(-pid, "SIGKILL");
    }
    if (cwd) await rm(cwd, { recursive: true, force: true });
    await release();
  };
  try {
    cwd = await rootLookalike();
    quickStart = startProcess(process.execPath, [join(repoRoot(), "dist", "test", "quick-start", "main.js")], { env: { ...shellEnv(), LOG_LEVEL: "warn" }, cwd: repoRoot(), processGroup: true });
    await quickStart.waitForLine(/^Serving until Ctrl-C\.$/, 150_000);
  } catch (error) {
    await close();
    throw error;
  }
  const lines = quickStart.stdout().split("\n");
  const header = lines.findIndex((l) => l.startsWith("rule "));
  const rules = lines.slice(header + 1, lines.indexOf("", header)).map((row) => row.split(/\s{2,}/)[0] as string);
  return { process: quickStart, cwd, rules, close };
}
