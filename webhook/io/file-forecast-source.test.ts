import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { encodeForecastCache } from "../../ratelimit/forecast-cache.js";
import { forecastCache } from "../test-support/admission-fixtures.js";
import { createFileForecastSource, decodeForecastFile } from "./file-forecast-source.js";

describe("decodeForecastFile", () => {
  const cache = forecastCache({ "edge.A": { band: { min: 1, max: 2 } } }, 9);
  const json = encodeForecastCache(cache).data?.["forecast.json"] as string;
  it.each<[string, Buffer]>([
    ["forecast.json", Buffer.from(json)],
    ["forecast.json.gz", gzipSync(JSON.stringify(cache))],
    ["a ConfigMap manifest (YAML)", Buffer.from(`apiVersion: v1\nkind: ConfigMap\nmetadata: {name: trendmaster-forecast}\ndata:\n  forecast.json: '${json.replace(/\n/g, "")}'\n`)],
    ["a ConfigMap manifest (JSON)", Buffer.from(JSON.stringify({ kind: "ConfigMap", data: { "forecast.json": json } }))],
  ])("reads %s", (_name, bytes) => expect(decodeForecastFile(bytes).generation).toBe(9));
});

describe("createFileForecastSource", () => {
  const dir = mkdtempSync(join(tmpdir(), "tm-forecast-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("is absent without the file, unreadable with a broken one, loaded after a refresh", async () => {
    const path = join(dir, "forecast.json");
    const source = createFileForecastSource(path);
    expect(await source.refresh()).toEqual({ state: "absent" });
    writeFileSync(path, "{nope");
    expect((await source.refresh()).state).toBe("unreadable");
    writeFileSync(path, encodeForecastCache(forecastCache({}, 2)).data?.["forecast.json"] as string);
    expect(await source.refresh()).toMatchObject({ state: "loaded", cache: { generation: 2 } });
  });
});
