/**
 * `trendmaster validate` against envoyproxy/ratelimit's own loader fixtures (../shared/ratelimit-fixtures):
 * every row of fixtures.tsv must agree with the real loader in verdict and text. Runs the real CLI process.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { cliPath, sharedDir } from "./support/paths.js";

const run = promisify(execFile);
const shared = sharedDir();
const fixtures = shared ? join(shared, "ratelimit-fixtures") : undefined;

interface FixtureRow {
  file: string;
  outcome: "accept" | "error";
  errorText: string;
  context: string;
}

function readRows(dir: string): FixtureRow[] {
  const [, ...lines] = readFileSync(join(dir, "fixtures.tsv"), "utf8").trimEnd().split("\n");
  return lines.map((line) => {
    const [file = "", outcome = "", errorText = "", context = ""] = line.split("\t");
    if (outcome !== "accept" && outcome !== "error") throw new Error(`fixtures.tsv: unknown outcome '${outcome}' for ${file}`);
    return { file, outcome, errorText, context };
  });
}

/** The load a row describes: which files, in which order, with domain merging or not. */
function loadFor(row: FixtureRow): { files: string[]; merge: boolean } {
  const merge = /merge=true/.test(row.context);
  const after = /loaded AFTER (\S+)/.exec(row.context)?.[1];
  if (after) return { files: [after.replace(/,$/, ""), row.file], merge };
  const together = /together with (\S+)/.exec(row.context)?.[1];
  if (together) return { files: [row.file, together.replace(/,$/, "")].sort(), merge };
  if (/the same file loaded twice/.test(row.context)) return { files: [row.file, row.file], merge };
  return { files: [row.file], merge };
}

async function validate(args: string[], cwd: string): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(process.execPath, [cliPath(), "validate", ...args], { cwd });
    return { code: 0, stdout };
  } catch (error) {
    const e = error as { code?: number; stdout?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? "" };
  }
}

if (!fixtures) {
  describe("envoyproxy/ratelimit loader fixtures", () => {
    it.skip("skipped: ../shared/ratelimit-fixtures is not beside this clone (CI has it)", () => undefined);
  });
} else {
  const rows = readRows(fixtures);
  describe("envoyproxy/ratelimit loader fixtures", () => {
    it("covers every fixture file", () => {
      expect(rows.length).toBeGreaterThanOrEqual(21);
    });
    it.each(rows.map((row) => [`${row.file} (${row.context})`, row] as const))("%s", async (_name, row) => {
      const { files, merge } = loadFor(row);
      const result = await validate([...(merge ? ["--merge-domains"] : []), ...files], fixtures);
      if (row.outcome === "accept") {
        expect(result).toEqual({ code: 0, stdout: "ok\n" });
      } else {
        expect(result).toEqual({ code: 1, stdout: `${row.errorText}\n` });
      }
    });
  });
}
