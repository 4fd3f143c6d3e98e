import { systemClock } from "../forecaster/io/clock.js";
import { KubeConfigMapStore } from "../forecaster/io/configmaps.js";
import { loadKubeConfig } from "../forecaster/main.js";
import { formatHistory, listHistory } from "../forecaster/rollback.js";
import type { CommandIO } from "./io.js";
import { loadForecasterConfig, parseFlags } from "./forecaster-options.js";

const USAGE = `usage: trendmaster history [--show REVISION]

Lists the saved revisions of ratelimit-config, newest first: who wrote each content and when, and
who replaced it with what change. --show prints one revision's content exactly as saved.`;

export async function historyCommand(args: readonly string[], io: CommandIO): Promise<number> {
  if (args.includes("-h") || args.includes("--help")) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  const flags = parseFlags(args, { switches: [], values: ["--show"] });
  if (!flags.ok) {
    io.stderr(`trendmaster history: ${flags.problems.join("; ")}\n${USAGE}\n`);
    return 2;
  }
  const showText = flags.values.get("--show");
  const show = showText === undefined ? undefined : Number(showText);
  if (show !== undefined && (!Number.isInteger(show) || show < 1)) {
    io.stderr(`trendmaster history: --show '${showText}' is not a revision number\n`);
    return 2;
  }
  const config = loadForecasterConfig("history", io, {}, false);
  if (config === undefined) return 2;
  const deps = { configMaps: new KubeConfigMapStore(loadKubeConfig(config), "trendmaster-cli"), clock: systemClock };
  const scope = { ratelimitConfig: config.ratelimitConfig, history: config.history };
  try {
    const listing = await listHistory(deps, scope);
    if (show === undefined) {
      io.stdout(formatHistory(listing, scope));
      return 0;
    }
    const entry = listing.entries.find((e) => e.revision === show);
    if (entry === undefined) {
      io.stderr(`trendmaster history: revision ${show} not found; available: ${listing.entries.map((e) => e.revision).join(", ") || "none"}\n`);
      return 1;
    }
    for (const [key, text] of Object.entries(entry.data ?? {})) io.stdout(`# ${key}\n${text}${text.endsWith("\n") ? "" : "\n"}`);
    for (const key of Object.keys(entry.binaryData ?? {})) io.stdout(`# ${key} (binaryData, ${Buffer.from(entry.binaryData?.[key] ?? "", "base64").length} bytes)\n`);
    return 0;
  } catch (error) {
    io.stderr(`trendmaster history: ${(error as Error).message}\n`);
    return 1;
  }
}
