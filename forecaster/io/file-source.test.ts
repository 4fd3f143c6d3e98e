import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { DescriptorEntry, LimitedRule } from "../../ratelimit/rule.js";
import { limitedRule } from "../../test/support/traffic-fixture.js";
import { FileTrafficSource, trafficCsvFileName } from "./file-source.js";

function rule(...chain: DescriptorEntry[]): LimitedRule {
  return limitedRule("edge", chain, 100);
}

const T0 = Date.UTC(2026, 0, 5);
const range = { startMs: T0, endMs: T0 + 3 * 60_000, stepSeconds: 60 };
const withData = rule({ key: "PARTNER", value: "acme" }, { key: "PATH", value: "/x/ü?q=1" });
const outOfRange = rule({ key: "PARTNER", value: "old" });
const broken = rule({ key: "PARTNER", value: "broken" });
const missing = rule({ key: "PARTNER", value: "missing" });

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "trendmaster-file-source-"));
  const rows = (t: number) => [0, 1, 2].map((k) => `${(t + k * 60_000) / 1000},${10 + k}`).join("\n");
  await writeFile(path.join(dir, trafficCsvFileName(withData.fullKey)), `timestamp,value\n${rows(T0)}\n`);
  await writeFile(path.join(dir, trafficCsvFileName(outOfRange.fullKey)), `timestamp,value\n${rows(T0 - 86_400_000)}\n`);
  await writeFile(path.join(dir, trafficCsvFileName(broken.fullKey)), "timestamp,value\nsoon,1\n");
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe("FileTrafficSource", () => {
  it("names files after the rule's full key, URI-encoded", () => {
    expect(trafficCsvFileName(withData.fullKey)).toBe("edge.PARTNER_acme.PATH_%2Fx%2F%C3%BC%3Fq%3D1.csv");
  });

  it("reads a folder: series, empty, failed and unmapped rules all reported", async () => {
    const progress: number[] = [];
    const report = await new FileTrafficSource({ path: dir }).fetchRules([withData, outOfRange, broken, missing], range, (p) => progress.push(p.rulesDone));
    expect(report.series.get(withData.fullKey)?.samples.map((s) => s.value)).toEqual([10, 11, 12]);
    expect(report.empty).toEqual([outOfRange.fullKey]);
    expect(report.failed).toEqual([{ fullKey: broken.fullKey, error: expect.stringMatching(/line 2: bad timestamp 'soon'$/) }]);
    expect(report.unmapped).toEqual([{ fullKey: missing.fullKey, reason: expect.stringMatching(/^no traffic file .*edge\.PARTNER_missing\.csv$/) }]);
    expect(report.requests).toBe(0);
    expect(progress).toHaveLength(4);
  });

  it("serves one rule from a single file, and says so for the others", async () => {
    const file = path.join(dir, trafficCsvFileName(withData.fullKey));
    const report = await new FileTrafficSource({ path: file, fullKey: withData.fullKey }).fetchRules([withData, missing], range);
    expect([...report.series.keys()]).toEqual([withData.fullKey]);
    expect(report.unmapped).toEqual([{ fullKey: missing.fullKey, reason: expect.stringMatching(/holds rule 'edge\.PARTNER_acme\.PATH_\/x\/ü\?q=1' only$/) }]);
  });

  it("fails every rule with the reason when the path does not exist", async () => {
    const report = await new FileTrafficSource({ path: path.join(dir, "nope") }).fetchRules([withData], range);
    expect(report.failed).toEqual([{ fullKey: withData.fullKey, error: expect.stringMatching(/cannot read traffic path .*: ENOENT$/) }]);
  });

  it("warns when the file is coarser than the requested step", async () => {
    const report = await new FileTrafficSource({ path: dir }).fetchRules([withData], { ...range, stepSeconds: 30, endMs: T0 + 150_000 });
    expect(report.warnings).toEqual([expect.stringMatching(/row every 60s, coarser than the requested 30s step/)]);
  });

  it("tells where a recording ends: the latest row of the rules' files, whatever their order", async () => {
    const source = new FileTrafficSource({ path: dir });
    expect(await source.latestRecordedMs([withData, outOfRange, broken, missing])).toBe(T0 + 2 * 60_000);
    expect(await source.latestRecordedMs([outOfRange])).toBe(T0 - 86_400_000 + 2 * 60_000);
    expect(await source.latestRecordedMs([missing, broken])).toBeUndefined();
    expect(await new FileTrafficSource({ path: path.join(dir, "nowhere") }).latestRecordedMs([withData])).toBeUndefined();
    const unsorted = path.join(dir, "unsorted.csv");
    await writeFile(unsorted, `timestamp,value\n${(T0 + 600_000) / 1000},1\n${T0 / 1000},2\n`);
    expect(await new FileTrafficSource({ path: unsorted, fullKey: withData.fullKey }).latestRecordedMs([withData])).toBe(T0 + 600_000);
  });
});
