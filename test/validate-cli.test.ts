/** The `trendmaster validate` command as a user runs it: exit codes, ConfigMap manifests, stderr warnings. */
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { cliPath } from "./support/paths.js";

const run = promisify(execFile);

async function trendmaster(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cliPath(), ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

const dir = mkdtempSync(join(tmpdir(), "tm-validate-"));
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const manifest = write(
  "ratelimit-config.yaml",
  `apiVersion: v1
kind: ConfigMap
metadata:
  name: ratelimit-config
  namespace: istio-system
data:
  config.yaml: |
    domain: global-ratelimit
    descriptors:
      - key: PARTNER
        value: acme
        rate_limit: {unit: minute, requests_per_unit: 0}
  .hidden: "not: [valid"
  extra.yaml: |
    domain: other
    descriptors:
      - key: PATH
        rate_limit: {unit: hours, requests_per_unit: 5}
`,
);

describe("trendmaster validate", () => {
  it("checks every data key of a ConfigMap manifest as one config file, skipping dot-files", async () => {
    const result = await trendmaster(["validate", manifest]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("extra.yaml: invalid rate limit unit 'hours'\n");
    expect(result.stderr).toBe("warning: config.yaml: descriptors[0]: requests_per_unit is 0: every request to PARTNER=acme is refused\n");
  });

  it("prints ok for a config the service would load", async () => {
    const good = write("good.yaml", "domain: d\ndescriptors:\n  - key: k\n    rate_limit: {unit: second, requests_per_unit: 5}\n");
    expect(await trendmaster(["validate", good])).toEqual({ code: 0, stdout: "ok\n", stderr: "" });
  });

  it.each([
    ["no file", ["validate"], "trendmaster validate: no FILE given"],
    ["an unknown option", ["validate", "--strict", "x"], "trendmaster validate: unknown option '--strict'"],
    ["a missing file", ["validate", join(dir, "missing.yaml")], `trendmaster validate: '${join(dir, "missing.yaml")}': file not found`],
    ["an unknown command", ["valdiate"], "trendmaster: unknown command 'valdiate'"],
  ])("exits 2 on %s", async (_name, args, message) => {
    const result = await trendmaster(args);
    expect(result.code).toBe(2);
    expect(result.stderr.split("\n")[0]).toBe(message);
  });
});
