/**
 * A local file that becomes an object on `commit`, atomically (readers see the old object or the
 * whole new one): how the Zarr writer fills big chunks in place (`ChunkStore.stage`) and how
 * @ingestkit/core's Storage offers a local file to writers (`Storage.stageFile`, re-exported there).
 */
export interface StagedFile {
  /** Absolute local path to create and write; it does not exist yet. */
  readonly path: string;
  commit(): Promise<void>;
  /** Removes the file (if it was created); safe after a failed commit. */
  abort(): Promise<void>;
}
