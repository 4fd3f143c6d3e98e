/** Pull requests on GitHub (or GitHub Enterprise: set the API URL) through @octokit/rest. */
import { Octokit } from "@octokit/rest";
import type { FetchFunction } from "./node-fetch-agent.js";
import { ReviewApiError, type ReviewProvider, type ReviewRequest } from "./review-provider.js";

export interface GitHubSettings {
  /** `https://api.github.com`, or `https://github.example.com/api/v3`. */
  readonly apiUrl: string;
  /** `owner/repo`. */
  readonly repository: string;
  readonly token: string;
  readonly fetch: FetchFunction;
}

export function gitHubProvider(settings: GitHubSettings): ReviewProvider {
  const [owner, repo] = settings.repository.split("/") as [string, string];
  const octokit = new Octokit({ auth: settings.token, baseUrl: settings.apiUrl.replace(/\/+$/, ""), request: { fetch: settings.fetch, retries: 0 }, log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} } });
  const call = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      const e = error as Error & { status?: number; response?: { data?: { message?: string; errors?: Array<{ message?: string }> } } };
      const detail = e.response?.data?.errors?.map((x) => x.message).filter(Boolean).join("; ") || e.response?.data?.message || e.message;
      const status = typeof e.status === "number" && e.status > 0 ? e.status : undefined;
      const message = `GitHub API ${settings.apiUrl}: ${what} in ${settings.repository} failed${status ? ` (HTTP ${status})` : ""}: ${detail}`;
      throw new ReviewApiError(message.split(settings.token).join("[token]"), status);
    }
  };
  const toRequest = (pr: { number: number; html_url: string; title: string; body?: string | null }): ReviewRequest => ({ number: pr.number, url: pr.html_url, title: pr.title, body: pr.body ?? "" });
  return {
    name: "github",
    findOpen: (head, base) =>
      call("listing open pull requests", async () => {
        const { data } = await octokit.rest.pulls.list({ owner, repo, state: "open", head: `${owner}:${head}`, base, per_page: 10 });
        const found = data[0];
        return found ? toRequest(found) : undefined;
      }),
    create: (request) =>
      call("opening a pull request", async () => toRequest((await octokit.rest.pulls.create({ owner, repo, head: request.head, base: request.base, title: request.title, body: request.body, maintainer_can_modify: false })).data)),
    update: (number, change) =>
      call(`updating pull request #${number}`, async () => {
        await octokit.rest.pulls.update({ owner, repo, pull_number: number, title: change.title, body: change.body });
      }),
    comment: (number, body) =>
      call(`commenting on pull request #${number}`, async () => {
        await octokit.rest.issues.createComment({ owner, repo, issue_number: number, body });
      }),
  };
}
