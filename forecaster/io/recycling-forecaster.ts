/**
 * Replaces the forecast engine (its worker threads) every `recycleEveryRules` rules. The workers'
 * WASM memory only ever grows while they fit models; a fresh pool hands it back, which keeps a
 * 1,000-rule cycle within the pod's memory for about a second of start-up per recycle.
 */
import type { Forecaster } from "../cycle.js";

export interface ClosableForecaster extends Forecaster {
  close(): Promise<void>;
}

export class RecyclingForecaster implements ClosableForecaster {
  #engine: ClosableForecaster | undefined;
  #sinceRecycle = 0;
  #inFlight = 0;
  /** Resolves when the in-flight jobs of the old engine are done and a new one may start. */
  #recycling: Promise<void> | undefined;
  #drained: (() => void) | undefined;

  constructor(
    private readonly create: () => ClosableForecaster,
    private readonly recycleEveryRules: number,
  ) {}

  async forecastRule(job: Parameters<Forecaster["forecastRule"]>[0]): ReturnType<Forecaster["forecastRule"]> {
    while (this.#recycling) await this.#recycling;
    if (this.#engine !== undefined && this.#sinceRecycle >= this.recycleEveryRules) {
      const old = this.#engine;
      this.#engine = undefined;
      this.#recycling = (async () => {
        if (this.#inFlight > 0) await new Promise<void>((resolve) => (this.#drained = resolve));
        await old.close();
        this.#sinceRecycle = 0;
      })().finally(() => {
        this.#recycling = undefined;
      });
      await this.#recycling;
      return this.forecastRule(job);
    }
    this.#engine ??= this.create();
    this.#sinceRecycle += 1;
    this.#inFlight += 1;
    try {
      return await this.#engine.forecastRule(job);
    } finally {
      this.#inFlight -= 1;
      if (this.#inFlight === 0 && this.#drained) {
        const drained = this.#drained;
        this.#drained = undefined;
        drained();
      }
    }
  }

  async close(): Promise<void> {
    while (this.#recycling) await this.#recycling;
    await this.#engine?.close();
    this.#engine = undefined;
  }
}
