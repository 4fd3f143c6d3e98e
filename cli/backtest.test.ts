import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { sharedDataDir } from "../bench/shared-data.js";
import { syntheticTraffic } from "../forecaster/logic/synthetic-traffic.js";
import { backtestCommand } from "./backtest.js";

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  const code = await backtestCommand(args, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

describe("trendmaster backtest: arguments", () => {
  it.each([
    ["no --csv", [], ["--csv FILE is required"]],
    ["a bad duration", ["--csv", "x.csv", "--step", "5x"], ["--step: invalid duration '5x' (examples: 30s, 5m, 1h, 21d, 2w)"]],
    ["an unknown flag and a missing value", ["--csv", "x.csv", "--frobnicate", "--history"], ["unknown option '--frobnicate'", "--history needs a value"]],
  ])("exits 2 on %s, naming every problem", async (_name, args, problems) => {
    const { code, stderr } = await run(args);
    expect(code).toBe(2);
    expect(stderr).toBe(
      problems.map((p) => `trendmaster backtest: ${p}\n`).join("") + "usage: trendmaster backtest --csv FILE [--step 5m] [--history 21d] [--holdout 1d] [-o table|json|yaml]\n",
    );
  });

  it("exits 2 when the file cannot be read", async () => {
    const { code, stderr } = await run(["--csv", "/nonexistent/traffic.csv"]);
    expect(code).toBe(2);
    expect(stderr).toBe("trendmaster backtest: --csv '/nonexistent/traffic.csv': file not found\n");
  });
});

describe("trendmaster backtest on a generated series", () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "trendmaster-backtest-"));
    file = path.join(dir, "traffic.csv");
    // 15 days from a Monday: the holdout is Monday of week 3, history the two weeks before.
    const series = syntheticTraffic("k", { seed: 11, startMs: Date.UTC(2026, 10, 2), days: 15, stepSeconds: 300, peak: 400 });
    await writeFile(file, "timestamp,value\n" + series.samples.map((s) => `${new Date(s.timestampMs).toISOString()},${s.value}`).join("\n") + "\n");
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("--json prints one object with the holdout scores", async () => {
    const { code, stdout } = await run(["--csv", file, "--json", "--history", "14d"]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as Record<string, unknown>;
    for (const key of ["model", "fitMs", "mase", "smape", "coverage80", "coverage95", "recommended", "actualPeak", "throttleShare", "headroom"]) {
      expect(report).toHaveProperty(key);
    }
    expect(report["throttleShare"]).toBe(0);
    expect(report["headroom"]).toBeGreaterThan(1);
    expect(report["headroom"]).toBeLessThan(1.6);
    expect(report["mase"]).toBeLessThan(1.2);
    expect(report["holdoutPoints"]).toBe(288);
  });

  it("prints a readable report by default", async () => {
    const { code, stdout } = await run(["--csv", file, "--history", "14d"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^series {8}.*: 4032 history points, 288 holdout points, step 300s\nlimit {9}\d+ per step/);
  });
});

const shared = sharedDataDir();
if (shared === undefined) console.warn("cli/backtest.test: ../shared/data not found beside the repository: real-series backtest skipped");
(shared === undefined ? describe.skip : describe)("trendmaster backtest on a real series (../shared/data)", () => {
  it("backtests the ELB request counts with a safe limit", async () => {
    const { code, stdout } = await run(["--csv", path.join(shared ?? "", "nab_elb_request_count_8c0756.csv"), "--json"]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as { throttleShare: number; headroom: number; holdoutPoints: number; mase: number };
    expect(report.throttleShare).toBe(0);
    expect(report.headroom).toBeGreaterThan(1);
    expect(report.holdoutPoints).toBe(288);
    expect(report.mase).toBeLessThan(1);
  });
});
