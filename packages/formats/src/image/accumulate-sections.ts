/**
 * Adds whole sections of any `VoxelDType` into a float32 accumulator. The reference converts
 * every tomogram to float32 before writing it (and the key image reads that output), then sums
 * the slab with numpy in float32, section after section. Here: integers round to nearest-even
 * like numpy's `astype(float32)` (Math.fround), float16 arrives as raw half bits (../mrc/float16.ts),
 * and each store into the Float32Array rounds the sum to float32 exactly as numpy's float32 `+`.
 */
import { float16Table } from "../mrc/float16.js";
import type { VoxelArray, VoxelDType } from "../volume.js";
import { NonFiniteVoxelError } from "./errors.js";

/**
 * `into[i] += slab[s * plane + i]` for every section s of `slab` in z order.
 * `width` is only used to report the (y, x) of a non-finite voxel; `firstZ` is the slab's z0.
 */
export function accumulateSections(into: Float32Array, width: number, slab: VoxelArray, dtype: VoxelDType, firstZ: number): void {
  const plane = into.length;
  if (plane === 0) return;
  if (slab.length % plane !== 0) {
    throw new RangeError(`slab of ${slab.length} voxels is not a whole number of ${plane}-voxel sections`);
  }
  const table = dtype === "float16" ? float16Table() : undefined;
  if (table && !(slab instanceof Uint16Array)) throw new TypeError("float16 voxels must arrive as raw half bits in a Uint16Array");
  const sections = slab.length / plane;
  for (let s = 0; s < sections; s++) {
    const base = s * plane;
    for (let i = 0; i < plane; i++) {
      const raw = slab[base + i]!;
      // float64 voxels beyond the float32 range become infinite, as with numpy's astype(float32).
      const value = Math.fround(table ? table[raw]! : raw);
      if (!Number.isFinite(value)) throw new NonFiniteVoxelError(firstZ + s, Math.floor(i / width), i % width, value);
      into[i] = into[i]! + value;
    }
  }
}
