/**
 * Annotations the forecaster puts on ratelimit-config when it writes (ratelimit/annotations.ts
 * holds the ones the webhook also reads; these two only the forecaster reads).
 */
import { ANNOTATIONS } from "../../ratelimit/annotations.js";

/** configDataDigest of the data TrendMaster itself last wrote (forecast apply or rollback): a record, not proof (any writer can set it; the guard stamp is the proof). */
export const APPLIED_DIGEST_ANNOTATION = "trendmaster.io/applied-digest";
/** Set by `trendmaster rollback`: the revision restored. */
export const ROLLED_BACK_TO_ANNOTATION = "trendmaster.io/rolled-back-to";

/** At most this many full keys are listed in rules-changed; an annotation is no place for 10,000. */
const MAX_LISTED_RULES = 200;

export function applyAnnotations(input: { generation: number; appliedAt: string; rulesChanged: readonly string[]; digest: string }): Record<string, string> {
  const listed = input.rulesChanged.slice(0, MAX_LISTED_RULES);
  if (input.rulesChanged.length > MAX_LISTED_RULES) listed.push(`... ${input.rulesChanged.length - MAX_LISTED_RULES} more`);
  return {
    [ANNOTATIONS.generation]: String(input.generation),
    [ANNOTATIONS.appliedAt]: input.appliedAt,
    [ANNOTATIONS.rulesChanged]: JSON.stringify(listed),
    [APPLIED_DIGEST_ANNOTATION]: input.digest,
  };
}

/**
 * A write's annotations on top of what ratelimit-config carries now, minus a break-glass reason
 * left by an earlier write: the reason is one write's intent, and carried along it would let the
 * next edit by an allowed user through unclamped without anyone asking for it.
 */
export function writeAnnotations(current: Readonly<Record<string, string>> | undefined, ours: Readonly<Record<string, string>>): Record<string, string> {
  const { [ANNOTATIONS.overrideReason]: _stale, ...kept } = current ?? {};
  return { ...kept, ...ours };
}
