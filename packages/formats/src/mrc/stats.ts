/**
 * Header statistics (DMIN, DMAX, DMEAN, RMS) computed while slabs stream past. RMS is the
 * standard deviation from the mean, as mrcfile computes it: sqrt(mean((x - mean)^2)). Each slab
 * is reduced in float64 in one pass over values shifted by a value near the mean, and slabs are
 * merged with Chan et al.'s parallel formula, so the result depends on how the volume is cut into
 * slabs only in the last bits of a float64 (the header stores float32). Part of our own MRC2014 codec — npm has no
 * MRC2014 library.
 */
import type { VoxelArray } from "../volume.js";
import { float16BitsToFloat32 } from "./float16.js";

export interface MrcStats {
  dmin: number;
  dmax: number;
  dmean: number;
  rms: number;
  count: number;
}

/** Running statistics; `add` each slab in order, `result` at the end. */
export class StreamingStats {
  private count = 0;
  private mean = 0;
  private m2 = 0;
  private min = Infinity;
  private max = -Infinity;
  private nan = false;

  /** Adds voxels; `float16` means `values` holds half-precision bits. */
  add(values: VoxelArray, float16 = false): void {
    const n = values.length;
    if (n === 0) return;
    const v: ArrayLike<number> = float16 ? float16BitsToFloat32(values as Uint16Array) : values;
    // One pass over shifted values: Σ(x − K) and Σ(x − K)² with K near the mean (the running mean,
    // or the slab's first value) stay well conditioned in float64 — a plain Σx² would lose a
    // small spread around a large offset.
    let shift = this.count > 0 ? this.mean : (v[0] as number);
    if (!Number.isFinite(shift)) shift = 0;
    let sum = 0;
    let squares = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let k = 0; k < n; k++) {
      const x = v[k] as number;
      const d = x - shift;
      sum += d;
      squares += d * d;
      if (x < min) min = x;
      if (x > max) max = x;
    }
    if (Number.isNaN(sum)) this.nan = true;
    const mean = shift + sum / n;
    const m2 = Math.max(0, squares - (sum * sum) / n);
    const total = this.count + n;
    const delta = mean - this.mean;
    this.mean += (delta * n) / total;
    this.m2 += m2 + (delta * delta * this.count * n) / total;
    this.count = total;
    if (min < this.min) this.min = min;
    if (max > this.max) this.max = max;
  }

  /** Statistics so far; NaN voxels make every value NaN (as numpy's min/max/mean/std). */
  result(): MrcStats {
    if (this.nan) return { dmin: NaN, dmax: NaN, dmean: NaN, rms: NaN, count: this.count };
    if (this.count === 0) return { dmin: 0, dmax: 0, dmean: 0, rms: 0, count: 0 };
    return { dmin: this.min, dmax: this.max, dmean: this.mean, rms: Math.sqrt(this.m2 / this.count), count: this.count };
  }
}

/** Statistics of one array (convenience over `StreamingStats`). */
export function mrcStats(values: VoxelArray, float16 = false): MrcStats {
  const s = new StreamingStats();
  s.add(values, float16);
  return s.result();
}
