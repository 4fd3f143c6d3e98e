/** Merge requests on GitLab (gitlab.com or self-managed: set the API URL) through @gitbeaker/rest. */
import { Gitlab } from "@gitbeaker/rest";
import type { FetchFunction } from "./node-fetch-agent.js";
import { ReviewApiError, type ReviewProvider, type ReviewRequest } from "./review-provider.js";

export interface GitLabSettings {
  /** The instance's base URL, `https://gitlab.com` (gitbeaker adds /api/v4). */
  readonly apiUrl: string;
  /** `group/subgroup/project`. */
  readonly project: string;
  readonly token: string;
  readonly fetch: FetchFunction;
}

export function gitLabProvider(settings: GitLabSettings): ReviewProvider {
  // gitbeaker calls the global fetch; requests go through ours only while one of its calls runs
  // (a cycle's Git step makes its calls one at a time, with nothing else in flight).
  const api = new Gitlab({ host: settings.apiUrl.replace(/\/+$/, ""), token: settings.token, queryTimeout: 30_000 });
  const call = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    const original = globalThis.fetch;
    globalThis.fetch = settings.fetch as typeof globalThis.fetch;
    try {
      return await run();
    } catch (error) {
      const e = error as Error & { cause?: { response?: { status?: number }; description?: string } };
      const status = e.cause?.response?.status;
      const message = `GitLab API ${settings.apiUrl}: ${what} in ${settings.project} failed${status ? ` (HTTP ${status})` : ""}: ${e.cause?.description ?? e.message}`;
      throw new ReviewApiError(message.split(settings.token).join("[token]"), status);
    } finally {
      globalThis.fetch = original;
    }
  };
  const toRequest = (mr: { iid: number; web_url: string; title: string; description?: string | null }): ReviewRequest => ({ number: mr.iid, url: mr.web_url, title: mr.title, body: mr.description ?? "" });
  return {
    name: "gitlab",
    findOpen: (head, base) =>
      call("listing open merge requests", async () => {
        const found = await api.MergeRequests.all({ projectId: settings.project, state: "opened", sourceBranch: head, targetBranch: base, perPage: 10, maxPages: 1 });
        const first = found[0] as { iid: number; web_url: string; title: string; description?: string | null } | undefined;
        return first ? toRequest(first) : undefined;
      }),
    create: (request) =>
      call("opening a merge request", async () => toRequest((await api.MergeRequests.create(settings.project, request.head, request.base, request.title, { description: request.body })) as { iid: number; web_url: string; title: string; description?: string | null })),
    update: (number, change) =>
      call(`updating merge request !${number}`, async () => {
        await api.MergeRequests.edit(settings.project, number, { title: change.title, description: change.body });
      }),
    comment: (number, body) =>
      call(`commenting on merge request !${number}`, async () => {
        await api.MergeRequestNotes.create(settings.project, number, body);
      }),
  };
}
