// The TrendMaster-AI integration guide's commands with the real kubectl against the kube-apiserver
// stand-in holding what the chart renders from the guide's values in `default`:
// - `kubectl create job --from=cronjob/trendmaster-ai-cronjob manual-test-$(date +%s)`, as printed,
//   creates a Job from the CronJob's template (the stand-in runs no Job controller: what is checked
//   is the Job kubectl creates);
// - the pods `kubectl logs -l ... -n default` selects: the stand-in serves no logs, so its selector
//   runs as `kubectl get pods -l ... -n default` over pods seeded as the ReplicaSet and Job
//   controllers would make them from the rendered templates.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { IJob } from "kubernetes-models/batch/v1/Job";
import yaml from "js-yaml";
import { startKubeApiStandIn, type KubeApiStandIn } from "../stand-ins/kube-apiserver/index.js";
import { helmPath, kubectlPath, missingBinaryMessage } from "../support/binaries.js";
import { runKubectl } from "../support/kubectl.js";
import { runProcess } from "../support/run-process.js";
import { writeGuideValuesFile } from "./guide-blocks.js";
import { renderChart } from "./render.js";
import { cronJobOf, deploymentOf } from "./scenarios.js";

const GUIDE_MANUAL_RUN = "kubectl create job --from=cronjob/trendmaster-ai-cronjob manual-test-$(date +%s)";
const GUIDE_LOGS = "kubectl logs -l app=trendmaster-ai -n default";
const GUIDE_JOB_LOGS = "kubectl logs -l job-name=trendmaster-ai-cronjob -n default";

/** A pod as a controller makes it from a template: the template's labels plus the controller's own. */
function podFrom(name: string, template: { metadata?: { labels?: Record<string, string> } } | undefined, controllerLabels: Record<string, string>) {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "default", labels: { ...(template?.metadata?.labels ?? {}), ...controllerLabels } }, spec: { containers: [{ name: "c", image: "x" }] } };
}

const kubectl = kubectlPath();
const haveHelm = helmPath() !== undefined;
if (kubectl === undefined) console.warn(missingBinaryMessage("kubectl"));
if (!haveHelm) console.warn(missingBinaryMessage("helm"));

(haveHelm && kubectl !== undefined ? describe : describe.skip)("the guide's manual run with the real kubectl", () => {
  let api: KubeApiStandIn;
  let kubeconfig: string;
  beforeAll(async () => {
    const objects = await renderChart({ valuesFiles: [writeGuideValuesFile("orp2")], namespace: "default" });
    api = await startKubeApiStandIn({ namespaces: ["default", "istio-system"] });
    kubeconfig = await api.writeKubeconfig(mkdtempSync(join(tmpdir(), "trendmaster-guide-run-")), undefined, "default");
    const manifest = join(dirname(kubeconfig), "cronjob.yaml");
    writeFileSync(manifest, yaml.dump(cronJobOf(objects)));
    const created = await runKubectl(kubectl as string, kubeconfig, ["create", "-f", manifest]);
    expect(created.stderr).toBe("");
    expect(created.stdout).toBe("cronjob.batch/trendmaster-ai-cronjob created\n");
  });
  afterAll(async () => {
    await api?.stop();
  });

  it(GUIDE_MANUAL_RUN, async () => {
    // As a shell runs it: `$(date +%s)` expanded, kubectl found on PATH, the kubeconfig's namespace (default).
    const result = await runProcess("sh", ["-c", GUIDE_MANUAL_RUN], {
      env: { PATH: `${dirname(kubectl as string)}:/usr/bin:/bin`, HOME: dirname(kubeconfig), KUBECONFIG: kubeconfig, KUBECACHEDIR: join(dirname(kubeconfig), "kube-cache") },
      timeoutMs: 20_000,
    });
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/^job\.batch\/manual-test-\d+ created\n$/);
    expect(result.code).toBe(0);

    const listed = await runKubectl(kubectl as string, kubeconfig, ["get", "jobs", "-n", "default", "-o", "json"]);
    const jobs = (JSON.parse(listed.stdout) as { items: IJob[] }).items;
    expect(jobs.map((j) => j.metadata?.name)).toEqual([result.stdout.slice("job.batch/".length, -" created\n".length)]);
    const job = jobs[0] as IJob;
    expect(job.metadata?.ownerReferences).toEqual([expect.objectContaining({ apiVersion: "batch/v1", kind: "CronJob", name: "trendmaster-ai-cronjob", controller: true })]);
    expect(job.metadata?.labels).toMatchObject({ app: "trendmaster-ai" });
    const pod = job.spec?.template;
    expect(pod?.metadata?.labels).toMatchObject({ app: "trendmaster-ai", "app.kubernetes.io/component": "forecaster" });
    expect(pod?.spec?.serviceAccountName).toBe("trendmaster-ai");
    expect(pod?.spec?.containers.map((c) => [c.name, c.args])).toEqual([["forecaster", ["run", "--once"]]]);
  });

  describe("the pods the guide's log commands select", () => {
    const selectedBy = async (line: string): Promise<string[]> => {
      const args = line.replace(/^kubectl logs /, "get pods ").split(/\s+/);
      const result = await runKubectl(kubectl as string, kubeconfig, [...args, "-o", "name"]);
      expect(result.stderr).toBe("");
      return result.stdout.split("\n").filter((l) => l !== "").sort();
    };
    beforeAll(async () => {
      const objects = await renderChart({ valuesFiles: [writeGuideValuesFile("orp2")], namespace: "default" });
      const webhookTemplate = deploymentOf(objects).spec?.template;
      for (const name of ["trendmaster-ai-5d8f7c9b4-2xk8p", "trendmaster-ai-5d8f7c9b4-q7w4n"]) api.seedObject(podFrom(name, webhookTemplate, { "pod-template-hash": "5d8f7c9b4" }));
      // The Job controller labels a Job's pods with the Job's own name.
      const jobName = "manual-test-1765000000";
      api.seedObject(podFrom(`${jobName}-9gq2d`, cronJobOf(objects).spec?.jobTemplate.spec?.template, { "job-name": jobName, "batch.kubernetes.io/job-name": jobName }));
      api.seedObject(podFrom("other-app-7c4d9", { metadata: { labels: { app: "other-app" } } }, {}));
    });

    it(GUIDE_LOGS, async () => {
      expect(await selectedBy(GUIDE_LOGS)).toEqual(["pod/manual-test-1765000000-9gq2d", "pod/trendmaster-ai-5d8f7c9b4-2xk8p", "pod/trendmaster-ai-5d8f7c9b4-q7w4n"]);
    });

    it(`${GUIDE_JOB_LOGS} selects nothing, as the integration guide says; the Job's own name does`, async () => {
      expect(await selectedBy(GUIDE_JOB_LOGS)).toEqual([]);
      expect(await selectedBy("kubectl logs -l job-name=manual-test-1765000000 -n default")).toEqual(["pod/manual-test-1765000000-9gq2d"]);
      expect(await selectedBy("kubectl logs -l app=trendmaster-ai,app.kubernetes.io/component=forecaster -n default")).toEqual(["pod/manual-test-1765000000-9gq2d"]);
    });
  });
});
