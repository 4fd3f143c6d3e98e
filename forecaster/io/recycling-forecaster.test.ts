import { RecyclingForecaster, type ClosableForecaster } from "./recycling-forecaster.js";
import { TableForecaster } from "../../test/fakes/cycle-fakes.js";
import { flatSeries } from "../../test/fakes/cycle-fakes.js";
import { DEFAULT_FORECAST_SETTINGS } from "../logic/settings.js";

describe("RecyclingForecaster", () => {
  it("replaces the engine every N rules, only once its jobs are done", async () => {
    const log: string[] = [];
    let n = 0;
    const create = (): ClosableForecaster => {
      const id = ++n;
      let inFlight = 0;
      const table = new TableForecaster({});
      log.push(`create ${id}`);
      return {
        forecastRule: async (job) => {
          inFlight++;
          await new Promise((r) => setTimeout(r, 5));
          inFlight--;
          return table.forecastRule(job);
        },
        close: async () => void log.push(`close ${id} with ${inFlight} in flight`),
      };
    };
    const recycling = new RecyclingForecaster(create, 3);
    const job = (k: number) => ({ fullKey: `r${k}`, unit: "minute" as const, currentLimit: 1, series: flatSeries(`r${k}`, { startMs: 0, endMs: 600_000, stepSeconds: 300 }, 1), settings: DEFAULT_FORECAST_SETTINGS, nowMs: 0 });
    const answers = await Promise.all(Array.from({ length: 7 }, (_, k) => recycling.forecastRule(job(k))));
    await recycling.close();
    expect(answers).toHaveLength(7);
    expect(log).toEqual(["create 1", "close 1 with 0 in flight", "create 2", "close 2 with 0 in flight", "create 3", "close 3 with 0 in flight"]);
  });
});
