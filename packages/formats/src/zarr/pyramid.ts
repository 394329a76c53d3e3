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
  if (factors.x === 2 && factors.y === 2 && (factors.z === 1 || factors.z === 2)) {
    downsampleHalves(src, shape, factors.z, method, out);
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

/**
 * The common case of {@link downsampleSlab} (tomograms 2×2×2, tilt series 1×2×2, masks) without
 * an accumulator plane: each output voxel sums its block in one expression, in the general
 * path's order (z, then y, then x; starting from 0 so -0 voxels give +0 like it), so the results
 * are the same bits.
 */
function downsampleHalves(src: ArrayLike<number>, shape: VolumeShape, fz: 1 | 2, method: "mean" | "any", out: { [index: number]: number }): void {
  const { x: nx, y: ny, z: nz } = shape;
  const ox = Math.ceil(nx / 2);
  const oy = Math.ceil(ny / 2);
  const oz = Math.ceil(nz / fz);
  const pairs = nx >> 1; // output columns with both source columns
  const volume = fz * 4;
  const any = method === "any";
  for (let z = 0; z < oz; z++) {
    const z0 = z * fz;
    const twoPlanes = fz === 2 && z0 + 1 < nz;
    for (let y = 0; y < oy; y++) {
      const y0 = 2 * y;
      const twoRows = y0 + 1 < ny;
      const a = (z0 * ny + y0) * nx;
      const b = a + nx;
      const c = a + ny * nx;
      const d = c + nx;
      const o = (z * oy + y) * ox;
      if (twoPlanes && twoRows) {
        for (let i = 0, x = 0; i < pairs; i++, x += 2) {
          const sum =
            0 +
            (src[a + x] as number) +
            (src[a + x + 1] as number) +
            (src[b + x] as number) +
            (src[b + x + 1] as number) +
            (src[c + x] as number) +
            (src[c + x + 1] as number) +
            (src[d + x] as number) +
            (src[d + x + 1] as number);
          out[o + i] = any ? (sum > 0 ? 1 : 0) : sum / volume;
        }
      } else if (twoRows) {
        for (let i = 0, x = 0; i < pairs; i++, x += 2) {
          const sum = 0 + (src[a + x] as number) + (src[a + x + 1] as number) + (src[b + x] as number) + (src[b + x + 1] as number);
          out[o + i] = any ? (sum > 0 ? 1 : 0) : sum / volume;
        }
      } else if (twoPlanes) {
        for (let i = 0, x = 0; i < pairs; i++, x += 2) {
          const sum = 0 + (src[a + x] as number) + (src[a + x + 1] as number) + (src[c + x] as number) + (src[c + x + 1] as number);
          out[o + i] = any ? (sum > 0 ? 1 : 0) : sum / volume;
        }
      } else {
        for (let i = 0, x = 0; i < pairs; i++, x += 2) {
          const sum = 0 + (src[a + x] as number) + (src[a + x + 1] as number);
          out[o + i] = any ? (sum > 0 ? 1 : 0) : sum / volume;
        }
      }
      if (pairs < ox) {
        // odd width: the last column's block has one source column (the other is zero padding)
        const x = nx - 1;
        let sum = 0 + (src[a + x] as number);
        if (twoRows) sum += src[b + x] as number;
        if (twoPlanes) sum += src[c + x] as number;
        if (twoPlanes && twoRows) sum += src[d + x] as number;
        out[o + pairs] = any ? (sum > 0 ? 1 : 0) : sum / volume;
      }
    }
  }
}

/**
 * Emits consecutive z-planes (`planes` holds `count` whole planes, C order). The sink must copy
 * what it keeps before its promise settles: the buffer is reused for the next planes.
 */
export type PlaneSink = (planes: ZarrTypedArray, count: number) => Promise<void>;

/**
 * Turns a stream of z-slabs of one level into the stream of z-slabs of the next level.
 * Any slab depth is accepted; planes that do not complete a z-block wait for the next slab (or
 * for {@link finish}, which zero-pads the last partial block like the reference).
 */
export class StreamingDownsampler {
  /** Planes that do not complete a z-block yet (fewer than factors.z), in a reused buffer. */
  private pending: ZarrTypedArray | null = null;
  private pendingPlanes = 0;
  /** Reused buffer joining the pending planes with the next slab. */
  private joined: ZarrTypedArray | null = null;
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

  /** `planes` is only read until this resolves. */
  async push(planes: ZarrTypedArray, count: number): Promise<void> {
    let data = planes.subarray(0, count * this.inPlane) as ZarrTypedArray;
    let total = count;
    if (this.pendingPlanes > 0) {
      const voxels = (this.pendingPlanes + count) * this.inPlane;
      const joined = this.joined !== null && this.joined.length >= voxels ? this.joined : allocate(this.dtype, voxels);
      this.joined = joined;
      joined.set((this.pending as ZarrTypedArray).subarray(0, this.pendingPlanes * this.inPlane) as never);
      joined.set(data as never, this.pendingPlanes * this.inPlane);
      data = joined.subarray(0, voxels) as ZarrTypedArray;
      total += this.pendingPlanes;
      this.pendingPlanes = 0;
    }
    const groups = Math.floor(total / this.factors.z);
    const used = groups * this.factors.z;
    if (used < total) {
      this.pending ??= allocate(this.dtype, this.factors.z * this.inPlane);
      this.pending.set(data.subarray(used * this.inPlane, total * this.inPlane) as never);
      this.pendingPlanes = total - used;
    }
    if (groups > 0) await this.emit(data.subarray(0, used * this.inPlane) as ZarrTypedArray, used);
  }

  async finish(): Promise<void> {
    if (this.pendingPlanes > 0) {
      const count = this.pendingPlanes;
      this.pendingPlanes = 0;
      await this.emit((this.pending as ZarrTypedArray).subarray(0, count * this.inPlane) as ZarrTypedArray, count);
    }
    this.pending = null;
    this.joined = null;
  }

  /** The last output buffer: the sink copies what it keeps before it resolves, so it is reused. */
  private out: ZarrTypedArray | null = null;

  private async emit(data: ZarrTypedArray, planes: number): Promise<void> {
    const shape = { z: planes, y: this.input.y, x: this.input.x };
    const outPlanes = Math.ceil(planes / this.factors.z);
    const voxels = outPlanes * this.outPlane;
    const out = this.out !== null && this.out.length === voxels ? this.out : allocate(this.dtype, voxels);
    this.out = null; // not reused if the sink fails half-way
    downsampleSlab(data, shape, this.factors, this.method, out);
    await this.sink(out, outPlanes);
    this.out = out;
  }
}
