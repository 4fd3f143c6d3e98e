import { encodeForecastCache, type ConfigMapPayload } from "../../ratelimit/forecast-cache.js";
import { forecastCache } from "../test-support/admission-fixtures.js";
import { createWatchedForecastSource, type ConfigMapAccess } from "./watched-forecast-source.js";

/** An in-memory ConfigMap with a watch the test drives by hand. */
class FakeConfigMapAccess implements ConfigMapAccess {
  stored: ConfigMapPayload | undefined;
  reads = 0;
  failReads = false;
  emit: ((type: string, cm: ConfigMapPayload | undefined) => void) | undefined;
  end: ((error?: unknown) => void) | undefined;
  async read() {
    this.reads++;
    if (this.failReads) throw new Error("connection refused");
    return this.stored;
  }
  async watch(onEvent: (type: string, cm: ConfigMapPayload | undefined) => void, onDone: (error?: unknown) => void) {
    this.emit = onEvent;
    this.end = onDone;
    return { abort: () => undefined };
  }
}

describe("createWatchedForecastSource", () => {
  it("reads, follows watch events and re-lists after the watch ends", async () => {
    const access = new FakeConfigMapAccess();
    access.stored = encodeForecastCache(forecastCache({}, 3));
    const timers: Array<() => void> = [];
    const source = createWatchedForecastSource(access, { setTimer: (callback) => (timers.push(callback), {}) });
    expect(source.current()).toEqual({ state: "unknown" });
    await source.start();
    expect(source.current()).toMatchObject({ state: "loaded", cache: { generation: 3 } });
    access.emit?.("MODIFIED", encodeForecastCache(forecastCache({}, 4)));
    expect(source.current()).toMatchObject({ state: "loaded", cache: { generation: 4 } });
    access.emit?.("MODIFIED", { data: { "forecast.json": "{" } });
    expect(source.current()).toMatchObject({ state: "unreadable" });
    access.emit?.("DELETED", undefined);
    expect(source.current()).toEqual({ state: "absent" });
    access.stored = encodeForecastCache(forecastCache({}, 5));
    access.end?.(new Error("410 Gone"));
    expect(timers).toHaveLength(1);
    timers[0]?.();
    await new Promise((resolve) => setImmediate(resolve));
    expect(source.current()).toMatchObject({ state: "loaded", cache: { generation: 5 } });
  });

  it("knows there is no cache when the ConfigMap does not exist, and stays unknown while the API is unreachable", async () => {
    const access = new FakeConfigMapAccess();
    const errors: string[] = [];
    const source = createWatchedForecastSource(access, { onError: (m) => errors.push(m), setTimer: () => ({}) });
    access.failReads = true;
    await source.refresh();
    expect(source.current()).toEqual({ state: "unknown" });
    expect(errors).toEqual(["reading the forecast cache: connection refused"]);
    access.failReads = false;
    await source.refresh();
    expect(source.current()).toEqual({ state: "absent" });
  });

  it("shares one read between concurrent refreshes", async () => {
    const access = new FakeConfigMapAccess();
    const source = createWatchedForecastSource(access);
    await Promise.all([source.refresh(), source.refresh(), source.refresh()]);
    expect(access.reads).toBe(1);
  });
});
