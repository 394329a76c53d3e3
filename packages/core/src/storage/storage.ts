/**
 * The Storage seam: bytes by relative key under one root. Local filesystem now, S3 later.
 * Missing objects read as `undefined` from `stat`; `read` on a missing key throws SOURCE_MISSING.
 */
import type { Readable } from "node:stream";

export interface StorageStat {
  kind: "file" | "dir";
  size: number;
  /** Modification time (local files), for fingerprints of what made an output. */
  mtimeMs?: number;
  /** Entity tag (S3 objects): changes whenever the content does. */
  etag?: string;
}

export interface Listing {
  /** Immediate child names (not keys) that are objects/files. */
  files: string[];
  /** Immediate child names that are prefixes/directories. */
  dirs: string[];
}

export interface Storage {
  /** Human-readable location of the root, e.g. `/data/out` or `s3://bucket/prefix`. */
  readonly location: string;
  /** One level below `prefix` ("" is the root). Missing prefix lists as empty. */
  list(prefix: string): Promise<Listing>;
  stat(key: string): Promise<StorageStat | undefined>;
  read(key: string): Promise<Uint8Array>;
  /** Bytes [start, end) of an object. */
  readRange(key: string, start: number, end: number): Promise<Uint8Array>;
  readStream(key: string): Promise<Readable>;
  /** Atomic: readers see the old object or the whole new one, never a part. */
  write(key: string, data: Uint8Array | string): Promise<void>;
  /**
   * Atomic write of the concatenation of `parts` (e.g. a rewritten header and bytes passed through from a source),
   * without joining them in memory first. Optional: OutputStore joins the parts and calls `write` when missing.
   */
  writeParts?(key: string, parts: readonly Uint8Array[]): Promise<void>;
  /** Atomic streaming write. */
  writeStream(key: string, source: AsyncIterable<Uint8Array> | Readable): Promise<void>;
  /** Copy within this storage. */
  copy(fromKey: string, toKey: string): Promise<void>;
  /** Deletes an object, or a whole prefix with `recursive`. Missing is not an error. */
  delete(key: string, options?: { recursive?: boolean }): Promise<void>;
  /**
   * Copies from another storage without streaming through this process when both sides allow it
   * (S3 to S3 on one endpoint); false when it cannot, and the caller streams instead.
   */
  copyFromStorage?(from: Storage, fromKey: string, toKey: string): Promise<boolean>;
  /** Removes leftovers of writes interrupted by a crash (temp files, incomplete uploads). */
  removeStaleTemps?(): Promise<number>;
}

/** Copies an object between two storages, streaming. */
export async function copyBetween(from: Storage, fromKey: string, to: Storage, toKey: string): Promise<void> {
  if (from === to) return from.copy(fromKey, toKey);
  await to.writeStream(toKey, await from.readStream(fromKey));
}
