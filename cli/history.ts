import { systemClock } from "../forecaster/io/clock.js";
import { KubeConfigMapStore } from "../forecaster/io/configmaps.js";
import type { HistoryEntry } from "../forecaster/logic/history.js";
import { loadKubeConfig } from "../forecaster/main.js";
import { formatHistory, listHistory, type HistoryListing } from "../forecaster/rollback.js";
import type { CommandIO } from "./io.js";
import { loadForecasterConfig } from "./forecaster-options.js";
import { formatArgumentProblems, commandLineOrExit, stringOption, type CommandSpec } from "./options.js";
import { OUTPUT_OPTIONS, outputFormatOf, renderStructured } from "./output-format.js";

export const HISTORY_SPEC: CommandSpec = {
  name: "history",
  summary: "list the saved revisions of ratelimit-config",
  synopsis: "[--show REVISION] [-o table|json|yaml]",
  description:
    "Lists the saved revisions of ratelimit-config, newest first: who wrote each content and when, and\n" +
    "who replaced it with what change. --show prints one revision's content exactly as saved.",
  options: [{ name: "show", type: "string", valueName: "REVISION", meaning: "print this revision's content instead of the list" }, ...OUTPUT_OPTIONS],
  notes: "Reads KUBECONFIG (or the in-cluster ServiceAccount) and TRENDMASTER_SETTINGS (docs/settings.md).\nexit status: 0 listed, 1 the API server refused or the revision does not exist, 2 bad arguments or configuration",
};

/** One revision in the `-o json|yaml` report (field names are documented in the README). */
interface RevisionReport {
  readonly revision: number;
  readonly configMap: string;
  readonly writtenBy: string;
  readonly writtenAt: string;
  readonly replacedBy: string;
  readonly replacedAt: string;
  readonly change: string;
  readonly digest: string;
  readonly data?: Readonly<Record<string, string>>;
  readonly binaryData?: Readonly<Record<string, string>>;
}

function revisionReport(e: HistoryEntry, withContent: boolean): RevisionReport {
  return {
    revision: e.revision,
    configMap: e.configMapName,
    writtenBy: e.writtenBy,
    writtenAt: e.writtenAt,
    replacedBy: e.replacedBy,
    replacedAt: e.recordedAt,
    change: e.change,
    digest: e.digest,
    ...(withContent && e.data ? { data: e.data } : {}),
    ...(withContent && e.binaryData ? { binaryData: e.binaryData } : {}),
  };
}

function historyReport(listing: HistoryListing, target: { namespace: string; name: string }, keep: number): object {
  const current = listing.current;
  return {
    target: `${target.namespace}/${target.name}`,
    keep,
    current: current ? { exists: true, resourceVersion: current.metadata.resourceVersion ?? "" } : { exists: false },
    revisions: listing.entries.map((e) => revisionReport(e, false)),
  };
}

export async function historyCommand(args: readonly string[], io: CommandIO): Promise<number> {
  const parsed = commandLineOrExit(HISTORY_SPEC, args, io);
  if (typeof parsed === "number") return parsed;
  const output = outputFormatOf(parsed.values);
  const showText = stringOption(parsed.values, "show");
  const show = showText === undefined ? undefined : Number(showText);
  const problems = [...("problem" in output ? [output.problem] : []), ...(show !== undefined && (!Number.isInteger(show) || show < 1) ? [`--show '${showText}' is not a revision number`] : [])];
  if (problems.length > 0 || "problem" in output) {
    io.stderr(formatArgumentProblems(HISTORY_SPEC, problems));
    return 2;
  }
  const config = loadForecasterConfig("history", io, {}, false);
  if (config === undefined) return 2;
  const deps = { configMaps: new KubeConfigMapStore(loadKubeConfig(config), "trendmaster-cli"), clock: systemClock };
  const scope = { ratelimitConfig: config.ratelimitConfig, history: config.history };
  try {
    const listing = await listHistory(deps, scope);
    if (show === undefined) {
      io.stdout(output.format === "table" ? formatHistory(listing, scope) : renderStructured(output.format, historyReport(listing, config.ratelimitConfig, config.history.keep)));
      return 0;
    }
    const entry = listing.entries.find((e) => e.revision === show);
    if (entry === undefined) {
      io.stderr(`trendmaster history: revision ${show} not found; available: ${listing.entries.map((e) => e.revision).join(", ") || "none"}\n`);
      return 1;
    }
    if (output.format !== "table") {
      io.stdout(renderStructured(output.format, revisionReport(entry, true)));
      return 0;
    }
    for (const [key, text] of Object.entries(entry.data ?? {})) io.stdout(`# ${key}\n${text}${text.endsWith("\n") ? "" : "\n"}`);
    for (const key of Object.keys(entry.binaryData ?? {})) io.stdout(`# ${key} (binaryData, ${Buffer.from(entry.binaryData?.[key] ?? "", "base64").length} bytes)\n`);
    return 0;
  } catch (error) {
    io.stderr(`trendmaster history: ${(error as Error).message}\n`);
    return 1;
  }
}
