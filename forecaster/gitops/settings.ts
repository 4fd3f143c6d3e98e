/**
 * The `gitops` section of the settings file (docs/settings.md): where cycles write (`outputMode`),
 * and, for `git` and `both`, the repository, the file and the request provider. Validated with
 * every problem named, like the rest of the settings; the token stays in its file until a cycle
 * needs it.
 */
import type { SectionReader } from "../settings-reader.js";
import { CONFIG_FORMATS, parseKeyPath, type ConfigFormat, type ConfigLocationSpec } from "./locate.js";
import { projectPathOf } from "./review-provider.js";
import type { GitTarget } from "./write-back.js";

export const OUTPUT_MODES = ["cluster", "git", "both"] as const;
export type OutputMode = (typeof OUTPUT_MODES)[number];
export const REVIEW_PROVIDERS = ["github", "gitlab"] as const;
export type ReviewProviderName = (typeof REVIEW_PROVIDERS)[number];

export const GITOPS_SETTING_KEYS = [
  "outputMode", "repositoryUrl", "baseBranch", "branch", "target", "path", "format", "keyPath", "dataKey", "configMapName", "domain",
  "direct", "provider", "apiUrl", "project", "username", "tokenFile", "caFile", "proxyUrl", "noProxy", "author", "commitMessage", "workDir",
] as const;

export interface GitopsSettings {
  readonly target: GitTarget;
  readonly provider?: { readonly name: ReviewProviderName; readonly apiUrl: string; readonly project: string };
  readonly username: string;
  readonly tokenFile?: string;
  readonly caFile?: string;
  readonly proxyUrl?: string;
  readonly noProxy: readonly string[];
  readonly workDir?: string;
}

export interface OutputSettings {
  readonly outputMode: OutputMode;
  /** Present when outputMode is `git` or `both`. */
  readonly gitops?: GitopsSettings;
}

const DEFAULT_API_URLS: Readonly<Record<ReviewProviderName, string>> = { github: "https://api.github.com", gitlab: "https://gitlab.com" };
const BRANCH_NAME = /^(?!\/|.*\/\/|.*\.\.|.*\/$|.*\.lock$|.*[\s~^:?*[\\@{])[\x21-\x7e]+$/;

function checkBranch(name: string): string | undefined {
  return BRANCH_NAME.test(name) ? undefined : `'${name}' is not a valid Git branch name`;
}

function checkUrl(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return `'${url}' is not an http(s) URL (SSH remotes are not supported)`;
    if (parsed.username !== "" || parsed.password !== "") return "must not carry credentials: put the token in the file named by gitops.tokenFile";
    return undefined;
  } catch {
    return `'${url}' is not a URL`;
  }
}

/**
 * Reads `gitops`. `defaultTarget` names the target when `gitops.target` is not set (the live
 * ConfigMap's name); `outputModeOverride` is `--output-mode`.
 */
export function readOutputSettings(section: SectionReader, readText: (path: string) => string | undefined, defaultTarget: string, outputModeOverride?: string): OutputSettings {
  const problems = section.problems;
  let outputMode = section.oneOf<OutputMode>("outputMode", OUTPUT_MODES, "cluster");
  if (outputModeOverride !== undefined) {
    if ((OUTPUT_MODES as readonly string[]).includes(outputModeOverride)) outputMode = outputModeOverride as OutputMode;
    else problems.push(`--output-mode: must be one of ${OUTPUT_MODES.join(", ")}, got '${outputModeOverride}'`);
  }
  if (outputMode === "cluster") return { outputMode };

  const need = (key: string): string => {
    if (!section.has(key)) problems.push(`${section.at(key)}: required when gitops.outputMode is ${outputMode}`);
    return section.string(key, "");
  };
  const repositoryUrl = need("repositoryUrl");
  const urlProblem = repositoryUrl === "" ? undefined : checkUrl(repositoryUrl);
  if (urlProblem) problems.push(`${section.at("repositoryUrl")}: ${urlProblem}`);
  const path = need("path");
  if (path !== "" && (path.startsWith("/") || path.split("/").some((s) => s === "" || s === "." || s === ".."))) problems.push(`${section.at("path")}: '${path}' must be a path from the repository root (no leading /, no . or .. segments)`);
  const format = section.oneOf<ConfigFormat>("format", CONFIG_FORMATS, "configmap");
  const keyPath = section.optionalString("keyPath");
  if ((format === "helm-block" || format === "helm-structured") && keyPath === undefined) problems.push(`${section.at("keyPath")}: required for format ${format} (e.g. ratelimit.config)`);
  if (keyPath !== undefined && parseKeyPath(keyPath) === undefined) problems.push(`${section.at("keyPath")}: '${keyPath}' is not a dotted key path (quote keys holding dots: a."b.c")`);
  const location: ConfigLocationSpec = {
    format,
    ...(keyPath !== undefined ? { keyPath } : {}),
    ...(section.has("dataKey") ? { dataKey: section.string("dataKey", "config.yaml") } : {}),
    ...(section.has("configMapName") ? { configMapName: section.string("configMapName", "") } : {}),
    ...(section.has("domain") ? { domain: section.string("domain", "") } : {}),
  };
  const targetName = section.string("target", defaultTarget, (t) => (/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(t) ? undefined : `'${t}' must be letters, digits, '.', '_' or '-'`));
  const direct = section.boolean("direct", false);
  const author = section.section("author", ["name", "email"]);
  const target: GitTarget = {
    name: targetName,
    repositoryUrl,
    baseBranch: section.string("baseBranch", "main", checkBranch),
    branch: section.string("branch", `trendmaster/${targetName}`, checkBranch),
    path,
    location,
    mode: direct ? "direct" : "pull-request",
    author: { name: author.string("name", "TrendMaster"), email: author.string("email", "trendmaster@users.noreply.example.com", (e) => (/^[^\s<>@]+@[^\s<>@]+$/.test(e) ? undefined : `'${e}' is not an e-mail address`)) },
    commitMessage: section.string("commitMessage", "TrendMaster: recommended rate limits for {target}", (m) => (m.includes("\n") ? "must be one line (the change list follows it)" : undefined)),
  };
  if (!direct && target.branch === target.baseBranch) problems.push(`${section.at("branch")}: '${target.branch}' is the tracked branch itself; TrendMaster writes its own branch (or set gitops.direct: true)`);

  let provider: GitopsSettings["provider"];
  if (!direct) {
    const name = section.has("provider") ? section.oneOf<ReviewProviderName>("provider", REVIEW_PROVIDERS, "github") : undefined;
    if (name === undefined) problems.push(`${section.at("provider")}: required for pull requests (github or gitlab), unless gitops.direct is true`);
    const apiUrl = section.string("apiUrl", DEFAULT_API_URLS[name ?? "github"], (u) => (/^https?:\/\//.test(u) ? undefined : `'${u}' is not an http(s) URL`));
    const project = section.optionalString("project") ?? projectPathOf(repositoryUrl);
    if (project === undefined && repositoryUrl !== "") problems.push(`${section.at("project")}: cannot tell owner/repository from '${repositoryUrl}': set it`);
    else if (name === "github" && project !== undefined && project.split("/").length !== 2) problems.push(`${section.at("project")}: '${project}' must be owner/repository on GitHub`);
    if (name !== undefined && project !== undefined) provider = { name, apiUrl, project };
  }
  const tokenFile = section.optionalString("tokenFile");
  if (tokenFile !== undefined && readText(tokenFile) === undefined) problems.push(`${section.at("tokenFile")}: '${tokenFile}' does not exist (mount the Secret there)`);
  if (tokenFile === undefined && !direct) problems.push(`${section.at("tokenFile")}: required to push and to open pull requests (mount the token Secret and name the file)`);
  const caFile = section.optionalString("caFile");
  if (caFile !== undefined && readText(caFile) === undefined) problems.push(`${section.at("caFile")}: '${caFile}' does not exist`);
  const proxyUrl = section.optionalString("proxyUrl");
  if (proxyUrl !== undefined && !/^http:\/\/[^/]+/.test(proxyUrl)) problems.push(`${section.at("proxyUrl")}: '${proxyUrl.replace(/\/\/[^@/]*@/, "//***@")}' must be an http:// proxy URL (HTTPS requests tunnel through it with CONNECT)`);
  const workDir = section.optionalString("workDir");
  const gitops: GitopsSettings = {
    target,
    ...(provider ? { provider } : {}),
    username: section.string("username", provider?.name === "gitlab" ? "oauth2" : "x-access-token"),
    ...(tokenFile !== undefined ? { tokenFile } : {}),
    ...(caFile !== undefined ? { caFile } : {}),
    ...(proxyUrl !== undefined ? { proxyUrl } : {}),
    noProxy: section.stringList("noProxy", []),
    ...(workDir !== undefined ? { workDir } : {}),
  };
  return { outputMode, gitops };
}
