// What the chart tells the webhook about whom to trust, and how the stamp key reaches the
// containers: the forecaster's ServiceAccount as the only identity that may claim a forecast
// generation, and the stamp key ring as a Secret mounted into every container that stamps or
// verifies (never readable through the API).
import yaml from "js-yaml";
import type { IPodSpec } from "kubernetes-models/v1/PodSpec";
import { helmPath, missingBinaryMessage } from "../support/binaries.js";
import { canI } from "./rbac-authorizer.js";
import { findObject, renderChart, type KubeObject, type RenderOptions } from "./render.js";
import { podSpecsOf } from "./scenarios.js";

const haveHelm = helmPath() !== undefined;
if (!haveHelm) console.warn(missingBinaryMessage("helm"));
const describeWithHelm = haveHelm ? describe : describe.skip;

interface GuardSettings {
  webhook: { forecasterUsers: string[] };
  guardStamp: { keyFile: string };
}

function settingsOf(objects: readonly KubeObject[], fullname: string): GuardSettings {
  const configMap = findObject(objects, "ConfigMap", `${fullname}-settings`) as KubeObject & { data: Record<string, string> };
  return yaml.load(configMap.data["settings.yaml"] ?? "") as GuardSettings;
}

/** Every container with the file it reads the key ring from, as the kubelet would project it. */
function stampKeyFiles(spec: IPodSpec, keyFile: string): { container: string; secret?: string; key?: string }[] {
  return spec.containers.map((container) => {
    const mount = container.volumeMounts?.find((m) => keyFile.startsWith(`${m.mountPath}/`));
    const volume = spec.volumes?.find((v) => v.name === mount?.name);
    const item = volume?.secret?.items?.find((i) => `${mount?.mountPath}/${i.path}` === keyFile);
    return { container: container.name, ...(volume?.secret?.secretName ? { secret: volume.secret.secretName } : {}), ...(item ? { key: item.key } : {}) };
  });
}

describeWithHelm("chart: the forecaster's identity and the stamp key", () => {
  it.each([
    ["sidecar mode, default names", { namespace: "trendmaster" }, "trendmaster-ai", "system:serviceaccount:trendmaster:trendmaster-ai"],
    ["CronJob mode in another namespace with a renamed release", { namespace: "rate-guard", setString: { "forecaster.mode": "cronjob", fullnameOverride: "guard" } }, "guard", "system:serviceaccount:rate-guard:guard"],
  ])("%s: the webhook believes a generation claim only from the forecaster's ServiceAccount", async (_name, options, fullname, user) => {
    const objects = await renderChart(options);
    expect(settingsOf(objects, fullname).webhook.forecasterUsers).toEqual([user]);
    // That identity is the one every forecaster container runs as.
    const forecasterPods = podSpecsOf(objects).filter((p) => p.spec.containers.some((c) => c.name === "forecaster"));
    expect(forecasterPods.length).toBeGreaterThanOrEqual(1);
    for (const pod of forecasterPods) expect(`system:serviceaccount:${options.namespace}:${pod.spec.serviceAccountName}`).toBe(user);
  });

  it.each<[string, RenderOptions, string, string]>([
    ["sidecar mode", {}, "trendmaster-ai-stamp-key", "key"],
    ["CronJob mode with an existing Secret and key", { setString: { "forecaster.mode": "cronjob", "guardStamp.existingSecret": "platform-stamp", "guardStamp.key": "ring" } }, "platform-stamp", "ring"],
  ])("%s: the key ring file the settings name is mounted from the Secret into every container", async (_name, options, secret, key) => {
    const objects = await renderChart(options);
    const keyFile = settingsOf(objects, "trendmaster-ai").guardStamp.keyFile;
    expect(keyFile).toBe("/var/run/secrets/trendmaster/stamp/key");
    // The `helm test` pod only asks the webhook and reads the live config: it holds no key.
    const pods = podSpecsOf(objects.filter((o) => o.metadata?.annotations?.["helm.sh/hook"] === undefined));
    expect(pods.flatMap((p) => p.spec.containers.map((c) => c.name)).sort()).toEqual(options.setString ? ["forecaster", "webhook"] : ["forecaster", "forecaster", "webhook"]);
    for (const pod of pods) for (const file of stampKeyFiles(pod.spec, keyFile)) expect(file).toEqual({ container: file.container, secret, key });
    // A file from the kubelet, not an API read: neither ServiceAccount may get Secrets.
    for (const account of ["trendmaster-ai-webhook", "trendmaster-ai"]) {
      for (const verb of ["get", "list", "watch"]) {
        expect(canI(objects, { serviceAccount: { namespace: "trendmaster", name: account }, verb, apiGroup: "", resource: "secrets", namespace: "trendmaster", name: secret })).toBe(false);
      }
    }
  });
});
