/**
 * One quick start at a time: every test that runs test/quick-start/main.js uses .cache/quick-start
 * (the README's commands name that folder), and jest runs test files in parallel workers. A test
 * holds this lock from before it starts the quick start until the quick start has exited.
 */
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { repoRoot } from "../support/paths.js";

const LOCK_DIR = join(repoRoot(), ".cache", "quick-start.lock");

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Waits for the lock (mkdir is atomic); a lock whose holder has died is taken over. Resolves with its release. */
export async function holdQuickStartLock(timeoutMs = 180_000): Promise<() => Promise<void>> {
  await mkdir(join(repoRoot(), ".cache"), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await mkdir(LOCK_DIR);
      await writeFile(join(LOCK_DIR, "pid"), String(process.pid));
      return () => rm(LOCK_DIR, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    // An empty pid file is a holder between its mkdir and its write: alive.
    const holder = Number((await readFile(join(LOCK_DIR, "pid"), "utf8").catch(() => "")).trim());
    if (holder > 0 && !isRunning(holder)) {
      await rm(LOCK_DIR, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`.cache/quick-start is still in use by process ${holder || "?"} after ${timeoutMs / 1000} s (lock: ${LOCK_DIR})`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
