import { createHash } from "node:crypto";
import { loadRateLimitConfig, type ConfigFile, type LoadOptions, type LoadResult } from "../../ratelimit/loader.js";

/**
 * loadRateLimitConfig remembered by content. The same text reaches the webhook again and again:
 * mutate then validate see it in turn, reinvocation and ArgoCD's diff-then-sync resend it, and
 * kubectl retries on conflict. Loading a 1,000-rule config costs tens of milliseconds; hashing it
 * costs a fraction of one. The result is immutable, so sharing it is safe.
 */
export function createLoadMemo(capacity = 8): (files: readonly ConfigFile[], options: LoadOptions) => LoadResult {
  const entries = new Map<string, LoadResult>();
  return (files, options) => {
    const hash = createHash("sha256").update(options.mergeDomains ? "merge\0" : "single\0");
    for (const file of files) hash.update(`${Buffer.byteLength(file.name)}:${file.name}${Buffer.byteLength(file.text)}:`).update(file.text);
    const key = hash.digest("base64");
    const hit = entries.get(key);
    if (hit) {
      // Refresh its place: the Map keeps insertion order, oldest first.
      entries.delete(key);
      entries.set(key, hit);
      return hit;
    }
    const result = loadRateLimitConfig(files, options);
    entries.set(key, result);
    if (entries.size > capacity) entries.delete(entries.keys().next().value as string);
    return result;
  };
}
