/**
 * Downsampling kernels for the OME-Zarr pyramid, matching the CryoET portal's `make_pyramid`
 * (reference §5.2, §5.6):
 *
 * - `mean`: `skimage` `downscale_local_mean` / `block_reduce(np.mean)` — blocks of `factors`
 *   voxels, **zero-padded** at odd edges and divided by the full block volume (so a 3-voxel axis
 *   gives `[(a+b)/2, c/2]` along it). Output shape `ceil(n / f)`. Used for tomograms (2,2,2) and
 *   tilt series (1,2,2).
 * - `any`: semantic segmentation masks — mean then `> 0`, i.e. 1 where any voxel of the
 *   (zero-padded) block sums positive, else 0.
 * - `nearest`: instance (multi-label) masks — striding `data[::fz, ::fy, ::fx]`; labels are never
 *   averaged.
 *
 * Sums are taken in float64 and rounded once to the output type, so a float32 mean is the exactly
 * rounded block mean (the reference's float32 `np.mean` may differ by ≤1 ulp).
 * {@link StreamingDownsampler} feeds the kernels slab by slab, carrying an unpaired z-plane over
 * to the next slab, so a level never has to be held whole.
 */
import type { VolumeShape } from "../volume.js";
import { downsampledShape, type BlockFactors } from "./ngff.js";
import { allocate, type ZarrDType, type ZarrTypedArray } from "./v2-metadata.js";

export type DownsampleMethod = "mean" | "any" | "nearest";

/** Downsample a C-order block `src` of `shape` into `out` (length = product of `downsampledShape`). */
export function downsampleSlab(
  src: ArrayLike<number>,
  shape: VolumeShape,
  factors: BlockFactors,
  method: DownsampleMethod,
  out: { [index: number]: number; length: number },
): void {
  const o = downsampledShape(shape, factors);
  const { x: nx, y: ny } = shape;
  const planeOut = o.y * o.x;
  if (out.length < o.z * planeOut) throw new Error(`downsampleSlab: output has ${out.length} voxels, needs ${o.z * planeOut}`);
  if (method === "nearest") {
    for (let oz = 0; oz < o.z; oz++) {
      for (let oy = 0; oy < o.y; oy++) {
        const srcRow = (oz * factors.z * ny + oy * factors.y) * nx;
        const outRow = (oz * o.y + oy) * o.x;
        for (let ox = 0; ox < o.x; ox++) out[outRow + ox] = src[srcRow + ox * factors.x] as number;
      }
    }
    return;
  }
  const acc = new Float64Array(planeOut);
  const xMap = new Int32Array(nx);
  for (let x = 0; x < nx; x++) xMap[x] = Math.floor(x / factors.x);
  const blockVolume = factors.z * factors.y * factors.x;
  for (let oz = 0; oz < o.z; oz++) {
    acc.fill(0);
    for (let dz = 0; dz < factors.z; dz++) {
      const z = oz * factors.z + dz;
      if (z >= shape.z) break; // zero padding: missing planes add nothing
      for (let y = 0; y < ny; y++) {
        const accRow = Math.floor(y / factors.y) * o.x;
        const base = (z * ny + y) * nx;
        if (factors.x === 2) {
          let x = 0;
          for (; x + 1 < nx; x += 2) {
            const i = accRow + (x >> 1);
            acc[i] = (acc[i] as number) + (src[base + x] as number) + (src[base + x + 1] as number);
          }
          if (x < nx) {
            const i = accRow + (x >> 1);
            acc[i] = (acc[i] as number) + (src[base + x] as number);
          }
        } else {
          for (let x = 0; x < nx; x++) {
            const i = accRow + (xMap[x] as number);
            acc[i] = (acc[i] as number) + (src[base + x] as number);
          }
        }
      }
    }
    const outBase = oz * planeOut;
    if (method === "mean") for (let i = 0; i < planeOut; i++) out[outBase + i] = (acc[i] as number) / blockVolume;
    else for (let i = 0; i < planeOut; i++) out[outBase + i] = (acc[i] as number) > 0 ? 1 : 0;
  }
}

/** Emits consecutive z-planes (`planes` holds `count` whole planes, C order). */
export type PlaneSink = (planes: ZarrTypedArray, count: number) => Promise<void>;

/**
 * Turns a stream of z-slabs of one level into the stream of z-slabs of the next level.
 * Any slab depth is accepted; planes that do not complete a z-block wait for the next slab (or
 * for {@link finish}, which zero-pads the last partial block like the reference).
 */
export class StreamingDownsampler {
  private pending: ZarrTypedArray | null = null;
  private pendingPlanes = 0;
  private readonly outPlane: number;
  private readonly inPlane: number;

  constructor(
    private readonly input: VolumeShape,
    private readonly factors: BlockFactors,
    private readonly method: DownsampleMethod,
    private readonly dtype: ZarrDType,
    private readonly sink: PlaneSink,
  ) {
    const o = downsampledShape(input, factors);
    this.inPlane = input.y * input.x;
    this.outPlane = o.y * o.x;
  }

  async push(planes: ZarrTypedArray, count: number): Promise<void> {
    let data = planes.subarray(0, count * this.inPlane) as ZarrTypedArray;
    let total = count;
    if (this.pending !== null) {
      const joined = allocate(this.dtype, (this.pendingPlanes + count) * this.inPlane);
      joined.set(this.pending.subarray(0, this.pendingPlanes * this.inPlane) as never);
      joined.set(data as never, this.pendingPlanes * this.inPlane);
      data = joined;
      total += this.pendingPlanes;
      this.pending = null;
      this.pendingPlanes = 0;
    }
    const groups = Math.floor(total / this.factors.z);
    const used = groups * this.factors.z;
    if (used < total) {
      this.pendingPlanes = total - used;
      this.pending = data.slice(used * this.inPlane, total * this.inPlane) as ZarrTypedArray;
    }
    if (groups > 0) await this.emit(data.subarray(0, used * this.inPlane) as ZarrTypedArray, used);
  }

  async finish(): Promise<void> {
    if (this.pending !== null) {
      const data = this.pending;
      const count = this.pendingPlanes;
      this.pending = null;
      this.pendingPlanes = 0;
      await this.emit(data, count);
    }
  }

  private async emit(data: ZarrTypedArray, planes: number): Promise<void> {
    const shape = { z: planes, y: this.input.y, x: this.input.x };
    const outPlanes = Math.ceil(planes / this.factors.z);
    const out = allocate(this.dtype, outPlanes * this.outPlane);
    downsampleSlab(data, shape, this.factors, this.method, out);
    await this.sink(out, outPlanes);
  }
}
