// Mutating- and ValidatingWebhookConfigurations as the apiserver loads them: v1 defaults
// filled in, webhooks ordered (configurations by name, then as listed) and match conditions
// compiled once. A configuration the apiserver would refuse to store is a thrown error here,
// because it is a bug in the test that passed it.
import type {
  V1LabelSelector,
  V1MutatingWebhook,
  V1MutatingWebhookConfiguration,
  V1RuleWithOperations,
  V1ValidatingWebhook,
  V1ValidatingWebhookConfiguration,
} from "@kubernetes/client-node";
import { type CompiledMatchCondition, compileMatchCondition } from "./match-conditions.js";

export type FailurePolicy = "Fail" | "Ignore";

/** One webhook with the v1 defaults applied, ready to match and call. */
export interface AdmissionWebhook {
  type: "mutating" | "validating";
  /** A key unique across configurations (reinvocation tracks webhooks by it). */
  uid: string;
  configurationName: string;
  name: string;
  clientConfig: V1MutatingWebhook["clientConfig"];
  rules: V1RuleWithOperations[];
  failurePolicy: FailurePolicy;
  namespaceSelector: V1LabelSelector;
  objectSelector: V1LabelSelector;
  sideEffects: string;
  timeoutSeconds: number;
  admissionReviewVersions: string[];
  reinvocationPolicy: "Never" | "IfNeeded";
  matchConditions: CompiledMatchCondition[];
}

/** admissionregistration/v1 default: 10 seconds. */
const DEFAULT_TIMEOUT_SECONDS = 10;

function normalize(
  type: AdmissionWebhook["type"],
  configurationName: string,
  index: number,
  webhook: V1MutatingWebhook | V1ValidatingWebhook,
): AdmissionWebhook {
  const where = `${configurationName}: webhooks[${index}] (${webhook.name})`;
  const sideEffects = webhook.sideEffects;
  if (!["None", "NoneOnDryRun"].includes(sideEffects)) {
    throw new Error(`${where}: sideEffects: Unsupported value: "${String(sideEffects)}": supported values: "None", "NoneOnDryRun"`);
  }
  if (!(webhook.admissionReviewVersions ?? []).includes("v1")) {
    throw new Error(`${where}: admissionReviewVersions must include "v1" (the stand-in speaks admission.k8s.io/v1 only)`);
  }
  const failurePolicy = webhook.failurePolicy ?? "Fail";
  if (failurePolicy !== "Fail" && failurePolicy !== "Ignore") throw new Error(`${where}: failurePolicy: Unsupported value: "${failurePolicy}"`);
  const timeoutSeconds = webhook.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  if (timeoutSeconds < 1 || timeoutSeconds > 30) throw new Error(`${where}: timeoutSeconds: Invalid value: ${timeoutSeconds}: the timeout value must be between 1 and 30 seconds`);
  const reinvocationPolicy = "reinvocationPolicy" in webhook && webhook.reinvocationPolicy === "IfNeeded" ? "IfNeeded" : "Never";
  return {
    type,
    uid: `${type}/${configurationName}/${index}`,
    configurationName,
    name: webhook.name,
    clientConfig: webhook.clientConfig,
    rules: webhook.rules ?? [],
    failurePolicy,
    namespaceSelector: webhook.namespaceSelector ?? {},
    objectSelector: webhook.objectSelector ?? {},
    sideEffects,
    timeoutSeconds,
    admissionReviewVersions: webhook.admissionReviewVersions,
    reinvocationPolicy,
    matchConditions: (webhook.matchConditions ?? []).map((condition) => compileMatchCondition(condition, where)),
  };
}

function byName<T extends { metadata?: { name?: string } }>(configurations: readonly T[]): T[] {
  return [...configurations].sort((a, b) => ((a.metadata?.name ?? "") < (b.metadata?.name ?? "") ? -1 : 1));
}

export function loadMutatingWebhooks(configurations: readonly V1MutatingWebhookConfiguration[]): AdmissionWebhook[] {
  return byName(configurations).flatMap((configuration) =>
    (configuration.webhooks ?? []).map((webhook, index) => normalize("mutating", configuration.metadata?.name ?? "", index, webhook)),
  );
}

export function loadValidatingWebhooks(configurations: readonly V1ValidatingWebhookConfiguration[]): AdmissionWebhook[] {
  return byName(configurations).flatMap((configuration) =>
    (configuration.webhooks ?? []).map((webhook, index) => normalize("validating", configuration.metadata?.name ?? "", index, webhook)),
  );
}
