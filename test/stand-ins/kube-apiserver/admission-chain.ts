// The seam between the request handlers and admission: mutating admission may change the
// object, validating admission may only refuse it. Webhook admission (admission/) implements it.
import type { UserInfo } from "./authentication.js";
import type { KubeObject } from "./objects.js";
import type { ResourceDefinition } from "./resources.js";
import type { Status } from "./status.js";

export type AdmissionOperation = "CREATE" | "UPDATE" | "DELETE";

/** What the apiserver knows of a request when it admits it (admission.Attributes). */
export interface AdmissionAttributes {
  operation: AdmissionOperation;
  resource: ResourceDefinition;
  namespace: string | undefined;
  name: string;
  /** The new object; undefined for DELETE. */
  object: KubeObject | undefined;
  /** The stored object; undefined for CREATE. */
  oldObject: KubeObject | undefined;
  user: UserInfo;
  dryRun: boolean;
  /** CreateOptions, UpdateOptions or DeleteOptions as AdmissionReview carries them. */
  options: Record<string, unknown>;
}

export type AdmissionOutcome =
  | { allowed: true; object: KubeObject | undefined; warnings: string[] }
  | { allowed: false; status: Status; warnings: string[] };

export interface AdmissionChain {
  mutate(attributes: AdmissionAttributes): Promise<AdmissionOutcome>;
  validate(attributes: AdmissionAttributes): Promise<AdmissionOutcome>;
}

/** No admission webhooks configured: everything is admitted unchanged. */
export const admitEverything: AdmissionChain = {
  mutate: async (attributes) => ({ allowed: true, object: attributes.object, warnings: [] }),
  validate: async (attributes) => ({ allowed: true, object: attributes.object, warnings: [] }),
};
