// Validates rendered objects against the OpenAPI schemas that kubernetes-models and the
// @kubernetes-models CRD packages compile (Kubernetes API incl. admissionregistration/v1
// matchConditions and ValidatingAdmissionPolicy; cert-manager v1; Argo CD v1alpha1;
// prometheus-operator v1). Every kind the chart or argocd/ renders must have a schema here:
// an object of an unknown kind is itself a failure.
import { ConfigMap, Service, ServiceAccount } from "kubernetes-models/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import { CronJob, Job } from "kubernetes-models/batch/v1";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import { NetworkPolicy } from "kubernetes-models/networking.k8s.io/v1";
import { Pod, Secret } from "kubernetes-models/v1";
import { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from "kubernetes-models/rbac.authorization.k8s.io/v1";
import {
  MutatingWebhookConfiguration,
  ValidatingAdmissionPolicy,
  ValidatingAdmissionPolicyBinding,
  ValidatingWebhookConfiguration,
} from "kubernetes-models/admissionregistration.k8s.io/v1";
import { Certificate, ClusterIssuer, Issuer } from "@kubernetes-models/cert-manager/cert-manager.io/v1";
import { PrometheusRule, ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import { AppProject, Application } from "@kubernetes-models/argo-cd/argoproj.io/v1alpha1";
import type { KubeObject } from "./render.js";

interface ModelClass<D> {
  new (data: D): { validate(): void };
  readonly apiVersion: string;
  readonly kind: string;
}

type Validator = (object: unknown) => void;

function entry<D>(model: ModelClass<D>): [string, Validator] {
  return [`${model.apiVersion}/${model.kind}`, (object) => new model(object as D).validate()];
}

const VALIDATORS: ReadonlyMap<string, Validator> = new Map([
  entry(ConfigMap),
  entry(Pod),
  entry(Secret),
  entry(NetworkPolicy),
  entry(Service),
  entry(ServiceAccount),
  entry(Deployment),
  entry(CronJob),
  entry(Job),
  entry(PodDisruptionBudget),
  entry(Role),
  entry(RoleBinding),
  entry(ClusterRole),
  entry(ClusterRoleBinding),
  entry(MutatingWebhookConfiguration),
  entry(ValidatingWebhookConfiguration),
  entry(ValidatingAdmissionPolicy),
  entry(ValidatingAdmissionPolicyBinding),
  entry(Certificate),
  entry(Issuer),
  entry(ClusterIssuer),
  entry(ServiceMonitor),
  entry(PrometheusRule),
  entry(Application),
  entry(AppProject),
]);

/** Problems of one object: `Deployment/x: data/spec/replicas must be integer`; empty when valid. */
export function schemaProblems(object: KubeObject): string[] {
  const id = `${object.kind}/${object.metadata?.name ?? "(no name)"}`;
  const validate = VALIDATORS.get(`${object.apiVersion}/${object.kind}`);
  if (validate === undefined) return [`${id}: no schema for ${object.apiVersion} ${object.kind}`];
  try {
    validate(object);
    return [];
  } catch (error) {
    const errors = (error as { errors?: { instancePath: string; message?: string }[] }).errors;
    if (errors === undefined) return [`${id}: ${(error as Error).message}`];
    return errors.map((e) => `${id}: ${e.instancePath || "/"} ${e.message ?? "is invalid"}`);
  }
}

/**
 * Names that must be DNS subdomains or labels: the schemas check types, not these formats, and the
 * API server would refuse the object.
 */
export function nameProblems(object: KubeObject): string[] {
  const name = object.metadata?.name ?? "";
  const id = `${object.kind}/${name}`;
  const subdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
  const problems: string[] = [];
  if (!subdomain.test(name) || name.length > 253) problems.push(`${id}: metadata.name is not a DNS subdomain`);
  // Service and CronJob names end up in DNS labels and Job names (CronJob: 52 leaves room for the Job suffix).
  if (object.kind === "Service" && name.length > 63) problems.push(`${id}: Service name longer than 63`);
  if (object.kind === "CronJob" && name.length > 52) problems.push(`${id}: CronJob name longer than 52`);
  for (const [key, value] of Object.entries(object.metadata?.labels ?? {})) {
    if (typeof value !== "string" || value.length > 63 || !/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(value)) problems.push(`${id}: label ${key}=${String(value)} is not a valid label value`);
  }
  return problems;
}
