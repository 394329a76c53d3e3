/**
 * Streaming resampling of volumes to a target shape, as the portal's mask import does it:
 * - `resizeLocalMean`: scikit-image's `resize_local_mean(image, shape, grid_mode=True,
 *   preserve_range=True)`: every output voxel is the overlap-weighted mean of the input voxels its
 *   footprint covers (separable, one weight matrix per axis, rows summing to 1);
 * - `zoomNearest`: SciPy's `ndimage.zoom(image, new/old, order=0)` (grid_mode=False): output
 *   index o samples input coordinate o·(old-1)/(new-1), rounded half up.
 * Both read the source slab by slab in z order and keep only the input planes the current output
 * planes need, so memory is a few planes whatever the volume size. Written here because no npm
 * package does either on volumes; checked against scikit-image and SciPy in the tests.
 * Values are computed in float64 (scikit-image works in float32 for float32 inputs: results can
 * differ from it only in the last float32 bit, which matters only to a threshold equal to them).
 */
import type { SlabSource, VolumeShape, VoxelArray } from "../volume.js";

type Axis = "z" | "y" | "x";
const AXES: readonly Axis[] = ["z", "y", "x"];

/** Weights of one axis: for output index k, the input indices `start..start+w.length-1` and their weights. */
interface AxisWeights {
  start: Int32Array;
  weights: Float64Array[];
}

/** scikit-image `_local_mean_weights(old, new, grid_mode=True)`, with numpy.linspace's break points. */
export function localMeanWeights(oldSize: number, newSize: number): AxisWeights {
  const step = oldSize / newSize;
  const newBreak = (i: number) => (i === newSize ? oldSize : i * step);
  const start = new Int32Array(newSize);
  const weights: Float64Array[] = [];
  for (let k = 0; k < newSize; k++) {
    const lo = newBreak(k);
    const hi = newBreak(k + 1);
    const j0 = Math.max(0, Math.floor(lo));
    const j1 = Math.min(oldSize - 1, Math.ceil(hi) - 1);
    const w: number[] = [];
    let sum = 0;
    for (let j = j0; j <= j1; j++) {
      const v = Math.max(Math.min(hi, j + 1) - Math.max(lo, j), 0);
      w.push(v);
      sum += v;
    }
    start[k] = j0;
    weights.push(Float64Array.from(w, (v) => v / sum));
  }
  return { start, weights };
}

/** SciPy `zoom(order=0)` source index of each output index along one axis. */
export function zoomNearestIndex(oldSize: number, newSize: number): Int32Array {
  const zoom = newSize > 1 ? (oldSize - 1) / (newSize - 1) : 1;
  const out = new Int32Array(newSize);
  for (let o = 0; o < newSize; o++) out[o] = Math.min(oldSize - 1, Math.max(0, Math.floor(o * zoom + 0.5)));
  return out;
}

function checkShape(shape: VolumeShape, what: string): void {
  for (const a of AXES) if (!Number.isInteger(shape[a]) || shape[a] < 1) throw new Error(`${what}: ${a} must be a positive integer, got ${shape[a]}`);
}

/** Reads source planes in z order, caching the (transformed) planes still needed. */
class PlaneCache<T> {
  private readonly planes = new Map<number, T>();
  private nextRead = 0;

  constructor(
    private readonly source: SlabSource,
    private readonly transform: (plane: VoxelArray, offset: number) => T,
  ) {}

  async get(j0: number, j1: number): Promise<T[]> {
    for (const key of [...this.planes.keys()]) if (key < j0) this.planes.delete(key);
    if (j1 >= this.nextRead) {
      const from = Math.max(this.nextRead, j0);
      const plane = this.source.shape.y * this.source.shape.x;
      // read ahead a few planes at a time: each readSlab is a ranged read or a decode
      const to = Math.min(this.source.shape.z, Math.max(j1 + 1, from + Math.max(1, Math.floor((8 << 20) / (plane * 4)))));
      const slab = await this.source.readSlab(from, to);
      for (let j = from; j < to; j++) this.planes.set(j, this.transform(slab, (j - from) * plane));
      this.source.release?.(slab);
      this.nextRead = to;
    }
    const out: T[] = [];
    for (let j = j0; j <= j1; j++) {
      const p = this.planes.get(j);
      if (p === undefined) throw new Error(`resampled volume read out of order (plane ${j} is gone)`);
      out.push(p);
    }
    return out;
  }
}

function float64Output(shape: VolumeShape, z0: number, z1: number): Float64Array {
  return new Float64Array((z1 - z0) * shape.y * shape.x);
}

/** scikit-image `resize_local_mean` of `source` to `shape`, as float64 slabs. */
export function resizeLocalMean(source: SlabSource, shape: VolumeShape): SlabSource {
  checkShape(shape, "resizeLocalMean target");
  const inS = source.shape;
  return separableResize(source, shape, localMeanWeights(inS.z, shape.z), localMeanWeights(inS.y, shape.y), localMeanWeights(inS.x, shape.x));
}

/** `ndimage.zoom(order=0)` of `source` to `shape`, as float64 slabs: one weight of 1 per output voxel (values copied, never mixed). */
export function zoomNearest(source: SlabSource, shape: VolumeShape): SlabSource {
  checkShape(shape, "zoomNearest target");
  const inS = source.shape;
  const oneHot = (oldSize: number, newSize: number): AxisWeights => {
    const start = zoomNearestIndex(oldSize, newSize);
    const one = Float64Array.of(1);
    return { start, weights: Array.from(start, () => one) };
  };
  return separableResize(source, shape, oneHot(inS.z, shape.z), oneHot(inS.y, shape.y), oneHot(inS.x, shape.x));
}

/** Output voxels as weighted sums of input voxels, one weight list per axis (separable), plane by plane in z. */
function separableResize(source: SlabSource, shape: VolumeShape, wz: AxisWeights, wy: AxisWeights, wx: AxisWeights): SlabSource {
  const inS = source.shape;
  // each input plane is resized in y and x once, then output planes mix them along z
  const resizePlane = (slab: VoxelArray, off: number): Float64Array => {
    const rows = new Float64Array(shape.y * inS.x);
    for (let ky = 0; ky < shape.y; ky++) {
      const w = wy.weights[ky]!;
      const s = wy.start[ky]!;
      const row = ky * inS.x;
      for (let t = 0; t < w.length; t++) {
        const src = off + (s + t) * inS.x;
        const f = w[t]!;
        for (let x = 0; x < inS.x; x++) rows[row + x]! += f * slab[src + x]!;
      }
    }
    const out = new Float64Array(shape.y * shape.x);
    for (let ky = 0; ky < shape.y; ky++) {
      for (let kx = 0; kx < shape.x; kx++) {
        const w = wx.weights[kx]!;
        const s = wx.start[kx]!;
        let v = 0;
        for (let t = 0; t < w.length; t++) v += w[t]! * rows[ky * inS.x + s + t]!;
        out[ky * shape.x + kx] = v;
      }
    }
    return out;
  };
  const cache = new PlaneCache(source, resizePlane);
  return {
    shape: { ...shape },
    dtype: "float64",
    voxelSize: source.voxelSize,
    async readSlab(z0, z1) {
      const out = float64Output(shape, z0, z1);
      const plane = shape.y * shape.x;
      for (let k = z0; k < z1; k++) {
        const w = wz.weights[k]!;
        const s = wz.start[k]!;
        const planes = await cache.get(s, s + w.length - 1);
        const o = (k - z0) * plane;
        for (let t = 0; t < w.length; t++) {
          const p = planes[t]!;
          const f = w[t]!;
          for (let i = 0; i < plane; i++) out[o + i]! += f * p[i]!;
        }
      }
      return out;
    },
    close: () => source.close(),
  };
}

export function sameShape(a: VolumeShape, b: VolumeShape): boolean {
  return a.x === b.x && a.y === b.y && a.z === b.z;
}
