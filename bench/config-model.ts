/**
 * Parse + validate + one-limit edit on a generated 5,000-rule config (target: under 50 ms), side
 * by side with js-yaml.load of the same text (the model may cost at most 1.2x that), rounds
 * interleaved so both see the same machine load.
 * Run: npm run build && node dist/bench/config-model.js [rules]
 */
import yaml from "js-yaml";
import { loadRateLimitConfig } from "../ratelimit/loader.js";
import { setRequestsPerUnit } from "../ratelimit/edit.js";
import { generateRateLimitConfig } from "./generate-config.js";

const ruleCount = Number(process.argv[2] ?? 5000);
const text = generateRateLimitConfig(ruleCount);
const file = { name: "config.yaml", text };
const rounds = 30;
const timings: number[] = [];
const cpuTimings: number[] = [];
const jsYamlTimings: number[] = [];
const jsYamlCpuTimings: number[] = [];
let heapPeak = 0;
for (let i = 0; i < rounds + 5; i++) {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const loaded = loadRateLimitConfig([file]);
  if (!loaded.ok) throw new Error(loaded.errors[0]?.message);
  const target = loaded.rules[loaded.rules.length - 1];
  if (!target) throw new Error("no rules");
  const edited = setRequestsPerUnit(file, new Map([[target.fullKey, 1234]]), loaded);
  if (edited.applied.length !== 1) throw new Error("edit refused");
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (i >= 5) {
    // The first rounds warm the JIT. CPU time is reported too: wall time suffers when the machine is busy.
    timings.push(ms);
    cpuTimings.push((cpu.user + cpu.system) / 1000);
  }
  heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  const j0 = performance.now();
  const jcpu0 = process.cpuUsage();
  if (yaml.load(text) === undefined) throw new Error("js-yaml read nothing");
  const jms = performance.now() - j0;
  const jcpu = process.cpuUsage(jcpu0);
  if (i >= 5) {
    jsYamlTimings.push(jms);
    jsYamlCpuTimings.push((jcpu.user + jcpu.system) / 1000);
  }
}
for (const xs of [timings, cpuTimings, jsYamlTimings, jsYamlCpuTimings]) xs.sort((a, b) => a - b);
const quantile = (xs: number[], p: number) => (xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? 0).toFixed(1);
const q = (p: number) => quantile(timings, p);
const limited = loadRateLimitConfig([file]).rules.filter((r) => r.rateLimit).length;
console.log(`config: ${limited} limited rules, ${(Buffer.byteLength(text) / 1024).toFixed(0)} KiB`);
console.log(`parse + validate + one-limit edit: median ${q(0.5)} ms, p90 ${q(0.9)} ms, max ${q(1)} ms wall over ${rounds} rounds`);
console.log(`  cpu time (user+sys, includes GC threads): median ${quantile(cpuTimings, 0.5)} ms, p90 ${quantile(cpuTimings, 0.9)} ms`);
console.log(`peak heap used: ${(heapPeak / 1024 / 1024).toFixed(1)} MiB, rss ${(process.memoryUsage().rss / 1024 / 1024).toFixed(1)} MiB`);
console.log(`js-yaml.load of the same text: median ${quantile(jsYamlTimings, 0.5)} ms, p90 ${quantile(jsYamlTimings, 0.9)} ms wall; cpu median ${quantile(jsYamlCpuTimings, 0.5)} ms`);
const median = (xs: number[]) => xs[Math.floor(xs.length / 2)] ?? 0;
console.log(`model / js-yaml.load: ${(median(timings) / median(jsYamlTimings)).toFixed(2)}x wall, ${(median(cpuTimings) / median(jsYamlCpuTimings)).toFixed(2)}x cpu (budget 1.2x)`);
