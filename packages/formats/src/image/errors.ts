/** Errors of the key-image module: bad input volumes and images too small to crop. */
export class KeyImageError extends Error {
  override name = "KeyImageError";
}

/** A NaN or infinite voxel (or a projection sum that overflows float32). */
export class NonFiniteVoxelError extends KeyImageError {
  override name = "NonFiniteVoxelError";
  constructor(
    readonly z: number,
    readonly y: number,
    readonly x: number,
    readonly value: number,
  ) {
    super(`key image: non-finite value ${value} at z=${z} y=${y} x=${x}; a key image needs finite voxels`);
  }
}
