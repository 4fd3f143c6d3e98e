/** How readme-commands.ts reads the README (and walkthrough-commands.ts the walkthrough): command lines, console blocks, and shown output as patterns. */
import { consoleCommands, exportedVariables, npmStartBlock, parseShellLine, shownExitCode, shownOutputMismatch, trendmasterConsoleCommands } from "./readme-commands.js";
import { asTerminalShows, walkthroughShell } from "./walkthrough-commands.js";

describe("parseShellLine", () => {
  it("splits assignments, words, quotes and the comment", () => {
    expect(parseShellLine(`KUBECONFIG=a/b DRY_RUN=true npx trendmaster rollback --reason "undo the demo's cycle" --to '2'   # restore it`)).toEqual({
      assignments: { KUBECONFIG: "a/b", DRY_RUN: "true" },
      words: ["npx", "trendmaster", "rollback", "--reason", "undo the demo's cycle", "--to", "2"],
      comment: "restore it",
    });
    expect(parseShellLine("npx trendmaster history")).toEqual({ assignments: {}, words: ["npx", "trendmaster", "history"], comment: undefined });
    // `#` inside a word is not a comment.
    expect(parseShellLine("kubectl get cm#1").words).toEqual(["kubectl", "get", "cm#1"]);
  });

  it("refuses what needs a real shell", () => {
    for (const line of ["a | b", "a > out", "echo $HOME", "a; b", "a && b", 'echo "$X"', "echo `date`", "a \\", "echo 'open"]) expect(() => parseShellLine(line)).toThrow();
  });
});

describe("shownOutputMismatch", () => {
  const shown = ["cycle generation 3 on x: dry run: 5 change(s) not applied (5 changed) in 2.1s", "..."];

  it("masks generations, durations, times and ports, and nothing else", () => {
    expect(shownOutputMismatch(shown, "cycle generation 12 on x: dry run: 5 change(s) not applied (5 changed) in 0.4s\nmore\nlines\n")).toBeUndefined();
    expect(shownOutputMismatch(shown, "cycle generation 3 on x: dry run: 4 change(s) not applied (5 changed) in 2.1s\n")).toMatch(/^the README's line "cycle generation 3 .*" has no counterpart; the program printed:\ncycle generation 3 .* 4 change\(s\)/);
    expect(shownOutputMismatch(shown, "cycle generation 3 on x: dry-run: 5 change(s) not applied (5 changed) in 2.1s\n")).toBeDefined();
    expect(shownOutputMismatch(["up to 2026-12-03T14:40Z, peak at 2026-12-04T12:40:00.000Z", "Cycle finished in 3.1 s.", "served at http://127.0.0.1:38501/report"], "up to 2027-01-07T14:40Z, peak at 2027-01-08T09:05:00.000Z\nCycle finished in 12.0 s.\nserved at http://127.0.0.1:40001/report")).toBeUndefined();
    expect(shownOutputMismatch(["served at http://127.0.0.1:38501/report"], "served at http://127.0.0.2:38501/report")).toBeDefined();
  });

  it("masks the pod name between the writer and its generation, nowhere else", () => {
    const shown = ["         replaced at 2026-11-26T14:43:17.826Z by trendmaster-forecaster vm generation 2: 2 limits"];
    expect(shownOutputMismatch(shown, "         replaced at 2026-12-03T15:00:01.002Z by trendmaster-forecaster trendmaster-ai-5f7c9-x2x generation 7: 2 limits")).toBeUndefined();
    expect(shownOutputMismatch(shown, "         replaced at 2026-12-03T15:00:01.002Z by kubectl-edit vm generation 2: 2 limits")).toBeDefined();
    expect(shownOutputMismatch(shown, "         replaced at 2026-12-03T15:00:01.002Z by trendmaster-forecaster vm generation 2: 3 limits")).toBeDefined();
  });

  it("names the page whose line has no counterpart", () => {
    expect(shownOutputMismatch(["ok"], "no", "docs/walkthrough.md")).toMatch(/^docs\/walkthrough.md's line "ok" has no counterpart/);
  });

  it("matches line for line: `...` stands for any lines, nothing else is skipped", () => {
    expect(shownOutputMismatch(["ok"], "ok\n")).toBeUndefined();
    expect(shownOutputMismatch(["ok"], "ok\nmore\n")).toMatch(/^the program printed more lines than the README shows/);
    expect(shownOutputMismatch(["ok"], "")).toBeDefined();
    expect(shownOutputMismatch(["a", "  ...", "d"], "a\nb\nc\nd")).toBeUndefined();
    expect(shownOutputMismatch(["a", "...", "d"], "a\nd")).toBeUndefined();
    expect(shownOutputMismatch(["a", "...", "d"], "a\nb\nc")).toMatch(/^the README's line "d" has no counterpart/);
    expect(shownOutputMismatch(["a", "d"], "a\nb\nd")).toBeDefined();
  });
});

describe("README blocks", () => {
  const readme = [
    "```console",
    "$ npm start",
    "Running...",
    "",
    "Why:",
    "  rule.one: 5/minute",
    "  ...",
    "",
    "Try this:",
    "  KUBECONFIG=k .cache/bin/kubectl apply -f x.yaml",
    "  npx trendmaster history   # the revisions",
    "```",
    "",
    "```console",
    "$ DRY_RUN=true npx trendmaster run --once",
    "cycle ...",
    "...",
    "$ npx trendmaster validate x.yaml",
    "ok",
    "```",
    "",
    "```console",
    "$ kubectl apply -f x.yaml",
    "configmap/x configured",
    "```",
    "",
  ].join("\n");

  it("lists the `$ npm start` block's commands outside its explanations, each with its comment or the sentence above it", () => {
    const block = npmStartBlock(readme);
    expect(block.shownOutput[0]).toBe("Running...");
    expect(block.commands.map((c) => [c.line, c.words.join(" "), c.note])).toEqual([
      [10, ".cache/bin/kubectl apply -f x.yaml", "Try this:"],
      [11, "npx trendmaster history", "the revisions"],
    ]);
  });

  it("takes every other block's `$` line, in order, with the output shown below it", () => {
    expect(consoleCommands(readme).map((c) => [c.line, c.text, c.shownOutput])).toEqual([
      [15, "DRY_RUN=true npx trendmaster run --once", ["cycle ...", "..."]],
      [18, "npx trendmaster validate x.yaml", ["ok"]],
      [23, "kubectl apply -f x.yaml", ["configmap/x configured"]],
    ]);
  });

  it("takes each other block's `npx trendmaster` lines with the output below them, and no other command", () => {
    expect(trendmasterConsoleCommands(readme).map((c) => [c.line, c.assignments, c.words.slice(2).join(" "), c.shownOutput])).toEqual([
      [15, { DRY_RUN: "true" }, "run --once", ["cycle ...", "..."]],
      [18, {}, "validate x.yaml", ["ok"]],
    ]);
  });
});

describe("shown exit codes and exports", () => {
  it("reads a last `exit N` line as the exit code, else 0", () => {
    expect(shownExitCode(["denied", "exit 1", ""])).toEqual({ output: ["denied"], code: 1 });
    expect(shownExitCode(["configured"])).toEqual({ output: ["configured"], code: 0 });
    expect(shownExitCode([])).toEqual({ output: [], code: 0 });
    expect(shownExitCode(["exit 3", "more"]).code).toBe(0);
  });

  it("reads what an export line sets", () => {
    expect(exportedVariables(parseShellLine("export A=a/b B= C='c d'"))).toEqual({ A: "a/b", B: "", C: "c d" });
    expect(() => exportedVariables(parseShellLine("export A"))).toThrow();
    expect(() => exportedVariables(parseShellLine("A=b"))).toThrow();
  });
});

describe("the walkthrough's shell", () => {
  it("reads the intro's export line and the programs it names, across line breaks", () => {
    const page = ["# Walkthrough", "", "Run these (`export KUBECONFIG=.cache/k", "POD_NAMESPACE=ns`; `kubectl` below", "is `.cache/bin/kubectl`).", "", "## 1. Later", "`helm` below is `nope`"].join("\n");
    expect(walkthroughShell(page)).toEqual({ exported: { KUBECONFIG: ".cache/k", POD_NAMESPACE: "ns" }, programs: { kubectl: ".cache/bin/kubectl" } });
    expect(() => walkthroughShell("# No shell\n\n## 1.\n`export A=b`")).toThrow(/no `export/);
  });

  it("shows what a terminal shows: the last rewrite of a line, no escape sequences", () => {
    expect(asTerminalShows("\rfetched 1 of 5\x1b[K\rfetched 5 of 5, 2 s\x1b[K\ncycle done\n")).toBe("fetched 5 of 5, 2 s\ncycle done\n");
  });
});
