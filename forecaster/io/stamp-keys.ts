import { readFileSync } from "node:fs";
import { parseStampKeyRing, type StampKeyRing } from "../../ratelimit/guard-stamp.js";
import { unreadableReason } from "../logic/file-errors.js";

/**
 * The stamp key ring from its mounted Secret file, read afresh on every call (once a cycle), so a
 * rotated Secret is used without a restart. Throws one line naming the file, never the key.
 */
export function stampKeyFileReader(path: string): () => StampKeyRing {
  return () => {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (error) {
      throw new Error(`guardStamp.keyFile '${path}' ${(error as NodeJS.ErrnoException).code === "ENOENT" ? "does not exist" : unreadableReason(error)}`);
    }
    const parsed = parseStampKeyRing(text);
    if (!parsed.ok) throw new Error(`guardStamp.keyFile '${path}' ${parsed.problem}`);
    return parsed.ring;
  };
}
