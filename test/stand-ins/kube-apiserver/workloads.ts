// CronJobs and Jobs (batch/v1), stored and served like the other kinds so that the real kubectl's
// `create job --from=cronjob/NAME` can read a CronJob and create the Job from its template; Pods,
// so that label selectors (`kubectl get pods -l ...`) can be checked against pods a test seeds. No
// controller runs: nothing schedules, no pods start, and the Job's selector and job-name labels
// are not generated as kube-apiserver's Job strategy would. Specs are kept as sent; no pod logs.
import type { ResourceDefinition, TableColumn } from "./resources.js";
import { validateName } from "./resources.js";
import { kindSchema } from "./schema.js";
import type { KubeObject } from "./objects.js";
import { isPlainObject } from "./objects.js";

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

/** Job names become the job-name label of its pods: a DNS subdomain of at most 63 characters. */
function jobNameProblems(name: string): string[] {
  const problems: string[] = [];
  if (name.length > 63) problems.push("must be no more than 63 characters");
  if (!DNS1123_SUBDOMAIN.test(name)) problems.push("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')");
  return problems;
}

const column = (name: string, format = ""): TableColumn => ({ name, type: "string", format, description: "", priority: 0 });
const specOf = (object: KubeObject): Record<string, unknown> => (isPlainObject(object.spec) ? object.spec : {});
const metadataFieldLabels: ResourceDefinition["fieldLabels"] = {
  supported: ["metadata.name", "metadata.namespace"],
  values: (object) => ({ "metadata.name": object.metadata.name ?? "", "metadata.namespace": object.metadata.namespace ?? "" }),
  refuse: (label) => `"${label}" is not a known field selector: only "metadata.name", "metadata.namespace"`,
};

export const cronJobs: ResourceDefinition = {
  group: "batch",
  version: "v1",
  plural: "cronjobs",
  singular: "cronjob",
  kind: "CronJob",
  namespaced: true,
  shortNames: ["cj"],
  verbs: VERBS,
  schema: kindSchema("CronJob", { spec: { type: "any" }, status: { type: "any" } }),
  validate: (object) => validateName(object, jobNameProblems),
  table: {
    columns: [column("Name", "name"), column("Schedule"), column("Suspend"), column("Age")],
    cells: (object, age) => [object.metadata.name ?? "", String(specOf(object).schedule ?? ""), String(specOf(object).suspend ?? false), age(object.metadata.creationTimestamp)],
  },
  fieldLabels: metadataFieldLabels,
};

export const jobs: ResourceDefinition = {
  group: "batch",
  version: "v1",
  plural: "jobs",
  singular: "job",
  kind: "Job",
  namespaced: true,
  shortNames: [],
  verbs: VERBS,
  schema: kindSchema("Job", { spec: { type: "any" }, status: { type: "any" } }),
  validate: (object) => validateName(object, jobNameProblems),
  table: {
    columns: [column("Name", "name"), column("Age")],
    cells: (object, age) => [object.metadata.name ?? "", age(object.metadata.creationTimestamp)],
  },
  fieldLabels: metadataFieldLabels,
};

export const pods: ResourceDefinition = {
  group: "",
  version: "v1",
  plural: "pods",
  singular: "pod",
  kind: "Pod",
  namespaced: true,
  shortNames: ["po"],
  verbs: VERBS,
  schema: kindSchema("Pod", { spec: { type: "any" }, status: { type: "any" } }),
  validate: (object) => validateName(object, (name) => (DNS1123_SUBDOMAIN.test(name) && name.length <= 253 ? [] : ["a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"])),
  table: {
    columns: [column("Name", "name"), column("Age")],
    cells: (object, age) => [object.metadata.name ?? "", age(object.metadata.creationTimestamp)],
  },
  fieldLabels: metadataFieldLabels,
};
