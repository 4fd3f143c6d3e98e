/**
 * runCycle with each output mode, over the real Git server and the GitHub pulls API stand-in, with
 * the cluster in memory: git writes only Git (and the forecast cache), both writes both, and a Git
 * fault writes nothing anywhere, fails the cycle and raises system_errors.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeForecastCache } from "../../ratelimit/forecast-cache.js";
import { runCycle, type CycleDeps } from "../../forecaster/cycle.js";
import { gitWriteBackOf } from "../../forecaster/gitops/connect.js";
import type { GitopsSettings } from "../../forecaster/gitops/settings.js";
import { FakeClock } from "../fakes/fake-clock.js";
import { MemoryConfigMapStore } from "../fakes/memory-kube.js";
import { RecordingNotifier } from "../fakes/recording-notifier.js";
import { configMap, FakeTrafficSource, quietLog, TableForecaster, testCycleSettings } from "../fakes/cycle-fakes.js";
import { repoRoot } from "../support/paths.js";
import { startGitServer, type GitServer } from "../support/git-server.js";
import { startGitHubPullsApiStandIn, type GitHubPullsApiStandIn } from "../stand-ins/github-pulls-api.js";

const TOKEN = "ghp_cycle-modes-token-2d7e";
const NOW = Date.parse("2026-03-05T14:40:00Z");
const MANIFEST = readFileSync(join(repoRoot(), "test", "fixtures", "gitops", "configmap-manifest.yaml"), "utf8");
const LIVE = (MANIFEST.split("config.yaml: |\n")[1] as string).split("\n").map((l) => l.slice(4)).join("\n");
const PATH = "clusters/prd1/ratelimit-config.yaml";

let server: GitServer;
let github: GitHubPullsApiStandIn;
let work: string;

beforeAll(async () => {
  server = await startGitServer({ user: "x-access-token", password: TOKEN });
  github = await startGitHubPullsApiStandIn({ token: TOKEN, branchExists: async (repository, branch) => (await server.refs(repository.split("/")[1] as string)).has(`refs/heads/${branch}`) });
  work = await mkdtemp(join(tmpdir(), "trendmaster-cycle-modes-"));
  await writeFile(join(work, "token"), TOKEN);
});
afterAll(async () => {
  await github.close();
  await server.close();
  await rm(work, { recursive: true, force: true });
});

function gitops(repo: string, path = PATH): GitopsSettings {
  return {
    target: { name: "prd1", repositoryUrl: server.urlOf(repo), baseBranch: "main", branch: "trendmaster/prd1", path, location: { format: "configmap" }, mode: "pull-request", author: { name: "TrendMaster", email: "trendmaster@example.com" }, commitMessage: "TrendMaster: limits for {target}" },
    provider: { name: "github", apiUrl: github.apiUrl, project: `platform/${repo}` },
    username: "x-access-token",
    tokenFile: join(work, "token"),
    noProxy: [],
  };
}

async function setup(repo: string, path = PATH) {
  await server.createRepository(repo, { [PATH]: MANIFEST });
  const store = new MemoryConfigMapStore();
  store.putAs("argocd-controller", configMap("istio-system", "ratelimit-config", { "config.yaml": LIVE }));
  const notifier = new RecordingNotifier();
  const clock = new FakeClock(NOW);
  const deps: CycleDeps = {
    configMaps: store, traffic: new FakeTrafficSource(), forecaster: new TableForecaster({ "edge-ratelimit.PARTNER_acme": 1500, "edge-ratelimit.PARTNER_globex": 300, "edge-ratelimit.PARTNER_initech": 90 }, NOW),
    notifier, clock, log: quietLog, gitWriteBack: gitWriteBackOf(gitops(repo, path), clock),
  };
  return { store, notifier, deps, refs: await server.refs(repo) };
}

describe("cycle output modes", () => {
  it("git: pushes the branch and opens the request; ratelimit-config and its history are not written, the cache is", async () => {
    const { store, deps, notifier } = await setup("mode-git");
    const report = await runCycle(deps, testCycleSettings({ outputMode: "git" }));
    expect(report.errors).toEqual([]);
    expect(report.outcome).toBe("applied");
    expect(report.applied).toEqual([{ fullKey: "edge-ratelimit.PARTNER_acme", from: 1200, to: 1500 }]);
    expect(report.gitops).toMatchObject({ outcome: "pushed", branch: "trendmaster/prd1", request: { number: expect.any(Number), action: "opened" } });
    expect(report.diff).toContain("-          requests_per_unit: 1200   # agreed 2025-11\n+          requests_per_unit: 1500   # agreed 2025-11");
    expect(store.writes.map((w) => `${w.op} ${w.namespace}/${w.name}`)).toEqual(["create trendmaster/trendmaster-forecast"]);
    expect((await store.get("istio-system", "ratelimit-config"))?.data?.["config.yaml"]).toBe(LIVE);
    const cached = await store.get("trendmaster", "trendmaster-forecast");
    const cache = decodeForecastCache({ ...(cached?.data ? { data: cached.data } : {}), ...(cached?.binaryData ? { binaryData: cached.binaryData } : {}) });
    const band = cache.rules["edge-ratelimit.PARTNER_acme"]?.band;
    expect(band && band.min <= 1500 && 1500 <= band.max).toBe(true);
    const number = report.gitops?.request?.number as number;
    expect(notifier.alerts.filter((a) => a.kind === "rate_limit_changes").map((a) => a.title)).toEqual([
      `TrendMaster proposed 1 rate limit change(s) for istio-system/ratelimit-config in Git: pull request #${number} (https://github.example/platform/mode-git/pull/${number})`,
    ]);
  });

  it("both: writes Git and ratelimit-config", async () => {
    const { store, deps } = await setup("mode-both");
    const report = await runCycle(deps, testCycleSettings({ outputMode: "both" }));
    expect(report.outcome).toBe("applied");
    expect(report.gitops?.outcome).toBe("pushed");
    expect((await store.get("istio-system", "ratelimit-config"))?.data?.["config.yaml"]).toBe(LIVE.replace("requests_per_unit: 1200 ", "requests_per_unit: 1500 "));
  });

  it("git, dry run: reports the diff of the file in Git and pushes nothing", async () => {
    const { deps, refs } = await setup("mode-dry");
    const report = await runCycle(deps, testCycleSettings({ outputMode: "git", dryRun: true }));
    expect(report.outcome).toBe("dry-run");
    expect(report.diff).toContain(`--- a/${PATH}`);
    expect(report.gitops?.commitMessage).toBe("TrendMaster: limits for prd1\n\n- edge-ratelimit.PARTNER_acme: 1200 -> 1500\n");
    expect(await server.refs("mode-dry")).toEqual(refs);
  });

  it("a Git fault fails the cycle before anything is written anywhere, and alerts system_errors", async () => {
    const { store, deps, notifier, refs } = await setup("mode-fault", "clusters/prd9/ratelimit-config.yaml");
    const report = await runCycle(deps, testCycleSettings({ outputMode: "git" }));
    expect(report.outcome).toBe("failed");
    expect(report.errors).toEqual([expect.stringMatching(/^config not found in Git: clusters\/prd9\/ratelimit-config\.yaml not found in http:\S+ main; nothing written$/)]);
    expect(store.writes).toEqual([]);
    expect(await server.refs("mode-fault")).toEqual(refs);
    expect(github.pulls.get("platform/mode-fault") ?? []).toEqual([]);
    expect(notifier.alerts.filter((a) => a.kind === "system_errors").map((a) => a.body)).toEqual([expect.stringContaining("config not found in Git")]);
  });
});
