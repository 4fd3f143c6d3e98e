// The TrendMaster-AI integration guide's manual-execution command, as printed, with the real
// kubectl against the kube-apiserver stand-in holding the CronJob the chart renders from the
// guide's values in `default`: `kubectl create job --from=cronjob/trendmaster-ai-cronjob
// manual-test-$(date +%s)` creates a Job from the CronJob's template (the stand-in runs no Job
// controller: what is checked is the Job kubectl creates, not its pod).
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
import { cronJobOf } from "./scenarios.js";

const GUIDE_MANUAL_RUN = "kubectl create job --from=cronjob/trendmaster-ai-cronjob manual-test-$(date +%s)";

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
});
