/**
 * The README's quick-start commands, run as a reader runs them: `npm start` left serving, then, in
 * another shell from the repository root, every command the README lists against that one demo,
 * in the README's order. Each must exit 0 and print what the README shows (times, durations,
 * generations and ports masked); where the README shows nothing, its output must have the right
 * shape and bear out the README's `# comment`. The commands come from README.md itself: change one
 * there and this test runs the changed one.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { kubectlPath } from "../support/binaries.js";
import { cliPath, repoRoot } from "../support/paths.js";
import { runProcess, type ProcessResult } from "../support/run-process.js";
import { exportedVariables, npmStartBlock, shownOutputMismatch, trendmasterConsoleCommands, type ReadmeCommand } from "./readme-commands.js";
import { processGroupAlive, quickStartMissing, shellEnv, startServingQuickStart, waitUntil, type RunningQuickStart } from "./running-quick-start.js";

const missing = quickStartMissing();

const readme = readFileSync(join(repoRoot(), "README.md"), "utf8");
const npmStart = npmStartBlock(readme);
const commands = [...npmStart.commands, ...trendmasterConsoleCommands(readme)].sort((a, b) => a.line - b.line);

/** `kubectl edit` opens an editor; here KUBE_EDITOR is a script that does what the README asks a person to do. */
function isInteractive(command: ReadmeCommand): boolean {
  return (command.words[0] ?? "").endsWith("kubectl") && command.words[1] === "edit";
}

/** An editor that sets the first limit in the file kubectl opens to 1 request per unit, far below any band. */
async function writeLimitLoweringEditor(dir: string): Promise<string> {
  const script = join(dir, "lower-first-limit.mjs");
  await writeFile(
    script,
    [
      'import { readFileSync, writeFileSync } from "node:fs";',
      "const file = process.argv[2];",
      'const text = readFileSync(file, "utf8");',
      'const lowered = text.replace(/requests_per_unit: \\d+/, "requests_per_unit: 1");',
      'if (lowered === text) { console.error("no requests_per_unit in " + file); process.exit(1); }',
      "writeFileSync(file, lowered);",
      "",
    ].join("\n"),
  );
  return `${process.execPath} ${script}`;
}

function runReadmeCommand(command: ReadmeCommand, env: Readonly<Record<string, string>>, cwd: string): Promise<ProcessResult> {
  const [program, ...args] = command.words;
  const options = { env: { ...env, ...command.assignments }, cwd, timeoutMs: 60_000 };
  // npx resolves the package's bin (package.json: "trendmaster": "dist/cli/main.js") to that file; run it with this node.
  if (program === "npx" && args[0] === "trendmaster") return runProcess(process.execPath, [cliPath(), ...args.slice(1)], options);
  if (program?.includes("/")) return runProcess(resolve(cwd, program), args, options);
  throw new Error(`README.md:${command.line}: this test runs \`npx trendmaster\` and programs named by path (.cache/bin/kubectl), not: ${command.text}`);
}

function expectSuccess(command: ReadmeCommand, result: ProcessResult): void {
  if (result.code !== 0) throw new Error(`README.md:${command.line}: \`${command.text}\` exited ${result.code}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`);
}

interface Demo {
  readonly env: Record<string, string>;
  readonly cwd: string;
  readonly kubectl: string;
  /** The rule labels of the demo's recommendation table. */
  readonly rules: readonly string[];
}

/** A command the README lists without output, what it must say beside it, and how its output bears that out. */
interface OutputShape {
  readonly applies: (command: ReadmeCommand) => boolean;
  readonly says: RegExp;
  readonly check: (run: () => Promise<ProcessResult>, demo: Demo, command: ReadmeCommand) => Promise<void>;
}

const trendmaster = (verb: string, ...flags: string[]) => (c: ReadmeCommand) => c.words[0] === "npx" && c.words[1] === "trendmaster" && c.words[2] === verb && flags.every((f) => c.words.includes(f));

async function cli(demo: Demo, args: readonly string[]): Promise<string> {
  const result = await runProcess(process.execPath, [cliPath(), ...args], { env: demo.env, cwd: demo.cwd, timeoutMs: 60_000 });
  if (result.code !== 0) throw new Error(`trendmaster ${args.join(" ")} exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}

async function liveConfigMap(demo: Demo): Promise<{ data: Record<string, string>; resourceVersion: string }> {
  const result = await runProcess(demo.kubectl, ["get", "configmap", "ratelimit-config", "-n", "istio-system", "-o", "json"], { env: demo.env, cwd: demo.cwd, timeoutMs: 30_000 });
  if (result.code !== 0) throw new Error(`kubectl get configmap ratelimit-config failed: ${result.stderr}`);
  const object = JSON.parse(result.stdout) as { data?: Record<string, string>; metadata: { resourceVersion: string } };
  return { data: object.data ?? {}, resourceVersion: object.metadata.resourceVersion };
}

/** kubectl's warnings when the webhook raises limits into their band. */
function expectRaisedWarnings(stderr: string): void {
  const warnings = stderr.trim().split("\n");
  expect(warnings.length).toBeGreaterThan(0);
  for (const warning of warnings) expect(warning).toMatch(/^Warning: \S+: \d+\/(second|minute|hour|day) raised to \d+ \(forecast peak \d+\/\w+ on \w{3} \d\d:\d\d\)$/);
}

const SHAPES: readonly OutputShape[] = [
  {
    applies: isInteractive,
    says: /set a limit below its band and watch the webhook raise it/,
    async check(run, demo, command) {
      const result = await run();
      expectSuccess(command, result);
      expect(result.stdout.trim()).toBe("configmap/ratelimit-config edited");
      expectRaisedWarnings(result.stderr);
      // The webhook raised the limit the editor set to 1: none is stored below its band.
      const stored = await liveConfigMap({ ...demo, env: { ...demo.env, ...command.assignments } });
      expect(stored.data["config.yaml"]).not.toMatch(/requests_per_unit: 1\b/);
    },
  },
  {
    applies: (c) => (c.words[0] ?? "").endsWith("/kubectl") && c.words[1] === "apply",
    says: /re-apply the stale limits from Git/,
    async check(run, _demo, command) {
      const result = await run();
      expectSuccess(command, result);
      expect(result.stdout.trim()).toBe("configmap/ratelimit-config configured");
      // The limits in Git are below today's band: the webhook raises them, and kubectl prints why.
      expectRaisedWarnings(result.stderr);
    },
  },
  {
    applies: trendmaster("history"),
    says: /the revisions kept before each change/,
    async check(run, _demo, command) {
      const result = await run();
      expectSuccess(command, result);
      const lines = result.stdout.trimEnd().split("\n");
      const count = Number(/^history of istio-system\/ratelimit-config \((\d+) revision\(s\), newest first; keeping \d+\)$/.exec(lines[0] ?? "")?.[1]);
      expect(count).toBeGreaterThanOrEqual(1);
      // Each revision is the content some change replaced: who replaced it, and when.
      const revisions = lines.flatMap((line, i) => (/^rev \d+ /.test(line) ? [lines[i + 1] ?? ""] : []));
      expect(revisions).toHaveLength(count);
      for (const replaced of revisions) expect(replaced).toMatch(/^\s+replaced at \d{4}-\d\d-\d\dT[\d:.]+Z by \S.*: /);
    },
  },
  {
    applies: trendmaster("run", "--once", "--dry-run"),
    says: /what the next cycle would change/,
    async check(run, demo, command) {
      const before = await liveConfigMap(demo);
      const result = await run();
      expectSuccess(command, result);
      const lines = result.stdout.split("\n");
      const changes = Number(/^cycle generation \d+ on istio-system\/ratelimit-config: dry run: (\d+) change\(s\) not applied \(/.exec(lines[0] ?? "")?.[1]);
      expect(changes).toBeGreaterThan(0);
      const table = lines.indexOf("changes (dry run, not applied):");
      expect(table).toBeGreaterThan(0);
      const end = lines.indexOf("", table);
      expect(lines.slice(table + 2, end)).toHaveLength(changes);
      // Would: nothing was written.
      expect(await liveConfigMap(demo)).toEqual(before);
    },
  },
  {
    applies: trendmaster("rollback"),
    says: /restore the previous revision, byte for byte/,
    async check(run, demo, command) {
      const history = JSON.parse(await cli(demo, ["history", "-o", "json"])) as { revisions: Array<{ revision: number }> };
      const previous = history.revisions[0]?.revision;
      const result = await run();
      expectSuccess(command, result);
      expect(result.stdout.split("\n")[0]).toMatch(new RegExp(`^istio-system/ratelimit-config restored to revision ${previous}; the replaced content is revision \\d+$`));
      expect(result.stderr).not.toMatch(/differs from the revision/);
      const saved = JSON.parse(await cli(demo, ["history", "--show", String(previous), "-o", "json"])) as { data: Record<string, string> };
      expect((await liveConfigMap(demo)).data).toEqual(saved.data);
    },
  },
  {
    applies: trendmaster("report"),
    says: /the report page again/,
    async check(run, demo, command) {
      const result = await run();
      expectSuccess(command, result);
      const written = /^report written to (\S+): (\d+) rules \(\d+ at risk, \d+ changed, \d+ unchanged, \d+ low confidence, \d+ unmapped, \d+ failed\), forecast generation \d+$/.exec(result.stdout.trim());
      expect(written).not.toBeNull();
      expect(Number(written?.[2])).toBe(demo.rules.length);
      const page = await readFile(resolve(demo.cwd, written?.[1] ?? ""), "utf8");
      for (const label of demo.rules) expect(page).toContain(`>${label}</a>`);
    },
  },
];

const describeIf = missing ? describe.skip : describe;
if (missing) describe("README commands", () => it.skip(missing, () => undefined));

describeIf("README commands against the running quick start", () => {
  let demo: RunningQuickStart | undefined;
  let quickStart: RunningQuickStart["process"] | undefined;
  let cwd = "";
  const env = shellEnv();
  let rules: readonly string[] = [];
  let editor = "";

  beforeAll(async () => {
    editor = await writeLimitLoweringEditor(await mkdtemp(join(tmpdir(), "trendmaster-editor-")));
    demo = await startServingQuickStart();
    ({ process: quickStart, cwd, rules } = demo);
  }, 240_000);

  afterAll(() => demo?.close(), 30_000);

  it("`npm start` prints what the README shows, commands included", () => {
    expect(shownOutputMismatch(npmStart.shownOutput, quickStart?.stdout() ?? "")).toBeUndefined();
    expect(rules.length).toBeGreaterThan(0);
  });

  it("`npm start` forecast every rule with high confidence, applied each recommendation and wrote the report page", async () => {
    const lines = (quickStart?.stdout() ?? "").split("\n");
    const header = lines.findIndex((l) => l.startsWith("rule "));
    expect(lines[header]).toMatch(/^rule\s+was\s+forecast peak\s+recommended\s+band\s+confidence\s+now$/);
    const rows = lines.slice(header + 1, header + 1 + rules.length);
    expect(rows.map((r) => r.split(/\s{2,}/)[0])).toEqual(rules);
    expect(rules).toHaveLength(5);
    for (const row of rows) {
      const [, , , recommended, band, confidence, now] = row.split(/\s{2,}/);
      expect(band).toMatch(/^\d+\.\.\d+$/);
      expect(confidence).toBe("high");
      // "now" is what ratelimit-config holds after the cycle: the recommendation, applied.
      expect(`${now}/`).toBe(`${recommended?.split("/")[0]}/`);
    }
    // The report line is printed only once the forecaster answered 200 at /report.
    expect(lines).toContainEqual(expect.stringMatching(/^report: \.cache\/quick-start\/report\.html \(open it in a browser\), served at http:\/\/127\.0\.0\.1:\d+\/report$/));
    const page = await readFile(resolve(cwd, ".cache/quick-start/report.html"), "utf8");
    for (const label of rules) expect(page).toContain(`>${label}</a>`);
  });

  // A README reshaped past what readme-commands.ts reads would otherwise leave nothing to run.
  it("finds the README's commands, some with output shown", () => {
    expect(commands.filter((c) => c.words[0] !== "export").length).toBeGreaterThanOrEqual(9);
    expect(commands.filter((c) => c.shownOutput !== undefined).length).toBeGreaterThanOrEqual(3);
  });

  for (const command of commands) {
    const title = `README.md:${command.line}: ${command.text.replace(/\s+/g, " ")}`;
    if (command.words[0] === "export") {
      it(title, () => {
        const exported = exportedVariables(command);
        // The files it names are the demo's.
        for (const value of Object.values(exported)) if (value.includes("/")) expect(existsSync(resolve(cwd, value))).toBe(true);
        Object.assign(env, exported);
      });
    } else if (command.shownOutput !== undefined) {
      it(title, async () => {
        const result = await runReadmeCommand(command, env, cwd);
        expectSuccess(command, result);
        expect(shownOutputMismatch(command.shownOutput ?? [], result.stdout)).toBeUndefined();
      });
    } else {
      it(title, async () => {
        const shape = SHAPES.find((s) => s.applies(command));
        if (!shape) throw new Error(`README.md:${command.line} shows no output for \`${command.text}\`, and this test has no check of its output: add one to SHAPES`);
        if (!shape.says.test(command.note ?? "")) throw new Error(`README.md:${command.line} says "${command.note ?? ""}" beside \`${command.text}\`; this test checks ${shape.says}: make them agree`);
        const commandEnv = isInteractive(command) ? { ...env, KUBE_EDITOR: editor } : env;
        await shape.check(() => runReadmeCommand(command, commandEnv, cwd), { env, cwd, kubectl: kubectlPath() ?? "", rules }, command);
      });
    }
  }

  it("Ctrl-C stops the demo and everything it started", async () => {
    const child = quickStart?.child;
    const pid = child?.pid;
    if (!child || pid === undefined) throw new Error("the quick start did not start");
    const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
    process.kill(-pid, "SIGINT");
    expect(await exited).toBe(0);
    expect(await waitUntil(() => !processGroupAlive(pid), 10_000)).toBe(true);
    // Nothing on stderr (the quick start's, the webhook's and the forecaster's): output() is stdout and stderr.
    expect(quickStart?.output()).toBe(quickStart?.stdout());
  }, 30_000);
});
