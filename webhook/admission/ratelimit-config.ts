import { GUARDED_DIGEST_ANNOTATION } from "../../ratelimit/annotations.js";
import { signGuardStamp, type StampKeyRing } from "../../ratelimit/guard-stamp.js";
import { configFilesOfConfigMap } from "../../ratelimit/configmap.js";
import type { ConfigFile, LoadResult } from "../../ratelimit/loader.js";
import { assessBreakGlass, type BreakGlass } from "./break-glass.js";
import type { ConfigDerivations } from "./content-memo.js";
import { clampMessage, outOfBandMessage, type Clamp } from "./clamp-plan.js";
import { readConfigMapObject, type ConfigMapObject } from "./configmap-object.js";
import { generationClaimOf } from "./generation-claim.js";
import { assessForecast, type ForecastTrust } from "./forecast-trust.js";
import { diffObjects } from "./patch.js";
import type { AdmissionPolicy, ForecastSnapshot } from "./policy.js";
import { buildAllowResponse, buildDenyResponse } from "./response.js";
import type { AdmissionRequest, AdmissionResponse } from "./review.js";

/** What a decision needs besides the request: all values, so the decision is a pure function. */
export interface AdmissionContext {
  readonly policy: AdmissionPolicy;
  readonly forecast: ForecastSnapshot;
  readonly nowMs: number;
  /** Load, digest and edit: DIRECT_DERIVATIONS, or the same remembered by content. */
  readonly derive: ConfigDerivations;
  /** The stamp key ring (guardStamp.keyFile): admitted writes are stamped with it; absent, they are not stamped. */
  readonly stampKeys?: StampKeyRing;
}

/** What happened, for metrics, logs and Slack (the response is what the API server sees). */
export interface AdmissionOutcome {
  readonly verdict: "allowed" | "patched" | "denied";
  /** False for objects the webhook does not guard (admitted untouched). */
  readonly guarded: boolean;
  /** Clamps applied (enforce mode, mutate). */
  readonly clamps: readonly Clamp[];
  /** Clamps enforce mode would have applied (audit mode, mutate). */
  readonly wouldClamps: readonly Clamp[];
  /** Break-glass seen on this write, with the rules it kept outside their band. */
  readonly override?: { readonly glass: Exclude<BreakGlass, { kind: "none" }>; readonly outsideBand: readonly Clamp[] };
  /** Why limits were not checked against guardrails, when they were not. */
  readonly unguarded?: Extract<ForecastTrust, { trusted: false }>["reason"];
  /** Loader errors (denied in enforce mode, warned in audit mode). */
  readonly loadErrors: readonly string[];
  /** Set when the handler failed: a bug, answered without throwing. */
  readonly internalError?: string;
}

export interface AdmissionDecision {
  readonly response: AdmissionResponse;
  readonly outcome: AdmissionOutcome;
}

const NOTHING = { clamps: [], wouldClamps: [], loadErrors: [] } as const;

/** Longest audit annotation value we write: the audit log keeps them all, per request. */
const MAX_AUDIT_VALUE_CHARS = 8_192;

function clampList(clamps: readonly Clamp[]): string {
  const text = JSON.stringify(clamps.map((c) => `${c.label}: ${c.from}->${c.to}`));
  return text.length <= MAX_AUDIT_VALUE_CHARS ? text : `${text.slice(0, MAX_AUDIT_VALUE_CHARS - 20)}... (${clamps.length} rules)`;
}

function isWrite(request: AdmissionRequest): boolean {
  return request.operation === "CREATE" || request.operation === "UPDATE";
}

function objectName(request: AdmissionRequest): string {
  return request.name || `${request.kind.kind}`;
}

type Loaded = { configMap: ConfigMapObject; files: ConfigFile[]; loaded: LoadResult };

/** Read and load the incoming object once; a message when it is not a ConfigMap at all. */
function loadObject(request: AdmissionRequest, context: AdmissionContext): Loaded | { problem: string } {
  const read = readConfigMapObject(request.object);
  if (!read.ok) return { problem: `${objectName(request)} is not a readable ConfigMap: ${read.message}` };
  const files = configFilesOfConfigMap(read.configMap);
  return { configMap: read.configMap, files, loaded: context.derive.loadConfig(files, { mergeDomains: context.policy.mergeDomains }) };
}

function unreadable(request: AdmissionRequest, context: AdmissionContext, problem: string): AdmissionDecision {
  if (context.policy.mode === "audit") {
    return { response: buildAllowResponse(request.uid, { warnings: [`audit mode, would deny: ${problem}`], auditAnnotations: { mode: "audit", "would-deny": problem } }), outcome: { verdict: "allowed", guarded: true, ...NOTHING, loadErrors: [problem] } };
  }
  return { response: buildDenyResponse(request.uid, problem, 400, { auditAnnotations: { mode: "enforce" } }), outcome: { verdict: "denied", guarded: true, ...NOTHING, loadErrors: [problem] } };
}

/** The object as admitted: `edits` applied to copies of data/binaryData, stamped (HMAC) over the data as admitted. */
function admittedObject(object: unknown, configMap: ConfigMapObject, edits: ReadonlyMap<string, string>, context: AdmissionContext): unknown {
  const derive = context.derive;
  const original = object as Record<string, unknown> & { metadata?: Record<string, unknown> };
  const data = { ...configMap.data };
  const binaryData = { ...configMap.binaryData };
  for (const [name, text] of edits) {
    if (Object.hasOwn(data, name)) data[name] = text;
    else binaryData[name] = Buffer.from(text, "utf8").toString("base64");
  }
  const edited: Record<string, unknown> = { ...original };
  if (context.stampKeys) {
    const stamp = signGuardStamp(context.stampKeys, context.policy.target, derive.digest(data, binaryData), context.nowMs);
    edited.metadata = { ...(original.metadata ?? {}), annotations: { ...configMap.annotations, [GUARDED_DIGEST_ANNOTATION]: stamp } };
  }
  if (edits.size > 0) {
    if (original.data !== undefined) edited.data = data;
    if (original.binaryData !== undefined) edited.binaryData = binaryData;
  }
  return edited;
}

/** What checking the limits against the forecast gave: the edits to make and what to say about them. */
interface LimitCheck {
  readonly warnings: string[];
  readonly audit: Record<string, string>;
  /** New text per config file (enforce mode). */
  readonly edits: Map<string, string>;
  readonly clamps: Clamp[];
  wouldClamps: readonly Clamp[];
  /** Clamps the text does not allow (a limit shared through an anchor...): the write is denied. */
  refusals: string[];
  override?: AdmissionOutcome["override"];
  unguarded?: AdmissionOutcome["unguarded"];
}

/** Check a loaded config's limits against the forecast: clamp (enforce) or say what would be clamped (audit). */
function checkLimits(request: AdmissionRequest, context: AdmissionContext, { configMap, files, loaded }: Loaded): LimitCheck {
  const { policy } = context;
  const check: LimitCheck = { warnings: [], audit: { mode: policy.mode }, edits: new Map(), clamps: [], wouldClamps: [], refusals: [] };
  const trust = assessForecast(context.forecast, generationClaimOf(request, policy), context.nowMs, policy.maxForecastAgeMs);
  if (trust.cache) check.audit["forecast-generation"] = String(trust.cache.generation);
  if (!trust.trusted) {
    check.warnings.push(trust.warning);
    check.audit.unguarded = trust.warning;
    check.unguarded = trust.reason;
    return check;
  }
  check.warnings.push(...trust.notes);
  if (trust.notes.length > 0) check.audit["generation-claim"] = trust.notes.join("\n");
  const plan = context.derive.planClamps(loaded, trust.cache);
  check.warnings.push(...plan.skipped);
  const glass = assessBreakGlass(configMap.annotations, request.userInfo, policy.breakGlass);
  if (glass.kind !== "none") check.override = { glass, outsideBand: plan.clamps };
  if (glass.kind === "accepted") {
    check.warnings.push(`break-glass by ${glass.user}: limits admitted unclamped (${glass.reason})`);
    check.audit["override-user"] = glass.user;
    check.audit["override-reason"] = glass.reason;
    if (plan.clamps.length > 0) check.audit["override-outside-band"] = clampList(plan.clamps);
    return check;
  }
  if (glass.kind === "refused") {
    check.warnings.push(`trendmaster.io/override-reason ignored: ${glass.user} is not on the break-glass allow-list`);
    check.audit["override-refused"] = glass.user;
  }
  if (policy.mode === "audit") {
    check.wouldClamps = plan.clamps;
    check.warnings.push(...plan.clamps.map((c) => `audit mode, not applied: ${clampMessage(c)}`));
    if (plan.clamps.length > 0) check.audit["would-clamp"] = clampList(plan.clamps);
    return check;
  }
  check.refusals = applyClamps(files, plan.clamps, loaded, check.edits, check.clamps, context.derive);
  if (check.refusals.length > 0) return check; // denied: nothing is clamped
  check.warnings.push(...check.clamps.map(clampMessage));
  if (check.clamps.length > 0) check.audit.clamped = clampList(check.clamps);
  return check;
}

/**
 * Mutate ratelimit-config. Enforce: clamp every limit outside its band, a warning per clamp.
 * Audit: admit unchanged, with the warnings enforce would give. Both stamp the guarded digest.
 * A config that does not load passes through stamped: validate denies it with the loader's text.
 */
export function mutateRateLimitConfig(request: AdmissionRequest, context: AdmissionContext): AdmissionDecision {
  if (!isWrite(request)) return { response: buildAllowResponse(request.uid), outcome: { verdict: "allowed", guarded: true, ...NOTHING } };
  const read = loadObject(request, context);
  if ("problem" in read) return unreadable(request, context, read.problem);
  const check: LimitCheck = read.loaded.ok
    ? checkLimits(request, context, read)
    : { warnings: [], audit: { mode: context.policy.mode }, edits: new Map(), clamps: [], wouldClamps: [], refusals: [] };
  const noted = { ...(check.override ? { override: check.override } : {}), ...(check.unguarded ? { unguarded: check.unguarded } : {}) };
  if (check.refusals.length > 0) {
    return {
      response: buildDenyResponse(request.uid, check.refusals.join("\n"), 422, { warnings: check.warnings, auditAnnotations: check.audit }),
      outcome: { verdict: "denied", guarded: true, ...NOTHING, ...noted },
    };
  }
  const operations = diffObjects(request.object, admittedObject(request.object, read.configMap, check.edits, context));
  const patch = operations.length > 0 ? context.derive.encodePatch(operations) : undefined;
  return {
    response: buildAllowResponse(request.uid, { ...(patch !== undefined ? { patch } : {}), warnings: check.warnings, auditAnnotations: check.audit }),
    outcome: { verdict: check.edits.size > 0 ? "patched" : "allowed", guarded: true, clamps: check.clamps, wouldClamps: check.wouldClamps, loadErrors: [], ...noted },
  };
}

/** Rewrite the clamped numbers file by file; returns a denial line per clamp the text does not allow. */
function applyClamps(files: readonly ConfigFile[], planned: readonly Clamp[], loaded: LoadResult, edits: Map<string, string>, applied: Clamp[], derive: ConfigDerivations): string[] {
  const refusals: string[] = [];
  for (const file of files) {
    const mine = planned.filter((c) => c.file === file.name);
    if (mine.length === 0) continue;
    const result = derive.editLimits(file, new Map(mine.map((c) => [c.fullKey, c.to])), loaded);
    const refusedKeys = new Map(result.refused.map((r) => [r.fullKey, r.reason]));
    for (const clamp of mine) {
      const reason = refusedKeys.get(clamp.fullKey);
      if (reason === undefined) applied.push(clamp);
      else refusals.push(`${clamp.label}: ${clamp.from}/${clamp.unit} is outside the guardrail band [${clamp.band.min}, ${clamp.band.max}] and cannot be clamped: ${reason} (or use trendmaster.io/override-reason)`);
    }
    if (result.applied.length > 0) edits.set(file.name, result.text);
  }
  return refusals;
}

/**
 * Validate ratelimit-config as it will be stored: deny what the ratelimit service would refuse
 * to load (its own error text) and, in enforce mode, limits outside the band (a later mutating
 * webhook may have changed them). Audit mode admits, warning what it would have denied.
 */
export function validateRateLimitConfig(request: AdmissionRequest, context: AdmissionContext): AdmissionDecision {
  const { policy } = context;
  if (!isWrite(request)) return { response: buildAllowResponse(request.uid), outcome: { verdict: "allowed", guarded: true, ...NOTHING } };
  const read = loadObject(request, context);
  if ("problem" in read) return unreadable(request, context, read.problem);
  const { configMap, loaded } = read;
  const audit: Record<string, string> = { mode: policy.mode };
  if (!loaded.ok) {
    const loadErrors = loaded.errors.map((e) => e.message);
    if (policy.mode === "audit") {
      audit["would-deny"] = loadErrors.join("\n").slice(0, MAX_AUDIT_VALUE_CHARS);
      return { response: buildAllowResponse(request.uid, { warnings: loadErrors.map((m) => `audit mode, would deny: ${m}`), auditAnnotations: audit }), outcome: { verdict: "allowed", guarded: true, ...NOTHING, loadErrors } };
    }
    return { response: buildDenyResponse(request.uid, loadErrors.join("\n"), 422, { auditAnnotations: audit }), outcome: { verdict: "denied", guarded: true, ...NOTHING, loadErrors } };
  }
  if (policy.mode === "enforce") {
    const trust = assessForecast(context.forecast, generationClaimOf(request, policy), context.nowMs, policy.maxForecastAgeMs);
    if (trust.trusted) {
      audit["forecast-generation"] = String(trust.cache.generation);
      const glass = assessBreakGlass(configMap.annotations, request.userInfo, policy.breakGlass);
      const plan = context.derive.planClamps(loaded, trust.cache);
      if (glass.kind === "accepted") {
        audit["override-user"] = glass.user;
        audit["override-reason"] = glass.reason;
      } else if (plan.clamps.length > 0) {
        const lines = plan.clamps.map((c) => outOfBandMessage(c, trust.cache.generation));
        if (glass.kind === "refused") lines.push(`trendmaster.io/override-reason ignored: ${glass.user} is not on the break-glass allow-list`);
        audit["out-of-band"] = clampList(plan.clamps);
        return { response: buildDenyResponse(request.uid, lines.join("\n"), 422, { auditAnnotations: audit }), outcome: { verdict: "denied", guarded: true, ...NOTHING } };
      }
    }
  }
  return { response: buildAllowResponse(request.uid, { auditAnnotations: audit }), outcome: { verdict: "allowed", guarded: true, ...NOTHING } };
}
