import type { Mark } from "./yaml-cursor.js";

/**
 * A document yaml.v2 refuses to read: `message` is its error text (`yaml: line 3: ...`), `line`
 * the 1-based line it names, when it names one.
 */
export class YamlSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly line: number | undefined,
  ) {
    super(line === undefined ? `yaml: ${reason}` : `yaml: line ${line}: ${reason}`);
  }
}

/**
 * yaml.v2 names a line the way its error path does: the problem's 0-based line (plus one for
 * scanner errors, which have not stepped past it), else the context's 0-based line, and no line at
 * all when both are on the first line. Parser errors so name the line above the problem.
 */
function goErrorLine(scanner: boolean, problem: Mark | undefined, context: Mark | undefined): number | undefined {
  if (problem && problem.line !== 0) return scanner ? problem.line + 1 : problem.line;
  if (context && context.line !== 0) return context.line;
  return undefined;
}

export function scannerError(problem: string, problemMark: Mark, contextMark?: Mark): YamlSyntaxError {
  return new YamlSyntaxError(problem, goErrorLine(true, problemMark, contextMark));
}

export function parserError(problem: string, problemMark: Mark, contextMark?: Mark): YamlSyntaxError {
  return new YamlSyntaxError(problem, goErrorLine(false, problemMark, contextMark));
}
