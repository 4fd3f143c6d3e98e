/**
 * Builds the Git remote and the request provider for one cycle from the validated settings: the
 * token is read from its Secret file each cycle (so a rotated Secret is picked up), the CA bundle
 * and proxy apply to Git and to the API alike.
 */
import { readFile } from "node:fs/promises";
import type { Clock } from "../io/clock.js";
import type { GitWriteBack } from "./cycle-step.js";
import { gitHubProvider } from "./github.js";
import { gitLabProvider } from "./gitlab.js";
import { openCheckout, remoteBranches, type GitRemoteOptions } from "./git-transport.js";
import { gitHttpClient, type HttpAgentSettings } from "./http-agent.js";
import { fetchWithAgent } from "./node-fetch-agent.js";
import type { ReviewProvider } from "./review-provider.js";
import type { GitopsSettings } from "./settings.js";

async function readSecretFile(path: string, what: string): Promise<string> {
  try {
    const text = (await readFile(path, "utf8")).trim();
    if (text === "") throw new Error("it is empty");
    return text;
  } catch (error) {
    throw new Error(`${what} '${path}' cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

export function gitWriteBackOf(settings: GitopsSettings, clock: Clock): GitWriteBack {
  return {
    target: settings.target,
    async connect() {
      const token = settings.tokenFile === undefined ? undefined : await readSecretFile(settings.tokenFile, "gitops.tokenFile");
      const agentSettings: HttpAgentSettings = {
        ...(settings.caFile !== undefined ? { ca: await readFile(settings.caFile, "utf8") } : {}),
        ...(settings.proxyUrl !== undefined ? { proxyUrl: settings.proxyUrl } : {}),
        noProxy: settings.noProxy,
      };
      const remote: GitRemoteOptions = { url: settings.target.repositoryUrl, username: settings.username, ...(token !== undefined ? { token } : {}), http: gitHttpClient(agentSettings), ...(settings.workDir !== undefined ? { workDir: settings.workDir } : {}) };
      let reviews: ReviewProvider | undefined;
      const provider = settings.provider;
      if (provider !== undefined && token !== undefined) {
        const common = { apiUrl: provider.apiUrl, token, fetch: fetchWithAgent(agentSettings) };
        reviews = provider.name === "github" ? gitHubProvider({ ...common, repository: provider.project }) : gitLabProvider({ ...common, project: provider.project });
      }
      return { remote: { branches: () => remoteBranches(remote), checkout: (branch) => openCheckout(remote, branch) }, ...(reviews ? { reviews } : {}), clock };
    },
  };
}
