import { reportCommand } from "./report.js";

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await reportCommand(args, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { code, stdout, stderr };
}

describe("trendmaster report arguments", () => {
  it.each([
    ["an unknown option, with every problem at once", ["--out", "x.html"], "trendmaster report: unknown option '--out'; unexpected argument 'x.html'"],
    ["-o without a file", ["-o"], "trendmaster report: -o needs a value"],
    ["--source-dir without a folder", ["-o", "x.html", "--source-dir"], "trendmaster report: --source-dir needs a value"],
    ["a file that is not HTML", ["-o", "report.png"], "trendmaster report: -o 'report.png' should name an .html file"],
  ])("%s is a usage error (exit 2)", async (_name, args, message) => {
    const result = await run(args);
    expect(result.code).toBe(2);
    // One line per problem, then the usage line.
    expect(result.stderr.split("\n").filter((line) => line.startsWith("trendmaster report:"))).toEqual(message.split("; ").map((m, i) => (i === 0 ? m : `trendmaster report: ${m}`)));
    expect(result.stderr).toContain("usage: trendmaster report [-o FILE.html] [--source-dir DIR]");
  });

  it("prints its usage with --help", async () => {
    const result = await run(["--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^usage: trendmaster report \[-o FILE\.html\] \[--source-dir DIR\]/);
  });
});
