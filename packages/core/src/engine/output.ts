/**
 * Everything an importer writes goes through an OutputStore. It records each write on the plan
 * node of the item that made it, and in a dry run keeps writes in an overlay instead of the real
 * storage, so later steps that read earlier outputs (metadata from copied files) still work and
 * nothing touches the disk.
 */
import { rm } from "node:fs/promises";
import type { Readable } from "node:stream";
import { IngestError } from "../errors.js";
import { pyJsonDumps } from "../python/index.js";
import { globStorage } from "../storage/glob.js";
import { safeKey } from "../storage/paths.js";
import { stageLocalFile, type Listing, type StagedFile, type Storage, type StorageStat } from "../storage/storage.js";
import type { OutputStoreApi, RunEventListener, WriteRecord } from "../contracts.js";
import { bytesFingerprint, fingerprint, type Manifest } from "./manifest.js";

// "sized": a dry run's output that nothing reads back (writeBytes with readBack false): its size, not its bytes
type Staged = { kind: "bytes"; data: Uint8Array } | { kind: "sized"; size: number } | { kind: "copy"; from: Storage; key: string; size: number };

export type { WriteRecord } from "../contracts.js";

export interface OutputOptions {
  /** What made each existing output; writes with an unchanged fingerprint are skipped. */
  manifest?: Manifest;
  /** Rewrite everything, whatever the manifest says. */
  force?: boolean;
  /** Receives one `output` event per write (or up-to-date skip). */
  onEvent?: RunEventListener;
}

export interface OutputStats {
  written: number;
  upToDate: number;
  bytes: number;
}

export class OutputStore implements OutputStoreApi {
  private readonly staged = new Map<string, Staged>();
  readonly stats: OutputStats = { written: 0, upToDate: 0, bytes: 0 };

  constructor(
    readonly storage: Storage,
    readonly dryRun: boolean,
    readonly options: OutputOptions = {},
  ) {
    // decided on the manifest as the run found it (it fills as the run writes)
    this.stages = !dryRun && storage.stagingPath !== undefined && storage.adopt !== undefined && (options.force === true || (options.manifest?.size ?? 0) === 0);
  }

  /**
   * True when `key` was made from inputs with this fingerprint and still exists with the size
   * written then. Importers with outputs of several objects (Zarr) ask before doing the work.
   */
  async upToDate(key: string, fp: string): Promise<boolean> {
    const m = this.options.manifest;
    if (!m || this.options.force) return false;
    const entry = m.get(safeKey(key));
    if (!entry || entry.fingerprint !== fp) return false;
    const st = await this.storage.stat(key);
    return st !== undefined && (st.kind === "dir" || st.size === entry.size);
  }

  /** The fingerprint the manifest recorded for `key` (what it was made from), if any. */
  recordedFingerprint(key: string): string | undefined {
    return this.options.manifest?.get(safeKey(key))?.fingerprint;
  }

  /** Records that `key` now holds what `fp` describes (after the importer wrote it itself). */
  async remember(key: string, fp: string, size: number): Promise<void> {
    const m = this.options.manifest;
    if (!m || this.dryRun) return;
    m.set(safeKey(key), { fingerprint: fp, size });
    await m.maybeSave();
  }

  private async skip(k: string, fp: string, record: ((r: WriteRecord) => void) | undefined, r: WriteRecord): Promise<boolean> {
    if (!(await this.upToDate(k, fp))) return false;
    record?.({ ...r, upToDate: true });
    this.stats.upToDate++;
    this.options.onEvent?.({ event: "output", key: k, kind: r.kind, bytes: this.options.manifest?.get(k)?.size ?? 0, upToDate: true });
    return true;
  }

  private async written(k: string, kind: WriteRecord["kind"], fp: string | undefined, size: number): Promise<void> {
    this.stats.written++;
    if (!this.dryRun) this.stats.bytes += size;
    this.options.onEvent?.({ event: "output", key: k, kind, bytes: size, upToDate: false });
    if (fp) await this.remember(k, fp, size);
  }

  /**
   * Counts an output an importer handles itself (a Zarr pyramid, a rendered image): found up to
   * date (`upToDate` true) or, in a dry run, to be written.
   */
  noteUnwritten(key: string, upToDate: boolean): void {
    const k = safeKey(key, "output path");
    if (upToDate) {
      this.stats.upToDate++;
      this.options.onEvent?.({ event: "output", key: k, kind: "bytes", bytes: this.options.manifest?.get(k)?.size ?? 0, upToDate: true });
    } else if (this.dryRun) {
      this.stats.written++;
      this.planned.add(k);
    }
  }

  /**
   * Outputs a dry run will write but has not staged (noteUnwritten): they have no bytes, so `view`, `stat` and
   * `glob` do not show them (a reader would find an empty file); an importer that would copy one asks here.
   */
  private readonly planned = new Set<string>();

  /** In a dry run, the planned (noted, not staged) outputs matching `pattern`, sorted; none otherwise. */
  plannedGlob(pattern: string): Promise<string[]> {
    if (this.planned.size === 0) return Promise.resolve([]);
    return globStorage(keyListing(this.planned), pattern);
  }

  /**
   * A local file the importer writes itself (an MRC whose header is patched at the end) that
   * becomes `key` on `commit`, atomically, with no second copy on local storage. `commit` records
   * the write like the write methods (stats, event, manifest entry with `fp`). Not in dry runs.
   */
  async stageFile(key: string, record?: (r: WriteRecord) => void, from?: string, fp?: string): Promise<StagedFile> {
    const k = safeKey(key, "output path");
    if (this.dryRun) throw new Error(`stageFile(${k}) in a dry run`);
    const staged = await stageLocalFile(this.storage, k);
    return {
      path: staged.path,
      commit: async () => {
        const { stat } = await import("node:fs/promises");
        const size = (await stat(staged.path)).size;
        await staged.commit();
        record?.({ key: k, kind: "bytes", ...(from ? { from } : {}) });
        await this.written(k, "bytes", fp, size);
      },
      abort: () => staged.abort(),
    };
  }

  async writtenExternally(key: string, fp: string, bytes: number): Promise<void> {
    const k = safeKey(key, "output path");
    this.stats.written++;
    if (!this.dryRun) this.stats.bytes += bytes;
    this.options.onEvent?.({ event: "output", key: k, kind: "bytes", bytes, upToDate: false });
    await this.remember(k, fp, 0);
  }

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
      if (st?.kind === "sized") throw notKept(safeKey(key));
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

  /**
   * Writes `value` as Python's json.dumps(indent=4). `volatile` keys (a timestamp) are left out
   * of the fingerprint, so an otherwise unchanged document is not rewritten for them.
   */
  async writeJson(key: string, value: unknown, record?: (r: WriteRecord) => void, volatile: readonly string[] = []): Promise<void> {
    const text = pyJsonDumps(value, 4);
    let stable = text;
    if (volatile.length && value && typeof value === "object" && !Array.isArray(value)) {
      const rest: Record<string, unknown> = { ...(value as Record<string, unknown>) };
      for (const v of volatile) delete rest[v];
      stable = pyJsonDumps(rest, 4);
    }
    await this.writeBytes(key, text, record, "json", fingerprint("json", stable));
  }

  /**
   * Writes `data` (bytes, text, or parts written one after the other as one object) atomically. `fp` is the
   * fingerprint of what the bytes are made from (default: the SHA-256 of the bytes themselves); an output whose
   * manifest entry has that fingerprint and size is up to date and not rewritten. `readBack: false` says nothing in
   * the run reads the output again (a de-identified DICOM file), so a dry run keeps its size and not its bytes: a dry
   * run over a deposit of any size holds no more memory than a real one.
   */
  async writeBytes(
    key: string,
    data: Uint8Array | string | readonly Uint8Array[],
    record?: (r: WriteRecord) => void,
    kind: "json" | "bytes" = "bytes",
    fp?: string,
    options: { readBack?: boolean } = {},
  ): Promise<void> {
    const k = safeKey(key, "output path");
    const parts: readonly Uint8Array[] = typeof data === "string" ? [new TextEncoder().encode(data)] : data instanceof Uint8Array ? [data] : data;
    const f = fp ?? (parts.length === 1 ? fingerprint("bytes", parts[0]) : bytesFingerprint(parts));
    if (await this.skip(k, f, record, { key: k, kind })) return;
    record?.({ key: k, kind });
    let size = 0;
    for (const p of parts) size += p.length;
    if (this.dryRun) this.staged.set(k, options.readBack === false ? { kind: "sized", size } : { kind: "bytes", data: parts.length === 1 ? parts[0]! : Buffer.concat(parts) });
    else if (parts.length === 1) await this.storage.write(k, parts[0]!);
    else if (this.storage.writeParts) await this.storage.writeParts(k, parts);
    else await this.storage.write(k, Buffer.concat(parts));
    await this.written(k, kind, f, size);
  }

  /**
   * A local path where a worker thread may write an output whose key it does not know yet, for `adoptFile`. Undefined
   * in dry runs, for storages without staging, and when OUTPUT already had outputs recorded as the run began (a
   * re-run: most outputs are then up to date, and writing them only to find that out would cost what the manifest
   * saves; the importer writes as usual then).
   */
  stagingPath(): string | undefined {
    return this.stages ? this.storage.stagingPath!() : undefined;
  }

  /** Whether stagingPath gives paths in this run. */
  readonly stages: boolean;

  /**
   * `writeBytes` of a file already written at `path` (a `stagingPath`), `size` bytes: moved to `key`, or removed
   * when `key` is up to date for `fp` or anything fails (a bad key, the up-to-date check, the move).
   */
  async adoptFile(key: string, path: string, size: number, record: ((r: WriteRecord) => void) | undefined, kind: "json" | "bytes", fp: string): Promise<void> {
    let moved = false;
    try {
      const k = safeKey(key, "output path");
      if (await this.skip(k, fp, record, { key: k, kind })) return;
      record?.({ key: k, kind });
      await this.storage.adopt!(path, k);
      moved = true;
      await this.written(k, kind, fp, size);
    } finally {
      if (!moved) await rm(path, { force: true });
    }
  }

  /** Streams `source` to `key`; with a fingerprint `fp` of what the stream is made from, an up-to-date output is not rewritten (the source is then not consumed). */
  async writeStream(key: string, source: AsyncIterable<Uint8Array> | Readable, record?: (r: WriteRecord) => void, from?: string, fp?: string): Promise<void> {
    const k = safeKey(key, "output path");
    const r: WriteRecord = { key: k, kind: "bytes", ...(from ? { from } : {}) };
    if (fp && (await this.skip(k, fp, record, r))) {
      (source as Readable).destroy?.();
      return;
    }
    record?.(r);
    let size = 0;
    const counted = (async function* () {
      for await (const c of source as AsyncIterable<Uint8Array>) {
        size += c.length;
        yield c;
      }
    })();
    if (this.dryRun) {
      const chunks: Uint8Array[] = [];
      for await (const c of counted) chunks.push(c);
      this.staged.set(k, { kind: "bytes", data: Buffer.concat(chunks) });
    } else await this.storage.writeStream(k, counted);
    await this.written(k, "bytes", fp, size);
  }

  /** Copies an object of `from` (input or output storage) to `key`. */
  async copyFrom(from: Storage, fromKey: string, key: string, record?: (r: WriteRecord) => void): Promise<void> {
    const k = safeKey(key, "output path");
    const fromLocation = joinLocation(from.location, fromKey);
    const st = await from.stat(fromKey);
    if (st?.kind !== "file") throw new IngestError("SOURCE_MISSING", `file not found: ${fromLocation}`);
    // the source's identity, not its location: the same deposit read from S3 or a local copy
    // of it is the same input when size, time and tag agree
    const fp = fingerprint("copy", fromKey, st.size, st.mtimeMs ?? null, st.etag ?? null);
    if (await this.skip(k, fp, record, { key: k, kind: "copy", from: fromLocation })) return;
    record?.({ key: k, kind: "copy", from: fromLocation });
    if (this.dryRun) {
      this.staged.set(k, { kind: "copy", from, key: fromKey, size: st.size });
    } else if (from === this.storage) await this.storage.copy(fromKey, k);
    else if (!(await this.storage.copyFromStorage?.(from, fromKey, k))) await this.storage.writeStream(k, await from.readStream(fromKey));
    await this.written(k, "copy", fp, st.size);
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
    if (st?.kind === "sized") throw notKept(safeKey(key));
    return this.storage.read(key);
  }

  async readText(key: string): Promise<string> {
    return new TextDecoder().decode(await this.read(key));
  }

  async list(prefix: string): Promise<Listing> {
    const real = await this.storage.list(prefix);
    if (this.staged.size === 0) return real;
    return listKeys(this.staged.keys(), prefix, real);
  }

  glob(pattern: string): Promise<string[]> {
    return globStorage(this.view, pattern);
  }

  async delete(key: string, options?: { recursive?: boolean }): Promise<void> {
    const k = safeKey(key);
    if (!this.dryRun) this.options.manifest?.deleteUnder(k, options?.recursive ?? false);
    for (const s of [...this.staged.keys()]) if (s === k || (options?.recursive && s.startsWith(k + "/"))) this.staged.delete(s);
    if (!this.dryRun) await this.storage.delete(k, options);
  }
}

/** A read of an output written with `readBack: false` in a dry run: the importer broke its own promise. */
function notKept(key: string): Error {
  return new Error(`${key}: a dry run keeps only the size of this output (written with readBack: false), so it cannot be read back`);
}

export function joinLocation(location: string, key: string): string {
  if (!key) return location;
  return location.endsWith("/") ? location + key : `${location}/${key}`;
}

/** One level of `keys` below `prefix`, merged into `base`. */
function listKeys(keys: Iterable<string>, prefix: string, base: Listing = { files: [], dirs: [] }): Listing {
  const p = safeKey(prefix);
  const pre = p ? `${p}/` : "";
  const files = new Set(base.files);
  const dirs = new Set(base.dirs);
  for (const k of keys) {
    if (!k.startsWith(pre)) continue;
    const rest = k.slice(pre.length);
    const i = rest.indexOf("/");
    if (i < 0) files.add(rest);
    else dirs.add(rest.slice(0, i));
  }
  return { files: [...files].sort(), dirs: [...dirs].sort() };
}

/** The listing and stat of a set of keys, as a glob needs them. */
function keyListing(keys: ReadonlySet<string>): Pick<Storage, "list" | "stat"> {
  return {
    async list(prefix) {
      return listKeys(keys, prefix);
    },
    async stat(key) {
      const k = safeKey(key);
      if (keys.has(k)) return { kind: "file", size: 0 };
      for (const x of keys) if (x.startsWith(`${k}/`)) return { kind: "dir", size: 0 };
      return undefined;
    },
  };
}
