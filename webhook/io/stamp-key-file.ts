import { readFileSync, unwatchFile, watchFile } from "node:fs";
import { parseStampKeyRing, type StampKeyRing } from "../../ratelimit/guard-stamp.js";

export interface StampKeySource {
  current(): StampKeyRing;
  stop(): void;
}

/**
 * The stamp key ring from its mounted Secret file, read at start (a problem there is a start-up
 * error) and again whenever the kubelet updates it, so a rotation needs no restart. A file that
 * turns unreadable or empty keeps the previous ring and is reported.
 */
export function watchStampKeyFile(path: string, options: { pollIntervalMs: number; onProblem: (message: string) => void; onReload: () => void }): StampKeySource {
  let ring = readStampKeyFile(path);
  const reload = () => {
    try {
      ring = readStampKeyFile(path);
      options.onReload();
    } catch (error) {
      options.onProblem(`${(error as Error).message}: keeping the previous keys`);
    }
  };
  watchFile(path, { interval: options.pollIntervalMs, persistent: false }, reload);
  return { current: () => ring, stop: () => unwatchFile(path, reload) };
}

/** The ring in `path`; throws a one-line error naming the file (and never the key). */
export function readStampKeyFile(path: string): StampKeyRing {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new Error(`guardStamp.keyFile '${path}': ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "does not exist" : `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`}`);
  }
  const parsed = parseStampKeyRing(text);
  if (!parsed.ok) throw new Error(`guardStamp.keyFile '${path}': ${parsed.problem}`);
  return parsed.ring;
}
