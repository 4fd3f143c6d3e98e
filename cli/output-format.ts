/**
 * `-o table|json|yaml` for the commands that report something. Table is for people; JSON and YAML
 * carry the same object, whose field names are documented in the README and kept stable.
 */
import yaml from "js-yaml";
import type { OptionSpec, OptionValues } from "./options.js";

export const OUTPUT_FORMATS = ["table", "json", "yaml"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** The `-o`/`--output` option and its `--json` alias, for a command's option list. */
export const OUTPUT_OPTIONS: readonly OptionSpec[] = [
  { name: "output", short: "o", type: "string", valueName: "table|json|yaml", meaning: "output format: a table for people, or JSON/YAML with stable field names", defaultValue: "table" },
  { name: "json", type: "boolean", meaning: "", aliasOf: { name: "output", value: "json" } },
];

export function outputFormatOf(values: OptionValues): { format: OutputFormat } | { problem: string } {
  const text = values.get("output") ?? "table";
  if (typeof text === "string" && (OUTPUT_FORMATS as readonly string[]).includes(text)) return { format: text as OutputFormat };
  return { problem: `--output '${String(text)}' is not one of ${OUTPUT_FORMATS.join(", ")}` };
}

/** JSON (indented) or YAML text of a report, ending in a newline. */
export function renderStructured(format: "json" | "yaml", report: unknown): string {
  if (format === "json") return `${JSON.stringify(report, null, 2)}\n`;
  // Through JSON first, so YAML holds exactly what JSON does (undefined fields dropped, dates as text).
  return yaml.dump(JSON.parse(JSON.stringify(report)), { noRefs: true, lineWidth: -1 });
}
