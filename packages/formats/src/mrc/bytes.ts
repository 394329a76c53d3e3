/**
 * Random-access byte sources (what the MRC reader reads from) and sequential byte sinks with a
 * header patch (what the MRC writer writes to), with local-file and in-memory implementations.
 * An S3 source only has to implement `ByteSource` with ranged GETs. Part of our own MRC2014
 * codec — npm has no MRC2014 library.
 */
import { randomBytes } from "node:crypto";
import { open, rename, unlink, type FileHandle } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Random-access bytes: a local file, an S3 object (ranged GET), a buffer. */
export interface ByteSource {
  /** Path or URL used in error messages. */
  readonly name: string;
  size(): Promise<number>;
  /**
   * `length` bytes from `offset`; fewer only at end of data. The result owns its memory and
   * starts at byteOffset 0 of its buffer, so typed arrays can be laid over it.
   */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Optional: reads `target.length` bytes from `offset` into `target`; resolves with the count (fewer only at end of data). */
  readInto?(offset: number, target: Uint8Array): Promise<number>;
  close(): Promise<void>;
}

/** Sequential writes plus rewriting already written bytes (the header, once statistics are known). */
export interface ByteSink {
  readonly name: string;
  /** Appends at the current end. */
  write(chunk: Uint8Array): Promise<void>;
  /** Overwrites bytes already written, at `offset`. */
  patch(offset: number, chunk: Uint8Array): Promise<void>;
  /** Finishes the output (for files: flush, then move into place). */
  close(): Promise<void>;
  /** Discards everything written; nothing is left at the destination. Safe to call twice. */
  abort(): Promise<void>;
}

class FileByteSource implements ByteSource {
  constructor(
    readonly name: string,
    private readonly fh: FileHandle,
  ) {}
  async size(): Promise<number> {
    return (await this.fh.stat()).size;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    const out = new Uint8Array(Buffer.allocUnsafeSlow(length).buffer, 0, length);
    const done = await this.readInto(offset, out);
    return done === length ? out : out.slice(0, done);
  }
  async readInto(offset: number, target: Uint8Array): Promise<number> {
    let done = 0;
    while (done < target.length) {
      const { bytesRead } = await this.fh.read(target, done, target.length - done, offset + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done;
  }
  async close(): Promise<void> {
    await this.fh.close();
  }
}

/** Opens a local file for random-access reads (FileHandle.read at an offset). */
export async function openFileByteSource(path: string): Promise<ByteSource> {
  return new FileByteSource(path, await open(path, "r"));
}

/** A byte source over bytes already in memory. */
export function memoryByteSource(bytes: Uint8Array, name = "(memory)"): ByteSource {
  return {
    name,
    size: async () => bytes.length,
    // Uint8Array.prototype.slice copies (Buffer#slice would return a view into a shared pool).
    read: async (offset, length) => Uint8Array.prototype.slice.call(bytes, offset, Math.min(offset + length, bytes.length)),
    close: async () => {},
  };
}

export interface FileByteSinkOptions {
  /**
   * true (default): write `<dir>/.<name>.<random>.tmp` and rename it to `path` on close, so a
   * failed or aborted write leaves nothing at `path`. false: write `path` itself (for callers
   * whose storage already hands out a temporary path and renames it); abort deletes it.
   */
  atomic?: boolean;
  /** fsync before close/rename (default true). */
  fsync?: boolean;
}

class FileByteSink implements ByteSink {
  private position = 0;
  private finished = false;
  constructor(
    readonly name: string,
    private readonly writePath: string,
    private readonly fh: FileHandle,
    private readonly atomic: boolean,
    private readonly fsync: boolean,
  ) {}
  async write(chunk: Uint8Array): Promise<void> {
    await this.writeFully(chunk, this.position);
    this.position += chunk.length;
  }
  async patch(offset: number, chunk: Uint8Array): Promise<void> {
    if (offset + chunk.length > this.position) throw new Error(`${this.name}: patch past the bytes written`);
    await this.writeFully(chunk, offset);
  }
  private async writeFully(chunk: Uint8Array, offset: number): Promise<void> {
    let done = 0;
    while (done < chunk.length) {
      const { bytesWritten } = await this.fh.write(chunk, done, chunk.length - done, offset + done);
      done += bytesWritten;
    }
  }
  async close(): Promise<void> {
    if (this.finished) throw new Error(`${this.name}: sink already closed`);
    try {
      if (this.fsync) await this.fh.sync();
      await this.fh.close();
      this.finished = true;
      if (this.atomic) await rename(this.writePath, this.name);
    } catch (err) {
      await this.abort();
      throw err;
    }
  }
  async abort(): Promise<void> {
    if (!this.finished) {
      this.finished = true;
      await this.fh.close().catch(() => {});
    }
    await unlink(this.writePath).catch(() => {});
  }
}

/** A sink writing the local file `path` (atomically by default, see `FileByteSinkOptions`). */
export async function openFileByteSink(path: string, options: FileByteSinkOptions = {}): Promise<ByteSink> {
  const atomic = options.atomic ?? true;
  const writePath = atomic ? join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`) : path;
  const fh = await open(writePath, atomic ? "wx" : "w");
  return new FileByteSink(path, writePath, fh, atomic, options.fsync ?? true);
}

/** A sink collecting bytes in memory; `bytes()` returns them after close. */
export interface MemoryByteSink extends ByteSink {
  bytes(): Uint8Array;
}

export function memoryByteSink(name = "(memory)"): MemoryByteSink {
  let chunks: Uint8Array[] = [];
  let result: Uint8Array | undefined;
  let length = 0;
  const flatten = () => {
    const all = new Uint8Array(length);
    let at = 0;
    for (const c of chunks) {
      all.set(c, at);
      at += c.length;
    }
    chunks = [all];
    return all;
  };
  return {
    name,
    write: async (chunk) => {
      chunks.push(Uint8Array.prototype.slice.call(chunk));
      length += chunk.length;
    },
    patch: async (offset, chunk) => {
      if (offset + chunk.length > length) throw new Error(`${name}: patch past the bytes written`);
      flatten().set(chunk, offset);
    },
    close: async () => {
      result = flatten();
    },
    abort: async () => {
      chunks = [];
      length = 0;
    },
    bytes: () => {
      if (!result) throw new Error(`${name}: sink not closed`);
      return result;
    },
  };
}
