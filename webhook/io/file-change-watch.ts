/**
 * Calls `onChange` soon after a file changes. `fs.watch` on its folder reports a write within
 * milliseconds, including the kubelet's update of a mounted ConfigMap (a symlink swap of `..data`)
 * and editors that replace the file; polling stays as the fallback where events are not delivered
 * (some network and overlay filesystems).
 */
import { unwatchFile, watch, watchFile, type FSWatcher } from "node:fs";
import { basename, dirname } from "node:path";

/** Events come in bursts (truncate, write, rename): one call after they settle. */
const SETTLE_MS = 20;

export function watchFileChanges(path: string, pollIntervalMs: number, onChange: () => void): { stop: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const changed = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      onChange();
    }, SETTLE_MS);
    timer.unref();
  };
  const name = basename(path);
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), { persistent: false }, (_event, file) => {
      if (file === null || file === name || file === "..data") changed();
    });
    watcher.on("error", () => watcher?.close());
  } catch {
    watcher = undefined; // no folder events here: polling alone
  }
  watchFile(path, { interval: pollIntervalMs, persistent: false }, changed);
  return {
    stop: () => {
      if (timer !== undefined) clearTimeout(timer);
      watcher?.close();
      unwatchFile(path, changed);
    },
  };
}
