import { isGuardedObject, type Endpoint } from "./admission/admit.js";
import { generationClaimOf } from "./admission/generation-claim.js";
import { assessForecast } from "./admission/forecast-trust.js";
import type { AdmissionPolicy, ForecastSnapshot } from "./admission/policy.js";
import type { AdmissionDecision } from "./admission/ratelimit-config.js";
import type { AdmissionRequest } from "./admission/review.js";
import { crc32 } from "node:zlib";
import type { StampKeyRing } from "../ratelimit/guard-stamp.js";
import { uidMatching, type UidTemplate } from "./review-template.js";

/**
 * What an answer depends on besides the review's bytes: the policy and forecast snapshot in force
 * (both replaced, never changed, when settings or the cache change) and what the clock makes of
 * the forecast (trusted, or stale with its age in the warning).
 */
export interface AnswerContext {
  readonly policy: AdmissionPolicy;
  readonly forecast: ForecastSnapshot;
  readonly trust: string;
  /** The key ring stamps are signed with: a rotation makes every answer afresh. */
  readonly stampKeys?: StampKeyRing;
}

export function answerContext(request: AdmissionRequest, policy: AdmissionPolicy, forecast: ForecastSnapshot, nowMs: number, stampKeys?: StampKeyRing): AnswerContext {
  if (!isGuardedObject(request, policy.target)) return { policy, forecast, trust: "unguarded" };
  const trust = assessForecast(forecast, generationClaimOf(request, policy), nowMs, policy.maxForecastAgeMs);
  return { policy, forecast, trust: trust.trusted ? `trusted: ${trust.notes.join("; ")}` : `${trust.reason}: ${trust.warning}`, ...(stampKeys ? { stampKeys } : {}) };
}

export function sameContext(a: AnswerContext, b: AnswerContext): boolean {
  return a.policy === b.policy && a.forecast === b.forecast && a.trust === b.trust && a.stampKeys === b.stampKeys;
}

/** One answered review: the decision for its bytes in its context, and the answer's bytes after the uid. */
export interface RememberedAnswer {
  readonly endpoint: Endpoint;
  readonly template: UidTemplate;
  /**
   * The template's uid position is the request's uid: a body differing only there parsed to its
   * own uid. Until then only a byte-identical body (same uid) is recognised.
   */
  verified: boolean;
  readonly request: AdmissionRequest;
  readonly context: AnswerContext;
  readonly decision: AdmissionDecision;
  readonly afterUid: Buffer;
}

/** A posted body recognised as a remembered review with `uid`; `usable` when the template is proven or the bytes are identical. */
export interface Recognised {
  readonly entry: RememberedAnswer;
  readonly uid: string;
  readonly usable: boolean;
}

/** A remembered answer holds its body, the parsed request (about the body's size again) and the answer's tail. */
function sizeOf(entry: RememberedAnswer): number {
  return entry.template.body.length * 2 + entry.afterUid.length;
}

/**
 * The last few answers, most recent first, bounded in count and bytes. Lookup compares bytes
 * (two memcmp per entry), so a hit costs microseconds where parsing the body costs a millisecond.
 */
export class AnswerMemo {
  private entries: RememberedAnswer[] = [];
  private bytes = 0;
  /** Checksums of recent reviews' bytes outside the uid, oldest first. */
  private readonly sightings = new Map<string, true>();

  constructor(
    private readonly capacity = 8,
    private readonly maxBytes = 16 * 1024 * 1024,
    private readonly maxSightings = 64,
  ) {}

  /**
   * Whether a review with these bytes outside body[start, end) was seen recently; notes it. Most
   * reviews never come again (another resourceVersion, another edit): keeping each one's bytes,
   * parse and answer would only feed the garbage collector, so an answer is remembered from its
   * second sighting. A checksum only decides what to remember: lookups compare bytes.
   */
  sightedBefore(endpoint: Endpoint, body: Buffer, start: number, end: number): boolean {
    const key = `${endpoint} ${start} ${body.length - end} ${crc32(body.subarray(end), crc32(body.subarray(0, start)))}`;
    const seen = this.sightings.delete(key);
    this.sightings.set(key, true);
    if (this.sightings.size > this.maxSightings) this.sightings.delete(this.sightings.keys().next().value as string);
    return seen;
  }

  find(endpoint: Endpoint, body: Buffer): Recognised | undefined {
    for (const entry of this.entries) {
      if (entry.endpoint !== endpoint) continue;
      const uid = uidMatching(entry.template, body);
      if (uid !== undefined) return { entry, uid, usable: entry.verified || uid === entry.request.uid };
    }
    return undefined;
  }

  /** Keep `entry` first; `replaces` (the same review in an older context, or a disproven template) goes. */
  remember(entry: RememberedAnswer, replaces?: RememberedAnswer): void {
    if (replaces) this.forget(replaces);
    const size = sizeOf(entry);
    if (size > this.maxBytes / 2) return;
    this.entries.unshift(entry);
    this.bytes += size;
    while (this.entries.length > this.capacity || this.bytes > this.maxBytes) this.forget(this.entries[this.entries.length - 1] as RememberedAnswer);
  }

  /** Move a hit to the front. */
  touch(entry: RememberedAnswer): void {
    const index = this.entries.indexOf(entry);
    if (index > 0) this.entries.unshift(...this.entries.splice(index, 1));
  }

  forget(entry: RememberedAnswer): void {
    const index = this.entries.indexOf(entry);
    if (index < 0) return;
    this.entries.splice(index, 1);
    this.bytes -= sizeOf(entry);
  }

  get size(): number {
    return this.entries.length;
  }
}
