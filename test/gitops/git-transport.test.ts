import { mkdtemp, rm } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { editConfigInFile } from "../../forecaster/gitops/edit-file.js";
import { openCheckout, remoteBranches, GitTransportError, type GitRemoteOptions } from "../../forecaster/gitops/git-transport.js";
import { gitHttpClient } from "../../forecaster/gitops/http-agent.js";
import { repoRoot } from "../support/paths.js";
import { startGitServer, type GitServer } from "../support/git-server.js";

const TOKEN = "ghp_test-token-never-logged-7f3a";
const VALUES = readFileSync(join(repoRoot(), "test", "fixtures", "gitops", "values-block.yaml"), "utf8");
const PATH = "envs/prd1/istio-ratelimit/values.yaml";
const BOT = { name: "TrendMaster", email: "trendmaster@example.com" };

let server: GitServer;
beforeAll(async () => {
  server = await startGitServer({ user: "x-access-token", password: TOKEN });
});
afterAll(async () => server.close());

const remote = (repo: string, token = TOKEN): GitRemoteOptions => ({ url: server.urlOf(repo), username: "x-access-token", token, http: gitHttpClient({}) });

async function failureOf(promise: Promise<unknown>): Promise<GitTransportError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof GitTransportError) return error;
    throw error;
  }
  throw new Error("expected a GitTransportError");
}

describe("git transport against a real git http-backend", () => {
  it("pushes a branch whose only difference from main is the numbers in the one file", async () => {
    await server.createRepository("charts", { [PATH]: VALUES, "envs/prd1/other.yaml": "keep: me\n" }, { extraCommits: 5 });
    const before = await server.refs("charts");
    const checkout = await openCheckout(remote("charts"), "main");
    try {
      expect(checkout.baseCommit).toBe(before.get("refs/heads/main"));
      const text = await checkout.readFile(checkout.baseCommit, PATH);
      expect(text).toBe(VALUES);
      expect(await checkout.readFile(checkout.baseCommit, "envs/prd1/missing.yaml")).toBeUndefined();
      const edit = editConfigInFile(PATH, text as string, { format: "helm-block", keyPath: "ratelimit.config" }, new Map([["edge-ratelimit.PARTNER_acme", 1500]]));
      if (!edit.ok) throw new Error(edit.problem);
      const commit = await checkout.commitFile({ parent: checkout.baseCommit, path: PATH, text: edit.text, message: "Raise acme to 1500/minute", author: BOT, timestampSeconds: 1_800_000_000 });
      await checkout.push("trendmaster/prd1", commit, { force: true });
    } finally {
      await checkout.close();
    }
    const after = await server.refs("charts");
    expect(after.get("refs/heads/main")).toBe(before.get("refs/heads/main"));
    expect(await remoteBranches(remote("charts"))).toEqual(new Map([["main", before.get("refs/heads/main")], ["trendmaster/prd1", after.get("refs/heads/trendmaster/prd1")]]));

    // Read back with the real git: one file changed, one number in it.
    const work = await mkdtemp(join(tmpdir(), "trendmaster-clone-"));
    try {
      const url = server.urlOf("charts").replace("http://", `http://x-access-token:${TOKEN}@`);
      await server.git(["clone", "--quiet", url, "repo"], work);
      const repo = join(work, "repo");
      await server.git(["fetch", "--quiet", "origin", "trendmaster/prd1"], repo);
      expect((await server.git(["diff", "--name-only", "origin/main", "origin/trendmaster/prd1"], repo)).trim()).toBe(PATH);
      const diff = await server.git(["diff", "--unified=0", "origin/main", "origin/trendmaster/prd1"], repo);
      const changed = diff.split("\n").filter((l) => /^[-+][^-+]/.test(l));
      expect(changed).toEqual(["-          requests_per_unit: 1200   # agreed 2025-11", "+          requests_per_unit: 1500   # agreed 2025-11"]);
      expect((await server.git(["log", "-1", "--format=%an <%ae> %at %s", "origin/trendmaster/prd1"], repo)).trim()).toBe("TrendMaster <trendmaster@example.com> 1800000000 Raise acme to 1500/minute");
      expect((await server.git(["rev-parse", "origin/trendmaster/prd1^"], repo)).trim()).toBe(before.get("refs/heads/main"));
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  it("reports a refused token as such, without the token, and changes nothing", async () => {
    await server.createRepository("auth", { [PATH]: VALUES });
    const before = await server.refs("auth");
    const error = await failureOf(openCheckout(remote("auth", "wrong-token-9c1d"), "main"));
    expect(error.kind).toBe("auth-refused");
    expect(error.message).toBe(`cloning branch 'main' of ${server.urlOf("auth")} failed: authentication refused (HTTP 401): check the token in the Secret and its rights on the repository`);
    expect(await server.refs("auth")).toEqual(before);
  });

  it("reports an unreachable repository", async () => {
    const closed = await startGitServer({ user: "u", password: "p" });
    const url = closed.urlOf("gone");
    await closed.close();
    const error = await failureOf(remoteBranches({ url, username: "u", token: "p", http: gitHttpClient({}) }));
    expect(error.kind).toBe("unreachable");
    expect(error.message).toBe(`reading the branches of ${url} failed: repository unreachable (ECONNREFUSED)`);
  });

  it("reports a push the server refuses, and the branch stays as it was", async () => {
    await server.createRepository("hooked", { [PATH]: VALUES });
    await server.refusePushes("hooked", "branch protection: pushes need review");
    const before = await server.refs("hooked");
    const checkout = await openCheckout(remote("hooked"), "main");
    try {
      const commit = await checkout.commitFile({ parent: checkout.baseCommit, path: PATH, text: VALUES.replace("1200", "1300"), message: "m", author: BOT, timestampSeconds: 1_800_000_000 });
      const error = await failureOf(checkout.push("trendmaster/prd1", commit, { force: true }));
      expect(error.kind).toBe("push-rejected");
      expect(error.message).toBe(`push of branch 'trendmaster/prd1' to ${server.urlOf("hooked")} rejected: pre-receive hook declined (server said: branch protection: pushes need review)`);
      expect(error.message).not.toContain(TOKEN);
    } finally {
      await checkout.close();
    }
    expect(await server.refs("hooked")).toEqual(before);
  });

  it("never forces a push to a branch that moved: a non-fast-forward is rejected", async () => {
    await server.createRepository("moved", { [PATH]: VALUES });
    const checkout = await openCheckout(remote("moved"), "main");
    try {
      const ours = await checkout.commitFile({ parent: checkout.baseCommit, path: PATH, text: VALUES.replace("1200", "1300"), message: "ours", author: BOT, timestampSeconds: 1_800_000_000 });
      // A human pushes to main meanwhile.
      const work = await mkdtemp(join(tmpdir(), "trendmaster-human-"));
      const url = server.urlOf("moved").replace("http://", `http://x-access-token:${TOKEN}@`);
      await server.git(["clone", "--quiet", url, "repo"], work);
      await server.git(["commit", "--quiet", "--allow-empty", "-m", "human"], join(work, "repo"));
      await server.git(["push", "--quiet", "origin", "main"], join(work, "repo"));
      const humanHead = (await server.refs("moved")).get("refs/heads/main");
      await rm(work, { recursive: true, force: true });
      const error = await failureOf(checkout.push("main", ours, { force: false }));
      expect(error.kind).toBe("push-rejected");
      expect((await server.refs("moved")).get("refs/heads/main")).toBe(humanHead);
    } finally {
      await checkout.close();
    }
  });
});
