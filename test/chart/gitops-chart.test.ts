// The chart's gitops.* values: the settings file the forecaster reads (checked by the forecaster's
// own settings reader), the token mounted as a file, and the RBAC that git mode narrows to reading.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import yaml from "js-yaml";
import { buildForecasterConfig } from "../../forecaster/config.js";
import { repoRoot } from "../support/paths.js";
import { schemaProblems } from "./kube-schemas.js";
import { helmPath, missingBinaryMessage } from "../support/binaries.js";
import { findObject, objectsOfKind, renderChart, renderChartError, RELEASE_NAME, type KubeObject } from "./render.js";

const GUIDE = readFileSync(join(repoRoot(), "docs", "integration-guide.md"), "utf8");
const GITOPS_SECTION = GUIDE.slice(GUIDE.indexOf("## GitOps: TrendMaster opens pull requests"), GUIDE.indexOf("## Permissions"));
const sectionBlocks = (language: string): string[] => [...GITOPS_SECTION.matchAll(new RegExp("```" + language + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1] as string);

const helm = helmPath();
if (helm === undefined) console.warn(missingBinaryMessage("helm"));
const describeWithHelm = helm === undefined ? describe.skip : describe;

const GITOPS = {
  "gitops.repositoryUrl": "https://github.com/platform/charts.git",
  "gitops.path": "envs/prd1/istio-ratelimit/values.yaml",
  "gitops.format": "helm-block",
  "gitops.keyPath": "ratelimit.config",
  "gitops.tokenSecret.name": "trendmaster-gitops",
};

function ratelimitConfigVerbs(objects: readonly KubeObject[]): unknown {
  // The rule naming ratelimit-config (another rule lets the forecaster read any ConfigMap there).
  const role = findObject(objects, "Role", `${RELEASE_NAME}-ratelimit-config`) as unknown as { rules: Array<{ verbs: string[]; resourceNames?: string[] }> };
  return role.rules.filter((r) => r.resourceNames?.includes("ratelimit-config")).map((r) => r.verbs);
}

function settingsText(objects: readonly KubeObject[]): string {
  return (findObject(objects, "ConfigMap", `${RELEASE_NAME}-settings`) as unknown as { data: Record<string, string> }).data["settings.yaml"] as string;
}

describeWithHelm("chart gitops values", () => {
  it.each<[string, string, string[]]>([
    ["cluster (the default) keeps update and patch", "cluster", ["get", "update", "patch"]],
    ["git reads ratelimit-config only", "git", ["get"]],
    ["both keeps update and patch", "both", ["get", "update", "patch"]],
  ])("outputMode %s", async (_name, outputMode, verbs) => {
    const objects = await renderChart({ setString: { ...GITOPS, "gitops.outputMode": outputMode } });
    expect(ratelimitConfigVerbs(objects)).toEqual([verbs]);
  });

  it("renders a gitops section the forecaster accepts, with the token Secret mounted where it points", async () => {
    const objects = await renderChart({ setString: { ...GITOPS, "gitops.outputMode": "git" } });
    const text = settingsText(objects);
    const result = buildForecasterConfig({ env: { PROMETHEUS_URL: "http://prometheus:9090", TRENDMASTER_SETTINGS: "/etc/trendmaster/settings.yaml" }, readText: (path) => (path === "/etc/trendmaster/settings.yaml" ? text : path === "/var/run/secrets/trendmaster/gitops/token" ? "ghp_x" : path === "/var/run/secrets/trendmaster/stamp/key" ? `${"k".repeat(48)}\n` : undefined) });
    if (!result.ok) throw new Error(result.problems.join("\n"));
    expect(result.config.output.outputMode).toBe("git");
    expect(result.config.output.gitops?.target).toMatchObject({ name: "ratelimit-config", repositoryUrl: GITOPS["gitops.repositoryUrl"], baseBranch: "main", branch: "trendmaster/ratelimit-config", path: GITOPS["gitops.path"], location: { format: "helm-block", keyPath: "ratelimit.config" }, mode: "pull-request" });
    expect(result.config.output.gitops?.provider).toEqual({ name: "github", apiUrl: "https://api.github.com", project: "platform/charts" });
    expect(result.config.output.gitops?.tokenFile).toBe("/var/run/secrets/trendmaster/gitops/token");
    const pods = [...objectsOfKind(objects, "Deployment"), ...objectsOfKind(objects, "CronJob")].map((o) => JSON.stringify(o));
    for (const pod of pods.filter((p) => p.includes('"forecaster"'))) {
      expect(pod).toContain('"mountPath":"/var/run/secrets/trendmaster/gitops"');
      expect(pod).toContain('"secretName":"trendmaster-gitops"');
    }
  });

  it("renders no gitops section and no token volume in cluster mode", async () => {
    const objects = await renderChart({ setString: { "gitops.tokenSecret.name": "trendmaster-gitops" } });
    expect(settingsText(objects)).not.toContain("gitops:");
    expect(JSON.stringify(objects)).not.toContain("trendmaster-gitops");
  });

  it("the integration guide's GitOps values render as they claim: git mode, token mounted, ratelimit-config read-only", async () => {
    const block = sectionBlocks("yaml").find((b) => b.startsWith("gitops:"));
    expect(block).toBeDefined();
    const file = join(mkdtempSync(join(tmpdir(), "trendmaster-guide-gitops-")), "values.yaml");
    writeFileSync(file, block as string);
    const objects = await renderChart({ valuesFiles: [file] });
    expect(ratelimitConfigVerbs(objects)).toEqual([["get"]]);
    expect(settingsText(objects)).toContain("tokenFile: /var/run/secrets/trendmaster/gitops/token");
    expect(JSON.stringify(objects)).toContain('"secretName":"trendmaster-gitops"');
  });

  it("the integration guide's Argo CD Application for ratelimit-config is valid and needs no ignoreDifferences", () => {
    const block = sectionBlocks("yaml").find((b) => b.includes("kind: Application"));
    const application = yaml.load(block ?? "") as KubeObject & { spec: Record<string, unknown> & { syncPolicy: { automated: { selfHeal: boolean } } } };
    expect(schemaProblems(application)).toEqual([]);
    expect(application.spec.ignoreDifferences).toBeUndefined();
    expect(JSON.stringify(application)).not.toContain("RespectIgnoreDifferences");
    expect(application.spec.syncPolicy.automated.selfHeal).toBe(true);
  });

  it.each<[string, Record<string, string>, string]>([
    ["git mode without a repository", { "gitops.outputMode": "git", "gitops.path": "v.yaml" }, "gitops.repositoryUrl: String length must be greater than or equal to 1"],
    ["an unknown format", { ...GITOPS, "gitops.outputMode": "git", "gitops.format": "kustomize" }, "gitops.format: gitops.format must be one of the following"],
    ["an unknown output mode", { "gitops.outputMode": "gitops" }, "gitops.outputMode: gitops.outputMode must be one of the following"],
    ["a repository URL with credentials", { ...GITOPS, "gitops.outputMode": "git", "gitops.repositoryUrl": "https://user:ghp_x@github.com/a/b.git" }, "gitops.repositoryUrl"],
  ])("the schema refuses %s", async (_name, setString, message) => {
    expect(await renderChartError({ setString })).toContain(message);
  });
});
