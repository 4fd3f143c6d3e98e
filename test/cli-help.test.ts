/**
 * `trendmaster` as a newcomer meets it, run as a real process: help for every command, each
 * output format parsed back, and the one-line errors (exit 2) for the usual first mistakes.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import yaml from "js-yaml";
import { runTrendmaster } from "./e2e/cli-process.js";

const COMMANDS = ["validate", "webhook", "backtest", "forecaster", "run", "report", "history", "rollback"];
const dir = mkdtempSync(join(tmpdir(), "tm-cli-help-"));
/** A HOME without ~/.kube/config, outside any pod. */
const env = { HOME: dir };
const write = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe("trendmaster --help", () => {
  it("lists every command and points to per-command help", async () => {
    const result = await runTrendmaster(["--help"], env);
    expect(result.code).toBe(0);
    for (const command of COMMANDS) expect(result.stdout).toMatch(new RegExp(`^  ${command} +\\S`, "m"));
    expect(result.stdout).toContain("Run 'trendmaster <command> --help'");
  });

  it.each(COMMANDS)("%s --help lists each option with its meaning", async (command) => {
    const result = await runTrendmaster([command, "--help"], env);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout.split("\n")[0]).toMatch(new RegExp(`^usage: trendmaster ${command} `));
    const options = result.stdout.split("\n").filter((line) => /^ {2}(-\w, )? *--[\w-]+/.test(line));
    expect(options.length).toBeGreaterThan(1);
    // Every option line has a meaning after its name.
    for (const line of options) expect(line).toMatch(/^ {2}(-\w, | {4})--[\w-]+( \S+)? {2,}\S/);
    expect(result.stdout).toContain("-h, --help");
  });

  it.each(["validate", "history", "run", "rollback", "backtest"])("%s offers -o table|json|yaml with table as the default", async (command) => {
    const result = await runTrendmaster([command, "-h"], env);
    expect(result.stdout).toMatch(/-o, --output table\|json\|yaml +.*\(default: table\)/);
    expect(result.stdout).toMatch(/--json +same as --output json/);
  });
});

describe("output formats", () => {
  const good = write("good.yaml", "domain: d\ndescriptors:\n  - key: k\n    rate_limit: {unit: second, requests_per_unit: 0}\n");
  const bad = write("bad.yaml", "domain: d\ndescriptors:\n  - key: k\n    rate_limit: {unit: hours, requests_per_unit: 5}\n");

  it("validate -o json: ok, files, errors and warnings", async () => {
    const result = await runTrendmaster(["validate", "-o", "json", good], env);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      ok: true,
      files: ["good.yaml"],
      errors: [],
      warnings: [{ code: "zero-limit", file: "good.yaml", path: "descriptors[0]", line: 3, message: "good.yaml: descriptors[0]: requests_per_unit is 0: every request to k is refused" }],
    });
  });

  it("validate -o yaml holds what -o json holds; --json is the same as -o json", async () => {
    const asJson = await runTrendmaster(["validate", "--output=json", bad], env);
    const asYaml = await runTrendmaster(["validate", "-o", "yaml", bad], env);
    const alias = await runTrendmaster(["validate", "--json", bad], env);
    expect([asJson.code, asYaml.code, alias.code]).toEqual([1, 1, 1]);
    expect(yaml.load(asYaml.stdout)).toEqual(JSON.parse(asJson.stdout));
    expect(alias.stdout).toBe(asJson.stdout);
    expect(JSON.parse(asJson.stdout)).toMatchObject({ ok: false, errors: [{ code: "invalid-unit", file: "bad.yaml", message: "bad.yaml: invalid rate limit unit 'hours'" }] });
  });

  it("backtest -o yaml and -o json report the same documented fields", async () => {
    const rows = Array.from({ length: 4 * 288 }, (_, i) => `${1_700_000_000 + i * 300},${100 + 50 * Math.sin((2 * Math.PI * i) / 288)}`);
    const csv = write("traffic.csv", `timestamp,value\n${rows.join("\n")}\n`);
    const asYaml = await runTrendmaster(["backtest", "--csv", csv, "--history", "3d", "-o", "yaml"], env, 120_000);
    expect(asYaml.code).toBe(0);
    const report = yaml.load(asYaml.stdout) as Record<string, unknown>;
    for (const key of ["model", "fitMs", "mase", "smape", "coverage80", "coverage95", "recommended", "actualPeak", "throttleShare", "headroom", "confidence", "stepSeconds", "historyPoints", "holdoutPoints", "anomalies", "explanation"]) expect(report).toHaveProperty(key);
    expect(report["holdoutPoints"]).toBe(288);
  });

  it("an unknown format is one line and exit 2", async () => {
    const result = await runTrendmaster(["validate", "-o", "xml", good], env);
    expect(result.code).toBe(2);
    expect(result.stderr.split("\n")[0]).toBe("trendmaster validate: --output 'xml' is not one of table, json, yaml");
  });
});

describe("first mistakes: one line naming the problem, exit 2", () => {
  it.each([
    ["validate a missing file", ["validate", "nosuch.yaml"], "trendmaster validate: 'nosuch.yaml': file not found"],
    ["backtest a missing file", ["backtest", "--csv", "nosuch.csv"], "trendmaster backtest: --csv 'nosuch.csv': file not found"],
    ["history without a kubeconfig", ["history"], `trendmaster history: no kubeconfig: KUBECONFIG is not set, ${join(dir, ".kube", "config")} does not exist, and this is not a pod with a ServiceAccount (no in-cluster config)`],
    ["rollback without a kubeconfig", ["rollback", "--to", "1"], `trendmaster rollback: no kubeconfig: KUBECONFIG is not set, ${join(dir, ".kube", "config")} does not exist, and this is not a pod with a ServiceAccount (no in-cluster config)`],
    ["a KUBECONFIG that does not exist", ["history"], `trendmaster history: KUBECONFIG: '${join(dir, "nope")}' does not exist`, { KUBECONFIG: join(dir, "nope") }],
    ["an unknown option to history", ["history", "--all"], "trendmaster history: unknown option '--all'"],
    ["an unknown option to run", ["run", "--once", "--fast"], "trendmaster run: unknown option '--fast'"],
    ["an unknown option to rollback", ["rollback", "-x"], "trendmaster rollback: unknown option '-x'"],
    ["an unknown option to forecaster", ["forecaster", "--now"], "trendmaster forecaster: unknown option '--now'"],
    ["an unknown option to webhook", ["webhook", "--tls"], "trendmaster webhook: unknown option '--tls'"],
    ["a missing value", ["history", "--show"], "trendmaster history: --show needs a value"],
    ["a switch given a value", ["run", "--once=yes"], "trendmaster run: --once takes no value"],
  ])("%s", async (_name, args, message, extraEnv: Record<string, string> = {}) => {
    const result = await runTrendmaster(args, { ...env, ...extraEnv });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr.split("\n")[0]).toBe(message);
    expect(result.stderr).not.toMatch(/ENOENT|\n\s+at /);
  });
});
