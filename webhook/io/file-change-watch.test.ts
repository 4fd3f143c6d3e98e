import { mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { watchFileChanges } from "./file-change-watch.js";

/** Polling an hour apart: only the file events can report these changes in time. */
const POLL_NEVER_MS = 3_600_000;

function nextChange(path: string): { changed: Promise<void>; stop: () => void } {
  let resolve: () => void = () => {};
  const changed = new Promise<void>((r) => (resolve = r));
  const watch = watchFileChanges(path, POLL_NEVER_MS, () => resolve());
  return { changed, stop: watch.stop };
}

describe("watchFileChanges", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "tm-watch-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("reports a write in place without waiting for the poll", async () => {
    const file = join(dir, "settings.yaml");
    writeFileSync(file, "webhook:\n  mode: enforce\n");
    const watch = nextChange(file);
    writeFileSync(file, "webhook:\n  mode: audit\n");
    await watch.changed;
    watch.stop();
  });

  it("reports a file replaced by rename, as `sed -i` and editors do", async () => {
    const file = join(dir, "settings.yaml");
    writeFileSync(file, "a: 1\n");
    const watch = nextChange(file);
    writeFileSync(join(dir, "settings.yaml.tmp"), "a: 2\n");
    renameSync(join(dir, "settings.yaml.tmp"), file);
    await watch.changed;
    watch.stop();
  });

  it("reports the kubelet's update of a mounted ConfigMap (the ..data symlink swapped)", async () => {
    mkdirSync(join(dir, "..v1"));
    mkdirSync(join(dir, "..v2"));
    writeFileSync(join(dir, "..v1", "settings.yaml"), "a: 1\n");
    writeFileSync(join(dir, "..v2", "settings.yaml"), "a: 2\n");
    symlinkSync("..v1", join(dir, "..data"));
    symlinkSync(join("..data", "settings.yaml"), join(dir, "settings.yaml"));
    const watch = nextChange(join(dir, "settings.yaml"));
    symlinkSync("..v2", join(dir, "..data_tmp"));
    renameSync(join(dir, "..data_tmp"), join(dir, "..data"));
    await watch.changed;
    watch.stop();
  });
});
