// The stand-in proven with @kubernetes/client-node, the client TrendMaster's forecaster uses.
import {
  ApiException,
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  ListWatch,
  PatchStrategy,
  type V1ConfigMap,
  type V1Lease,
  Watch,
  setHeaderOptions,
} from "@kubernetes/client-node";
import { type KubeApiStandIn, startKubeApiStandIn } from "./index.js";

interface StatusBody {
  reason: string;
  message: string;
  code: number;
}

/** The Status a failed call carried, parsed from ApiException.body. */
async function statusOf(call: Promise<unknown>): Promise<StatusBody> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ApiException) return JSON.parse(String(error.body)) as StatusBody;
    throw error;
  }
  throw new Error("expected the call to fail");
}

function waitFor<T>(predicate: () => T | undefined, timeoutMilliseconds = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMilliseconds;
  return new Promise((resolve, reject) => {
    const poll = (): void => {
      const value = predicate();
      if (value !== undefined) return resolve(value);
      if (Date.now() > deadline) return reject(new Error("timed out waiting"));
      setTimeout(poll, 20);
    };
    poll();
  });
}

describe("kube-apiserver stand-in with @kubernetes/client-node", () => {
  let api: KubeApiStandIn;
  let kubeConfig: KubeConfig;
  let core: CoreV1Api;
  let coordination: CoordinationV1Api;

  beforeAll(async () => {
    api = await startKubeApiStandIn({ users: [{ name: "forecaster", groups: ["trendmaster"] }] });
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(api.kubeconfigPath("forecaster"));
    core = kubeConfig.makeApiClient(CoreV1Api);
    coordination = kubeConfig.makeApiClient(CoordinationV1Api);
  });
  afterAll(async () => api?.stop());

  const configMap = (name: string, data: Record<string, string>): V1ConfigMap => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data });

  it("creates, reads, replaces and deletes a ConfigMap with global resourceVersions", async () => {
    const created = await core.createNamespacedConfigMap({ namespace: "istio-system", body: configMap("ratelimit-config", { "config.yaml": "domain: a" }) });
    const read = await core.readNamespacedConfigMap({ namespace: "istio-system", name: "ratelimit-config" });
    expect(read.data).toEqual({ "config.yaml": "domain: a" });
    expect(read.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);

    const replaced = await core.replaceNamespacedConfigMap({ namespace: "istio-system", name: "ratelimit-config", body: { ...read, data: { "config.yaml": "domain: b" } } });
    expect(Number(replaced.metadata?.resourceVersion)).toBeGreaterThan(Number(read.metadata?.resourceVersion));
    expect(replaced.metadata?.resourceVersion).toBe(api.currentResourceVersion());

    const stale = await statusOf(core.replaceNamespacedConfigMap({ namespace: "istio-system", name: "ratelimit-config", body: read }));
    expect(stale).toMatchObject({
      code: 409,
      reason: "Conflict",
      message: 'Operation cannot be fulfilled on configmaps "ratelimit-config": the object has been modified; please apply your changes to the latest version and try again',
    });

    await core.deleteNamespacedConfigMap({ namespace: "istio-system", name: "ratelimit-config" });
    expect(await statusOf(core.readNamespacedConfigMap({ namespace: "istio-system", name: "ratelimit-config" }))).toMatchObject({
      code: 404,
      reason: "NotFound",
      message: 'configmaps "ratelimit-config" not found',
    });
  });

  it("refuses a second create with AlreadyExists", async () => {
    await core.createNamespacedConfigMap({ namespace: "default", body: configMap("cache", {}) });
    expect(await statusOf(core.createNamespacedConfigMap({ namespace: "default", body: configMap("cache", {}) }))).toMatchObject({
      code: 409,
      reason: "AlreadyExists",
      message: 'configmaps "cache" already exists',
    });
  });

  it("patches with merge, json and server-side apply patches", async () => {
    await core.createNamespacedConfigMap({ namespace: "default", body: configMap("patched", { a: "1" }) });
    await core.patchNamespacedConfigMap({ namespace: "default", name: "patched", body: { data: { b: "2" } } }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch));
    await core.patchNamespacedConfigMap({ namespace: "default", name: "patched", body: [{ op: "remove", path: "/data/a" }] }, setHeaderOptions("Content-Type", PatchStrategy.JsonPatch));
    await core.patchNamespacedConfigMap(
      { namespace: "default", name: "patched", fieldManager: "trendmaster-forecaster", body: configMap("patched", { c: "3" }) },
      setHeaderOptions("Content-Type", PatchStrategy.ServerSideApply),
    );
    expect(api.getObject("configmaps", "default", "patched")?.data).toEqual({ b: "2", c: "3" });
  });

  it("serves KubernetesObjectApi, which finds resources through discovery", async () => {
    const objects = KubernetesObjectApi.makeApiClient(kubeConfig);
    const lease = { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "generic", namespace: "default" }, spec: { holderIdentity: "a" } };
    await objects.patch(lease, undefined, undefined, "trendmaster-forecaster", true, PatchStrategy.ServerSideApply);
    const read = await objects.read({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "generic", namespace: "default" } });
    expect(read.metadata?.managedFields?.map((entry) => entry.manager)).toEqual(["trendmaster-forecaster"]);
    await objects.delete(read);
    expect(api.getObject("leases", "default", "generic")).toBeUndefined();
  });

  it("lists by label selector with the list's resourceVersion", async () => {
    await core.createNamespacedConfigMap({ namespace: "default", body: { ...configMap("labelled", {}), metadata: { name: "labelled", labels: { app: "trendmaster" } } } });
    const list = await core.listNamespacedConfigMap({ namespace: "default", labelSelector: "app=trendmaster" });
    expect(list.items.map((item) => item.metadata?.name)).toEqual(["labelled"]);
    expect(list.metadata?.resourceVersion).toBe(api.currentResourceVersion());
  });

  it("creates and renews a Lease, and refuses a renewal from a stale read", async () => {
    const lease: V1Lease = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: "trendmaster-forecaster", namespace: "istio-system" },
      spec: { holderIdentity: "pod-a", leaseDurationSeconds: 30, acquireTime: new Date(), renewTime: new Date() },
    };
    const created = await coordination.createNamespacedLease({ namespace: "istio-system", body: lease });
    expect(created.spec?.holderIdentity).toBe("pod-a");
    const renewed = await coordination.replaceNamespacedLease({ namespace: "istio-system", name: "trendmaster-forecaster", body: { ...created, spec: { ...created.spec, renewTime: new Date() } } });
    const takeover = await statusOf(
      coordination.replaceNamespacedLease({ namespace: "istio-system", name: "trendmaster-forecaster", body: { ...created, spec: { ...created.spec, holderIdentity: "pod-b" } } }),
    );
    expect(takeover).toMatchObject({
      code: 409,
      reason: "Conflict",
      message: 'Operation cannot be fulfilled on leases.coordination.k8s.io "trendmaster-forecaster": the object has been modified; please apply your changes to the latest version and try again',
    });
    expect(api.getObject("leases", "istio-system", "trendmaster-forecaster")?.metadata.resourceVersion).toBe(renewed.metadata?.resourceVersion);
  });

  it("streams watch events from a resourceVersion", async () => {
    const start = api.currentResourceVersion();
    const events: Array<[string, string | undefined]> = [];
    const watch = new Watch(kubeConfig);
    const controller = await watch.watch(
      "/api/v1/namespaces/kube-public/configmaps",
      { resourceVersion: start, allowWatchBookmarks: true },
      (phase, object: V1ConfigMap) => events.push([phase, object.metadata?.name]),
      () => undefined,
    );
    await core.createNamespacedConfigMap({ namespace: "kube-public", body: configMap("watched", { a: "1" }) });
    await core.patchNamespacedConfigMap({ namespace: "kube-public", name: "watched", body: { data: { a: "2" } } }, setHeaderOptions("Content-Type", PatchStrategy.MergePatch));
    await core.deleteNamespacedConfigMap({ namespace: "kube-public", name: "watched" });
    await waitFor(() => (events.length >= 3 ? events : undefined));
    controller.abort();
    expect(events).toEqual([
      ["ADDED", "watched"],
      ["MODIFIED", "watched"],
      ["DELETED", "watched"],
    ]);
  });

  it("keeps an informer's cache in step across a dropped watch", async () => {
    await core.createNamespacedConfigMap({ namespace: "kube-node-lease", body: configMap("before", {}) });
    const informer = new ListWatch("/api/v1/namespaces/kube-node-lease/configmaps", new Watch(kubeConfig), () => core.listNamespacedConfigMap({ namespace: "kube-node-lease" }), false);
    const names = (): string => informer.list().map((item) => item.metadata?.name ?? "").sort().join();
    await informer.start();
    try {
      await core.createNamespacedConfigMap({ namespace: "kube-node-lease", body: configMap("during", {}) });
      await waitFor(() => (names() === "before,during" ? true : undefined));
      // The informer re-watches from its last resourceVersion and replays what it missed.
      api.closeWatches();
      await core.deleteNamespacedConfigMap({ namespace: "kube-node-lease", name: "before" });
      await core.createNamespacedConfigMap({ namespace: "kube-node-lease", body: configMap("after", {}) });
      await waitFor(() => (names() === "after,during" ? true : undefined));
    } finally {
      await informer.stop();
    }
  });

  it("answers a watch from a compacted resourceVersion with 410 Expired", async () => {
    const old = api.currentResourceVersion();
    await core.createNamespacedConfigMap({ namespace: "default", body: configMap("compacted", {}) });
    api.compactHistory();
    const events: Array<[string, unknown]> = [];
    const ended = new Promise<void>((resolve) => {
      void new Watch(kubeConfig).watch("/api/v1/namespaces/default/configmaps", { resourceVersion: old }, (phase, object: unknown) => events.push([phase, object]), () => resolve());
    });
    await ended;
    expect(events).toEqual([
      ["ERROR", { kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: `too old resource version: ${old} (${api.currentResourceVersion()})`, reason: "Expired", code: 410 }],
    ]);
  });
});
