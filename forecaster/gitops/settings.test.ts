import { buildForecasterConfig } from "../config.js";

const FILES: Record<string, string> = { "/run/token": "ghp_x\n" };

function build(gitops: string, outputMode?: string) {
  const settings = `gitops:\n${gitops.split("\n").map((l) => `  ${l}`).join("\n")}\n`;
  return buildForecasterConfig({
    env: { PROMETHEUS_URL: "http://prometheus:9090", TRENDMASTER_SETTINGS: "/etc/settings.yaml" },
    readText: (path) => (path === "/etc/settings.yaml" ? settings : FILES[path]),
    ...(outputMode ? { overrides: { outputMode } } : {}),
  });
}

const VALID = `outputMode: git
repositoryUrl: https://github.com/platform/charts.git
path: envs/prd1/values.yaml
format: helm-block
keyPath: ratelimit.config
provider: github
tokenFile: /run/token`;

describe("gitops settings", () => {
  it("reads a pull-request target with its defaults", () => {
    const result = build(VALID);
    if (!result.ok) throw new Error(result.problems.join("\n"));
    expect(result.config.output).toEqual({
      outputMode: "git",
      gitops: {
        target: {
          name: "ratelimit-config", repositoryUrl: "https://github.com/platform/charts.git", baseBranch: "main", branch: "trendmaster/ratelimit-config", path: "envs/prd1/values.yaml",
          location: { format: "helm-block", keyPath: "ratelimit.config" }, mode: "pull-request", author: { name: "TrendMaster", email: "trendmaster@users.noreply.example.com" },
          commitMessage: "TrendMaster: recommended rate limits for {target}",
        },
        provider: { name: "github", apiUrl: "https://api.github.com", project: "platform/charts" },
        username: "x-access-token",
        tokenFile: "/run/token",
        noProxy: [],
      },
    });
  });

  it("defaults to cluster, where no other gitops key is needed", () => {
    const result = build("repositoryUrl: x");
    expect(result.ok && result.config.output).toEqual({ outputMode: "cluster" });
  });

  it("--output-mode wins over the file", () => {
    const result = build(VALID.replace("outputMode: git", "outputMode: cluster"), "both");
    expect(result.ok && result.config.output.outputMode).toBe("both");
  });

  it.each<[string, string, string | undefined, string]>([
    ["an unknown output mode", VALID, "gitops", "--output-mode: must be one of cluster, git, both, got 'gitops'"],
    ["a missing repository", VALID.replace(/repositoryUrl: .*\n/, ""), undefined, "gitops.repositoryUrl: required when gitops.outputMode is git"],
    ["credentials in the URL", VALID.replace("https://github.com", "https://me:ghp_secret@github.com"), undefined, "gitops.repositoryUrl: must not carry credentials: put the token in the file named by gitops.tokenFile"],
    ["an SSH remote", VALID.replace("https://github.com/platform/charts.git", "git@github.com:platform/charts.git"), undefined, "gitops.repositoryUrl: 'git@github.com:platform/charts.git' is not a URL"],
    ["an unknown format", VALID.replace("helm-block", "yaml"), undefined, "gitops.format: must be one of configmap, ratelimit, helm-block, helm-structured, got 'yaml'"],
    ["a Helm format without a key path", VALID.replace(/keyPath: .*\n/, ""), undefined, "gitops.keyPath: required for format helm-block (e.g. ratelimit.config)"],
    ["a path out of the repository", VALID.replace("envs/prd1/values.yaml", "../values.yaml"), undefined, "gitops.path: '../values.yaml' must be a path from the repository root (no leading /, no . or .. segments)"],
    ["a token file that is not mounted", VALID.replace("/run/token", "/run/missing"), undefined, "gitops.tokenFile: '/run/missing' does not exist (mount the Secret there)"],
    ["no provider for pull requests", VALID.replace(/provider: .*\n/, ""), undefined, "gitops.provider: required for pull requests (github or gitlab), unless gitops.direct is true"],
    ["the tracked branch as TrendMaster's", `${VALID}\nbranch: main`, undefined, "gitops.branch: 'main' is the tracked branch itself; TrendMaster writes its own branch (or set gitops.direct: true)"],
    ["a misspelt key", `${VALID}\nbaseBrnach: main`, undefined, "gitops.baseBrnach: unknown setting"],
  ])("names %s", (_name, gitops, outputMode, problem) => {
    const result = build(gitops, outputMode);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.some((p) => p.startsWith(problem))).toBe(true);
    if (!result.ok) expect(result.problems.join("\n")).not.toContain("ghp_secret");
  });
});
