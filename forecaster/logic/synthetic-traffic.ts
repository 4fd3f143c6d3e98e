import type { RuleSeries } from "../traffic.js";

/** A seeded, realistic request series: daily and weekly cycles, noise, and planted events. */
export interface SyntheticTrafficOptions {
  readonly seed: number;
  readonly startMs: number;
  readonly days: number;
  readonly stepSeconds: number;
  /** Mean requests per step at the daily peak on a weekday. */
  readonly peak: number;
  /** Night level as a share of the peak. */
  readonly nightShare?: number;
  /** Weekend level as a share of weekdays. */
  readonly weekendShare?: number;
  /** Relative standard deviation of the noise per step. */
  readonly noise?: number;
  /** Multiplies the value at these step indices (spikes > 1, drops < 1). */
  readonly events?: ReadonlyMap<number, number>;
}

/** mulberry32: a tiny seeded PRNG, so generated tests are reproducible to the last digit. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export function syntheticTraffic(fullKey: string, o: SyntheticTrafficOptions): RuleSeries {
  const random = seededRandom(o.seed);
  const gaussian = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const stepMs = o.stepSeconds * 1000;
  const count = Math.round((o.days * 86_400) / o.stepSeconds);
  const nightShare = o.nightShare ?? 0.2;
  const samples = Array.from({ length: count }, (_v, i) => {
    const timestampMs = o.startMs + i * stepMs;
    const date = new Date(timestampMs);
    const hour = date.getUTCHours() + date.getUTCMinutes() / 60;
    // One smooth bump a day, peaking at 15:00 UTC.
    const daily = nightShare + (1 - nightShare) * Math.max(0, Math.cos(((hour - 15) / 24) * 2 * Math.PI)) ** 2;
    const weekday = date.getUTCDay();
    const weekly = weekday === 0 || weekday === 6 ? (o.weekendShare ?? 0.6) : 1;
    const mean = o.peak * daily * weekly * (o.events?.get(i) ?? 1);
    return { timestampMs, value: Math.max(0, Math.round(mean * (1 + (o.noise ?? 0.05) * gaussian()))) };
  });
  return { fullKey, stepSeconds: o.stepSeconds, samples };
}
