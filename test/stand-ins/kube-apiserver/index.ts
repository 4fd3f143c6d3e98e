/**
 * A stand-in for kube-apiserver 1.31, for tests: HTTPS with a throwaway CA, bearer-token users,
 * ConfigMaps, Leases, Namespaces and Events with etcd-like resourceVersions, watch, every PATCH type
 * including server-side apply, discovery and OpenAPI v3 as the real kubectl needs them, and
 * admission webhooks (Mutating/ValidatingWebhookConfiguration objects) honoured as the
 * apiserver honours them.
 *
 * ```ts
 * const api = await startKubeApiStandIn({ users: [{ name: "forecaster", groups: ["trendmaster"] }] });
 * execFileSync(kubectlPath(), ["--kubeconfig", api.kubeconfigPath("forecaster"), "get", "configmaps"]);
 * api.getObject("configmaps", "istio-system", "ratelimit-config");
 * await api.stop();
 * ```
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { type AdmissionChain, admitEverything } from "./admission-chain.js";
import { WebhookAdmission, type WebhookAdmissionOptions } from "./admission/webhook-admission.js";
import { type Authorizer, allowEverything } from "./authorization.js";
import { DEFAULT_USERS, type KnownUser, type StandInUser, registerUsers } from "./authentication.js";
import { createCertificateAuthority, issueCertificate } from "./certificates.js";
import { ReadHandlers } from "./read-handlers.js";
import { WriteHandlers } from "./write-handlers.js";
import { writeKubeconfigFile } from "./kubeconfig.js";
import { type KubeObject, deepCopy } from "./objects.js";
import { type ResourceDefinition, apiVersionOf, namespaces, servedResources } from "./resources.js";
import { type RequestRecord, createApiServer } from "./server.js";
import { ObjectStore } from "./store.js";

export type { StandInUser, UserInfo } from "./authentication.js";
export type { AuthorizationAttributes, Authorizer } from "./authorization.js";
export type { KubeObject } from "./objects.js";
export type { RequestRecord } from "./server.js";
export type { WebhookAdmissionOptions } from "./admission/webhook-admission.js";
export type { ServiceEndpoint, ServiceResolver } from "./admission/webhook-call.js";

/** The plural names of the served resources, as in their URLs. */
export type ServedResourceName = "configmaps" | "events" | "leases" | "namespaces";

export interface NamespaceSeed {
  name: string;
  labels?: Record<string, string>;
}

export interface KubeApiStandInOptions {
  /** Users and their bearer tokens; defaults to one `admin` in system:masters. */
  users?: StandInUser[];
  /** Namespaces that exist from the start; defaults to default, kube-system, kube-public, kube-node-lease, istio-system. */
  namespaces?: Array<string | NamespaceSeed>;
  /** Decides every resource request (and `kubectl auth can-i`); by default everything is allowed. */
  authorize?: Authorizer;
  /** Admission webhooks honoured on every write; none by default. */
  admission?: WebhookAdmissionOptions;
  /** Called once per request, after it is answered. KUBE_API_STAND_IN_LOG=1 also prints them. */
  onRequest?: (record: RequestRecord) => void;
}

export interface KubeApiStandIn {
  /** https://127.0.0.1:<port> */
  url: string;
  /** The CA that signed the serving certificate (also inside every kubeconfig). */
  caPem: string;
  users: readonly KnownUser[];
  /** A kubeconfig for `user` (default: the first user), written at start, namespace `default`. */
  kubeconfigPath(user?: string): string;
  /** Writes `<directory>/kubeconfig-<user>.yaml` and returns its path. */
  writeKubeconfig(directory: string, user?: string, namespace?: string): Promise<string>;
  /** The stored object, for assertions; undefined when absent. */
  getObject(resource: ServedResourceName, namespace: string | undefined, name: string): KubeObject | undefined;
  listObjects(resource: ServedResourceName, namespace?: string): KubeObject[];
  /** Stores an object directly (no admission, no validation); kind picks the resource. */
  seedObject(object: KubeObject): KubeObject;
  /** The latest resourceVersion the store has handed out. */
  currentResourceVersion(): string;
  /** Forgets the watch history, so watches from older resourceVersions get 410 Gone. */
  compactHistory(): void;
  /** Ends every open watch stream, as an apiserver restart or timeout would; clients re-watch. */
  closeWatches(): void;
  /** Every request answered so far, oldest first. */
  requests(): readonly RequestRecord[];
  /** Replaces the admission webhook configurations (undefined: no webhooks). */
  setAdmission(admission: WebhookAdmissionOptions | undefined): void;
  stop(): Promise<void>;
}

const DEFAULT_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease", "istio-system"];

function resourceNamed(name: ServedResourceName): ResourceDefinition {
  const resource = servedResources.find((candidate) => candidate.plural === name);
  if (resource === undefined) throw new Error(`bug: ${name} is not a served resource`);
  return resource;
}

export async function startKubeApiStandIn(options: KubeApiStandInOptions = {}): Promise<KubeApiStandIn> {
  const now = (): Date => new Date();
  const users = registerUsers(options.users ?? DEFAULT_USERS);
  if (users.length === 0) throw new Error("startKubeApiStandIn: at least one user is needed");
  const store = new ObjectStore(now);
  const namespaceLabels = (name: string): Record<string, string> | undefined => store.get(namespaces, undefined, name)?.metadata.labels;
  const loadAdmission = (configuration: WebhookAdmissionOptions | undefined): AdmissionChain =>
    configuration === undefined ? admitEverything : new WebhookAdmission(configuration, namespaceLabels);
  let admission = loadAdmission(options.admission);
  const reads = new ReadHandlers(store, now);
  const writes = new WriteHandlers(store, servedResources, () => admission, now, reads);
  const recorded: RequestRecord[] = [];
  const printRequests = process.env.KUBE_API_STAND_IN_LOG === "1";
  const onRequest = (record: RequestRecord): void => {
    recorded.push(record);
    if (printRequests) process.stderr.write(`kube-api-stand-in: ${record.code} ${record.method} ${record.url} accept=${record.accept} content-type=${record.contentType} user=${record.user ?? "-"} agent=${record.userAgent}\n`);
    options.onRequest?.(record);
  };

  const seedObject = (object: KubeObject): KubeObject => {
    const resource = servedResources.find((candidate) => candidate.kind === object.kind && apiVersionOf(candidate) === object.apiVersion);
    if (resource === undefined) throw new Error(`seedObject: ${object.apiVersion}/${object.kind} is not served`);
    const result = store.create(resource, deepCopy(object), { dryRun: false });
    if ("status" in result) throw new Error(`seedObject: ${result.status.message ?? "refused"}`);
    return result.object;
  };
  for (const seed of options.namespaces ?? DEFAULT_NAMESPACES) {
    const { name, labels } = typeof seed === "string" ? { name: seed, labels: {} } : seed;
    seedObject({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name, labels: { ...labels, "kubernetes.io/metadata.name": name } },
      spec: { finalizers: ["kubernetes"] },
      status: { phase: "Active" },
    });
  }

  const authority = await createCertificateAuthority("kube-api-stand-in-ca");
  const serving = await issueCertificate(authority, { commonName: "kube-apiserver", dnsNames: ["localhost", "kubernetes.default.svc"], ipAddresses: ["127.0.0.1"] });
  const { server, endWatches } = createApiServer({ tls: serving, users: () => users, authorize: options.authorize ?? allowEverything, resources: servedResources, reads, writes, store, now, onRequest });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const kubeconfigDirectory = await mkdtemp(join(tmpdir(), "kube-api-stand-in-"));
  const kubeconfigPaths = new Map<string, string>();
  for (const user of users) kubeconfigPaths.set(user.name, await writeKubeconfigFile(kubeconfigDirectory, url, authority.certPem, user, "default"));
  const userNamed = (name: string | undefined): KnownUser => {
    const user = name === undefined ? users[0] : users.find((candidate) => candidate.name === name);
    if (user === undefined) throw new Error(`kube-api-stand-in: no user named ${String(name)}`);
    return user;
  };

  return {
    url,
    caPem: authority.certPem,
    users,
    kubeconfigPath: (user) => kubeconfigPaths.get(userNamed(user).name) as string,
    writeKubeconfig: (directory, user, namespace = "default") => writeKubeconfigFile(directory, url, authority.certPem, userNamed(user), namespace),
    getObject: (resource, namespace, name) => store.get(resourceNamed(resource), namespace, name),
    listObjects: (resource, namespace) => store.list(resourceNamed(resource), namespace),
    seedObject,
    currentResourceVersion: () => String(store.currentRevision()),
    compactHistory: () => store.compact(),
    closeWatches: endWatches,
    requests: () => recorded,
    setAdmission: (next) => {
      admission = loadAdmission(next);
    },
    stop: async () => {
      endWatches();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(kubeconfigDirectory, { recursive: true, force: true });
    },
  };
}
