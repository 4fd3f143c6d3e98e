// GitOps write-back as a user meets it: ratelimit-config is rendered from a ConfigMap manifest in
// Git; `trendmaster run --once --output-mode git` (the real process, the real engine over CSV
// traffic) pushes its branch to a real git http-backend and opens one pull request on the GitHub
// stand-in, leaving the live ConfigMap alone; a merge applied with the real kubectl, as an Argo CD
// sync would apply it, passes the real webhook unclamped.
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { trafficCsvFileName } from "../../forecaster/io/file-source.js";
import { generateTraffic } from "../support/prometheus-server.js";
import { GIT_HTTP_BACKEND, startGitServer, type GitServer } from "../support/git-server.js";
import { latestTimeOfWeek, THURSDAY_AFTERNOON } from "../support/weekly-anchor.js";
import { startGitHubPullsApiStandIn, type GitHubPullsApiStandIn } from "../stand-ins/github-pulls-api.js";
import { configMapManifest, missingPrerequisite, startTrendMasterSystem, type TrendMasterSystem } from "./system.js";

const missing = (await missingPrerequisite()) ?? (GIT_HTTP_BACKEND === undefined ? "git http-backend is not installed (apt-get install git)" : undefined);
if (missing !== undefined) process.stderr.write(`skipping the GitOps end-to-end tests: ${missing}\n`);
const describeWithSystem = missing === undefined ? describe : describe.skip;

const CONFIG = `# Edge rate limits. Owned by the platform team; TrendMaster proposes the numbers.
domain: edge
descriptors:
  - key: PARTNER
    value: acme
    rate_limit:
      unit: minute
      requests_per_unit: 100   # acme grew; reviewed 2026-10
  - key: PARTNER
    value: globex
    rate_limit: {unit: minute, requests_per_unit: 5000}
`;
const MANIFEST_PATH = "clusters/prd1/istio-system/ratelimit-config.yaml";
const BROKEN_PATH = "clusters/stg1/istio-system/ratelimit-config.yaml";
const MANIFEST = `# Synced by Argo CD (Application istio-ratelimit-prd1).\n${configMapManifest("istio-system", "ratelimit-config", CONFIG)}`;
const TOKEN = "ghp_e2e-token-never-printed-41c9";
const STEP = 300;

interface ReportJson {
  outcome: string;
  generation?: number;
  applied: Array<{ fullKey: string; from: number; to: number }>;
  errors: string[];
  gitops?: { outcome: string; branch: string; commit?: string; request?: { number: number; action: string } };
}

/** Two weeks of CSV traffic ending on the latest Thursday 14:40 UTC, `scale` times the base rate. */
async function writeTraffic(dir: string, scale: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  const endMs = latestTimeOfWeek(Date.now(), THURSDAY_AFTERNOON);
  const points = 14 * 288;
  const startMs = endMs - points * STEP * 1000;
  let stream = 1;
  for (const [fullKey, meanPerStep] of Object.entries({ "edge.PARTNER_acme": 500 * scale, "edge.PARTNER_globex": 1000 * scale })) {
    const counts = generateTraffic({ seed: stream++, points, startMs, stepSeconds: STEP, meanPerStep });
    await writeFile(join(dir, trafficCsvFileName(fullKey)), `timestamp,value\n${counts.map((c, k) => `${(startMs + k * STEP * 1000) / 1000},${c}`).join("\n")}\n`);
  }
}

describeWithSystem(`GitOps write-back${missing === undefined ? "" : ` (SKIPPED: ${missing})`}`, () => {
  let system: TrendMasterSystem;
  let git: GitServer;
  let github: GitHubPullsApiStandIn;
  let work: string;
  const settingsFile = (variant = "settings-gitops"): string => join(work, `${variant}.yaml`);
  const run = (args: readonly string[], traffic: string, variant?: string) => system.runForecasterOnce(["--source-dir", join(work, traffic), ...args], { TRENDMASTER_SETTINGS: settingsFile(variant) });
  /** The settings file with the gitops section for `repositoryUrl` and `path`. */
  const writeSettings = async (variant: string, repositoryUrl: string, path: string): Promise<void> => {
    const base = await readFile(join(system.work, "settings.yaml"), "utf8");
    await writeFile(settingsFile(variant), `${base}gitops:
  outputMode: cluster
  repositoryUrl: ${repositoryUrl}
  baseBranch: main
  path: ${path}
  format: configmap
  provider: github
  apiUrl: ${github.apiUrl}
  project: platform/charts
  tokenFile: ${join(work, "token")}
  author: {name: TrendMaster, email: trendmaster@example.com}
`);
  };
  const live = async () => system.storedConfig();
  const pulls = () => github.pulls.get("platform/charts") ?? [];

  beforeAll(async () => {
    // The chart in git mode: the forecaster's service account may only read ratelimit-config.
    const chart = { setString: { "gitops.outputMode": "git", "gitops.repositoryUrl": "https://git.example/platform/charts.git", "gitops.path": MANIFEST_PATH, "gitops.tokenSecret.name": "trendmaster-gitops" } };
    system = await startTrendMasterSystem({ partners: [{ partner: "acme", meanPerStep: 500 }], config: CONFIG, chart });
    git = await startGitServer({ user: "x-access-token", password: TOKEN });
    github = await startGitHubPullsApiStandIn({ token: TOKEN, branchExists: async (_repository, branch) => (await git.refs("charts")).has(`refs/heads/${branch}`) });
    work = await mkdtemp(join(tmpdir(), "trendmaster-gitops-e2e-"));
    await git.createRepository("charts", {
      [MANIFEST_PATH]: MANIFEST,
      // The same manifest with a unit the ratelimit service does not know.
      [BROKEN_PATH]: MANIFEST.replace("unit: minute", "unit: fortnight"),
      "clusters/prd1/istio-system/kustomization.yaml": "resources:\n  - ratelimit-config.yaml\n",
    }, { extraCommits: 2 });
    await writeFile(join(work, "token"), TOKEN);
    await writeSettings("settings-gitops", git.urlOf("charts"), MANIFEST_PATH);
    await writeSettings("unreachable", "http://127.0.0.1:9/platform/charts.git", MANIFEST_PATH);
    await writeSettings("missing-path", git.urlOf("charts"), "clusters/prd9/istio-system/ratelimit-config.yaml");
    await writeSettings("broken-copy", git.urlOf("charts"), BROKEN_PATH);
    await writeTraffic(join(work, "traffic-1"), 1);
    await writeTraffic(join(work, "traffic-2"), 1.6);
  }, 90_000);

  afterAll(async () => {
    await github?.close();
    await git?.close();
    await system?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  async function gitDiff(from: string, to: string): Promise<{ files: string[]; lines: string[]; file: string }> {
    const dir = await mkdtemp(join(tmpdir(), "trendmaster-gitops-clone-"));
    try {
      await git.git(["clone", "--quiet", git.urlOf("charts").replace("http://", `http://x-access-token:${TOKEN}@`), "r"], dir);
      const repo = join(dir, "r");
      await git.git(["fetch", "--quiet", "origin", "+refs/heads/*:refs/remotes/origin/*"], repo);
      const files = (await git.git(["diff", "--name-only", from, to], repo)).trim().split("\n").filter((l) => l !== "");
      const lines = (await git.git(["diff", "--unified=0", from, to], repo)).split("\n").filter((l) => /^[-+][^-+]/.test(l));
      return { files, lines, file: await git.git(["show", `${to}:${MANIFEST_PATH}`], repo) };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it("in git mode the chart lets the forecaster read ratelimit-config, not change it", async () => {
    const ask = async (verb: string) => (await system.kubectl("forecaster", ["auth", "can-i", verb, "configmaps/ratelimit-config", "-n", "istio-system"])).stdout.trim();
    expect(await ask("get")).toBe("yes");
    expect(await ask("update")).toBe("no");
    expect(await ask("patch")).toBe("no");
  });

  it("--dry-run prints the commit it would make and pushes nothing", async () => {
    const refs = await git.refs("charts");
    const before = await live();
    const result = await run(["--output-mode", "git", "--dry-run"], "traffic-1");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("commit it would make:");
    expect(result.stdout).toContain("    TrendMaster: recommended rate limits for ratelimit-config");
    expect(result.stdout).toMatch(/--- a\/clusters\/prd1\/istio-system\/ratelimit-config\.yaml/);
    // globex's 5000 is far above its traffic: the diff and the commit message carry its new number, only that.
    const proposed = /\n {4}- edge\.PARTNER_globex: 5000 -> (\d+)\n/.exec(result.stdout)?.[1];
    expect(proposed).toBeDefined();
    expect(result.stdout).toContain(`\n-        rate_limit: {unit: minute, requests_per_unit: 5000}\n+        rate_limit: {unit: minute, requests_per_unit: ${proposed}}\n`);
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
    expect(await git.refs("charts")).toEqual(refs);
    expect(pulls()).toEqual([]);
    expect((await live()).resourceVersion).toBe(before.resourceVersion);
  }, 60_000);

  it("a cycle pushes its branch and opens one pull request; the next, with new traffic, updates both; the merge syncs unclamped", async () => {
    const before = await live();
    const first = await run(["--output-mode", "git", "--json"], "traffic-1");
    expect(first.stderr).not.toContain(TOKEN);
    expect(first.code).toBe(0);
    const report1 = JSON.parse(first.stdout) as ReportJson;
    expect(report1.outcome).toBe("applied");
    expect(report1.gitops).toMatchObject({ outcome: "pushed", branch: "trendmaster/ratelimit-config", request: { number: 1, action: "opened" } });
    expect(report1.applied.length).toBeGreaterThan(0);
    // The live ConfigMap is Argo CD's to change: untouched.
    expect((await live()).resourceVersion).toBe(before.resourceVersion);

    const diff1 = await gitDiff("origin/main", "origin/trendmaster/ratelimit-config");
    expect(diff1.files).toEqual([MANIFEST_PATH]);
    expect(diff1.lines.length).toBe(2 * report1.applied.length);
    for (let i = 0; i < diff1.lines.length; i += 2) {
      // Each removed line comes back with only its number changed.
      expect((diff1.lines[i + 1] as string).slice(1).replace(/\d+/g, "N")).toBe((diff1.lines[i] as string).slice(1).replace(/\d+/g, "N"));
    }
    expect(pulls()).toHaveLength(1);
    const pull = pulls()[0];
    for (const a of report1.applied) expect(pull?.body).toMatch(new RegExp(`${a.fullKey.replace(/\./g, "\\.")}\\s+minute\\s+${a.from}\\s+${a.to}`));
    expect(pull?.body).toContain("### Why");
    expect(pull?.body).toContain("```diff");

    // New traffic: the same branch and the same pull request carry the new numbers.
    const second = await run(["--output-mode", "git", "--json"], "traffic-2");
    expect(second.code).toBe(0);
    const report2 = JSON.parse(second.stdout) as ReportJson;
    expect(report2.gitops).toMatchObject({ outcome: "pushed", branch: "trendmaster/ratelimit-config", request: { number: 1, action: "updated" } });
    expect(report2.gitops?.commit).not.toBe(report1.gitops?.commit);
    expect(pulls()).toHaveLength(1);
    expect((await git.refs("charts")).get("refs/heads/trendmaster/ratelimit-config")).toBe(report2.gitops?.commit);
    expect((await live()).resourceVersion).toBe(before.resourceVersion);

    // A reviewer merges; Argo CD applies the merged manifest.
    const merged = await gitDiff("origin/main", "origin/trendmaster/ratelimit-config");
    await system.webhookHasForecast(report2.generation as number);
    const applied = await system.kubectl("admin", ["apply", "-f", "-"], { stdin: merged.file });
    expect(applied.code).toBe(0);
    expect(applied.stderr).not.toMatch(/raised to|lowered to|clamp/i);
    const synced = await live();
    for (const a of report2.applied) expect(synced.text).toMatch(new RegExp(`requests_per_unit: ${a.to}\\b`));
  }, 180_000);

  // Each fault of a cycle, through the real process: exit 1, the fault named in the report and in a
  // system_errors alert, and the repository, the pull request, ratelimit-config and the cache as they were.
  // They follow the cycles above: the pull request, TrendMaster's branch and the cache exist.
  // The last column: pushes the Git server received (the rejected one; TrendMaster's branch pushed, then put back).
  const FAULTS: Array<[string, string, () => Promise<() => Promise<void>>, string | undefined, number]> = [
    ["the token refused", "Git authentication refused", async () => {
      await writeFile(join(work, "token"), "ghp_revoked");
      return () => writeFile(join(work, "token"), TOKEN);
    }, undefined, 0],
    ["the repository unreachable", "Git repository unreachable", async () => async () => {}, "unreachable", 0],
    ["the path not in the repository", "config not found in Git", async () => async () => {}, "missing-path", 0],
    ["the Git copy invalid for the loader", "Git copy of the config is invalid", async () => async () => {}, "broken-copy", 0],
    ["the push rejected", "Git push rejected", async () => {
      await git.refusePushes("charts", "branch protection: trendmaster/* is locked");
      return () => git.refusePushes("charts", undefined);
    }, undefined, 1],
    ["the pull request API failing after the push", "pull request API error", async () => {
      github.failNext(502, "Server Error", "PATCH");
      return async () => {};
    }, undefined, 2],
  ];

  it.each(FAULTS)("a fault (%s) exits 1, alerts system_errors, and changes nothing anywhere", async (_name, words, inject, variant, pushes) => {
    const receivePacks = (): number => git.requests.filter((r) => r.startsWith("POST /charts.git/git-receive-pack ")).length;
    const pushesBefore = receivePacks();
    const refs = await git.refs("charts");
    const pullsBefore = JSON.stringify(pulls());
    const before = await live();
    const cacheBefore = await system.forecastCache();
    const alertsBefore = system.slack.messages.length;
    const undo = await inject();
    let result;
    try {
      // traffic-1 again: its numbers differ from what the branch holds now, so a push is due.
      result = await run(["--output-mode", "git"], "traffic-1", variant);
    } finally {
      await undo();
    }
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(words);
    expect(result.stdout).toContain("nothing written");
    expect(result.stdout + result.stderr).not.toContain("ghp_revoked");
    expect(result.stdout + result.stderr).not.toContain(TOKEN);
    expect(await git.refs("charts")).toEqual(refs);
    expect(receivePacks() - pushesBefore).toBe(pushes);
    expect(JSON.stringify(pulls())).toBe(pullsBefore);
    expect((await live()).resourceVersion).toBe(before.resourceVersion);
    expect((await system.forecastCache()).generation).toBe(cacheBefore.generation);
    const alerts = system.slack.messages.slice(alertsBefore);
    expect(alerts.some((m) => m.channel === "#oncall" && m.body.includes(words))).toBe(true);
  }, 60_000);
});
