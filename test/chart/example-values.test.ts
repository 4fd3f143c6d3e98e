// examples/values-{development,staging,production}.yaml: the guide's per-environment resources and
// schedules, each rendering and linting in the `default` namespace the guide installs into.
import { join } from "node:path";
import { helmPath, missingBinaryMessage } from "../support/binaries.js";
import { repoRoot } from "../support/paths.js";
import { lintChart, renderChart } from "./render.js";
import { cronJobOf, deploymentOf, envOf } from "./scenarios.js";

const haveHelm = helmPath() !== undefined;
if (!haveHelm) console.warn(missingBinaryMessage("helm"));

const EXAMPLES = [
  ["development", "0 */12 * * *", { requests: { cpu: "100m", memory: "256Mi" }, limits: { memory: "1Gi" } }],
  ["staging", "0 */6 * * *", { requests: { cpu: "250m", memory: "512Mi" }, limits: { memory: "1Gi" } }],
  ["production", "0 */4 * * *", { requests: { cpu: "500m", memory: "1Gi" }, limits: { cpu: "1000m", memory: "2Gi" } }],
] as const;

(haveHelm ? describe : describe.skip)("examples/values-<environment>.yaml", () => {
  it.each(EXAMPLES)("%s: schedule %s and the guide's resources reach the forecaster and the CronJob; lints", async (environment, schedule, resources) => {
    const file = join(repoRoot(), "examples", `values-${environment}.yaml`);
    expect((await lintChart({ valuesFiles: [file], namespace: "default" })).ok).toBe(true);
    const objects = await renderChart({ valuesFiles: [file], namespace: "default" });
    const sidecar = deploymentOf(objects).spec?.template.spec;
    expect(sidecar?.containers.find((c) => c.name === "forecaster")?.resources).toEqual(resources);
    expect(sidecar && envOf(sidecar, "forecaster").SCHEDULE).toBe(schedule);
    const cronJob = cronJobOf(objects);
    expect(cronJob.spec?.schedule).toBe(schedule);
    expect(cronJob.spec?.jobTemplate.spec?.template.spec?.containers[0]?.resources).toEqual(resources);
  });
});
