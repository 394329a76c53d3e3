/**
 * Everything an importer writes goes through an OutputStore. It records each write on the plan
 * node of the item that made it, and in a dry run keeps writes in an overlay instead of the real
 * storage, so later steps that read earlier outputs (metadata from copied files) still work and
 * nothing touches the disk.
 */
import type { Readable } from "node:stream";
import { IngestError } from "../errors.js";
import { pyJsonDumps } from "../python/index.js";
import { globStorage } from "../storage/glob.js";
import { safeKey } from "../storage/paths.js";
import type { Listing, Storage, StorageStat } from "../storage/storage.js";

type Staged = { kind: "bytes"; data: Uint8Array } | { kind: "copy"; from: Storage; key: string; size: number };

export interface WriteRecord {
  key: string;
  kind: "json" | "bytes" | "copy";
  /** Source location for copies. */
  from?: string;
}

export class OutputStore {
  private readonly staged = new Map<string, Staged>();

  constructor(
    readonly storage: Storage,
    readonly dryRun: boolean,
  ) {}

  get location(): string {
    return this.storage.location;
  }

  /** A Storage view: real storage plus (in dry runs) what has been staged. */
  readonly view: Storage = {
    location: "",
    list: (prefix) => this.list(prefix),
    stat: (key) => this.stat(key),
    read: (key) => this.read(key),
    readRange: async (key, s, e) => (await this.read(key)).subarray(s, e),
    readStream: async (key) => {
      const st = this.staged.get(safeKey(key));
      if (st?.kind === "copy") return st.from.readStream(st.key);
      if (st) {
        const { Readable } = await import("node:stream");
        return Readable.from([st.data]);
      }
      return this.storage.readStream(key);
    },
    write: async () => {
      throw new Error("write through OutputStore methods");
    },
    writeStream: async () => {
      throw new Error("write through OutputStore methods");
    },
    copy: async () => {
      throw new Error("write through OutputStore methods");
    },
    delete: (key, o) => this.delete(key, o),
  };

  async writeJson(key: string, value: unknown, record?: (r: WriteRecord) => void): Promise<void> {
    await this.writeBytes(key, pyJsonDumps(value, 4), record, "json");
  }

  async writeBytes(key: string, data: Uint8Array | string, record?: (r: WriteRecord) => void, kind: "json" | "bytes" = "bytes"): Promise<void> {
    const k = safeKey(key, "output path");
    record?.({ key: k, kind });
    const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
    if (this.dryRun) this.staged.set(k, { kind: "bytes", data: bytes });
    else await this.storage.write(k, bytes);
  }

  async writeStream(key: string, source: AsyncIterable<Uint8Array> | Readable, record?: (r: WriteRecord) => void, from?: string): Promise<void> {
    const k = safeKey(key, "output path");
    record?.({ key: k, kind: "bytes", ...(from ? { from } : {}) });
    if (this.dryRun) {
      const chunks: Uint8Array[] = [];
      for await (const c of source as AsyncIterable<Uint8Array>) chunks.push(c);
      this.staged.set(k, { kind: "bytes", data: Buffer.concat(chunks) });
    } else await this.storage.writeStream(k, source);
  }

  /** Copies an object of `from` (input or output storage) to `key`. */
  async copyFrom(from: Storage, fromKey: string, key: string, record?: (r: WriteRecord) => void): Promise<void> {
    const k = safeKey(key, "output path");
    record?.({ key: k, kind: "copy", from: joinLocation(from.location, fromKey) });
    const st = await from.stat(fromKey);
    if (!st || st.kind !== "file") throw new IngestError("SOURCE_MISSING", `file not found: ${joinLocation(from.location, fromKey)}`);
    if (this.dryRun) {
      this.staged.set(k, { kind: "copy", from, key: fromKey, size: st.size });
      return;
    }
    if (from === this.storage) await this.storage.copy(fromKey, k);
    else await this.storage.writeStream(k, await from.readStream(fromKey));
  }

  async stat(key: string): Promise<StorageStat | undefined> {
    const st = this.staged.get(safeKey(key));
    if (st) return { kind: "file", size: st.kind === "bytes" ? st.data.length : st.size };
    const real = await this.storage.stat(key);
    if (real) return real;
    const prefix = safeKey(key) + "/";
    for (const k of this.staged.keys()) if (k.startsWith(prefix)) return { kind: "dir", size: 0 };
    return undefined;
  }

  async read(key: string): Promise<Uint8Array> {
    const st = this.staged.get(safeKey(key));
    if (st?.kind === "bytes") return st.data;
    if (st?.kind === "copy") return st.from.read(st.key);
    return this.storage.read(key);
  }

  async readText(key: string): Promise<string> {
    return new TextDecoder().decode(await this.read(key));
  }

  async list(prefix: string): Promise<Listing> {
    const real = await this.storage.list(prefix);
    if (this.staged.size === 0) return real;
    const p = safeKey(prefix);
    const pre = p ? p + "/" : "";
    const files = new Set(real.files);
    const dirs = new Set(real.dirs);
    for (const k of this.staged.keys()) {
      if (!k.startsWith(pre)) continue;
      const rest = k.slice(pre.length);
      const i = rest.indexOf("/");
      if (i < 0) files.add(rest);
      else dirs.add(rest.slice(0, i));
    }
    return { files: [...files].sort(), dirs: [...dirs].sort() };
  }

  glob(pattern: string): Promise<string[]> {
    return globStorage(this.view, pattern);
  }

  async delete(key: string, options?: { recursive?: boolean }): Promise<void> {
    const k = safeKey(key);
    for (const s of [...this.staged.keys()]) if (s === k || (options?.recursive && s.startsWith(k + "/"))) this.staged.delete(s);
    if (!this.dryRun) await this.storage.delete(k, options);
  }
}

export function joinLocation(location: string, key: string): string {
  if (!key) return location;
  return location.endsWith("/") ? location + key : `${location}/${key}`;
}
