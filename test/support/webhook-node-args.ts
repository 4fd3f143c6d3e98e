import { readFileSync } from "node:fs";
import { join } from "node:path";
import yaml from "js-yaml";
import { repoRoot } from "./paths.js";

interface WebhookHeapValues {
  readonly maxOldSpaceMiB?: number;
  readonly initialOldSpaceMiB?: number;
}

/**
 * The node flags the chart's webhook container starts with, read from helm-chart/values.yaml:
 * what the benchmark and the sandbox run the webhook under. A value of 0 (or none) adds no flag.
 */
export function webhookNodeArgs(): string[] {
  const values = yaml.load(readFileSync(join(repoRoot(), "helm-chart", "values.yaml"), "utf8")) as { webhook?: WebhookHeapValues };
  const { maxOldSpaceMiB = 0, initialOldSpaceMiB = 0 } = values.webhook ?? {};
  return [...(maxOldSpaceMiB > 0 ? [`--max-old-space-size=${maxOldSpaceMiB}`] : []), ...(initialOldSpaceMiB > 0 ? [`--initial-old-space-size=${initialOldSpaceMiB}`] : [])];
}
