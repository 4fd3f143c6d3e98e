/**
 * The Git step across real processes: a real git http-backend serving repositories of realistic files, the
 * GitHub pulls API stand-in, and results read back with the real `git clone` and `git diff`.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadRateLimitConfig } from "../../ratelimit/loader.js";
import { runGitStep, type GitWriteBack } from "../../forecaster/gitops/cycle-step.js";
import { gitWriteBackOf } from "../../forecaster/gitops/connect.js";
import type { GitopsSettings } from "../../forecaster/gitops/settings.js";
import type { CyclePlan, RulePlan } from "../../forecaster/logic/plan.js";
import { quietLog } from "../fakes/cycle-fakes.js";
import { repoRoot } from "../support/paths.js";
import { startGitServer, type GitServer } from "../support/git-server.js";
import { startGitHubPullsApiStandIn, type GitHubPullsApiStandIn } from "../stand-ins/github-pulls-api.js";
import { writeFile } from "node:fs/promises";

const TOKEN = "ghp_write-back-token-5e8b";
const fixture = (name: string): string => readFileSync(join(repoRoot(), "test", "fixtures", "gitops", name), "utf8");
const VALUES = fixture("values-block.yaml");
const PATH = "envs/prd1/istio-ratelimit/values.yaml";
const ACME = "edge-ratelimit.PARTNER_acme";
const INITECH = "edge-ratelimit.PARTNER_initech";
const FIXED_NOW = new Date("2026-03-05T14:40:00Z");
const clock = { now: () => FIXED_NOW };
const LIVE_RULES = loadRateLimitConfig([{ name: "config.yaml", text: fixture("ratelimit-config.yaml") }]).rules;

let server: GitServer;
let github: GitHubPullsApiStandIn;
let work: string;
let tokenFile: string;

beforeAll(async () => {
  server = await startGitServer({ user: "x-access-token", password: TOKEN });
  github = await startGitHubPullsApiStandIn({ token: TOKEN, branchExists: async (repository, branch) => (await server.refs(repository.split("/")[1] as string)).has(`refs/heads/${branch}`) });
  work = await mkdtemp(join(tmpdir(), "trendmaster-write-back-"));
  tokenFile = join(work, "token");
  await writeFile(tokenFile, `${TOKEN}\n`);
});
afterAll(async () => {
  await github.close();
  await server.close();
  await rm(work, { recursive: true, force: true });
});

function settings(repo: string, overrides: Partial<GitopsSettings["target"]> = {}, token = tokenFile): GitopsSettings {
  return {
    target: {
      name: "prd1",
      repositoryUrl: server.urlOf(repo),
      baseBranch: "main",
      branch: "trendmaster/prd1",
      path: PATH,
      location: { format: "helm-block", keyPath: "ratelimit.config" },
      mode: "pull-request",
      author: { name: "TrendMaster", email: "trendmaster@example.com" },
      commitMessage: "TrendMaster: recommended rate limits for {target}",
      ...overrides,
    },
    provider: { name: "github", apiUrl: github.apiUrl, project: `platform/${repo}` },
    username: "x-access-token",
    tokenFile: token,
    noProxy: [],
  };
}

function plan(changes: ReadonlyArray<[string, number, number]>): CyclePlan {
  const rules: RulePlan[] = changes.map(([fullKey, from, to]) => ({
    fullKey, label: `PARTNER=${fullKey.split("_")[1]}`, domain: "edge-ratelimit", file: "config.yaml", unit: "minute", current: from, state: "changed", target: to, confidence: "medium",
    reason: `forecast peak ${Math.round(to / 1.3)}/minute next week, +30% headroom`,
  }));
  return { rules, changes: new Map(changes.map(([k, , to]) => [k, to])), counts: { changed: rules.length, unchanged: 0, "low-confidence": 0, unmapped: 0, failed: 0, excluded: 0 } };
}

const step = (writeBack: GitWriteBack, changes: ReadonlyArray<[string, number, number]>, dryRun = false) =>
  runGitStep(writeBack, { liveRules: LIVE_RULES, plan: plan(changes), generation: 7, live: "istio-system/ratelimit-config", mergeDomains: false, dryRun }, quietLog);

async function cloneDiff(repo: string, from: string, to: string): Promise<{ files: string[]; changed: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), "trendmaster-clone-"));
  try {
    await server.git(["clone", "--quiet", server.urlOf(repo).replace("http://", `http://x-access-token:${TOKEN}@`), "repo"], dir);
    const repoDir = join(dir, "repo");
    await server.git(["fetch", "--quiet", "origin", "+refs/heads/*:refs/remotes/origin/*"], repoDir);
    const files = (await server.git(["diff", "--name-only", from, to], repoDir)).trim().split("\n").filter((l) => l !== "");
    const changed = (await server.git(["diff", "--unified=0", from, to], repoDir)).split("\n").filter((l) => /^[-+][^-+]/.test(l));
    return { files, changed };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("git write-back with pull requests", () => {
  it("pushes TrendMaster's branch, opens one pull request, keeps both current, and says when nothing is left", async () => {
    await server.createRepository("charts", { [PATH]: VALUES, "envs/orp2/values.yaml": fixture("values-structured.yaml") }, { extraCommits: 3 });
    const main = (await server.refs("charts")).get("refs/heads/main");
    const writeBack = gitWriteBackOf(settings("charts"), clock);

    const first = await step(writeBack, [[ACME, 1200, 1500], [INITECH, 90, 120]]);
    expect(first.outcome).toBe("pushed");
    expect(first.request).toEqual({ number: 1, url: "https://github.example/platform/charts/pull/1", action: "opened" });
    const refs = await server.refs("charts");
    expect(refs.get("refs/heads/main")).toBe(main);
    expect(refs.get("refs/heads/trendmaster/prd1")).toBe(first.commit);
    expect(await cloneDiff("charts", "origin/main", "origin/trendmaster/prd1")).toEqual({
      files: [PATH],
      changed: [
        "-          requests_per_unit: 1200   # agreed 2025-11",
        "+          requests_per_unit: 1500   # agreed 2025-11",
        "-          requests_per_unit: 90",
        "+          requests_per_unit: 120",
      ],
    });
    const [pull] = github.pulls.get("platform/charts") ?? [];
    expect(pull?.title).toBe("TrendMaster: 2 rate limits to change in prd1");
    expect(pull?.head).toBe("trendmaster/prd1");
    expect(pull?.base).toBe("main");
    expect(pull?.body).toContain("edge-ratelimit.PARTNER_acme     minute  1200  1500    +25%  medium");
    expect(pull?.body).toContain("- `edge-ratelimit.PARTNER_initech` 90 → 120/minute (confidence medium): forecast peak 92/minute next week, +30% headroom");
    expect(pull?.body).toContain("+          requests_per_unit: 1500   # agreed 2025-11");
    expect(pull?.body).toContain("(forecast generation 7)");

    // New traffic, new numbers: the same branch (rebuilt on main) and the same request.
    const second = await step(writeBack, [[ACME, 1200, 1650]]);
    expect(second.outcome).toBe("pushed");
    expect(second.request?.action).toBe("updated");
    expect(second.request?.number).toBe(1);
    expect(github.pulls.get("platform/charts")).toHaveLength(1);
    expect((await server.refs("charts")).get("refs/heads/trendmaster/prd1")).toBe(second.commit);
    expect((await cloneDiff("charts", "origin/main", "origin/trendmaster/prd1")).changed).toEqual(["-          requests_per_unit: 1200   # agreed 2025-11", "+          requests_per_unit: 1650   # agreed 2025-11"]);
    expect(github.pulls.get("platform/charts")?.[0]?.title).toBe("TrendMaster: 1 rate limit to change in prd1");

    // The same recommendation again: nothing pushed, nothing rewritten.
    const refsBefore = await server.refs("charts");
    const requestsBefore = github.requests.length;
    const third = await step(writeBack, [[ACME, 1200, 1650]]);
    expect(third.outcome).toBe("up-to-date");
    expect(third.request?.action).toBe("unchanged");
    expect(await server.refs("charts")).toEqual(refsBefore);
    expect(github.requests.slice(requestsBefore).map((r) => r.split(" ")[0])).toEqual(["GET"]);

    // Git already holds what is recommended: the request says so, once.
    const settled = await step(writeBack, [[ACME, 1200, 1200]]);
    expect(settled.outcome).toBe("no-change");
    expect(settled.request?.action).toBe("nothing-left");
    const again = await step(writeBack, [[ACME, 1200, 1200]]);
    expect(again.request?.action).toBe("unchanged");
    const pullAfter = github.pulls.get("platform/charts")?.[0];
    expect(pullAfter?.comments).toEqual(["Nothing is left to change: `envs/prd1/istio-ratelimit/values.yaml` on `main` already holds every limit TrendMaster recommends."]);
    expect(pullAfter?.body).toContain("Nothing is left to change");
  });

  it("in a dry run computes the commit and pushes nothing", async () => {
    await server.createRepository("dry", { [PATH]: VALUES });
    const before = await server.refs("dry");
    const result = await step(gitWriteBackOf(settings("dry"), clock), [[ACME, 1200, 1500]], true);
    expect(result.outcome).toBe("dry-run");
    expect(result.commitMessage).toBe("TrendMaster: recommended rate limits for prd1\n\n- edge-ratelimit.PARTNER_acme: 1200 -> 1500\n");
    expect(result.diff).toContain("-          requests_per_unit: 1200   # agreed 2025-11\n+          requests_per_unit: 1500   # agreed 2025-11");
    expect(await server.refs("dry")).toEqual(before);
    expect(github.pulls.get("platform/dry") ?? []).toEqual([]);
  });

  it("reports drift between Git and the live config", async () => {
    await server.createRepository("drift", { [PATH]: VALUES.replace("requests_per_unit: 90", "requests_per_unit: 95") });
    const result = await step(gitWriteBackOf(settings("drift"), clock), [[ACME, 1200, 1500]], true);
    expect(result.drift).toEqual([{ kind: "differs", fullKey: INITECH, git: "95/minute", live: "90/minute" }]);
  });
});

describe("faults change nothing anywhere and name themselves", () => {
  const faults: Array<[string, (repo: string) => Promise<GitopsSettings>, RegExp]> = [
    ["auth refused", async (repo) => {
      const wrong = join(work, `wrong-${repo}`);
      await writeFile(wrong, "not-the-token");
      return settings(repo, {}, wrong);
    }, /^Git authentication refused: reading the branches of http:\/\/127\.0\.0\.1:\d+\/\S+ failed: authentication refused \(HTTP 401\)/],
    ["repository unreachable", async (repo) => settings(repo, { repositoryUrl: "http://127.0.0.1:9/charts.git" }), /^Git repository unreachable: reading the branches of http:\/\/127\.0\.0\.1:9\/charts\.git failed: repository unreachable \(ECONNREFUSED\); nothing written$/],
    ["path not found", async (repo) => settings(repo, { path: "envs/prd9/values.yaml" }), /^config not found in Git: envs\/prd9\/values\.yaml not found in http:\S+ main; nothing written$/],
    ["key path not found", async (repo) => settings(repo, { location: { format: "helm-block", keyPath: "ratelimit.rules" } }), /^config not found in Git: envs\/prd1\/istio-ratelimit\/values\.yaml: key path ratelimit\.rules: key 'rules' not found under ratelimit/],
    ["the Git copy invalid for the loader", async (repo) => settings(repo, { path: "envs/bad/values.yaml" }), /^Git copy of the config is invalid: envs\/bad\/values\.yaml at ratelimit\.config \(line 10\): the config does not load as the ratelimit service would load it: config: invalid rate limit unit 'fortnight'/],
    ["a push rejected", async (repo) => {
      await server.refusePushes(repo, "protected branch");
      return settings(repo);
    }, /^Git push rejected: push of branch 'trendmaster\/prd1' to \S+ rejected: pre-receive hook declined \(server said: protected branch\); nothing written$/],
    ["an API error", async (repo) => {
      github.failNext(502, "Server Error", "POST");
      return settings(repo);
    }, /^pull request API error: GitHub API http:\S+: opening a pull request in platform\/\S+ failed \(HTTP 502\): Server Error; nothing written$/],
    ["a branch holding a human commit", async (repo) => {
      const dir = await mkdtemp(join(tmpdir(), "trendmaster-human-"));
      await server.git(["clone", "--quiet", server.urlOf(repo).replace("http://", `http://x-access-token:${TOKEN}@`), "r"], dir);
      await server.git(["commit", "--quiet", "--allow-empty", "-m", "reviewer tweak"], join(dir, "r"));
      await server.git(["push", "--quiet", "origin", "HEAD:refs/heads/trendmaster/prd1"], join(dir, "r"));
      await rm(dir, { recursive: true, force: true });
      return settings(repo);
    }, /^TrendMaster's branch holds a commit by someone else: branch 'trendmaster\/prd1' of \S+ ends in a commit by Platform Team <platform@example\.com>, not by TrendMaster: left as it is/],
  ];

  it.each(faults)("%s", async (name, configure, message) => {
    const repo = `fault-${name.replace(/\W+/g, "-")}`;
    await server.createRepository(repo, { [PATH]: VALUES, "envs/bad/values.yaml": VALUES.replace("unit: minute\n          requests_per_unit: 1200", "unit: fortnight\n          requests_per_unit: 1200") });
    const writeBack = gitWriteBackOf(await configure(repo), clock);
    const refsBefore = await server.refs(repo);
    const pullsBefore = JSON.stringify(github.pulls.get(`platform/${repo}`) ?? []);
    let failure: Error | undefined;
    try {
      await step(writeBack, [[ACME, 1200, 1500]]);
    } catch (error) {
      failure = error as Error;
    }
    expect(failure?.message).toMatch(message);
    expect(failure?.message).not.toContain(TOKEN);
    expect(await server.refs(repo)).toEqual(refsBefore);
    expect(JSON.stringify(github.pulls.get(`platform/${repo}`) ?? [])).toBe(pullsBefore);
  });
});

describe("TrendMaster's branch moved by someone between read and push", () => {
  it("is left as it is: no force-push over their commit", async () => {
    await server.createRepository("raced", { [PATH]: VALUES });
    const writeBack = gitWriteBackOf(settings("raced"), clock);
    const deps = await writeBack.connect();
    const { prepareWriteBack, publishWriteBack } = await import("../../forecaster/gitops/write-back.js");
    const input = { liveRules: LIVE_RULES, plan: plan([[ACME, 1200, 1500]]), generation: 3, live: "istio-system/ratelimit-config", mergeDomains: false };
    const prepared = await prepareWriteBack(deps, writeBack.target, input);
    const dir = await mkdtemp(join(tmpdir(), "trendmaster-human-"));
    try {
      await server.git(["clone", "--quiet", server.urlOf("raced").replace("http://", `http://x-access-token:${TOKEN}@`), "r"], dir);
      await server.git(["commit", "--quiet", "--allow-empty", "-m", "reviewer's own branch work"], join(dir, "r"));
      await server.git(["push", "--quiet", "origin", "HEAD:refs/heads/trendmaster/prd1"], join(dir, "r"));
      const theirs = (await server.refs("raced")).get("refs/heads/trendmaster/prd1");
      const error = await publishWriteBack(deps, prepared, input).then(() => undefined, (e: Error) => e);
      expect(error?.message).toBe(`branch 'trendmaster/prd1' of ${server.urlOf("raced")} moved while the cycle ran (now ${theirs?.slice(0, 12)}): left as it is; the next cycle reads it again`);
      expect((await server.refs("raced")).get("refs/heads/trendmaster/prd1")).toBe(theirs);
      expect(github.pulls.get("platform/raced") ?? []).toEqual([]);
    } finally {
      await prepared.checkout.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("direct commits to the tracked branch", () => {
  it("commits on main, and after a human push re-applies only the numbers they did not touch, never overwriting their commit", async () => {
    await server.createRepository("direct", { [PATH]: VALUES });
    const writeBack = gitWriteBackOf(settings("direct", { mode: "direct" }), clock);
    const deps = await writeBack.connect();
    const { prepareWriteBack, publishWriteBack } = await import("../../forecaster/gitops/write-back.js");
    const input = { liveRules: LIVE_RULES, plan: plan([[ACME, 1200, 1500], [INITECH, 90, 120]]), generation: 3, live: "istio-system/ratelimit-config", mergeDomains: false };
    const prepared = await prepareWriteBack(deps, writeBack.target, input);
    // A human changes initech on main between TrendMaster's read and its push.
    const dir = await mkdtemp(join(tmpdir(), "trendmaster-human-"));
    const repoDir = join(dir, "r");
    await server.git(["clone", "--quiet", server.urlOf("direct").replace("http://", `http://x-access-token:${TOKEN}@`), "r"], dir);
    await writeFile(join(repoDir, PATH), VALUES.replace("requests_per_unit: 90", "requests_per_unit: 100"));
    await server.git(["commit", "--quiet", "-am", "initech to 100 (contract)"], repoDir);
    await server.git(["push", "--quiet", "origin", "main"], repoDir);
    const human = (await server.refs("direct")).get("refs/heads/main");
    try {
      const report = await publishWriteBack(deps, prepared, input);
      expect(report.outcome).toBe("pushed");
      expect(report.applied).toEqual([{ fullKey: ACME, from: 1200, to: 1500 }]);
      expect(report.skipped).toEqual([{ fullKey: INITECH, reason: "changed in Git meanwhile (now 100); that commit's value is kept" }]);
    } finally {
      await prepared.checkout.close();
    }
    await server.git(["pull", "--quiet", "origin", "main"], repoDir);
    expect((await server.git(["rev-parse", "HEAD^"], repoDir)).trim()).toBe(human);
    expect((await server.git(["log", "-1", "--format=%an", "HEAD"], repoDir)).trim()).toBe("TrendMaster");
    expect(readFileSync(join(repoDir, PATH), "utf8")).toBe(VALUES.replace("requests_per_unit: 90", "requests_per_unit: 100").replace("requests_per_unit: 1200", "requests_per_unit: 1500"));
    await rm(dir, { recursive: true, force: true });
  });
});
