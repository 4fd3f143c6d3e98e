/**
 * The report the forecaster serves at /report: built on the first request after the forecast
 * cache changes (its resourceVersion), then served from memory. Built on demand rather than after
 * each cycle because a replica that does not hold the Lease sees the cache change too, and because
 * re-fetching every rule's traffic is wasted work when nobody looks.
 */
import { buildReportPage } from "./report-page.js";
import { ReportUnavailable, type ReportDeps, type ReportSettings } from "./gather.js";

export interface PageResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

export class LatestReport {
  #built: { readonly version: string; readonly html: string } | undefined;
  #building: { readonly version: string; readonly page: Promise<string> } | undefined;

  constructor(
    private readonly deps: ReportDeps,
    private readonly settings: ReportSettings,
    private readonly onWarnings: (warnings: readonly string[]) => void = () => {},
  ) {}

  async response(): Promise<PageResponse> {
    const text = (status: number, body: string): PageResponse => ({ status, contentType: "text/plain; charset=utf-8", body: `${body}\n` });
    try {
      const { namespace, name } = this.settings.cache;
      const cache = await this.deps.configMaps.get(namespace, name);
      if (cache === undefined) return text(503, `no forecast yet: the forecast cache ConfigMap ${namespace}/${name} does not exist (the first cycle writes it)`);
      const version = cache.metadata.resourceVersion ?? "";
      if (this.#built?.version === version) return { status: 200, contentType: "text/html; charset=utf-8", body: this.#built.html };
      if (this.#building?.version !== version) {
        const page = buildReportPage(this.deps, this.settings).then((built) => {
          this.onWarnings(built.warnings);
          this.#built = { version, html: built.html };
          return built.html;
        });
        // Concurrent requests share one build; a failed build is retried by the next request.
        this.#building = { version, page };
        page.catch(() => undefined).finally(() => {
          if (this.#building?.page === page) this.#building = undefined;
        });
      }
      return { status: 200, contentType: "text/html; charset=utf-8", body: await this.#building!.page };
    } catch (error) {
      if (error instanceof ReportUnavailable) return text(503, error.message);
      return text(500, `report: ${(error as Error).message}`);
    }
  }
}
