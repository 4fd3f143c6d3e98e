import { alertsForCycle } from "./alerts.js";
import type { CycleReport } from "./cycle-report.js";

const dryRunWithOneChange: CycleReport = {
  outcome: "dry-run",
  dryRun: true,
  startedAt: "2026-01-08T12:00:00.000Z",
  durationMs: 1000,
  target: "istio-system/ratelimit-config",
  generation: 4,
  counts: { changed: 1, unchanged: 0, "low-confidence": 0, unmapped: 0, failed: 0, excluded: 0 },
  changes: [{ fullKey: "edge.PARTNER_acme", label: "PARTNER=acme", unit: "minute", from: 100, to: 150, confidence: "high" }],
  applied: [],
  skipped: [],
  diff: "",
  conflicts: 0,
  unguardedIsNew: false,
  errors: [],
  warnings: [],
  fetchSummary: "",
  accuracy: [],
  throttledShare: [],
};

describe("change messages and the report", () => {
  it("link to the report when report.url is set", () => {
    const [change] = alertsForCycle(dryRunWithOneChange, { reportUrl: "https://trendmaster.example.com/report" });
    expect(change?.kind).toBe("rate_limit_changes");
    expect(change?.body.split("\n").at(-1)).toBe("<https://trendmaster.example.com/report|Open the report>: each rule's traffic, forecast and limits");
  });

  it("say nothing of a report without one", () => {
    const [change] = alertsForCycle(dryRunWithOneChange);
    expect(change?.body).not.toContain("report");
  });
});
