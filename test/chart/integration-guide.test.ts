// docs/integration-guide.md against the chart: it quotes the TrendMaster-AI integration guide's two
// values blocks unchanged, and those blocks, pasted verbatim (orp2 and prd1, release namespace
// `default`), render, lint and do what the guide says; its permission checks give the answers it
// claims under the rendered RBAC; its manual-run command names the rendered CronJob; its Argo CD
// snippet is the one in argocd/; every key its values tables name exists in values.yaml.
import { copyFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import yaml from "js-yaml";
import { startKubeApiStandIn, type KubeApiStandIn } from "../stand-ins/kube-apiserver/index.js";
import { helmPath, kubectlPath, missingBinaryMessage } from "../support/binaries.js";
import { runKubectl } from "../support/kubectl.js";
import { repoRoot } from "../support/paths.js";
import { canI, chartAuthorizer, type AccessRequest } from "./rbac-authorizer.js";
import { GUIDE_MONITORING_BLOCK, GUIDE_TRENDMASTER_BLOCK_ORP2, GUIDE_TRENDMASTER_BLOCK_PRD1 } from "./guide-blocks.js";
import { CHART_DIR, objectsOfKind, renderChart, type KubeObject } from "./render.js";

const GUIDE = readFileSync(join(repoRoot(), "docs", "integration-guide.md"), "utf8");

function codeBlocks(language: string): string[] {
  return [...GUIDE.matchAll(new RegExp("```" + language + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1] as string);
}

interface CanICheck {
  line: string;
  /** The `SA`/`WH` variable's value: system:serviceaccount:NS:NAME. */
  username: string;
  request: AccessRequest;
  expected: boolean;
}

/** `kubectl auth can-i VERB RESOURCE[/NAME] -n NS --as=$VAR  # yes|no`, with VAR=system:serviceaccount:NS:NAME set above. */
function canIChecks(): CanICheck[] {
  const accounts = new Map<string, { namespace: string; name: string }>();
  const checks: CanICheck[] = [];
  for (const line of codeBlocks("sh").join("\n").split("\n")) {
    const assignment = /^(\w+)=system:serviceaccount:([-a-z0-9]+):([-a-z0-9]+)$/.exec(line);
    if (assignment) accounts.set(assignment[1] as string, { namespace: assignment[2] as string, name: assignment[3] as string });
    const check = /^kubectl auth can-i (\S+) ([a-z.]+)(?:\/(\S+))? -n (\S+) --as=\$(\w+)\s+# (yes|no)$/.exec(line);
    if (!check) continue;
    const [, verb, resource, name, namespace, account, answer] = check as unknown as [string, string, string, string | undefined, string, string, string];
    const serviceAccount = accounts.get(account);
    if (serviceAccount === undefined) throw new Error(`guide uses $${account} before setting it: ${line}`);
    const apiGroup = resource === "leases" ? "coordination.k8s.io" : "";
    checks.push({ line, username: `system:serviceaccount:${serviceAccount.namespace}:${serviceAccount.name}`, expected: answer === "yes", request: { serviceAccount, verb, apiGroup, resource, namespace, ...(name !== undefined ? { name } : {}) } });
  }
  return checks;
}

/** Paths of a values document: `a`, `a.b`, `a.b.c`, ... */
function valuePaths(value: unknown, prefix = ""): Set<string> {
  const paths = new Set<string>();
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) {
      const path = prefix ? `${prefix}.${key}` : key;
      paths.add(path);
      for (const nested of valuePaths(child, path)) paths.add(nested);
    }
  }
  return paths;
}

describe("docs/integration-guide.md", () => {
  it("quotes the guide's two values blocks character for character", () => {
    const blocks = codeBlocks("yaml");
    expect(blocks).toContain(GUIDE_TRENDMASTER_BLOCK_ORP2);
    expect(blocks).toContain(GUIDE_MONITORING_BLOCK);
  });

  it.each([
    ["values-orp2.yaml", GUIDE_TRENDMASTER_BLOCK_ORP2],
    ["values-prd1.yaml", GUIDE_TRENDMASTER_BLOCK_PRD1],
  ])("%s holds the guide's blocks (the monitoring block with the chart's PrometheusRule keys beside it)", (file, trendmasterBlock) => {
    const values = yaml.load(readFileSync(join(CHART_DIR, file), "utf8")) as { trendmaster_ai: unknown; monitoring: { trendmaster_ai: Record<string, unknown> } };
    expect(values.trendmaster_ai).toEqual((yaml.load(trendmasterBlock) as { trendmaster_ai: unknown }).trendmaster_ai);
    const guide = (yaml.load(GUIDE_MONITORING_BLOCK) as { monitoring: { trendmaster_ai: Record<string, unknown> } }).monitoring.trendmaster_ai;
    expect(Object.keys(values.monitoring.trendmaster_ai).filter((k) => k !== "prometheusRule")).toEqual(Object.keys(guide));
    expect(values.monitoring.trendmaster_ai.alerts).toEqual(guide.alerts);
  });

  it.each([
    ["kubectl logs -l app=trendmaster-ai -n default"],
    ["kubectl auth can-i get configmaps --namespace=istio-system --as=system:serviceaccount:default:trendmaster-ai"],
    ["kubectl create job --from=cronjob/trendmaster-ai-cronjob manual-test-$(date +%s)"],
  ])("quotes the guide's command %s (test/chart/guide-values.test.ts checks it)", (command) => {
    expect(codeBlocks("sh").join("\n").split("\n")).toContain(command);
  });

  it("the ratelimit-config owner's snippet is argocd/istio-ratelimit-ignore-differences.yaml's", () => {
    const block = codeBlocks("yaml").find((b) => b.includes("ignoreDifferences"));
    const snippet = yaml.load(block ?? "") as { spec: { ignoreDifferences: unknown; syncPolicy: { syncOptions: string[] } } };
    const application = yaml.load(readFileSync(join(repoRoot(), "argocd", "istio-ratelimit-ignore-differences.yaml"), "utf8")) as typeof snippet;
    expect(snippet.spec.ignoreDifferences).toEqual(application.spec.ignoreDifferences);
    expect(application.spec.syncPolicy.syncOptions).toEqual(expect.arrayContaining(snippet.spec.syncPolicy.syncOptions));
  });

  it("every key in the values tables exists in values.yaml", () => {
    const paths = valuePaths(yaml.load(readFileSync(join(CHART_DIR, "values.yaml"), "utf8")));
    const tables = GUIDE.slice(GUIDE.indexOf("### The guide's keys"), GUIDE.indexOf("## 4. Argo CD"));
    const named: string[] = [];
    for (const row of tables.split("\n").filter((l) => l.startsWith("| `"))) {
      const cell = row.split("|")[1] ?? "";
      for (const token of cell.matchAll(/`([^`]+)`/g)) {
        const text = token[1] as string;
        // `a.b.{c,d}` names a.b.c and a.b.d; `.tag` continues the previous key's parent.
        const [head, alternatives] = text.includes("{") ? [text.slice(0, text.indexOf("{")), text.slice(text.indexOf("{") + 1, -1).split(",")] : [text, [""]];
        const parent = named.length > 0 && head.startsWith(".") ? (named[named.length - 1] as string).split(".").slice(0, -1).join(".") : "";
        for (const alternative of alternatives) named.push(`${parent}${head}${alternative}`.replace(/\.$/, ""));
      }
    }
    expect(named.length).toBeGreaterThan(40);
    expect(named.filter((p) => !paths.has(p))).toEqual([]);
  });
});

const haveHelm = helmPath() !== undefined;
if (!haveHelm) console.warn(missingBinaryMessage("helm"));
(haveHelm ? describe : describe.skip)("docs/integration-guide.md against the rendered chart", () => {
  let objects: KubeObject[];
  beforeAll(async () => {
    objects = await renderChart({ valuesFiles: ["values-prd1.yaml"] });
  });

  const checks = canIChecks();
  it("has the permission checks", () => expect(checks.length).toBeGreaterThanOrEqual(10));
  it.each(checks.map((c) => [c.line, c] as const))("%s", (_line, check) => {
    expect(canI(objects, check.request)).toBe(check.expected);
  });

  it("the manual run names the CronJob the chart renders", () => {
    const named = [...GUIDE.matchAll(/--from=cronjob\/([-a-z0-9]+)/g)].map((m) => m[1]);
    expect(named.length).toBeGreaterThan(0);
    for (const name of named) expect(objectsOfKind(objects, "CronJob").map((o) => o.metadata.name)).toContain(name);
  });
});

const kubectl = kubectlPath();
if (kubectl === undefined) console.warn(missingBinaryMessage("kubectl"));
// The stand-in has no impersonation, so each check runs with the ServiceAccount's own kubeconfig
// instead of --as; kubectl still turns the line into the SelfSubjectAccessReview the guide implies.
(haveHelm && kubectl !== undefined ? describe : describe.skip)("the guide's permission checks with the real kubectl", () => {
  let api: KubeApiStandIn;
  const checks = canIChecks();
  /** KUBECONFIG is a colon-separated list: the stand-in's per-user file name holds the ServiceAccount's colons. */
  const kubeconfigs = new Map<string, string>();
  beforeAll(async () => {
    const objects = await renderChart({ valuesFiles: ["values-prd1.yaml"] });
    const users = [...new Set(checks.map((c) => c.username))].map((name) => ({ name, groups: ["system:serviceaccounts"] }));
    api = await startKubeApiStandIn({ users, namespaces: ["default", "istio-system", "trendmaster"], authorize: chartAuthorizer(objects) });
    const directory = mkdtempSync(join(tmpdir(), "trendmaster-can-i-"));
    users.forEach((user, index) => {
      const path = join(directory, `kubeconfig-${index}.yaml`);
      copyFileSync(api.kubeconfigPath(user.name), path);
      kubeconfigs.set(user.name, path);
    });
  });
  afterAll(async () => {
    await api?.stop();
  });

  it.each(checks.map((c) => [c.line, c] as const))("%s", async (line, check) => {
    const args = line.replace(/^kubectl /, "").replace(/\s+--as=\$\w+/, "").replace(/\s+#.*$/, "").split(/\s+/);
    const result = await runKubectl(kubectl as string, kubeconfigs.get(check.username) as string, args);
    expect(result.stdout).toBe(check.expected ? "yes\n" : "no\n");
    expect(result.code).toBe(check.expected ? 0 : 1);
  });
});
