/**
 * Annotation masks as the portal standardizes them (its MaskConverter / MultiLabelMaskConverter):
 * - a binary (semantic) mask: voxels equal to `label` (default 1), or at least `threshold` for a
 *   probability map, as int8 0/1. With `rescaleTo` the label is extracted first and then resized
 *   with the local mean; a probability map is resized first and then thresholded. Any voxel the
 *   resize leaves above 0 is 1.
 * - an instance (multi-label) mask: labels as uint16 (truncating like numpy's astype), resized with
 *   nearest-neighbour zoom when `rescaleTo` differs from the source shape; the distinct non-zero
 *   labels seen are collected for the OME-Zarr `image-label` metadata and the object count.
 * Every step streams slab by slab (see resample.ts).
 */
import type { SlabSource, VolumeShape, VoxelArray } from "../volume.js";
import { resizeLocalMean, sameShape, zoomNearest } from "./resample.js";

export interface BinaryMaskOptions {
  /** Voxel value selected (default 1); ignored with `threshold`. */
  label?: number;
  /** Probability maps: voxels >= threshold are in the mask. */
  threshold?: number;
  /** Output shape (z, y, x) when the mask must match the tomogram. */
  rescaleTo?: VolumeShape;
}

/** A source as float32 values, the reference's `astype(np.float32)` of its data. */
function mapSlabs(source: SlabSource, dtype: SlabSource["dtype"], shape: VolumeShape, fn: (slab: VoxelArray, z0: number, z1: number) => VoxelArray): SlabSource {
  return {
    shape,
    dtype,
    voxelSize: source.voxelSize,
    async readSlab(z0, z1) {
      const slab = await source.readSlab(z0, z1);
      const out = fn(slab, z0, z1);
      if (out !== slab) source.release?.(slab);
      return out;
    },
    close: () => source.close(),
  };
}

const toFloat32 = (v: number) => Math.fround(v);

function selectLabel(source: SlabSource, o: BinaryMaskOptions): SlabSource {
  const label = o.label ?? 1;
  const threshold = o.threshold;
  return mapSlabs(source, "int8", source.shape, (slab) => {
    const out = new Int8Array(slab.length);
    if (threshold !== undefined) {
      const t = Math.fround(threshold); // numpy compares a float32 array with the threshold as float32
      for (let i = 0; i < slab.length; i++) out[i] = toFloat32(slab[i]!) >= t ? 1 : 0;
    } else {
      for (let i = 0; i < slab.length; i++) out[i] = toFloat32(slab[i]!) === label ? 1 : 0;
    }
    return out;
  });
}

function positive(source: SlabSource): SlabSource {
  return mapSlabs(source, "int8", source.shape, (slab) => {
    const out = new Int8Array(slab.length);
    for (let i = 0; i < slab.length; i++) out[i] = slab[i]! > 0 ? 1 : 0;
    return out;
  });
}

/** The binary mask of `source` (any dtype) as int8 0/1 slabs. */
export function binaryMaskSource(source: SlabSource, o: BinaryMaskOptions = {}): SlabSource {
  if (o.threshold !== undefined && (o.label ?? 1) !== 1) throw new Error("thresholding and selecting by label are mutually exclusive");
  if (o.rescaleTo === undefined) return selectLabel(source, o);
  if (o.threshold !== undefined) {
    const thresholded = selectLabel(resizeLocalMean(float32Values(source), o.rescaleTo), o);
    return thresholded;
  }
  return positive(resizeLocalMean(selectLabel(source, o), o.rescaleTo));
}

/** Values rounded to float32 first, as the reference converts its data before resizing. */
function float32Values(source: SlabSource): SlabSource {
  if (source.dtype === "float32") return source;
  return mapSlabs(source, "float32", source.shape, (slab) => Float32Array.from(slab as ArrayLike<number>));
}

export interface InstanceMaskSource extends SlabSource {
  /** Distinct non-zero labels of the slabs read so far, ascending. */
  labels(): number[];
}

/** The instance mask of `source` as uint16 slabs, resized by nearest neighbour when asked. */
export function instanceMaskSource(source: SlabSource, rescaleTo?: VolumeShape): InstanceMaskSource {
  const resized = rescaleTo && !sameShape(rescaleTo, source.shape) ? zoomNearest(float32Values(source), rescaleTo) : source;
  const seen = new Set<number>();
  const inner = mapSlabs(resized, "uint16", resized.shape, (slab) => {
    const out = new Uint16Array(slab.length);
    for (let i = 0; i < slab.length; i++) {
      const v = Math.trunc(toFloat32(slab[i]!));
      const u = ((v % 65536) + 65536) % 65536;
      out[i] = u;
      if (u !== 0) seen.add(u);
    }
    return out;
  });
  return Object.assign(inner, { labels: () => [...seen].sort((a, b) => a - b) });
}

/** Whether any voxel has the label (or reaches the threshold); stops at the first one. */
export async function maskHasLabel(source: SlabSource, o: { label?: number; threshold?: number } = {}): Promise<boolean> {
  const label = o.label ?? 1;
  const threshold = o.threshold === undefined ? undefined : Math.fround(o.threshold);
  const plane = source.shape.y * source.shape.x;
  const step = Math.max(1, Math.floor((16 << 20) / (plane * 4)));
  for (let z0 = 0; z0 < source.shape.z; z0 += step) {
    const z1 = Math.min(source.shape.z, z0 + step);
    const slab = await source.readSlab(z0, z1);
    try {
      for (let i = 0; i < slab.length; i++) {
        const v = toFloat32(slab[i]!);
        if (threshold !== undefined ? v >= threshold : v === label) return true;
      }
    } finally {
      source.release?.(slab);
    }
  }
  return false;
}
