import { configDataDigest } from "../../ratelimit/digest.js";
import { setRequestsPerUnit, type LimitEditResult } from "../../ratelimit/edit.js";
import type { ForecastCache } from "../../ratelimit/forecast-cache.js";
import { loadRateLimitConfig, type ConfigFile, type LoadOptions, type LoadResult } from "../../ratelimit/loader.js";
import { planClamps, type ClampPlan } from "./clamp-plan.js";
import { encodePatch, samePatch, type PatchOperation } from "./patch.js";

/** The pure, costly derivations of a config's text that a decision needs. */
export interface ConfigDerivations {
  loadConfig(files: readonly ConfigFile[], options: LoadOptions): LoadResult;
  /** configDataDigest of the data as admitted. */
  digest(data: Readonly<Record<string, string>>, binaryData: Readonly<Record<string, string>>): string;
  /** setRequestsPerUnit with the file's load result (parsed once). */
  editLimits(file: ConfigFile, changes: ReadonlyMap<string, number>, loaded: LoadResult): LimitEditResult;
  /** planClamps over the loaded rules. */
  planClamps(loaded: LoadResult, cache: ForecastCache): ClampPlan;
  /** base64 of a JSON Patch. */
  encodePatch(operations: readonly PatchOperation[]): string;
}

/** The derivations computed afresh every time. */
export const DIRECT_DERIVATIONS: ConfigDerivations = {
  loadConfig: (files, options) => loadRateLimitConfig(files, options),
  digest: (data, binaryData) => configDataDigest(data, binaryData),
  editLimits: (file, changes, loaded) => setRequestsPerUnit(file, changes, loaded),
  planClamps: (loaded, cache) => planClamps(loaded.rules, cache),
  encodePatch,
};

/**
 * A few recent results, found by comparing inputs directly: equal strings of equal length compare
 * in microseconds, while building and hashing a key string of a large config costs much more.
 */
class RecentResults<I, V> {
  private entries: Array<{ input: I; value: V }> = [];
  constructor(
    private readonly capacity: number,
    private readonly same: (a: I, b: I) => boolean,
  ) {}
  get(input: I, compute: () => V): V {
    const index = this.entries.findIndex((e) => this.same(e.input, input));
    if (index >= 0) {
      const [hit] = this.entries.splice(index, 1) as [{ input: I; value: V }];
      this.entries.unshift(hit);
      return hit.value;
    }
    const value = compute();
    this.entries.unshift({ input, value });
    if (this.entries.length > this.capacity) this.entries.pop();
    return value;
  }
}

function sameFiles(a: readonly ConfigFile[], b: readonly ConfigFile[]): boolean {
  return a.length === b.length && a.every((file, i) => file.name === b[i]?.name && file.text.length === b[i]?.text.length && file.text === b[i]?.text);
}

function sameRecord(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => Object.hasOwn(b, key) && a[key]?.length === b[key]?.length && a[key] === b[key]);
}

function sameChanges(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): boolean {
  if (a.size !== b.size) return false;
  for (const [key, value] of a) if (b.get(key) !== value) return false;
  return true;
}

/**
 * The derivations remembered by content. The same text reaches the webhook again and again:
 * mutate then validate see it in turn, reinvocation and ArgoCD's diff-then-sync resend it, kubectl
 * retries on conflict. Loading a 1,000-rule config costs tens of milliseconds; recognising its
 * text costs a string comparison. Inputs are compared whole (a few entries of at most a few MiB),
 * so a hit is always exact; results are immutable and safe to share.
 */
/** A ConfigMap holds at most 1 MiB; larger objects reach admission but never storage. */
const MAX_REMEMBERED_CHARS = 1024 * 1024;

export function createMemoizedDerivations(capacity = 4): ConfigDerivations {
  const loads = new RecentResults<{ files: readonly ConfigFile[]; merge: boolean }, LoadResult>(capacity, (a, b) => a.merge === b.merge && sameFiles(a.files, b.files));
  const digests = new RecentResults<{ data: Readonly<Record<string, string>>; binaryData: Readonly<Record<string, string>> }, string>(capacity * 2, (a, b) => sameRecord(a.data, b.data) && sameRecord(a.binaryData, b.binaryData));
  const edits = new RecentResults<{ file: ConfigFile; changes: ReadonlyMap<string, number> }, LimitEditResult>(capacity * 2, (a, b) => sameFiles([a.file], [b.file]) && sameChanges(a.changes, b.changes));
  const plans = new WeakMap<LoadResult, WeakMap<ForecastCache, ClampPlan>>();
  const patches = new RecentResults<readonly PatchOperation[], string>(capacity, samePatch);
  return {
    loadConfig(files, options) {
      // A load result takes about eleven times its text in memory: only ConfigMap-sized texts are kept.
      if (files.reduce((chars, file) => chars + file.text.length, 0) > MAX_REMEMBERED_CHARS) return loadRateLimitConfig(files, options);
      return loads.get({ files: [...files], merge: options.mergeDomains === true }, () => loadRateLimitConfig(files, options));
    },
    digest: (data, binaryData) => digests.get({ data, binaryData }, () => configDataDigest(data, binaryData)),
    editLimits: (file, changes, loaded) => edits.get({ file, changes }, () => setRequestsPerUnit(file, changes, loaded)),
    planClamps(loaded, cache) {
      // Both are the same objects while the config text and the forecast generation stay the same.
      let byCache = plans.get(loaded);
      if (!byCache) plans.set(loaded, (byCache = new WeakMap()));
      let plan = byCache.get(cache);
      if (!plan) byCache.set(cache, (plan = planClamps(loaded.rules, cache)));
      return plan;
    },
    // The edited text in a patch is the very string a remembered edit returned: comparing it is instant.
    encodePatch: (operations) => patches.get(operations, () => encodePatch(operations)),
  };
}
