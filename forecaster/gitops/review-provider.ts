/**
 * The review side of write-back: one open pull (GitHub) or merge (GitLab) request per target
 * branch, found, opened, updated and commented on. Implementations: github.ts, gitlab.ts.
 */

export interface ReviewRequest {
  readonly number: number;
  readonly url: string;
  readonly title: string;
  readonly body: string;
}

export interface ReviewProvider {
  /** `github` or `gitlab`, for messages. */
  readonly name: string;
  /** The open request from `head` into `base`, if there is one. */
  findOpen(head: string, base: string): Promise<ReviewRequest | undefined>;
  create(request: { head: string; base: string; title: string; body: string }): Promise<ReviewRequest>;
  update(number: number, change: { title: string; body: string }): Promise<void>;
  comment(number: number, body: string): Promise<void>;
}

/** A provider API call failed; `status` is the HTTP status when there was an answer. */
export class ReviewApiError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** `https://github.com/platform/charts.git` → `platform/charts` (the project path on GitLab, groups included). */
export function projectPathOf(repositoryUrl: string): string | undefined {
  try {
    const path = new URL(repositoryUrl).pathname.replace(/^\/+/, "").replace(/\.git$/, "").replace(/\/+$/, "");
    return path.includes("/") ? path : undefined;
  } catch {
    const ssh = /^[^@]+@[^:]+:(.+?)(?:\.git)?$/.exec(repositoryUrl);
    return ssh?.[1];
  }
}
