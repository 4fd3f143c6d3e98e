// The chart's PrometheusRule under the real promtool: rendered from the guide's values in the
// `default` namespace (sidecar and CronJob mode), `promtool check rules` on each, then the unit
// tests in test/alerts/ (each alert firing and clearing). Skips with a message without promtool.
import { execFile } from "node:child_process";
import { accessSync, constants, copyFileSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import yaml from "js-yaml";
import { helmPath, missingBinaryMessage } from "../support/binaries.js";
import { repoRoot } from "../support/paths.js";
import { writeGuideValuesFile } from "./guide-blocks.js";
import { findObject, renderChart } from "./render.js";

const run = promisify(execFile);
const ALERT_TESTS_DIR = join(repoRoot(), "test", "alerts");

function promtoolPath(): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    const candidate = join(dir, "promtool");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

interface RuleGroup {
  name: string;
  rules: { alert?: string; expr: string }[];
}

interface AlertTestFile {
  rule_files: string[];
  tests: { alert_rule_test?: { eval_time: string; alertname: string; exp_alerts: unknown[] }[] }[];
}

const promtool = promtoolPath();
const haveHelm = helmPath() !== undefined;
if (promtool === undefined) console.warn("skipping the promtool alert tests: promtool is not on PATH (Debian: apt-get install -y --no-install-recommends prometheus)");
if (!haveHelm) console.warn(missingBinaryMessage("helm"));

const MODES = [
  { mode: "sidecar", rulesFile: "sidecar.rules.yaml", testFile: "sidecar.test.yaml" },
  { mode: "cronjob", rulesFile: "cronjob.rules.yaml", testFile: "cronjob.test.yaml" },
] as const;

(promtool !== undefined && haveHelm ? describe : describe.skip)("alert rules under promtool", () => {
  const workDir = mkdtempSync(join(tmpdir(), "trendmaster-alerts-"));
  const groupsByMode = new Map<string, RuleGroup[]>();

  beforeAll(async () => {
    const values = writeGuideValuesFile("orp2");
    for (const { mode, rulesFile } of MODES) {
      const objects = await renderChart({ valuesFiles: [values], namespace: "default", setString: { "forecaster.mode": mode } });
      const rule = findObject(objects, "PrometheusRule", "trendmaster-ai") as unknown as { spec: { groups: RuleGroup[] } };
      groupsByMode.set(mode, rule.spec.groups);
      writeFileSync(join(workDir, rulesFile), yaml.dump({ groups: rule.spec.groups }));
    }
    for (const file of readdirSync(ALERT_TESTS_DIR)) copyFileSync(join(ALERT_TESTS_DIR, file), join(workDir, file));
  });

  it.each(MODES.map((m) => [m.mode, m] as const))("%s: promtool check rules accepts the rendered rules", async (_mode, { rulesFile }) => {
    const { stdout } = await run(promtool as string, ["check", "rules", rulesFile], { cwd: workDir });
    expect(stdout).toContain("SUCCESS");
  });

  it.each(MODES.map((m) => [m.mode, m] as const))("%s: every alert has a test where it fires and one where it then clears", (mode, { testFile }) => {
    const tests = yaml.load(readFileSync(join(ALERT_TESTS_DIR, testFile), "utf8")) as AlertTestFile;
    const alerts = (groupsByMode.get(mode) ?? []).flatMap((g) => g.rules.map((r) => r.alert)).filter((a): a is string => a !== undefined);
    expect(alerts.length).toBeGreaterThanOrEqual(5);
    const uncovered = alerts.filter((alert) =>
      !tests.tests.some((t) => {
        const checks = (t.alert_rule_test ?? []).filter((c) => c.alertname === alert);
        const firing = checks.findIndex((c) => c.exp_alerts.length > 0);
        return firing >= 0 && checks.slice(firing + 1).some((c) => c.exp_alerts.length === 0);
      }) && !(mode === "cronjob" && coveredInSidecarFile(alert)),
    );
    expect(uncovered).toEqual([]);
  });

  it.each(MODES.map((m) => [m.testFile, m] as const))("promtool test rules passes test/alerts/%s", async (_file, { testFile }) => {
    const result = await run(promtool as string, ["test", "rules", testFile], { cwd: workDir }).catch((error: { stdout?: string; stderr?: string }) => ({ stdout: `${error.stdout ?? ""}${error.stderr ?? ""}`, failed: true }));
    expect(result.stdout).toContain("SUCCESS");
    expect("failed" in result).toBe(false);
  });
});

/** Alerts whose rule is the same in both modes are tested once, in the sidecar file. */
function coveredInSidecarFile(alert: string): boolean {
  return ["TrendMasterWebhookErrors", "TrendMasterUnguardedWrite", "TrendMasterForecastStale", "TrendMasterTargetDown"].includes(alert);
}
