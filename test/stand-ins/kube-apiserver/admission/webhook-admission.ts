// Admission webhooks honoured as kube-apiserver's MutatingAdmissionWebhook and
// ValidatingAdmissionWebhook plugins honour them: mutating webhooks in order, their JSON patches
// applied, reinvoked once when IfNeeded; then validating webhooks in parallel; warnings kept;
// failurePolicy deciding what an unreachable or broken webhook means.
import type { V1MutatingWebhookConfiguration, V1ValidatingWebhookConfiguration } from "@kubernetes/client-node";
import jsonPatch from "fast-json-patch";
import type { Operation } from "fast-json-patch";
import type { AdmissionAttributes, AdmissionChain, AdmissionOutcome } from "../admission-chain.js";
import { type KubeObject, canonicalJson, isPlainObject } from "../objects.js";
import { encodeLikeGo, pruneUnknownFields } from "../schema.js";
import { type Status, internalError } from "../status.js";
import { buildAdmissionRequest, verifyAdmissionResponse } from "./admission-review.js";
import { evaluateMatchConditions } from "./match-conditions.js";
import { namespaceSelectorMatches, objectSelectorMatches, ruleMatches } from "./matching.js";
import { type ServiceResolver, callWebhook } from "./webhook-call.js";
import { deniedByWebhook, failedCallingWebhook, matchConditionsFailed } from "./webhook-errors.js";
import { type AdmissionWebhook, loadMutatingWebhooks, loadValidatingWebhooks } from "./webhook-configurations.js";

/** The admission configuration a test hands the stand-in, e.g. rendered from the Helm chart. */
export interface WebhookAdmissionOptions {
  mutating?: V1MutatingWebhookConfiguration[];
  validating?: V1ValidatingWebhookConfiguration[];
  /** Where clientConfig.service webhooks listen; without it, service webhooks cannot be reached. */
  resolveService?: ServiceResolver;
}

type Invocation =
  | { outcome: "admitted"; object: KubeObject | undefined; changed: boolean; warnings: string[] }
  | { outcome: "skipped"; warnings: string[] }
  | { outcome: "refused"; status: Status; warnings: string[] };

type CallDecision = { call: boolean } | { status: Status };

export class WebhookAdmission implements AdmissionChain {
  private readonly mutating: AdmissionWebhook[];
  private readonly validating: AdmissionWebhook[];
  private readonly resolveService: ServiceResolver;

  constructor(
    options: WebhookAdmissionOptions,
    private readonly namespaceLabels: (name: string) => Record<string, string> | undefined,
  ) {
    this.mutating = loadMutatingWebhooks(options.mutating ?? []);
    this.validating = loadValidatingWebhooks(options.validating ?? []);
    this.resolveService = options.resolveService ?? (() => undefined);
  }

  async mutate(attributes: AdmissionAttributes): Promise<AdmissionOutcome> {
    let object = attributes.object;
    const warnings: string[] = [];
    // Reinvocation bookkeeping, as the mutating dispatcher's webhookReinvokeContext keeps it.
    const invokedReinvocable = new Set<string>();
    let toReinvoke = new Set<string>();
    let changedInFirstRound = false;
    for (const round of [0, 1]) {
      if (round === 1 && !changedInFirstRound) break;
      for (const webhook of this.mutating) {
        const current = { ...attributes, object };
        const decision = this.shouldCall(webhook, current);
        if ("status" in decision) return { allowed: false, status: decision.status, warnings };
        if (!decision.call || (round === 1 && !toReinvoke.has(webhook.uid))) continue;
        const invocation = await this.invoke(webhook, current);
        warnings.push(...invocation.warnings);
        if (invocation.outcome === "admitted" && invocation.changed) {
          object = invocation.object;
          toReinvoke = new Set(invokedReinvocable);
          if (round === 0) changedInFirstRound = true;
        }
        if (webhook.reinvocationPolicy === "IfNeeded") invokedReinvocable.add(webhook.uid);
        if (invocation.outcome === "refused") return { allowed: false, status: invocation.status, warnings };
      }
    }
    return { allowed: true, object, warnings };
  }

  async validate(attributes: AdmissionAttributes): Promise<AdmissionOutcome> {
    const called: AdmissionWebhook[] = [];
    for (const webhook of this.validating) {
      const decision = this.shouldCall(webhook, attributes);
      if ("status" in decision) return { allowed: false, status: decision.status, warnings: [] };
      if (decision.call) called.push(webhook);
    }
    // Validating webhooks run concurrently; the first refusal in webhook order is returned.
    const invocations = await Promise.all(called.map((webhook) => this.invoke(webhook, attributes)));
    const warnings = invocations.flatMap((invocation) => invocation.warnings);
    const refusal = invocations.find((invocation) => invocation.outcome === "refused");
    if (refusal !== undefined && refusal.outcome === "refused") return { allowed: false, status: refusal.status, warnings };
    return { allowed: true, object: attributes.object, warnings };
  }

  /** generic.Webhook.ShouldCallHook: selectors, then rules, then match conditions. */
  private shouldCall(webhook: AdmissionWebhook, attributes: AdmissionAttributes): CallDecision {
    if (!namespaceSelectorMatches(webhook.namespaceSelector, attributes, this.namespaceLabels)) return { call: false };
    if (!objectSelectorMatches(webhook.objectSelector, attributes)) return { call: false };
    if (!webhook.rules.some((rule) => ruleMatches(rule, attributes))) return { call: false };
    if (webhook.matchConditions.length === 0) return { call: true };
    const { object, oldObject, ...request } = buildAdmissionRequest(attributes);
    const result = evaluateMatchConditions(webhook.matchConditions, { object, oldObject, request });
    if ("error" in result) return webhook.failurePolicy === "Fail" ? { status: matchConditionsFailed(attributes, result.error) } : { call: false };
    return { call: result.matches };
  }

  private async invoke(webhook: AdmissionWebhook, attributes: AdmissionAttributes): Promise<Invocation> {
    const mutating = webhook.type === "mutating";
    const request = buildAdmissionRequest(attributes);
    const callFailed = (reason: string): Invocation =>
      webhook.failurePolicy === "Ignore" ? { outcome: "skipped", warnings: [] } : { outcome: "refused", status: failedCallingWebhook(webhook.name, reason), warnings: [] };

    const result = await callWebhook(webhook.clientConfig, webhook.timeoutSeconds, { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request }, this.resolveService);
    if ("error" in result) return callFailed(result.error);
    const response = verifyAdmissionResponse(request.uid, mutating, result.body);
    if (typeof response === "string") return callFailed(`received invalid webhook response: ${response}`);
    const warnings = response.warnings ?? [];
    if (!response.allowed) return { outcome: "refused", status: deniedByWebhook(webhook.name, response.status), warnings };
    if (!mutating || response.patch === undefined || response.patch === "") return { outcome: "admitted", object: attributes.object, changed: false, warnings };

    let operations: Operation[];
    try {
      operations = JSON.parse(Buffer.from(response.patch, "base64").toString("utf8")) as Operation[];
    } catch (error) {
      return callFailed(`received undecodable patch in webhook response: ${String(error)}`);
    }
    if (!Array.isArray(operations)) return callFailed("received undecodable patch in webhook response: json: cannot unmarshal object into Go value of type jsonpatch.Patch");
    if (operations.length === 0) return { outcome: "admitted", object: attributes.object, changed: false, warnings };
    if (attributes.object === undefined) {
      return { outcome: "refused", status: internalError(`admission webhook "${webhook.name}" attempted to modify the object, which is not supported for this operation`), warnings };
    }
    let patched: unknown;
    try {
      patched = jsonPatch.applyPatch(structuredClone(attributes.object), operations, true, false).newDocument;
    } catch (error) {
      return { outcome: "refused", status: internalError(error instanceof Error ? (error.message.split("\n")[0] ?? error.message) : String(error)), warnings };
    }
    if (!isPlainObject(patched) || !isPlainObject(patched.metadata)) return { outcome: "refused", status: internalError("the patched object is not an object"), warnings };
    // The patched JSON is decoded into the Go type again, which drops fields the type lacks.
    const object = encodeLikeGo(pruneUnknownFields(patched, attributes.resource.schema), attributes.resource.schema) as KubeObject;
    return { outcome: "admitted", object, changed: canonicalJson(object) !== canonicalJson(attributes.object), warnings };
  }
}
