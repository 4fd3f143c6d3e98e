// Security settings of every pod the chart renders, and the RBAC scope: least privilege as the
// API server's RBAC authorizer would apply the rendered Roles and bindings.
import type { IPodSpec } from "kubernetes-models/v1/PodSpec";
import type { IServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import type { IPolicyRule } from "kubernetes-models/rbac.authorization.k8s.io/v1/PolicyRule";
import type { IRole } from "kubernetes-models/rbac.authorization.k8s.io/v1/Role";
import { helmPath, missingBinaryMessage } from "../support/binaries.js";
import { canI, type AccessRequest } from "./rbac-authorizer.js";
import { RELEASE_NAMESPACE, objectsOfKind, type KubeObject } from "./render.js";
import { FULLNAME, SCENARIOS, podSpecsOf, renderScenarios, workloadPodSpecsOf } from "./scenarios.js";

const haveHelm = helmPath() !== undefined;
if (!haveHelm) console.warn(missingBinaryMessage("helm"));
const describeWithHelm = haveHelm ? describe : describe.skip;

const FORECASTER = { namespace: RELEASE_NAMESPACE, name: FULLNAME };
const WEBHOOK = { namespace: RELEASE_NAMESPACE, name: `${FULLNAME}-webhook` };

/** Everything wrong with one pod's security settings, as `owner/container: problem`. */
function podSecurityProblems(owner: string, spec: IPodSpec): string[] {
  const problems: string[] = [];
  const pod = spec.securityContext ?? {};
  if (pod.runAsNonRoot !== true) problems.push(`${owner}: pod runAsNonRoot is not true`);
  if (pod.runAsUser !== 1001) problems.push(`${owner}: pod runAsUser is ${String(pod.runAsUser)}`);
  if (pod.seccompProfile?.type !== "RuntimeDefault") problems.push(`${owner}: pod seccompProfile is not RuntimeDefault`);
  if (spec.hostNetwork || spec.hostPID || spec.hostIPC) problems.push(`${owner}: uses a host namespace`);
  if ((spec.volumes ?? []).some((v) => v.hostPath !== undefined)) problems.push(`${owner}: mounts a hostPath`);
  const tmp = (spec.volumes ?? []).find((v) => v.name === "tmp");
  if (tmp?.emptyDir === undefined) problems.push(`${owner}: no emptyDir volume named tmp`);
  for (const container of [...(spec.initContainers ?? []), ...spec.containers]) {
    const id = `${owner}/${container.name}`;
    const sc = container.securityContext ?? {};
    if (sc.runAsUser !== 1001 || sc.runAsGroup !== 1001 || sc.runAsNonRoot !== true) problems.push(`${id}: not running as 1001:1001 non-root`);
    if (sc.readOnlyRootFilesystem !== true) problems.push(`${id}: root filesystem is writable`);
    if (sc.allowPrivilegeEscalation !== false) problems.push(`${id}: allowPrivilegeEscalation is not false`);
    if (sc.privileged === true) problems.push(`${id}: privileged`);
    if (JSON.stringify(sc.capabilities?.drop) !== JSON.stringify(["ALL"]) || (sc.capabilities?.add ?? []).length > 0) problems.push(`${id}: capabilities not exactly drop ALL`);
    if (sc.seccompProfile?.type !== "RuntimeDefault") problems.push(`${id}: seccompProfile is not RuntimeDefault`);
    const tmpMount = (container.volumeMounts ?? []).find((m) => m.mountPath === "/tmp");
    if (tmpMount?.name !== "tmp" || tmpMount.readOnly === true) problems.push(`${id}: /tmp is not the writable emptyDir`);
    const writable = (container.volumeMounts ?? []).filter((m) => m.readOnly !== true && m.mountPath !== "/tmp").map((m) => m.mountPath);
    if (writable.length > 0) problems.push(`${id}: writable mounts besides /tmp: ${writable.join(", ")}`);
    if (container.resources?.limits?.memory === undefined) problems.push(`${id}: no memory limit`);
  }
  return problems;
}

describeWithHelm("chart security settings and RBAC", () => {
  let rendered: Map<string, KubeObject[]>;
  beforeAll(async () => {
    rendered = await renderScenarios();
  });
  const objectsOf = (scenario: string): KubeObject[] => rendered.get(scenario) ?? [];

  it.each(SCENARIOS.map((s) => [s.name] as const))("every container: uid 1001, read-only root, /tmp emptyDir, no capabilities, RuntimeDefault seccomp: %s", (scenario) => {
    const pods = podSpecsOf(objectsOf(scenario));
    expect(pods.map((p) => p.owner).sort()).toEqual([`CronJob/${FULLNAME}-cronjob`, `Deployment/${FULLNAME}`, `Pod/${FULLNAME}-test`]);
    expect(pods.flatMap((p) => podSecurityProblems(p.owner, p.spec))).toEqual([]);
  });

  it.each(SCENARIOS.map((s) => [s.name] as const))("ServiceAccounts do not mount tokens by default; only pods that call the API ask for one: %s", (scenario) => {
    const objects = objectsOf(scenario);
    const accounts = objectsOfKind(objects, "ServiceAccount") as unknown as IServiceAccount[];
    expect(accounts.map((a) => [a.metadata?.name, a.automountServiceAccountToken])).toEqual([
      [WEBHOOK.name, false],
      [FORECASTER.name, false],
    ]);
    for (const pod of podSpecsOf(objects)) {
      expect([pod.owner, pod.spec.automountServiceAccountToken]).toEqual([pod.owner, true]);
      expect([FORECASTER.name, WEBHOOK.name]).toContain(pod.spec.serviceAccountName);
    }
  });

  it.each(SCENARIOS.map((s) => [s.name] as const))("nothing cluster-wide, no Secrets, no wildcards, every Role in the release or ratelimit namespace: %s", (scenario) => {
    const objects = objectsOf(scenario);
    expect(objects.filter((o) => o.kind === "ClusterRole" || o.kind === "ClusterRoleBinding")).toEqual([]);
    const roles = objectsOfKind(objects, "Role") as unknown as (IRole & KubeObject)[];
    expect(roles.map((r) => `${r.metadata.namespace}/${r.metadata.name}`).sort()).toEqual([
      `istio-system/${FULLNAME}-ratelimit-config`,
      `${RELEASE_NAMESPACE}/${FULLNAME}-forecaster`,
      `${RELEASE_NAMESPACE}/${FULLNAME}-webhook`,
    ]);
    const rules: IPolicyRule[] = roles.flatMap((r) => r.rules ?? []);
    for (const rule of rules) {
      expect([...(rule.verbs ?? []), ...(rule.resources ?? []), ...(rule.apiGroups ?? [])]).not.toContain("*");
      expect(rule.resources).not.toContain("secrets");
      expect(rule.resources?.every((r) => r === "configmaps" || r === "leases")).toBe(true);
    }
  });

  const request = (serviceAccount: AccessRequest["serviceAccount"], verb: string, resource: string, namespace: string, name?: string): AccessRequest => ({
    serviceAccount,
    verb,
    apiGroup: resource === "leases" ? "coordination.k8s.io" : "",
    resource,
    namespace,
    ...(name !== undefined ? { name } : {}),
  });
  const F = FORECASTER;
  const W = WEBHOOK;
  const NS = RELEASE_NAMESPACE;
  const CASES: readonly [string, AccessRequest, boolean][] = [
    ["forecaster updates ratelimit-config", request(F, "update", "configmaps", "istio-system", "ratelimit-config"), true],
    ["forecaster patches ratelimit-config", request(F, "patch", "configmaps", "istio-system", "ratelimit-config"), true],
    ["forecaster reads ratelimit-config", request(F, "get", "configmaps", "istio-system", "ratelimit-config"), true],
    ["forecaster may not delete ratelimit-config", request(F, "delete", "configmaps", "istio-system", "ratelimit-config"), false],
    ["forecaster may not create ConfigMaps in istio-system", request(F, "create", "configmaps", "istio-system"), false],
    ["forecaster may not update another istio-system ConfigMap", request(F, "update", "configmaps", "istio-system", "istio"), false],
    ["forecaster may not list istio-system ConfigMaps", request(F, "list", "configmaps", "istio-system"), false],
    ["forecaster may get istio-system ConfigMaps (the guide's troubleshooting check)", request(F, "get", "configmaps", "istio-system"), true],
    ["forecaster may not watch istio-system ConfigMaps", request(F, "watch", "configmaps", "istio-system"), false],
    ["forecaster writes the forecast cache", request(F, "update", "configmaps", NS, "trendmaster-forecast"), true],
    ["forecaster creates history ConfigMaps", request(F, "create", "configmaps", NS), true],
    ["forecaster lists history ConfigMaps", request(F, "list", "configmaps", NS), true],
    ["forecaster deletes old history", request(F, "delete", "configmaps", NS, "trendmaster-history-3"), true],
    ["forecaster creates its Lease", request(F, "create", "leases", NS), true],
    ["forecaster renews its Lease", request(F, "update", "leases", NS, "trendmaster-forecaster"), true],
    ["forecaster may not renew another Lease", request(F, "update", "leases", NS, "other-leader"), false],
    ["forecaster may not read Secrets in its namespace", request(F, "get", "secrets", NS, "trendmaster-slack"), false],
    ["forecaster may not list Secrets in istio-system", request(F, "list", "secrets", "istio-system"), false],
    ["forecaster may not touch ConfigMaps in other namespaces", request(F, "update", "configmaps", "default", "trendmaster-forecast"), false],
    ["webhook reads the forecast cache", request(W, "get", "configmaps", NS, "trendmaster-forecast"), true],
    ["webhook watches the forecast cache by name", request(W, "watch", "configmaps", NS, "trendmaster-forecast"), true],
    ["webhook may not write the forecast cache", request(W, "update", "configmaps", NS, "trendmaster-forecast"), false],
    ["webhook may not read other ConfigMaps", request(W, "get", "configmaps", NS, "trendmaster-ai-settings"), false],
    ["webhook may not write ratelimit-config", request(W, "update", "configmaps", "istio-system", "ratelimit-config"), false],
    ["webhook may not read Secrets", request(W, "get", "secrets", NS, "trendmaster-ai-tls"), false],
  ];
  it.each(CASES)("kubectl auth can-i: %s", (_name, access, allowed) => {
    expect(canI(objectsOf("values-prd1.yaml"), access)).toBe(allowed);
  });

  it("CronJob mode: the webhook pods run as the read-only webhook ServiceAccount", () => {
    const pods = workloadPodSpecsOf(objectsOf("CronJob mode (prd1)"));
    const owners = Object.fromEntries(pods.map((p) => [p.owner, p.spec.serviceAccountName]));
    expect(owners).toEqual({ [`Deployment/${FULLNAME}`]: W.name, [`CronJob/${FULLNAME}-cronjob`]: F.name });
  });

  it("the Slack secret reaches both containers as a kubelet-mounted file (the webhook posts break-glass notices), not through RBAC", () => {
    const objects = objectsOf("Slack webhook URL, existing ClusterIssuer, monitoring");
    const deployment = podSpecsOf(objects).find((p) => p.owner.startsWith("Deployment/"))?.spec;
    const slack = deployment?.volumes?.find((v) => v.name === "slack");
    expect(slack?.secret).toEqual({ secretName: "trendmaster-slack", defaultMode: 0o440, items: [{ key: "url", path: "webhook-url" }] });
    const mount = deployment?.containers.find((c) => c.name === "forecaster")?.volumeMounts?.find((m) => m.name === "slack");
    expect(mount).toEqual({ name: "slack", mountPath: "/var/run/secrets/trendmaster/slack", readOnly: true });
    expect(deployment?.containers.find((c) => c.name === "webhook")?.volumeMounts?.find((m) => m.name === "slack")).toEqual(mount);
    expect(canI(objects, request(F, "get", "secrets", NS, "trendmaster-slack"))).toBe(false);
  });
});
