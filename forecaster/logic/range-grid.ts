/**
 * The sampling grid of a TimeRange and how a long range is split into requests.
 * Grid points are startMs + k·step for every point inside [startMs, endMs); the value at a point
 * is the traffic of the step that ends there (what `increase(...[step])` evaluated there returns).
 */
import type { Sample, TimeRange } from "../traffic.js";

/** One query_range request's share of the grid: points firstIndex … firstIndex+points-1. */
export interface RangeChunk {
  readonly firstIndex: number;
  readonly points: number;
  /** query_range `start` and `end` (inclusive), in milliseconds on the grid. */
  readonly startMs: number;
  readonly endMs: number;
}

export function gridPointCount(range: TimeRange): number {
  const stepMs = range.stepSeconds * 1000;
  if (!(stepMs > 0)) throw new RangeError(`step must be positive, got ${range.stepSeconds}s`);
  return Math.max(0, Math.ceil((range.endMs - range.startMs) / stepMs));
}

/**
 * Splits the grid into chunks of at most `maxPoints` points, without overlap. Prometheus rejects a
 * query_range whose (end-start)/step exceeds 11,000, i.e. more than 11,001 points.
 */
export function splitRange(range: TimeRange, maxPoints: number): RangeChunk[] {
  if (!Number.isInteger(maxPoints) || maxPoints < 1) throw new RangeError(`maxPoints must be a positive integer, got ${maxPoints}`);
  const stepMs = range.stepSeconds * 1000;
  const total = gridPointCount(range);
  const chunks: RangeChunk[] = [];
  for (let firstIndex = 0; firstIndex < total; firstIndex += maxPoints) {
    const points = Math.min(maxPoints, total - firstIndex);
    const startMs = range.startMs + firstIndex * stepMs;
    chunks.push({ firstIndex, points, startMs, endMs: startMs + (points - 1) * stepMs });
  }
  return chunks;
}

/** What placing returned points on the grid found. */
export interface GridPlacement {
  readonly samples: Sample[];
  /** Points whose timestamp is not a grid point (e.g. a cache that aligned start to the step). */
  readonly offGrid: number;
  /** Grid points that got a value. */
  readonly filled: number;
}

/** Points as two parallel columns: 10 M points as [t, v] pairs would mostly be garbage collection. */
export interface PointColumns {
  readonly timestampsMs: ArrayLike<number>;
  readonly values: ArrayLike<number>;
}

/** Places points (from one or more responses) on the range's grid; grid points without a value are NaN. */
export function placeOnGrid(range: TimeRange, parts: Iterable<PointColumns>): GridPlacement {
  const stepMs = range.stepSeconds * 1000;
  const total = gridPointCount(range);
  const values = new Float64Array(total).fill(Number.NaN);
  let offGrid = 0;
  let filled = 0;
  for (const part of parts) {
    for (let i = 0; i < part.timestampsMs.length; i++) {
      const index = ((part.timestampsMs[i] ?? Number.NaN) - range.startMs) / stepMs;
      if (!Number.isInteger(index) || index < 0 || index >= total) {
        offGrid++;
        continue;
      }
      if (Number.isNaN(values[index] ?? Number.NaN)) filled++;
      values[index] = part.values[i] ?? Number.NaN;
    }
  }
  const samples: Sample[] = [];
  for (let i = 0; i < total; i++) samples.push({ timestampMs: range.startMs + i * stepMs, value: values[i] ?? Number.NaN });
  return { samples, offGrid, filled };
}
