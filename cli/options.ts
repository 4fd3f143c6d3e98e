/**
 * One declarative description per command (its options with meanings and defaults), parsed with
 * Node's built-in `util.parseArgs` and printed as that command's `--help`. Every problem with the
 * arguments is reported at once, so a user fixes them in one go.
 */
import { parseArgs } from "node:util";
import type { CommandIO } from "./io.js";

/** One option as the user types it and as `--help` explains it. */
export interface OptionSpec {
  /** The long name without dashes: `output` for `--output`. */
  readonly name: string;
  /** One letter: `o` for `-o`. */
  readonly short?: string;
  /** `string` takes a value; `boolean` is a switch. */
  readonly type: "string" | "boolean";
  /** The value's placeholder in help: `FILE`, `N`, `table|json|yaml`. */
  readonly valueName?: string;
  /** What the option does, in one line. */
  readonly meaning: string;
  /** The default as the user would type it (shown in help; the command applies it). */
  readonly defaultValue?: string;
  /** Other spellings that mean the same thing, e.g. `--json` for `--output json`. */
  readonly aliasOf?: { readonly name: string; readonly value: string };
}

/** Positional arguments a command takes, if any. */
export interface PositionalSpec {
  readonly valueName: string;
  readonly meaning: string;
  readonly required: boolean;
}

export interface CommandSpec {
  readonly name: string;
  /** One line for `trendmaster --help`. */
  readonly summary: string;
  /** The usage line after `usage: trendmaster <name> `. */
  readonly synopsis: string;
  /** Paragraphs shown between the usage line and the options. */
  readonly description?: string;
  readonly options: readonly OptionSpec[];
  readonly positionals?: PositionalSpec;
  /** Shown after the options: exit codes, environment. */
  readonly notes?: string;
}

/** Every command accepts `-h`/`--help`. */
export const HELP_OPTION: OptionSpec = { name: "help", short: "h", type: "boolean", meaning: "print this help and exit" };

export type OptionValues = ReadonlyMap<string, string | true>;

export type ParsedCommandLine =
  | { readonly ok: true; readonly help: boolean; readonly values: OptionValues; readonly positionals: readonly string[] }
  /** `values` holds what did parse, so a caller can report its own problems alongside. */
  | { readonly ok: false; readonly problems: readonly string[]; readonly values: OptionValues };

/** An option value that looks like another option is a missing value, not the value. */
function looksLikeOption(value: string): boolean {
  return value.startsWith("-") && value !== "-" && !/^-\d/.test(value);
}

/**
 * Parses `args` against `spec`. `--name VALUE`, `--name=VALUE`, `-o VALUE` and `-oVALUE` all work;
 * an alias such as `--json` sets its target option. A repeated option, an unknown one, a missing
 * value or a stray argument is a problem.
 */
export function parseCommandLine(spec: CommandSpec, args: readonly string[]): ParsedCommandLine {
  const all = [...spec.options, HELP_OPTION];
  const options = Object.fromEntries(all.map((o) => [o.name, { type: o.type, ...(o.short ? { short: o.short } : {}) }]));
  const problems: string[] = [];
  let remaining = [...args];
  // `--port --cert x`: parseArgs (non-strict) takes `--cert` as the port; drop `--port` and parse again.
  for (;;) {
    const { tokens } = parseArgs({ args: remaining, options, strict: false, allowPositionals: true, tokens: true });
    const swallowed = tokens.find((t) => t.kind === "option" && t.inlineValue === false && t.value !== undefined && looksLikeOption(t.value) && all.some((o) => o.name === t.name));
    if (swallowed === undefined || swallowed.kind !== "option") break;
    problems.push(`${swallowed.rawName} needs a value`);
    remaining = remaining.filter((_, i) => i !== swallowed.index);
  }
  const { tokens } = parseArgs({ args: remaining, options, strict: false, allowPositionals: true, tokens: true });
  const values = new Map<string, string | true>();
  const positionals: string[] = [];
  let help = false;
  for (const token of tokens) {
    if (token.kind === "positional") {
      if (spec.positionals) positionals.push(token.value);
      else problems.push(`unexpected argument '${token.value}'`);
      continue;
    }
    if (token.kind !== "option") continue;
    const option = all.find((o) => o.name === token.name);
    if (option === undefined) {
      problems.push(`unknown option '${token.rawName}'`);
      continue;
    }
    if (option === HELP_OPTION) {
      help = true;
      continue;
    }
    const target = option.aliasOf?.name ?? option.name;
    let value: string | true;
    if (option.type === "boolean") {
      if (token.value !== undefined) {
        problems.push(`${token.rawName} takes no value`);
        continue;
      }
      value = option.aliasOf?.value ?? true;
    } else if (token.value === undefined || token.value === "") {
      problems.push(`${token.rawName} needs a value`);
      continue;
    } else value = token.value;
    if (values.has(target)) problems.push(`--${target} is given twice`);
    values.set(target, value);
  }
  if (help) return { ok: true, help, values, positionals };
  if (spec.positionals?.required && positionals.length === 0 && problems.length === 0) problems.push(`no ${spec.positionals.valueName.replace(/\.+$/, "")} given`);
  return problems.length > 0 ? { ok: false, problems, values } : { ok: true, help, values, positionals };
}

/** `--name VALUE`'s value, or undefined. */
export function stringOption(values: OptionValues, name: string): string | undefined {
  const value = values.get(name);
  return typeof value === "string" ? value : undefined;
}

export function switchOption(values: OptionValues, name: string): boolean {
  return values.get(name) === true;
}

/** The usage line: `usage: trendmaster validate [options] FILE...`. */
export function usageLine(spec: CommandSpec): string {
  return `usage: trendmaster ${spec.name} ${spec.synopsis}`;
}

/** `trendmaster <command> --help`: usage, description, every option with its meaning and default. */
export function formatCommandHelp(spec: CommandSpec): string {
  const rows = [...spec.options, HELP_OPTION].map((o) => {
    const names = `${o.short ? `-${o.short}, ` : "    "}--${o.name}${o.type === "string" ? ` ${o.valueName ?? "VALUE"}` : ""}`;
    const meaning = o.aliasOf ? `same as --${o.aliasOf.name} ${o.aliasOf.value}` : o.meaning;
    return { names, text: `${meaning}${o.defaultValue !== undefined ? ` (default: ${o.defaultValue})` : ""}` };
  });
  const width = Math.max(...rows.map((r) => r.names.length)) + 2;
  const parts = [usageLine(spec), ""];
  if (spec.description) parts.push(spec.description, "");
  if (spec.positionals) parts.push("arguments:", `  ${spec.positionals.valueName.padEnd(width)}${spec.positionals.meaning}`, "");
  parts.push("options:", ...rows.map((r) => `  ${r.names.padEnd(width)}${r.text}`));
  if (spec.notes) parts.push("", spec.notes);
  return `${parts.join("\n")}\n`;
}

/** Each problem on its own line, then the usage line (the caller exits 2). */
export function formatArgumentProblems(spec: CommandSpec, problems: readonly string[]): string {
  return `${problems.map((p) => `trendmaster ${spec.name}: ${p}\n`).join("")}${usageLine(spec)}\n`;
}

/**
 * The parsed command line, or the exit code when there is nothing more to run: the help printed
 * (0), or every problem printed with the usage line (2).
 */
export function commandLineOrExit(spec: CommandSpec, args: readonly string[], io: CommandIO): { readonly values: OptionValues; readonly positionals: readonly string[] } | number {
  const parsed = parseCommandLine(spec, args);
  if (!parsed.ok) {
    io.stderr(formatArgumentProblems(spec, parsed.problems));
    return 2;
  }
  if (parsed.help) {
    io.stdout(formatCommandHelp(spec));
    return 0;
  }
  return parsed;
}
