/**
 * The local storage's hot path of many small files: descriptor-level calls on node:fs' callback API, and a pool of
 * reusable read buffers.
 *
 * Why not fs/promises: each FileHandle is an object with a GC finalizer and an event emitter, and every call goes
 * through extra promise plumbing. When a run reads and writes thousands of 512 KiB files, that overhead showed up as
 * 20–25 % of the main thread (docs/performance.md, DICOM). Why a pool: a fresh 512 KiB Buffer is a fresh mmap the
 * kernel has to fault in and zero, page by page, and unmap again when it is collected; it also counts as external
 * memory, which makes V8 collect more often.
 */
import * as fs from "node:fs";

export function openFd(path: string, flags: string): Promise<number> {
  return new Promise((resolve, reject) => fs.open(path, flags, 0o666, (err, fd) => (err ? reject(err) : resolve(fd))));
}

export function closeFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.close(fd, (err) => (err ? reject(err) : resolve())));
}

export function fstatFd(fd: number): Promise<fs.Stats> {
  return new Promise((resolve, reject) => fs.fstat(fd, (err, st) => (err ? reject(err) : resolve(st))));
}

function readFd(fd: number, buf: Uint8Array, offset: number, length: number, position: number): Promise<number> {
  return new Promise((resolve, reject) => fs.read(fd, buf, offset, length, position, (err, n) => (err ? reject(err) : resolve(n))));
}

function writevFd(fd: number, parts: Uint8Array[]): Promise<number> {
  return new Promise((resolve, reject) => fs.writev(fd, parts, (err, n) => (err ? reject(err) : resolve(n))));
}

/** Reads `length` bytes at `position` into `buf` from 0, resuming after short reads; returns how many were read (less at end of file). */
export async function readFully(fd: number, buf: Uint8Array, length: number, position: number): Promise<number> {
  let got = 0;
  while (got < length) {
    const n = await readFd(fd, buf, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

/** What is left of `rest` once its first `written` bytes are on disk. */
function afterWrite(rest: readonly Uint8Array[], written: number): Uint8Array[] {
  const next: Uint8Array[] = [];
  for (const b of rest) {
    if (written >= b.length) written -= b.length;
    else {
      next.push(written > 0 ? b.subarray(written) : b);
      written = 0;
    }
  }
  return next;
}

/** Writes all of `parts` (one writev in the usual case), resuming after short writes. */
export async function writevFully(fd: number, parts: readonly Uint8Array[]): Promise<void> {
  let rest = parts.filter((b) => b.length > 0);
  while (rest.length > 0) rest = afterWrite(rest, await writevFd(fd, rest));
}

/** Creates (truncates) `path` and writes all of `parts` to it. */
export async function writeFileParts(path: string, parts: readonly Uint8Array[]): Promise<void> {
  const fd = await openFd(path, "w");
  try {
    await writevFully(fd, parts);
  } finally {
    await closeFd(fd);
  }
}

/**
 * `writeFileParts` with blocking calls, for small files (LocalStorage's BLOCKING_WRITE_MAX): three system calls on
 * the caller's thread instead of three round trips through the thread pool, each a wake-up of another thread.
 */
export function writeFilePartsSync(path: string, parts: readonly Uint8Array[]): void {
  const fd = fs.openSync(path, "w", 0o666);
  try {
    let rest = parts.filter((b) => b.length > 0);
    while (rest.length > 0) rest = afterWrite(rest, fs.writevSync(fd, rest));
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Read buffers by size class (powers of two from 64 KiB), kept up to `maxBytes` in all. `take` returns a buffer of
 * at least the size asked for; whoever took it gives it back once nothing refers to its bytes any more.
 */
export class BufferPool {
  private readonly free = new Map<number, Buffer[]>();
  private held = 0;

  constructor(readonly maxBytes = 64 * 2 ** 20) {}

  static classOf(size: number): number {
    return Math.max(65536, 2 ** Math.ceil(Math.log2(Math.max(1, size))));
  }

  take(size: number): Buffer {
    const c = BufferPool.classOf(size);
    const list = this.free.get(c);
    const buf = list?.pop();
    if (buf) {
      this.held -= c;
      return buf;
    }
    // not from Node's shared slab (allocUnsafe uses it below 4 KiB only, but be explicit): the whole buffer is ours
    return Buffer.allocUnsafeSlow(c);
  }

  give(buf: Buffer): void {
    const c = buf.byteLength;
    if (c !== BufferPool.classOf(c) || this.held + c > this.maxBytes) return; // not one of ours, or the pool is full
    let list = this.free.get(c);
    if (!list) this.free.set(c, (list = []));
    list.push(buf);
    this.held += c;
  }
}
