/**
 * The quick start's recorded traffic: one CSV per limited rule of examples/ratelimit-config.yaml,
 * seeded, so the demo and the tests that reuse its data see the same numbers.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { configFilesOfDocument } from "../../ratelimit/configmap.js";
import { loadRateLimitConfig } from "../../ratelimit/loader.js";
import { isLimitedRule, type LimitedRule } from "../../ratelimit/rule.js";
import { trafficCsvFileName } from "../../forecaster/io/file-source.js";
import { trafficGenerator } from "../support/prometheus-server.js";

/** Typical traffic per rule, in requests per minute at the daily mean (before cycles, noise and spikes). */
const TRAFFIC_PER_MINUTE: Readonly<Record<string, number>> = {
  "PARTNER=CUSTOMER_ID_1/PATH=/api_v3/catalog": 700, // evening peaks beat the stale 900/minute limit
  "PARTNER=CUSTOMER_ID_1/PATH=/api_v3/playback/start": 90,
  "PARTNER=CUSTOMER_ID_2/PATH=/api_v3/epg/grid": 480,
  "PARTNER=CUSTOMER_ID_2/PATH=/api_v2/user/profile": 120, // a 5000/minute limit protects nothing
  PARTNER: 40,
};

/** One CSV per limited rule: requests per 5-minute step up to endMs, daily and weekly cycles, noise and short bursts. */
export async function writeQuickStartTraffic(example: string, dir: string, endMs: number, shape: { historyDays: number; stepSeconds: number }): Promise<LimitedRule[]> {
  const { historyDays, stepSeconds } = shape;
  await mkdir(dir, { recursive: true });
  const loaded = loadRateLimitConfig(configFilesOfDocument("ratelimit-config.yaml", await readFile(example, "utf8")));
  const rules = loaded.rules.filter(isLimitedRule);
  const stepMs = stepSeconds * 1000;
  const points = (historyDays * 86_400) / stepSeconds;
  const startMs = endMs - points * stepMs;
  for (const [index, rule] of rules.entries()) {
    const perMinute = TRAFFIC_PER_MINUTE[rule.label] ?? 50;
    // About one short burst a week, up to 3x: an API partner's incident, not a storm.
    const next = trafficGenerator({ seed: 1000 + index, startMs, stepSeconds, meanPerStep: perMinute * (stepSeconds / 60), spikeProbability: 0.0005, maxSpikeFactor: 3 });
    const lines = ["timestamp,value"];
    for (let k = 0; k < points; k++) lines.push(`${(startMs + k * stepMs) / 1000},${next()}`);
    await writeFile(join(dir, trafficCsvFileName(rule.fullKey)), lines.join("\n") + "\n");
  }
  return rules;
}

