/**
 * The seam between volume readers (MRC, OME-Zarr) and writers (MRC, OME-Zarr pyramids, key
 * images): a volume is read and written in z-slabs so memory stays bounded whatever its size.
 * Arrays are C order, z slowest: index = (z * ny + y) * nx + x.
 */
export type VoxelDType = "int8" | "uint8" | "int16" | "uint16" | "int32" | "uint32" | "float16" | "float32" | "float64";

/**
 * Node 20 has no Float16Array: `float16` voxels travel as their raw IEEE half bits in a
 * Uint16Array (see mrc/float16.ts to convert). Check `dtype`, never the array type alone.
 */
export type VoxelArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;

export interface VolumeShape {
  /** Sections (slowest axis). */
  z: number;
  y: number;
  /** Fastest axis. */
  x: number;
}

/** Voxel size in ångström per axis. */
export interface VoxelSize {
  x: number;
  y: number;
  z: number;
}

/** A volume that can be read slab by slab. */
export interface SlabSource {
  readonly shape: VolumeShape;
  readonly dtype: VoxelDType;
  /** Voxel size in ångström as stored in the source (may be 0 when the source has none). */
  readonly voxelSize: VoxelSize;
  /** Sections [z0, z1) as one C-order array of `(z1 - z0) * y * x` voxels of `dtype`. */
  readSlab(z0: number, z1: number): Promise<VoxelArray>;
  /**
   * Optional: the caller is done with a slab this source returned, so its memory may back a later
   * `readSlab` (a streaming pass then reuses a few buffers instead of allocating one per slab).
   */
  release?(slab: VoxelArray): void;
  close(): Promise<void>;
}
