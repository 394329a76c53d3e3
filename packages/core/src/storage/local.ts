/**
 * Local-filesystem Storage. Writes go to a temporary sibling and are renamed into place, so an
 * interrupted run never leaves a half-written file under its final name.
 */
import { randomBytes } from "node:crypto";
import { closeSync, createReadStream, mkdirSync, openSync, readSync, renameSync, unlinkSync } from "node:fs";
import { copyFile, mkdir, open, readFile, readdir, rename, rm, stat, unlink, type FileHandle } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { IngestError, describeCause } from "../errors.js";
import { BufferPool, closeFd, fstatFd, openFd, readFully, writeFileParts, writeFilePartsSync } from "./fd-io.js";
import { safeKey } from "./paths.js";
import type { Listing, StagedFile, Storage, StorageStat } from "./storage.js";

/**
 * Writes up to this size are made with blocking calls (open, writev, close, rename: well under a millisecond for a
 * 512 KiB file). Through the thread pool each of the four is a round trip to another thread; for many small files
 * those wake-ups cost more CPU than the writes (docs/performance.md, DICOM). Larger writes stay asynchronous, so
 * the event loop is never held for long.
 */
export const BLOCKING_WRITE_MAX = 2 * 1024 * 1024;

export class LocalStorage implements Storage {
  readonly root: string;
  readonly location: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.location = this.root;
  }

  below(prefix: string): LocalStorage {
    return new LocalStorage(this.pathOf(prefix));
  }

  /** Absolute filesystem path of a key; refuses keys that escape the root. */
  pathOf(key: string): string {
    const k = safeKey(key);
    const p = k === "" ? this.root : join(this.root, ...k.split("/"));
    if (p !== this.root && !p.startsWith(this.root + sep)) {
      throw new IngestError("PATH_ESCAPE", `path escapes the storage root ${this.root}: ${key}`);
    }
    return p;
  }

  async list(prefix: string): Promise<Listing> {
    let entries;
    try {
      entries = await readdir(this.pathOf(prefix), { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return { files: [], dirs: [] };
      throw err;
    }
    const files: string[] = [];
    const dirs: string[] = [];
    for (const e of entries) {
      if (e.name.includes(".ingestkit-tmp-")) continue; // in-flight atomic writes
      if (e.isDirectory()) dirs.push(e.name);
      else if (e.isFile()) files.push(e.name);
      else if (e.isSymbolicLink()) {
        const s = await stat(join(this.pathOf(prefix), e.name)).catch(() => undefined);
        if (s?.isDirectory()) dirs.push(e.name);
        else if (s?.isFile()) files.push(e.name);
      }
    }
    files.sort();
    dirs.sort();
    return { files, dirs };
  }

  async stat(key: string): Promise<StorageStat | undefined> {
    try {
      const s = await stat(this.pathOf(key));
      return s.isDirectory() ? { kind: "dir", size: s.size } : { kind: "file", size: s.size, mtimeMs: Math.trunc(s.mtimeMs) };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return undefined;
      throw err;
    }
  }

  async read(key: string): Promise<Uint8Array> {
    try {
      return await readFile(this.pathOf(key));
    } catch (err) {
      throw this.readError(key, err);
    }
  }

  /** Reusable read buffers of `readWithStat(…, { reuse: true })`. */
  private readonly pool = new BufferPool();

  async readWithStat(
    key: string,
    beforeRead?: (stat: StorageStat) => Promise<void> | void,
    options: { reuse?: boolean } = {},
  ): Promise<{ bytes: Uint8Array; stat: StorageStat; release?: () => void }> {
    let fd: number;
    try {
      fd = await openFd(this.pathOf(key), "r");
    } catch (err) {
      throw this.readError(key, err);
    }
    let buf: Buffer | undefined;
    try {
      const s = await fstatFd(fd);
      if (s.isDirectory()) throw this.readError(key, Object.assign(new Error("is a directory"), { code: "EISDIR" }));
      const st: StorageStat = { kind: "file", size: s.size, mtimeMs: Math.trunc(s.mtimeMs) };
      await beforeRead?.(st);
      // one read of the size fstat gave (fs.readFile reads 512 KiB at a time and then once more for the end)
      buf = options.reuse ? this.pool.take(s.size) : Buffer.allocUnsafe(s.size);
      const got = await readFully(fd, buf, s.size, 0);
      const bytes = got === buf.length ? buf : buf.subarray(0, got);
      if (!options.reuse) return { bytes, stat: st };
      const taken = buf;
      let released = false;
      return {
        bytes,
        stat: st,
        release: () => {
          if (released) return;
          released = true;
          this.pool.give(taken);
        },
      };
    } catch (err) {
      if (options.reuse && buf) this.pool.give(buf);
      throw this.readError(key, err);
    } finally {
      await closeFd(fd);
    }
  }

  async readRange(key: string, start: number, end: number): Promise<Uint8Array> {
    let fd: number;
    try {
      fd = await openFd(this.pathOf(key), "r");
    } catch (err) {
      throw this.readError(key, err);
    }
    try {
      const length = Math.max(0, end - start);
      // unzeroed: only the bytes read are returned
      const buf = Buffer.allocUnsafe(length);
      const got = await readFully(fd, buf, length, start);
      return got === length ? buf : buf.subarray(0, got);
    } finally {
      await closeFd(fd);
    }
  }

  /**
   * Reads the file's first `into.length` bytes (fewer when it is shorter) into `into` with blocking calls; returns
   * the count. For many small reads of local files (the DICOM series scan), where the thread pool's round trips
   * cost several times the reads themselves; errors as readRange.
   */
  readPrefixSync(key: string, into: Uint8Array): number {
    let fd: number;
    try {
      fd = openSync(this.pathOf(key), "r");
    } catch (err) {
      throw this.readError(key, err);
    }
    try {
      let got = 0;
      while (got < into.length) {
        const n = readSync(fd, into, got, into.length - got, got);
        if (n === 0) break;
        got += n;
      }
      return got;
    } catch (err) {
      throw this.readError(key, err);
    } finally {
      closeSync(fd);
    }
  }

  async readStream(key: string): Promise<Readable> {
    const p = this.pathOf(key);
    const s = await this.stat(key);
    if (s?.kind !== "file") throw this.readError(key, Object.assign(new Error("missing"), { code: "ENOENT", path: p }));
    return createReadStream(p);
  }

  /** Folders this instance has created or seen: writes of many files into one folder skip mkdir. */
  private readonly knownDirs = new Set<string>();

  private async ensureDir(dir: string): Promise<void> {
    if (this.knownDirs.has(dir)) return;
    await mkdir(dir, { recursive: true });
    this.knownDirs.add(dir);
  }

  async write(key: string, data: Uint8Array | string): Promise<void> {
    await this.writeParts(key, [typeof data === "string" ? Buffer.from(data) : data]);
  }

  /** `write` of the parts' concatenation: one writev per file (the parts are not joined in memory). */
  async writeParts(key: string, parts: readonly Uint8Array[]): Promise<void> {
    let size = 0;
    for (const b of parts) size += b.length;
    if (size <= BLOCKING_WRITE_MAX) await this.atomicWrite(key, (tmp) => writeFilePartsSync(tmp, parts), true);
    else await this.atomicWrite(key, (tmp) => writeFileParts(tmp, parts));
  }

  /** Writes a temp sibling and renames it into place; `blocking`: the temp file was written, and is renamed, with blocking calls. */
  private async atomicWrite(key: string, writeTemp: (tmp: string) => Promise<void> | void, blocking = false): Promise<void> {
    const p = this.pathOf(key);
    await this.ensureDir(dirname(p));
    const tmp = tempName(p);
    try {
      try {
        await writeTemp(tmp);
      } catch (err) {
        // the folder was removed behind our back (another process, delete()): make it again once
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
        this.knownDirs.delete(dirname(p));
        await this.ensureDir(dirname(p));
        await writeTemp(tmp);
      }
      if (blocking) renameSync(tmp, p);
      else await rename(tmp, p);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw new IngestError("IO", `cannot write ${p}: ${describeCause(err)}`, { cause: err });
    }
  }

  /** In the output's own `.ingestkit/` folder: one folder for every staged file, each renamed to its key by `adopt`. */
  stagingPath(): string {
    const dir = join(this.root, ".ingestkit", "staging");
    if (!this.knownDirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      this.knownDirs.add(dir);
    }
    return tempName(join(dir, "file"));
  }

  async adopt(path: string, key: string): Promise<void> {
    const p = this.pathOf(key);
    await this.ensureDir(dirname(p));
    try {
      try {
        renameSync(path, p);
      } catch (err) {
        // the folder was removed behind our back: make it again once
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
        this.knownDirs.delete(dirname(p));
        await this.ensureDir(dirname(p));
        renameSync(path, p);
      }
    } catch (err) {
      try {
        unlinkSync(path);
      } catch {
        // already gone
      }
      throw new IngestError("IO", `cannot write ${p}: ${describeCause(err)}`, { cause: err });
    }
  }

  /** A temp sibling of the key's file (as every atomic write here), renamed into place on commit. */
  async stageFile(key: string): Promise<StagedFile> {
    const p = this.pathOf(key);
    await this.ensureDir(dirname(p));
    const tmp = tempName(p);
    return {
      path: tmp,
      commit: async () => {
        try {
          await rename(tmp, p);
        } catch (err) {
          await unlink(tmp).catch(() => undefined);
          throw new IngestError("IO", `cannot write ${p}: ${describeCause(err)}`, { cause: err });
        }
      },
      abort: () => unlink(tmp).catch(() => undefined),
    };
  }

  async writeStream(key: string, source: AsyncIterable<Uint8Array> | Readable): Promise<void> {
    const p = this.pathOf(key);
    await mkdir(dirname(p), { recursive: true });
    const tmp = tempName(p);
    let fh: FileHandle | undefined;
    try {
      // Open before piping: a lazily opened stream can create the file after a failing source has
      // already made us unlink it, leaving a stray temp file behind.
      fh = await open(tmp, "w");
      await pipeline(source, fh.createWriteStream());
      await rename(tmp, p);
    } catch (err) {
      await fh?.close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
      if (err instanceof IngestError) throw err;
      throw new IngestError("IO", `cannot write ${p}: ${describeCause(err)}`, { cause: err });
    }
  }

  async copy(fromKey: string, toKey: string): Promise<void> {
    const from = this.pathOf(fromKey);
    const to = this.pathOf(toKey);
    await mkdir(dirname(to), { recursive: true });
    const tmp = tempName(to);
    try {
      await copyFile(from, tmp);
      await rename(tmp, to);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw this.readError(fromKey, err);
    }
  }

  /**
   * Removes temp files of atomic writes left by processes that died mid-write (SIGKILL, power
   * loss): `*.ingestkit-tmp-<pid>-*` whose pid is not running. Returns how many were removed.
   */
  async removeStaleTemps(): Promise<number> {
    let removed = 0;
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const p = join(dir, e.name);
        if (e.isDirectory()) await walk(p);
        else {
          const m = /\.ingestkit-tmp-(\d+)-[0-9a-z-]+$/.exec(e.name);
          if (m && !alive(Number(m[1]))) {
            await unlink(p).catch(() => undefined);
            removed++;
          }
        }
      }
    };
    await walk(this.root);
    return removed;
  }

  async delete(key: string, options: { recursive?: boolean } = {}): Promise<void> {
    this.knownDirs.clear();
    // the root itself is never deleted through a key ("" or "./" normalise to it)
    if (safeKey(key, "delete key") === "") throw new IngestError("PATH_ESCAPE", `refusing to delete the storage root ${this.root}`);
    try {
      await rm(this.pathOf(key), { recursive: options.recursive ?? false, force: true });
    } catch (err) {
      throw new IngestError("IO", `cannot delete ${join(this.root, key)}: ${describeCause(err)}`, { cause: err });
    }
  }

  private readError(key: string, err: unknown): IngestError {
    const code = (err as NodeJS.ErrnoException).code;
    const p = join(this.root, key);
    if (code === "ENOENT" || code === "ENOTDIR") return new IngestError("SOURCE_MISSING", `file not found: ${p}`, { cause: err });
    if (err instanceof IngestError) return err;
    return new IngestError("SOURCE_UNREADABLE", `cannot read ${p}: ${describeCause(err)}`, { cause: err });
  }
}

/** True when `pid` names a live process (signal 0 only checks). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Random once per process, then counted: unique among concurrent writers without a random draw per file. */
const tempTag = `${process.pid}-${randomBytes(4).toString("hex")}`;
let tempCount = 0;

function tempName(p: string): string {
  return `${p}.ingestkit-tmp-${tempTag}-${(tempCount++).toString(36)}`;
}
