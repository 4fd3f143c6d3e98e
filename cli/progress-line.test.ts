import { progressLine, terminalProgress } from "./progress-line.js";

describe("the cycle's progress line", () => {
  it.each([
    [{ rulesDone: 0, rulesTotal: 1000, elapsedMs: 800 }, "fetched and forecast 0 of 1000 rules, 1 s"],
    [{ rulesDone: 400, rulesTotal: 1000, elapsedMs: 24_000 }, "fetched and forecast 400 of 1000 rules, 24 s, about 36 s left"],
    [{ rulesDone: 100, rulesTotal: 1000, elapsedMs: 15_000 }, "fetched and forecast 100 of 1000 rules, 15 s, about 2 min 15 s left"],
    [{ rulesDone: 1000, rulesTotal: 1000, elapsedMs: 61_000 }, "fetched and forecast 1000 of 1000 rules, 1 min 01 s"],
  ])("%o", (snapshot, line) => expect(progressLine(snapshot)).toBe(line));

  it("rewrites one terminal line in place and ends it with a newline", () => {
    let now = 1_000;
    let out = "";
    const progress = terminalProgress((t) => (out += t), () => now);
    now += 10_000;
    progress.update({ rulesDone: 100, rulesTotal: 200 });
    now += 10_000;
    progress.update({ rulesDone: 200, rulesTotal: 200 });
    progress.end();
    expect(out).toBe("\rfetched and forecast 100 of 200 rules, 10 s, about 10 s left\x1b[K\rfetched and forecast 200 of 200 rules, 20 s\x1b[K\n");
  });

  it("says nothing at the end when it never showed a line", () => {
    let out = "";
    terminalProgress((t) => (out += t), () => 0).end();
    expect(out).toBe("");
  });
});
