/**
 * GitOps write-back on a realistic repository: a 1,000-rule Helm values file (the config as a
 * block scalar) in a repository with 1,000 commits of history, served by the real git
 * http-backend on loopback. Times fetch (branch list + shallow clone), edit (locate, rewrite 100
 * numbers, prove), commit and push, over a few rounds, and the process's peak RSS and heap.
 * Usage: node dist/bench/gitops-write-back.js [rounds]
 */
import { performance } from "node:perf_hooks";
import { editConfigInFile } from "../forecaster/gitops/edit-file.js";
import { openCheckout, remoteBranches, type GitRemoteOptions } from "../forecaster/gitops/git-transport.js";
import { gitHttpClient } from "../forecaster/gitops/http-agent.js";
import { loadRateLimitConfig } from "../ratelimit/loader.js";
import { isLimitedRule } from "../ratelimit/rule.js";
import { startGitServer } from "../test/support/git-server.js";
import { generateRateLimitConfig } from "./generate-config.js";

const RULES = 1_000;
const COMMITS = 1_000;
const CHANGED = 100;
const PATH = "envs/prd1/istio-ratelimit/values.yaml";
const rounds = Number(process.argv[2] ?? 3);

const config = generateRateLimitConfig(RULES);
const values = `# istio-ratelimit values for prd1\nreplicaCount: 3\nratelimit:\n  redis:\n    url: redis:6379\n  config: |\n${config.split("\n").map((l) => (l === "" ? "" : `    ${l}`)).join("\n")}\nresources: {}\n`;
const rules = loadRateLimitConfig([{ name: "config.yaml", text: config }]).rules.filter(isLimitedRule);
if (rules.length !== RULES) throw new Error(`generated ${rules.length} rules, not ${RULES}`);

let peakHeap = 0;
const sampler = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 5);

const server = await startGitServer({ user: "x-access-token", password: "bench-token" });
try {
  const createStart = performance.now();
  // The file's own commit comes last: COMMITS commits in all.
  await server.createRepository("charts", { [PATH]: values }, { extraCommits: COMMITS - 1 });
  const commits = (await server.git(["rev-list", "--count", "main"], `${server.root}/charts.git`)).trim();
  console.log(`repository: ${commits} commits, ${PATH} ${(values.length / 1024).toFixed(0)} KiB with ${RULES} rules (created in ${((performance.now() - createStart) / 1000).toFixed(1)} s)`);
  const remote: GitRemoteOptions = { url: server.urlOf("charts"), username: "x-access-token", token: "bench-token", http: gitHttpClient({}) };
  const rows: number[][] = [];
  for (let round = 1; round <= rounds; round++) {
    const changes = new Map(rules.slice(0, CHANGED).map((r, i) => [r.fullKey, r.rateLimit.requestsPerUnit + round * 10 + i]));
    const t0 = performance.now();
    await remoteBranches(remote);
    const checkout = await openCheckout(remote, "main");
    const t1 = performance.now();
    const text = (await checkout.readFile(checkout.baseCommit, PATH)) as string;
    const edit = editConfigInFile(PATH, text, { format: "helm-block", keyPath: "ratelimit.config" }, changes);
    if (!edit.ok || edit.applied.length !== CHANGED) throw new Error(`edit failed: ${edit.ok ? `${edit.applied.length} applied` : edit.problem}`);
    const t2 = performance.now();
    const commit = await checkout.commitFile({ parent: checkout.baseCommit, path: PATH, text: edit.text, message: "bench", author: { name: "TrendMaster", email: "trendmaster@example.com" }, timestampSeconds: 1_800_000_000 + round });
    const t3 = performance.now();
    await checkout.push("trendmaster/prd1", commit, { force: true });
    const t4 = performance.now();
    await checkout.close();
    rows.push([t1 - t0, t2 - t1, t3 - t2, t4 - t3, t4 - t0]);
    console.log(`round ${round}: fetch ${(t1 - t0).toFixed(0)} ms, edit ${(t2 - t1).toFixed(0)} ms, commit ${(t3 - t2).toFixed(0)} ms, push ${(t4 - t3).toFixed(0)} ms, total ${(t4 - t0).toFixed(0)} ms`);
  }
  const median = (k: number): number => [...rows.map((r) => r[k] as number)].sort((a, b) => a - b)[Math.floor(rows.length / 2)] as number;
  console.log(`median over ${rounds}: fetch ${median(0).toFixed(0)} ms, edit ${median(1).toFixed(0)} ms, commit ${median(2).toFixed(0)} ms, push ${median(3).toFixed(0)} ms, total ${median(4).toFixed(0)} ms`);
  console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB, peak heap ${(peakHeap / 2 ** 20).toFixed(0)} MiB (this process: the git server runs as child processes)`);
} finally {
  clearInterval(sampler);
  await server.close();
}
