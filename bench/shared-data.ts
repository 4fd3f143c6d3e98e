import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { repoRoot } from "../test/support/paths.js";
import { seriesFromCsvPoints } from "../forecaster/logic/csv-series.js";
import { parseTrafficCsv } from "../forecaster/logic/traffic-csv.js";
import type { RuleSeries } from "../forecaster/traffic.js";


/** ../shared/data beside the repository, or undefined when this checkout has no shared material. */
export function sharedDataDir(): string | undefined {
  const dir = resolve(repoRoot(), "..", "shared", "data");
  return existsSync(dir) ? dir : undefined;
}

/** The real traffic series of the static-limit anchor table, by the names the data README uses. */
export const ANCHOR_SERIES: readonly { name: string; file: string; origins: number }[] = [
  { name: "tw_AAPL", file: "nab_Twitter_volume_AAPL.csv", origins: 7 },
  { name: "tw_AMZN", file: "nab_Twitter_volume_AMZN.csv", origins: 7 },
  { name: "tw_CRM", file: "nab_Twitter_volume_CRM.csv", origins: 7 },
  { name: "tw_GOOG", file: "nab_Twitter_volume_GOOG.csv", origins: 7 },
  { name: "ELB", file: "nab_elb_request_count_8c0756.csv", origins: 5 },
  { name: "nyc_taxi", file: "nab_nyc_taxi.csv", origins: 7 },
];

export function loadSeries(dir: string, file: string, name: string): RuleSeries {
  return seriesFromCsvPoints(name, parseTrafficCsv(readFileSync(join(dir, file), "utf8")).points);
}
