import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { configFilesOfDocument } from "../ratelimit/configmap.js";
import { loadRateLimitConfig } from "../ratelimit/loader.js";
import { isLimitedRule } from "../ratelimit/rule.js";
import type { CommandIO } from "./io.js";

const EXAMPLE = fileURLToPath(new URL("../../examples/ratelimit-config.yaml", import.meta.url));

/** `trendmaster demo`: the main job on embedded defaults, no cluster and no Prometheus needed. */
export async function demoCommand(_args: string[], io: CommandIO): Promise<number> {
  const text = await readFile(EXAMPLE, "utf8");
  const loaded = loadRateLimitConfig(configFilesOfDocument("ratelimit-config.yaml", text));
  if (!loaded.ok) {
    for (const e of loaded.errors) io.stderr(`${e.message}\n`);
    return 1;
  }
  io.stdout(`${EXAMPLE}: loads as the ratelimit service would load it\n\n`);
  const rows = loaded.rules.filter(isLimitedRule).map((r) => [r.label, `${r.rateLimit.requestsPerUnit}/${r.rateLimit.unit}`]);
  const width = Math.max(4, ...rows.map(([label]) => (label ?? "").length));
  io.stdout(`${"rule".padEnd(width)}  current\n`);
  for (const [label, limit] of rows) io.stdout(`${(label ?? "").padEnd(width)}  ${limit}\n`);
  return 0;
}
