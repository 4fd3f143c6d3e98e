/**
 * The README's quick-start commands, read from README.md itself: the commands the `$ npm start`
 * block lists (guarded edits, "More to try"), and every other console block's `$ npx trendmaster`
 * line with the output shown below it. Also, for any markdown page (docs/walkthrough.md too): its
 * console blocks' `$` lines with their shown output, and that output as line patterns, so a test
 * can check what the program prints against what the page says it prints.
 */

/** One command line as a POSIX shell reads the simple ones the README uses. */
export interface ShellLine {
  /** `VAR=value` words before the command: its environment (or, after `export`, every later command's). */
  readonly assignments: Readonly<Record<string, string>>;
  readonly words: readonly string[];
  /** The text after `#`, trimmed. */
  readonly comment: string | undefined;
}

export interface ReadmeCommand extends ShellLine {
  /** The line as the README writes it (without `$ ` or indentation). */
  readonly text: string;
  /** Its line number in README.md. */
  readonly line: number;
  /** The output the README shows below it; undefined where it shows none (the commands the demo lists). */
  readonly shownOutput: readonly string[] | undefined;
  /** What the README says the command does: its `# comment`, else the sentence just above it. */
  readonly note: string | undefined;
}

export interface NpmStartBlock {
  /** Everything the README shows below `$ npm start`. */
  readonly shownOutput: readonly string[];
  /** The commands it lists (indented lines outside the "Why:" explanations), in order. */
  readonly commands: readonly ReadmeCommand[];
}

/**
 * Splits a command line into words: blanks separate, '...' and "..." quote, `#` at a word's start
 * begins a comment. Anything that needs a real shell (pipes, redirects, `$`, `;`, `&`, backquotes,
 * backslashes outside quotes) is refused, so the README cannot grow a command this test would misread.
 */
export function parseShellLine(text: string): ShellLine {
  const words: string[] = [];
  let word: string | undefined;
  let comment: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === " " || c === "\t") {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "#" && word === undefined) {
      comment = text.slice(i + 1).trim();
      break;
    } else if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new Error(`unterminated ${c} in: ${text}`);
      const quoted = text.slice(i + 1, end);
      if (c === '"' && /[$`\\]/.test(quoted)) throw new Error(`unsupported shell syntax ($, \` or \\ in double quotes) in: ${text}`);
      word = (word ?? "") + quoted;
      i = end;
    } else if ("|&;<>()$`\\".includes(c)) {
      throw new Error(`unsupported shell syntax '${c}' in: ${text}`);
    } else {
      word = (word ?? "") + c;
    }
  }
  if (word !== undefined) words.push(word);
  const assignments: Record<string, string> = {};
  let first = 0;
  for (; first < words.length; first++) {
    const assignment = assignmentOf(words[first] ?? "");
    if (!assignment) break;
    assignments[assignment.name] = assignment.value;
  }
  return { assignments, words: words.slice(first), comment };
}

/** A `NAME=value` word, as the shell reads an assignment. */
function assignmentOf(word: string): { name: string; value: string } | undefined {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(word);
  return match ? { name: match[1] as string, value: match[2] as string } : undefined;
}

/** The words of an `export NAME=value ...` line: the variables it sets for every later command. */
export function exportedVariables(line: ShellLine): Record<string, string> {
  if (line.words[0] !== "export") throw new Error(`not an export: ${line.words.join(" ")}`);
  const exported: Record<string, string> = {};
  for (const word of line.words.slice(1)) {
    const assignment = assignmentOf(word);
    if (!assignment) throw new Error(`export of a name without a value: ${word}`);
    exported[assignment.name] = assignment.value;
  }
  return exported;
}

interface ConsoleBlock {
  /** The page's line number of the block's first line. */
  readonly firstLine: number;
  readonly lines: readonly string[];
}

function consoleBlocks(markdown: string): ConsoleBlock[] {
  const blocks: ConsoleBlock[] = [];
  for (const match of markdown.matchAll(/^```console\n([\s\S]*?)^```/gm)) {
    const firstLine = markdown.slice(0, match.index).split("\n").length + 1;
    blocks.push({ firstLine, lines: (match[1] ?? "").replace(/\n$/, "").split("\n") });
  }
  return blocks;
}

/** A console block's `$ ` line as the page writes it, with the output shown below it (up to the next `$ ` line). */
export interface ConsoleCommand {
  /** The line without `$ `, trimmed. */
  readonly text: string;
  /** Its line number in the page. */
  readonly line: number;
  readonly shownOutput: readonly string[];
}

/** Every console block's `$ ` lines, in the page's order (the `$ npm start` block's aside: what it shows is output). */
export function consoleCommands(markdown: string): ConsoleCommand[] {
  const commands: ConsoleCommand[] = [];
  for (const block of consoleBlocks(markdown)) {
    if (block.lines[0] === "$ npm start") continue;
    block.lines.forEach((line, index) => {
      if (!line.startsWith("$ ")) return;
      const rest = block.lines.slice(index + 1);
      const next = rest.findIndex((l) => l.startsWith("$ "));
      commands.push({ text: line.slice(2).trim(), line: block.firstLine + index, shownOutput: next < 0 ? rest : rest.slice(0, next) });
    });
  }
  return commands;
}

/** A last shown line `exit N` is the exit code the page shows; without one, the command succeeds (0). */
export function shownExitCode(shown: readonly string[]): { readonly output: readonly string[]; readonly code: number } {
  const last = shown.findLastIndex((line) => line.trim() !== "");
  const exit = /^exit (\d+)$/.exec(shown[last]?.trim() ?? "");
  return exit ? { output: shown.slice(0, last), code: Number(exit[1]) } : { output: shown, code: 0 };
}

/** The `$ npm start` block: what it shows, and the commands it lists for the reader to try. */
export function npmStartBlock(readme: string): NpmStartBlock {
  const block = consoleBlocks(readme).find((b) => b.lines[0] === "$ npm start");
  if (!block) throw new Error("README.md has no console block starting with `$ npm start`");
  const shownOutput = block.lines.slice(1);
  const commands: ReadmeCommand[] = [];
  let inWhy = false;
  let sentence: string | undefined;
  shownOutput.forEach((line, index) => {
    if (line === "Why:") inWhy = true;
    else if (line.trim() === "") inWhy = false;
    else if (!line.startsWith("  ")) sentence = line.trim();
    else if (!inWhy) {
      const text = line.trim();
      const parsed = parseShellLine(text);
      commands.push({ ...parsed, text, line: block.firstLine + 1 + index, shownOutput: undefined, note: parsed.comment ?? sentence });
    }
  });
  return { shownOutput, commands };
}

/** Every other console block's `$` lines that run `npx trendmaster` (with or without `VAR=value` first), with their shown output. */
export function trendmasterConsoleCommands(readme: string): ReadmeCommand[] {
  return consoleCommands(readme)
    .map((command) => ({ ...command, ...parseShellLine(command.text) }))
    .filter((command) => command.words[0] === "npx" && command.words[1] === "trendmaster")
    .map((command) => ({ ...command, note: command.comment }));
}

/**
 * What varies from run to run, and so is masked in a shown line: times (the demo's recording ends
 * on the latest Thursday), durations, forecast generations (how many cycles ran before), ports,
 * and the forecaster's pod name in `by <writer> <pod> generation N` (outside a cluster, the host's
 * name). Everything else, counts included, must be as the page shows it: the demo's traffic and the
 * page's order of commands make them the same on every run.
 */
const MASKS: ReadonlyArray<{ readonly shown: RegExp; readonly pattern: string }> = [
  { shown: /\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?Z/, pattern: String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?Z` },
  { shown: /\b\d+(?:\.\d+)? ?m?s\b/, pattern: String.raw`\d+(?:\.\d+)? ?m?s` },
  { shown: /(?<=\bgeneration )\d+/, pattern: String.raw`\d+` },
  { shown: /(?<=\/\/[\w.-]+:)\d+/, pattern: String.raw`\d+` },
  { shown: /(?<=\bby [\w.:-]+ )[\w.-]+(?= generation \d)/, pattern: String.raw`[\w.-]+` },
];
const ANY_MASK = new RegExp(MASKS.map((m) => `(${m.shown.source})`).join("|"), "g");

/** A shown line as a pattern for one printed line: literal but for the masks. */
export function shownLinePattern(line: string): RegExp {
  let source = "";
  let at = 0;
  for (const match of line.matchAll(ANY_MASK)) {
    const mask = MASKS[match.slice(1).findIndex((group) => group !== undefined)];
    if (!mask) throw new Error(`no mask for ${match[0]}`);
    source += escapeRegExp(line.slice(at, match.index)) + mask.pattern;
    at = match.index + match[0].length;
  }
  return new RegExp(`^${source}${escapeRegExp(line.slice(at))}$`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A shown line `...` (also `...(text)`, indented or not) stands for any number of printed lines. */
function isElision(line: string): boolean {
  return line.trim().startsWith("...");
}

function outputLines(text: string): string[] {
  const lines = text.split("\n").map((l) => l.trimEnd());
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/**
 * Whether `printed` is what `shown` shows: line for line, each shown line matching its pattern,
 * `...` standing for any number of lines. Undefined when it is; else which shown line has no
 * counterpart, with the printed output.
 */
export function shownOutputMismatch(shown: readonly string[], printed: string, page = "the README"): string | undefined {
  const expected = outputLines(shown.join("\n"));
  const patterns = expected.map((line) => (isElision(line) ? undefined : shownLinePattern(line)));
  const actual = outputLines(printed);
  let deepest = 0;
  const failed = new Set<string>();
  const matches = (p: number, a: number): boolean => {
    deepest = Math.max(deepest, p);
    if (p === patterns.length) return a === actual.length;
    if (failed.has(`${p},${a}`)) return false;
    const pattern = patterns[p];
    const ok = pattern === undefined ? Array.from({ length: actual.length - a + 1 }, (_, skip) => a + skip).some((next) => matches(p + 1, next)) : a < actual.length && pattern.test(actual[a] ?? "") && matches(p + 1, a + 1);
    if (!ok) failed.add(`${p},${a}`);
    return ok;
  };
  if (matches(0, 0)) return undefined;
  const missing = deepest < expected.length ? `${page}'s line ${JSON.stringify(expected[deepest])} has no counterpart` : `the program printed more lines than ${page} shows (end the shown output with \`...\` if that is meant)`;
  return `${missing}; the program printed:\n${actual.join("\n")}`;
}
