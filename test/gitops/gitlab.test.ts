/** Merge requests on GitLab through @gitbeaker/rest, against the real Git server and the GitLab API stand-in. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadRateLimitConfig } from "../../ratelimit/loader.js";
import { runGitStep } from "../../forecaster/gitops/cycle-step.js";
import { gitWriteBackOf } from "../../forecaster/gitops/connect.js";
import type { CyclePlan } from "../../forecaster/logic/plan.js";
import { quietLog } from "../fakes/cycle-fakes.js";
import { repoRoot } from "../support/paths.js";
import { startGitServer, type GitServer } from "../support/git-server.js";
import { startGitLabMergeRequestsApiStandIn, type GitLabMergeRequestsApiStandIn } from "../stand-ins/gitlab-merge-requests-api.js";

const TOKEN = "glpat-merge-requests-token-77aa";
const fixture = (name: string): string => readFileSync(join(repoRoot(), "test", "fixtures", "gitops", name), "utf8");
const PATH = "environments/orp2/ratelimit-values.yaml";
const ACME = "edge-ratelimit.PARTNER_acme";

let git: GitServer;
let gitlab: GitLabMergeRequestsApiStandIn;
let work: string;

beforeAll(async () => {
  git = await startGitServer({ user: "oauth2", password: TOKEN });
  gitlab = await startGitLabMergeRequestsApiStandIn({ token: TOKEN, branchExists: async (project, branch) => (await git.refs(project.split("/").pop() as string)).has(`refs/heads/${branch}`) });
  work = await mkdtemp(join(tmpdir(), "trendmaster-gitlab-"));
  await writeFile(join(work, "token"), TOKEN);
});
afterAll(async () => {
  await gitlab.close();
  await git.close();
  await rm(work, { recursive: true, force: true });
});

function plan(to: number): CyclePlan {
  return {
    rules: [{ fullKey: ACME, label: "PARTNER=acme", domain: "edge-ratelimit", file: "config.yaml", unit: "minute", current: 1200, state: "changed", target: to, confidence: "high", reason: "weekday peaks grew" }],
    changes: new Map([[ACME, to]]),
    counts: { changed: 1, unchanged: 0, "low-confidence": 0, unmapped: 0, failed: 0, excluded: 0 },
  };
}

describe("GitLab merge requests", () => {
  it("opens one merge request for the structured values file, then updates it", async () => {
    await git.createRepository("ratelimit", { [PATH]: fixture("values-structured.yaml") });
    const writeBack = gitWriteBackOf(
      {
        target: { name: "orp2", repositoryUrl: git.urlOf("ratelimit"), baseBranch: "main", branch: "trendmaster/orp2", path: PATH, location: { format: "helm-structured", keyPath: "ratelimit.descriptors" }, mode: "pull-request", author: { name: "TrendMaster", email: "trendmaster@example.com" }, commitMessage: "TrendMaster: limits for {target}" },
        provider: { name: "gitlab", apiUrl: gitlab.url, project: "platform/ratelimit" },
        username: "oauth2",
        tokenFile: join(work, "token"),
        noProxy: [],
      },
      { now: () => new Date("2026-03-05T14:40:00Z") },
    );
    const input = (to: number) => ({ liveRules: loadRateLimitConfig([{ name: "config.yaml", text: fixture("ratelimit-config.yaml") }]).rules, plan: plan(to), generation: 4, live: "istio-system/ratelimit-config", mergeDomains: false, dryRun: false });
    const first = await runGitStep(writeBack, input(1500), quietLog);
    expect(first.request).toEqual({ number: 1, url: "https://gitlab.example/platform/ratelimit/-/merge_requests/1", action: "opened" });
    const second = await runGitStep(writeBack, input(1700), quietLog);
    expect(second.request).toEqual({ number: 1, url: "https://gitlab.example/platform/ratelimit/-/merge_requests/1", action: "updated" });
    const [mr] = gitlab.mergeRequests.get("platform/ratelimit") ?? [];
    expect(gitlab.mergeRequests.get("platform/ratelimit")).toHaveLength(1);
    expect(mr).toMatchObject({ source_branch: "trendmaster/orp2", target_branch: "main", title: "TrendMaster: 1 rate limit to change in orp2" });
    expect(mr?.description).toContain("edge-ratelimit.PARTNER_acme  minute  1200  1700    +42%  high");
    const dir = await mkdtemp(join(tmpdir(), "trendmaster-gitlab-clone-"));
    try {
      await git.git(["clone", "--quiet", git.urlOf("ratelimit").replace("http://", `http://oauth2:${TOKEN}@`), "r"], dir);
      await git.git(["fetch", "--quiet", "origin", "trendmaster/orp2"], join(dir, "r"));
      const diff = (await git.git(["diff", "--unified=0", "origin/main", "FETCH_HEAD"], join(dir, "r"))).split("\n").filter((l) => /^[-+][^-+]/.test(l));
      expect(diff).toEqual(["-      requests_per_unit: 1200   # agreed 2025-11", "+      requests_per_unit: 1700   # agreed 2025-11"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("names a refused token, and the repository is untouched", async () => {
    await git.createRepository("refused", { [PATH]: fixture("values-structured.yaml") });
    await writeFile(join(work, "bad-token"), "glpat-revoked");
    const refs = await git.refs("refused");
    const writeBack = gitWriteBackOf(
      {
        target: { name: "orp2", repositoryUrl: git.urlOf("refused"), baseBranch: "main", branch: "trendmaster/orp2", path: PATH, location: { format: "helm-structured", keyPath: "ratelimit.descriptors" }, mode: "pull-request", author: { name: "TrendMaster", email: "trendmaster@example.com" }, commitMessage: "m" },
        provider: { name: "gitlab", apiUrl: gitlab.url, project: "platform/refused" },
        username: "oauth2",
        tokenFile: join(work, "bad-token"),
        noProxy: [],
      },
      { now: () => new Date("2026-03-05T14:40:00Z") },
    );
    const error = await runGitStep(writeBack, { liveRules: [], plan: plan(1500), live: "istio-system/ratelimit-config", mergeDomains: false, dryRun: false }, quietLog).then(() => undefined, (e: Error) => e);
    expect(error?.message).toMatch(/^Git authentication refused: reading the branches of http:\S+ failed: authentication refused \(HTTP 401\)/);
    expect(error?.message).not.toContain("glpat-revoked");
    expect(await git.refs("refused")).toEqual(refs);
  });
});
