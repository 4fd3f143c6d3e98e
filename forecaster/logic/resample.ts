import type { PreparedSeries } from "./series-prep.js";

/**
 * Sums blocks of `factor` steps into one coarser step, blocks aligned so the last one ends at the
 * series' end (the forecast origin): no partial block at the edge that matters. Leading steps
 * that do not fill a block are dropped. Anomalies stay as found at the original step.
 */
export function aggregateSeries(prepared: PreparedSeries, factor: number): PreparedSeries {
  if (factor <= 1) return prepared;
  const blocks = Math.floor(prepared.raw.length / factor);
  const offset = prepared.raw.length - blocks * factor;
  const raw = new Float64Array(blocks);
  const clean = new Float64Array(blocks);
  const imputed = new Uint8Array(blocks);
  for (let b = 0; b < blocks; b++) {
    for (let k = 0; k < factor; k++) {
      const i = offset + b * factor + k;
      raw[b]! += prepared.raw[i]!;
      clean[b]! += prepared.clean[i]!;
      if (prepared.imputed[i]) imputed[b] = 1;
    }
  }
  return {
    ...prepared,
    startMs: prepared.startMs + offset * prepared.stepSeconds * 1000,
    stepSeconds: prepared.stepSeconds * factor,
    raw,
    clean,
    imputed,
  };
}

/** Drops everything before `index`: the kept series starts there. */
export function sliceSeries(prepared: PreparedSeries, from: number, to = prepared.raw.length): PreparedSeries {
  return {
    ...prepared,
    startMs: prepared.startMs + from * prepared.stepSeconds * 1000,
    raw: prepared.raw.subarray(from, to),
    clean: prepared.clean.subarray(from, to),
    imputed: prepared.imputed.subarray(from, to),
  };
}
