// What Prometheus reads from each process's first scrape: one naming scheme for prom-client's
// default process metrics in both binaries, every cycle outcome's counter present at 0 (so the
// first failed cycle is an increase), and the series the dashboard's namespace variable uses.
import { ForecasterMetrics } from "../forecaster/io/metrics.js";
import { createWebhookMetrics } from "../webhook/metrics.js";

function metricNames(exposition: string): Set<string> {
  return new Set(exposition.split("\n").filter((l) => l !== "" && !l.startsWith("#")).map((l) => (/^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(l) ?? [""])[0]));
}

describe("the first scrape", () => {
  it("both binaries export the default process metrics under the same, unprefixed names", async () => {
    const webhook = metricNames(await createWebhookMetrics().registry.metrics());
    const forecaster = metricNames(await new ForecasterMetrics(10).registry.metrics());
    for (const name of ["process_resident_memory_bytes", "process_cpu_seconds_total", "nodejs_heap_size_used_bytes"]) {
      expect([name, webhook.has(name), forecaster.has(name)]).toEqual([name, true, true]);
    }
    expect([...webhook].filter((n) => n.startsWith("trendmaster_webhook_process_") || n.startsWith("trendmaster_webhook_nodejs_"))).toEqual([]);
  });

  it("the forecaster's cycle counter has every outcome at 0, and both cycle gauges exist", async () => {
    const text = await new ForecasterMetrics(10).registry.metrics();
    for (const outcome of ["applied", "no-change", "dry-run", "failed", "aborted"]) expect(text).toContain(`trendmaster_cycles_total{outcome="${outcome}"} 0`);
    expect(text).toMatch(/^trendmaster_last_cycle_timestamp_seconds 0$/m);
    expect(text).toMatch(/^trendmaster_last_success_timestamp_seconds 0$/m);
  });

  it("the webhook exports trendmaster_webhook_forecast_generation before any forecast or admission (the dashboard's namespace variable)", async () => {
    const text = await createWebhookMetrics().registry.metrics();
    expect(text).toMatch(/^trendmaster_webhook_forecast_generation -1$/m);
    expect(text).not.toMatch(/^trendmaster_webhook_admissions_total\{/m);
  });
});
