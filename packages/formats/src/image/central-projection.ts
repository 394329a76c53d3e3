/**
 * The central z-projection of a tomogram, as the reference's `project_slab`
 * (common/make_key_image.py): `z_min = nz // 2 - depth // 2`, `z_max = z_min + depth` (depth 40),
 * the slab's sections **summed** (not averaged) in float32.
 *
 * One deliberate difference: for volumes thinner than the depth the reference slices with a
 * negative `z_min`, which Python wraps around (nz = 30 projects only sections 25..29, nz = 39
 * only section 38). We clamp instead: a volume of at most `depth` sections is projected whole.
 *
 * Only the slab's sections are read, a few at a time (bounded by `maxReadBytes`), so memory is
 * one float32 plane plus one read.
 */
import type { SlabSource, VoxelDType } from "../volume.js";
import { KeyImageError } from "./errors.js";
import { accumulateSections } from "./accumulate-sections.js";

/** The reference's projection depth (`projection_depth=40` in importers/key_image.py). */
export const KEY_IMAGE_PROJECTION_DEPTH = 40;

/** A 2-D float32 image, C order (index = y * width + x). */
export interface Projection {
  width: number;
  height: number;
  data: Float32Array;
  /** Sections summed: [z0, z1). */
  zRange: [number, number];
}

export interface CentralProjectionOptions {
  /** Sections to sum around the centre (default 40). */
  depth?: number;
  /** Upper bound on the bytes of one `readSlab` call (default 16 MiB; at least one section is read). */
  maxReadBytes?: number;
}

const BYTES_PER_VOXEL: Record<VoxelDType, number> = {
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  float16: 2,
  int32: 4,
  uint32: 4,
  float32: 4,
  float64: 8,
};

/** The sections [z0, z1) the reference sums for a volume of `nz` sections (clamped, see above). */
export function centralSlabRange(nz: number, depth: number = KEY_IMAGE_PROJECTION_DEPTH): [number, number] {
  if (!Number.isInteger(nz) || nz < 1) throw new KeyImageError(`key image: the volume has ${nz} sections; need at least 1`);
  if (!Number.isInteger(depth) || depth < 1) throw new KeyImageError(`key image: projection depth must be a positive integer, got ${depth}`);
  const zMin = Math.floor(nz / 2) - Math.floor(depth / 2);
  return [Math.max(0, zMin), Math.min(nz, zMin + depth)];
}

/** Sums the central slab of `source` along z (float32, z order). */
export async function centralProjection(source: SlabSource, options: CentralProjectionOptions = {}): Promise<Projection> {
  const { z: nz, y: height, x: width } = source.shape;
  if (!(height >= 1 && width >= 1)) throw new KeyImageError(`key image: the volume has an empty section (${width} x ${height})`);
  const [z0, z1] = centralSlabRange(nz, options.depth ?? KEY_IMAGE_PROJECTION_DEPTH);
  const plane = width * height;
  const maxReadBytes = options.maxReadBytes ?? 16 * 1024 * 1024;
  const sectionsPerRead = Math.max(1, Math.floor(maxReadBytes / (plane * BYTES_PER_VOXEL[source.dtype])));
  const sum = new Float32Array(plane);
  for (let z = z0; z < z1; z += sectionsPerRead) {
    const end = Math.min(z1, z + sectionsPerRead);
    const slab = await source.readSlab(z, end);
    if (slab.length !== (end - z) * plane) {
      throw new KeyImageError(`key image: readSlab(${z}, ${end}) returned ${slab.length} voxels, expected ${(end - z) * plane}`);
    }
    accumulateSections(sum, width, slab, source.dtype, z);
    source.release?.(slab); // summed: its buffer can back the next read
  }
  for (let i = 0; i < plane; i++) {
    const v = sum[i]!;
    if (!Number.isFinite(v)) {
      throw new KeyImageError(`key image: the projection of sections ${z0}..${z1 - 1} overflows float32 at y=${Math.floor(i / width)} x=${i % width}`);
    }
  }
  return { width, height, data: sum, zRange: [z0, z1] };
}
