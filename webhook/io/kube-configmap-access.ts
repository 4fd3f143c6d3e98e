import type { ConfigMapPayload } from "../../ratelimit/forecast-cache.js";
import type { ConfigMapAccess } from "./watched-forecast-source.js";

function payloadOf(object: unknown): ConfigMapPayload {
  const cm = (object ?? {}) as { data?: Record<string, string>; binaryData?: Record<string, string> };
  return { ...(cm.data ? { data: cm.data } : {}), ...(cm.binaryData ? { binaryData: cm.binaryData } : {}) };
}

/**
 * One ConfigMap through @kubernetes/client-node (loaded only in-cluster: it is a large import).
 * Without `kubeconfigPath`, KubeConfig.loadFromDefault honours KUBECONFIG, else the pod's service account.
 */
export async function kubeConfigMapAccess(namespace: string, name: string, kubeconfigPath?: string): Promise<ConfigMapAccess> {
  const k8s = await import("@kubernetes/client-node");
  const kubeConfig = new k8s.KubeConfig();
  if (kubeconfigPath !== undefined) kubeConfig.loadFromFile(kubeconfigPath);
  else kubeConfig.loadFromDefault();
  const core = kubeConfig.makeApiClient(k8s.CoreV1Api);
  const watcher = new k8s.Watch(kubeConfig);
  return {
    async read() {
      try {
        return payloadOf(await core.readNamespacedConfigMap({ name, namespace }));
      } catch (error) {
        if ((error as { code?: unknown }).code === 404) return undefined;
        throw new Error(`ConfigMap ${namespace}/${name}: ${(error as Error).message}`);
      }
    },
    async watch(onEvent, onDone) {
      const controller = await watcher.watch(
        `/api/v1/namespaces/${encodeURIComponent(namespace)}/configmaps`,
        { fieldSelector: `metadata.name=${name}` },
        (type: string, object: unknown) => onEvent(type, payloadOf(object)),
        (error: unknown) => onDone(error ?? undefined),
      );
      return { abort: () => controller.abort() };
    },
  };
}
