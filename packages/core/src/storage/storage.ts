/**
 * The Storage seam: bytes by relative key under one root. Local filesystem now, S3 later.
 * Missing objects read as `undefined` from `stat`; `read` on a missing key throws SOURCE_MISSING.
 */
import type { Readable } from "node:stream";
import type { StagedFile } from "@ingestkit/formats";

export type { StagedFile } from "@ingestkit/formats";

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
  /**
   * `stat` and `read` of a file through one open descriptor: the identity returned is that of the bytes read, and a
   * local file costs four system calls instead of `stat` + `read`'s eight or more. `beforeRead` runs between the two
   * (e.g. to wait for a memory budget of `stat.size` bytes). Optional: callers fall back to `stat` then `read`.
   * With `reuse`, the bytes may live in a pooled buffer and `release` (when returned) gives it back for a later read:
   * call it once nothing refers to the bytes any more (a caller reading thousands of files saves the page faults of
   * a fresh buffer per file).
   */
  readWithStat?(
    key: string,
    beforeRead?: (stat: StorageStat) => Promise<void> | void,
    options?: { reuse?: boolean },
  ): Promise<{ bytes: Uint8Array; stat: StorageStat; release?: () => void }>;
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
  /** The same store rooted at `prefix` below this root (a config's source prefix); the prefix may not escape. */
  below?(prefix: string): Storage;
  /** Deletes an object, or a whole prefix with `recursive`. Missing is not an error. */
  delete(key: string, options?: { recursive?: boolean }): Promise<void>;
  /**
   * Copies from another storage without streaming through this process when both sides allow it
   * (S3 to S3 on one endpoint); false when it cannot, and the caller streams instead.
   */
  copyFromStorage?(from: Storage, fromKey: string, toKey: string): Promise<boolean>;
  /**
   * Optional: a local file for `key` that a writer fills itself (an MRC, Zarr chunks encoded in
   * workers) and that becomes `key` on commit, with no second copy. Local storage stages next
   * to the final file; storages without it are written through `writeStream` (see stageLocalFile).
   */
  stageFile?(key: string): Promise<StagedFile>;
  /**
   * Optional, with `adopt`: a path on this storage's file system where another thread may write a finished output
   * before its key is known (a worker writing a de-identified DICOM file whose name comes from its new header).
   * Temp-named, so removeStaleTemps removes what a crash leaves.
   */
  stagingPath?(): string;
  /** Moves a file written at a `stagingPath` to `key`, atomically (a rename); the file is removed if that fails. */
  adopt?(path: string, key: string): Promise<void>;
  /** Removes leftovers of writes interrupted by a crash (temp files, incomplete uploads). */
  removeStaleTemps?(): Promise<number>;
}

/** Copies an object between two storages, streaming. */
export async function copyBetween(from: Storage, fromKey: string, to: Storage, toKey: string): Promise<void> {
  if (from === to) return from.copy(fromKey, toKey);
  await to.writeStream(toKey, await from.readStream(fromKey));
}

const STAGE_PREFIX = "ingestkit-stage-";
let staleStagingRemoved: Promise<void> | null = null;

/**
 * A staged local file for `key` of `storage`: the storage's own (`stageFile`), or a private temp
 * folder whose file is streamed to `key` on commit. Temp folders carry the pid, and those of
 * processes that are gone (killed mid-write) are removed the first time this is called.
 */
export async function stageLocalFile(storage: Storage, key: string): Promise<StagedFile> {
  if (storage.stageFile) return storage.stageFile(key);
  const [{ mkdtemp, readdir, rm }, { tmpdir }, { join, basename }, { createReadStream }] = await Promise.all([
    import("node:fs/promises"),
    import("node:os"),
    import("node:path"),
    import("node:fs"),
  ]);
  staleStagingRemoved ??= (async () => {
    for (const name of await readdir(tmpdir()).catch(() => [] as string[])) {
      const m = new RegExp(`^${STAGE_PREFIX}(\\d+)-`).exec(name);
      if (!m || Number(m[1]) === process.pid) continue;
      try {
        process.kill(Number(m[1]), 0);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ESRCH") await rm(join(tmpdir(), name), { recursive: true, force: true });
      }
    }
  })();
  await staleStagingRemoved;
  const dir = await mkdtemp(join(tmpdir(), `${STAGE_PREFIX}${process.pid}-`));
  const path = join(dir, basename(key) || "file");
  return {
    path,
    commit: async () => {
      try {
        await storage.writeStream(key, createReadStream(path));
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    abort: () => rm(dir, { recursive: true, force: true }),
  };
}
