/**
 * TrafficSource over CSV files, for the embedded-default demo and for tests without a server.
 * A folder holds one file per rule, named `encodeURIComponent(fullKey) + ".csv"` (so
 * `edge.PARTNER_acme.PATH_/x` is `edge.PARTNER_acme.PATH_%2Fx.csv`); or a single file serves one rule.
 */
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { LimitedRule } from "../../ratelimit/rule.js";
import { binOntoGrid, parseTrafficCsv } from "../logic/traffic-csv.js";
import type { TimeRange } from "../traffic.js";
import { forEachBounded } from "./bounded-concurrency.js";
import { emptyFetchReport, type FetchProgress, type FetchReport, type TrafficSource } from "./traffic-source.js";

/** The file name a rule's history has in a traffic folder. */
export function trafficCsvFileName(fullKey: string): string {
  return `${encodeURIComponent(fullKey)}.csv`;
}

const PROBLEMS_SHOWN = 5;
const FILES_READ_AT_ONCE = 8;

export interface FileSourceOptions {
  /** A folder of per-rule CSV files, or one CSV file. */
  readonly path: string;
  /** With a single file: the full key of the rule it holds (other rules are unmapped). */
  readonly fullKey?: string;
}

export class FileTrafficSource implements TrafficSource {
  constructor(private readonly options: FileSourceOptions) {}

  async fetchRules(rules: readonly LimitedRule[], range: TimeRange, onProgress?: (progress: FetchProgress) => void): Promise<FetchReport> {
    const report = emptyFetchReport();
    let isFolder: boolean;
    try {
      isFolder = (await stat(this.options.path)).isDirectory();
    } catch (err) {
      const error = `cannot read traffic path '${this.options.path}': ${(err as NodeJS.ErrnoException).code ?? String(err)}`;
      for (const rule of rules) report.failed.push({ fullKey: rule.fullKey, error });
      return report;
    }
    let rulesDone = 0;
    await forEachBounded(rules, FILES_READ_AT_ONCE, async (rule) => {
      const file = isFolder ? path.join(this.options.path, trafficCsvFileName(rule.fullKey)) : this.options.path;
      if (!isFolder && rule.fullKey !== this.options.fullKey) {
        report.unmapped.push({ fullKey: rule.fullKey, reason: `the traffic file ${file} holds rule '${this.options.fullKey ?? "(none given)"}' only` });
      } else {
        await this.#readRule(rule.fullKey, file, range, report);
      }
      rulesDone++;
      onProgress?.({ rulesDone, rulesTotal: rules.length, requests: 0 });
    });
    return report;
  }

  async latestRecordedMs(rules: readonly LimitedRule[]): Promise<number | undefined> {
    let latest: number | undefined;
    const isFolder = await stat(this.options.path).then((s) => s.isDirectory(), () => undefined);
    if (isFolder === undefined) return undefined; // fetchRules reports the unreadable path
    const files = isFolder ? rules.map((rule) => path.join(this.options.path, trafficCsvFileName(rule.fullKey))) : [this.options.path];
    await forEachBounded(files, FILES_READ_AT_ONCE, async (file) => {
      const text = await readFile(file, "utf8").catch(() => undefined);
      if (text === undefined) return; // missing or unreadable: fetchRules says which
      for (const [timestampMs] of parseTrafficCsv(text).points) if (latest === undefined || timestampMs > latest) latest = timestampMs;
    });
    return latest;
  }

  async #readRule(fullKey: string, file: string, range: TimeRange, report: FetchReport): Promise<void> {
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT") report.unmapped.push({ fullKey, reason: `no traffic file ${file}` });
      else report.failed.push({ fullKey, error: `cannot read ${file}: ${code ?? String(err)}` });
      return;
    }
    const parsed = parseTrafficCsv(text);
    if (parsed.problems.length > 0) {
      const more = parsed.problems.length > PROBLEMS_SHOWN ? ` (and ${parsed.problems.length - PROBLEMS_SHOWN} more)` : "";
      report.failed.push({ fullKey, error: `${file}: ${parsed.problems.slice(0, PROBLEMS_SHOWN).join("; ")}${more}` });
      return;
    }
    const binned = binOntoGrid(range, parsed.points);
    if (binned.fileStepSeconds !== undefined && binned.fileStepSeconds > range.stepSeconds) {
      report.warnings.push(`rule ${fullKey}: ${file} has a row every ${binned.fileStepSeconds}s, coarser than the requested ${range.stepSeconds}s step: most points are NaN`);
    }
    if (binned.filled === 0) report.empty.push(fullKey);
    else report.series.set(fullKey, { fullKey, stepSeconds: range.stepSeconds, samples: binned.samples });
  }
}
