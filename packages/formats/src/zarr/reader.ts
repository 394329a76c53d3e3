/**
 * OME-Zarr input reader: an OME-NGFF 0.4 multiscale group (or a bare array) on Zarr v2, read as a
 * {@link SlabSource} so deposits given as OME-Zarr go through the same pipeline as MRC.
 *
 * Supported: `.zarray` dtypes `|i1 |u1 |b1 <i2 <u2 <i4 <u4 <f2 <f4 <f8` and their big-endian
 * (`>`) variants, order "C" (F is refused), no filters, compressor null / blosc / zstd / lz4 /
 * gzip / zlib (decoded with numcodecs JS, as the writer encodes), `dimension_separator` "/" or "."
 * (default "."), `fill_value` (numbers, "NaN", "Infinity", "-Infinity", null = 0) for missing
 * chunks. The voxel size comes from the chosen dataset's `scale` transform (times a multiscale-level
 * `scale`, if any) with axes z/y/x of type space; units angstrom (default), nanometer, picometer
 * and micrometer are converted to Å. Zarr v3 (`zarr.json`) is not read yet and says so.
 *
 * `readSlab(z0, z1)` fetches only the chunks whose z-extent meets [z0, z1), a few at a time. Blosc
 * lz4 chunks (the portal's compressor) from a store with ranged reads are read block by block: the
 * header and block table once per chunk, then only the blocks that hold the slab's planes, decoded
 * by ./blosc-frame.ts — so thin slabs of 256³ chunks (a pyramid's 2-plane reads) cost one pass over
 * the data and memory stays bounded. Other chunks are decoded whole (numcodecs JS) and kept in a
 * byte-bounded LRU cache (`cacheBytes`); for large volumes with those, read slabs aligned on
 * `chunks.z` (see {@link OmeZarrSource.chunks}).
 */
import { loadNumcodec, NUMCODECS_IDS, type NumcodecsCodec } from "./numcodecs.js";
import { open, readFile } from "node:fs/promises";
import { bloscBlockSpan, decodeBloscBlockRange } from "./blosc-frame.js";
import { join } from "node:path";
import type { SlabSource, VolumeShape, VoxelArray, VoxelDType, VoxelSize } from "../volume.js";

/** The read side of a Zarr store: `/`-separated keys relative to the root; undefined when absent. */
export interface ChunkReader {
  get(key: string): Promise<Uint8Array | undefined>;
  /**
   * Optional: bytes [start, end) of a key (fewer at its end), undefined when absent. With it, Blosc
   * lz4 chunks are read block by block: a slab thinner than the chunk depth reads and decodes only
   * the blocks of its planes (a 256³ float32 chunk is 128 blocks of 2 planes).
   */
  getRange?(key: string, start: number, end: number): Promise<Uint8Array | undefined>;
  /** Used in error messages (`<name>/<key>`); e.g. the root directory. */
  readonly name?: string;
}

/** Every problem with an OME-Zarr input names the file (store key) and the field at fault. */
export class ZarrReadError extends Error {
  override readonly name = "ZarrReadError";
  constructor(
    /** Path of the file (root + key) the error is about. */
    readonly file: string,
    /** Field at fault (`order`, `dtype`, `compressor`, `multiscales`, …) or `chunk` for chunk data. */
    readonly field: string,
    message: string,
  ) {
    super(`${file}: Zarr ${field}: ${message}`);
  }
}

/** Reads keys as files under `root`. */
export class FileSystemChunkReader implements ChunkReader {
  constructor(readonly root: string) {}

  get name(): string {
    return this.root;
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const buf = await readFile(this.pathOf(key));
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return undefined;
      throw error;
    }
  }

  async getRange(key: string, start: number, end: number): Promise<Uint8Array | undefined> {
    let fh;
    try {
      fh = await open(this.pathOf(key), "r");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return undefined;
      throw error;
    }
    try {
      const out = new Uint8Array(Math.max(0, end - start));
      let got = 0;
      while (got < out.length) {
        const { bytesRead } = await fh.read(out, got, out.length - got, start + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return got === out.length ? out : out.subarray(0, got);
    } finally {
      await fh.close();
    }
  }

  private pathOf(key: string): string {
    if (key.startsWith("/") || key.split("/").some((part) => part === ".." || part === "")) {
      throw new Error(`invalid store key ${JSON.stringify(key)}`);
    }
    return join(this.root, ...key.split("/"));
  }
}

export interface OpenOmeZarrOptions {
  /** Dataset path of the multiscale level to read (e.g. "0", "1"). Default: the first dataset. */
  level?: string;
  /** Decoded chunks kept for reuse by later slabs. Default 128 MiB. */
  cacheBytes?: number;
  /** Chunks fetched and decoded at once. Default 4. */
  concurrency?: number;
}

/** A Zarr v2 array opened for slab reads. */
export interface OmeZarrSource extends SlabSource {
  /** Array path in the store ("" for a bare array at the root). */
  readonly path: string;
  readonly chunks: VolumeShape;
  /** Multiscale dataset paths of the group (empty for a bare array). */
  readonly levels: readonly string[];
  /** Numeric fill value used for missing chunks. */
  readonly fillValue: number;
}

interface DTypeSpec {
  dtype: VoxelDType;
  bytes: number;
  make(buffer: ArrayBuffer, byteOffset: number, length: number): VoxelArray;
  alloc(length: number): VoxelArray;
  float: boolean;
}

const DTYPE_SPECS: Record<string, DTypeSpec> = {
  i1: { dtype: "int8", bytes: 1, make: (b, o, n) => new Int8Array(b, o, n), alloc: (n) => new Int8Array(n), float: false },
  u1: { dtype: "uint8", bytes: 1, make: (b, o, n) => new Uint8Array(b, o, n), alloc: (n) => new Uint8Array(n), float: false },
  b1: { dtype: "uint8", bytes: 1, make: (b, o, n) => new Uint8Array(b, o, n), alloc: (n) => new Uint8Array(n), float: false },
  i2: { dtype: "int16", bytes: 2, make: (b, o, n) => new Int16Array(b, o, n), alloc: (n) => new Int16Array(n), float: false },
  u2: { dtype: "uint16", bytes: 2, make: (b, o, n) => new Uint16Array(b, o, n), alloc: (n) => new Uint16Array(n), float: false },
  i4: { dtype: "int32", bytes: 4, make: (b, o, n) => new Int32Array(b, o, n), alloc: (n) => new Int32Array(n), float: false },
  u4: { dtype: "uint32", bytes: 4, make: (b, o, n) => new Uint32Array(b, o, n), alloc: (n) => new Uint32Array(n), float: false },
  // float16 travels as raw half bits in a Uint16Array (see volume.ts)
  f2: { dtype: "float16", bytes: 2, make: (b, o, n) => new Uint16Array(b, o, n), alloc: (n) => new Uint16Array(n), float: true },
  f4: { dtype: "float32", bytes: 4, make: (b, o, n) => new Float32Array(b, o, n), alloc: (n) => new Float32Array(n), float: true },
  f8: { dtype: "float64", bytes: 8, make: (b, o, n) => new Float64Array(b, o, n), alloc: (n) => new Float64Array(n), float: true },
};

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Å per unit for the NGFF space units we accept. */
const UNIT_ANGSTROM: Record<string, number> = { angstrom: 1, nanometer: 10, picometer: 0.01, micrometer: 1e4 };

async function loadDecoder(config: Record<string, unknown>, file: string): Promise<NumcodecsCodec> {
  const codec = await loadNumcodec(config as { id: unknown });
  if (!codec) throw new ZarrReadError(file, "compressor", `unsupported compressor ${JSON.stringify(config)}; supported: null, ${NUMCODECS_IDS.join(", ")}`);
  return codec;
}

function describe(store: ChunkReader, key: string): string {
  return store.name ? `${store.name.replace(/\/+$/, "")}/${key}` : key;
}

function join2(prefix: string, key: string): string {
  return prefix === "" ? key : `${prefix}/${key}`;
}

async function readJson(store: ChunkReader, key: string): Promise<Record<string, unknown> | undefined> {
  const bytes = await store.get(key);
  if (bytes === undefined) return undefined;
  let doc: unknown;
  try {
    // Python's json writes NaN/Infinity bare in attributes; zarr writes fill_value as strings.
    doc = JSON.parse(new TextDecoder().decode(bytes).replace(/(?<=[:[,]\s*)(-?Infinity|NaN)(?=\s*[,\]}])/g, '"$1"'));
  } catch (error) {
    throw new ZarrReadError(describe(store, key), "json", `not valid JSON (${(error as Error).message})`);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new ZarrReadError(describe(store, key), "json", "not a JSON object");
  return doc as Record<string, unknown>;
}

function positiveIntList(value: unknown, n: number, file: string, field: string, zeroOk = false): number[] {
  if (!Array.isArray(value) || value.length !== n || !value.every((v) => Number.isInteger(v) && (v > 0 || (zeroOk && v === 0)))) {
    throw new ZarrReadError(file, field, `expected ${n} ${zeroOk ? "non-negative" : "positive"} integers (z, y, x), got ${JSON.stringify(value)}`);
  }
  return value as number[];
}

function parseFill(value: unknown, spec: DTypeSpec, file: string): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (spec.float && typeof value === "string") {
    if (value === "NaN") return NaN;
    if (value === "Infinity") return Infinity;
    if (value === "-Infinity") return -Infinity;
  }
  throw new ZarrReadError(file, "fill_value", `unsupported fill value ${JSON.stringify(value)} for dtype ${spec.dtype}`);
}

interface Multiscale {
  levels: string[];
  path: string;
  voxelSize: VoxelSize;
}

function scaleOf(transforms: unknown, file: string, field: string): number[] | undefined {
  if (transforms === undefined) return undefined;
  if (!Array.isArray(transforms)) throw new ZarrReadError(file, field, `expected a list of transformations, got ${JSON.stringify(transforms)}`);
  let scale: number[] | undefined;
  for (const t of transforms as Record<string, unknown>[]) {
    if (t?.type === "scale") {
      const s = t.scale;
      if (!Array.isArray(s) || s.length !== 3 || !s.every((v) => typeof v === "number" && Number.isFinite(v) && v > 0)) {
        throw new ZarrReadError(file, field, `scale must be 3 positive numbers (z, y, x), got ${JSON.stringify(s)}`);
      }
      scale = s as number[];
    } else if (t?.type !== "translation" && t?.type !== "identity") {
      throw new ZarrReadError(file, field, `unsupported coordinate transformation ${JSON.stringify(t)}`);
    }
  }
  return scale;
}

function parseMultiscales(attrs: Record<string, unknown>, file: string, level: string | undefined): Multiscale {
  const list = attrs.multiscales;
  if (!Array.isArray(list) || list.length === 0 || typeof list[0] !== "object" || list[0] === null) {
    throw new ZarrReadError(file, "multiscales", `expected a non-empty list of multiscale objects, got ${JSON.stringify(list)}`);
  }
  const ms = list[0] as Record<string, unknown>;
  const version = ms.version;
  if (version !== undefined && version !== "0.4" && version !== "0.5") {
    throw new ZarrReadError(file, "multiscales.version", `unsupported OME-NGFF version ${JSON.stringify(version)}; supported: 0.4`);
  }
  const axes = ms.axes;
  if (!Array.isArray(axes)) throw new ZarrReadError(file, "multiscales.axes", `missing or not a list: ${JSON.stringify(axes)}`);
  const names = axes.map((a) => (typeof a === "string" ? a : (a as Record<string, unknown>)?.name));
  const spatial = axes.every((a) => typeof a === "string" || (a as Record<string, unknown>)?.type === undefined || (a as Record<string, unknown>).type === "space");
  if (names.join(",") !== "z,y,x" || !spatial) {
    throw new ZarrReadError(file, "multiscales.axes", `expected exactly the 3 spatial axes z, y, x, got ${JSON.stringify(axes)}`);
  }
  const units = axes.map((a) => (typeof a === "string" ? undefined : ((a as Record<string, unknown>).unit as string | undefined)));
  const factors = units.map((u) => {
    if (u === undefined) return 1;
    const f = UNIT_ANGSTROM[u];
    if (f === undefined) throw new ZarrReadError(file, "multiscales.axes", `unsupported unit ${JSON.stringify(u)}; supported: ${Object.keys(UNIT_ANGSTROM).join(", ")}`);
    return f;
  });
  const datasets = ms.datasets;
  if (!Array.isArray(datasets) || datasets.length === 0) {
    throw new ZarrReadError(file, "multiscales.datasets", `expected a non-empty list, got ${JSON.stringify(datasets)}`);
  }
  const paths = datasets.map((d, i) => {
    const p = (d as Record<string, unknown>)?.path;
    if (typeof p !== "string" || p === "" || p.split("/").some((part) => part === "" || part === "..")) {
      throw new ZarrReadError(file, `multiscales.datasets[${i}].path`, `expected a relative array path, got ${JSON.stringify(p)}`);
    }
    return p;
  });
  const index = level === undefined ? 0 : paths.indexOf(level);
  if (index < 0) throw new ZarrReadError(file, "multiscales.datasets", `no dataset with path ${JSON.stringify(level)}; levels: ${paths.join(", ")}`);
  const dataset = datasets[index] as Record<string, unknown>;
  const scale = scaleOf(dataset.coordinateTransformations, file, `multiscales.datasets[${index}].coordinateTransformations`);
  if (scale === undefined) {
    throw new ZarrReadError(file, `multiscales.datasets[${index}].coordinateTransformations`, "no scale transformation (the voxel size)");
  }
  const global = scaleOf(ms.coordinateTransformations, file, "multiscales.coordinateTransformations") ?? [1, 1, 1];
  const vs = scale.map((s, i) => s * (global[i] as number) * (factors[i] as number));
  return { levels: paths, path: paths[index] as string, voxelSize: { z: vs[0] as number, y: vs[1] as number, x: vs[2] as number } };
}

function swapInPlace(bytes: Uint8Array, width: number): void {
  if (width === 1) return;
  for (let k = 0; k + width <= bytes.length; k += width) {
    for (let a = k, b = k + width - 1; a < b; a++, b--) {
      const t = bytes[a] as number;
      bytes[a] = bytes[b] as number;
      bytes[b] = t;
    }
  }
}

/**
 * numcodecs JS Blosc decodes a truncated chunk without complaint (the WASM reads past the end), so
 * check the 16-byte Blosc header first: `cbytes` must be the stored length, `nbytes` the chunk size.
 */
function checkBloscHeader(stored: Uint8Array, expected: number, file: string): void {
  if (stored.byteLength < 16) throw new ZarrReadError(file, "chunk", `${stored.byteLength} bytes is shorter than a Blosc header (truncated or corrupt chunk?)`);
  const view = new DataView(stored.buffer, stored.byteOffset, 16);
  const nbytes = view.getUint32(4, true);
  const cbytes = view.getUint32(12, true);
  if (cbytes !== stored.byteLength) {
    throw new ZarrReadError(file, "chunk", `Blosc header says ${cbytes} compressed bytes, the chunk has ${stored.byteLength} (truncated or corrupt chunk?)`);
  }
  if (nbytes !== expected) {
    throw new ZarrReadError(file, "chunk", `Blosc header says ${nbytes} uncompressed bytes, expected ${expected} (truncated or corrupt chunk?)`);
  }
}

/** Byte-bounded LRU of decoded chunks. */
class ChunkCache {
  private readonly map = new Map<string, VoxelArray>();
  private bytes = 0;
  constructor(private readonly limit: number) {}
  get(key: string): VoxelArray | undefined {
    const hit = this.map.get(key);
    if (hit !== undefined) {
      this.map.delete(key);
      this.map.set(key, hit);
    }
    return hit;
  }
  set(key: string, value: VoxelArray): void {
    if (value.byteLength > this.limit) return;
    this.map.set(key, value);
    this.bytes += value.byteLength;
    for (const [k, v] of this.map) {
      if (this.bytes <= this.limit) break;
      this.map.delete(k);
      this.bytes -= v.byteLength;
    }
  }
  clear(): void {
    this.map.clear();
    this.bytes = 0;
  }
}

class ZarrV2Source implements OmeZarrSource {
  readonly dtype: VoxelDType;
  private readonly cache: ChunkCache;
  private readonly grid: VolumeShape;
  private readonly chunkVoxels: number;

  constructor(
    private readonly store: ChunkReader,
    readonly path: string,
    readonly shape: VolumeShape,
    readonly chunks: VolumeShape,
    readonly voxelSize: VoxelSize,
    readonly levels: readonly string[],
    readonly fillValue: number,
    private readonly spec: DTypeSpec,
    private readonly littleEndian: boolean,
    private readonly separator: string,
    private readonly codec: NumcodecsCodec | null,
    cacheBytes: number,
    private readonly concurrency: number,
    private readonly blosc: boolean,
    /** Blosc lz4 with no or byte shuffle and a store with getRange: chunks are read block by block. */
    private readonly ranged: boolean,
  ) {
    this.dtype = spec.dtype;
    this.cache = new ChunkCache(cacheBytes);
    this.grid = { z: Math.ceil(shape.z / chunks.z), y: Math.ceil(shape.y / chunks.y), x: Math.ceil(shape.x / chunks.x) };
    this.chunkVoxels = chunks.z * chunks.y * chunks.x;
  }

  private chunkKey(iz: number, iy: number, ix: number): string {
    return join2(this.path, [iz, iy, ix].join(this.separator));
  }

  /** The decoded chunk, or undefined when it is absent (fill value). */
  private async chunk(iz: number, iy: number, ix: number): Promise<VoxelArray | undefined> {
    const key = this.chunkKey(iz, iy, ix);
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const stored = await this.store.get(key);
    if (stored === undefined) return undefined;
    const file = describe(this.store, key);
    const expected = this.chunkVoxels * this.spec.bytes;
    let raw: Uint8Array;
    if (this.codec === null) {
      raw = stored.slice();
    } else {
      if (this.blosc) checkBloscHeader(stored, expected, file);
      try {
        raw = await this.codec.decode(stored);
      } catch (error) {
        throw new ZarrReadError(
          file,
          "chunk",
          `cannot decode ${stored.byteLength} bytes with the array's compressor (truncated or corrupt chunk?): ${(error as Error)?.message ?? String(error)}`,
        );
      }
      if (raw.byteOffset % 8 !== 0 || raw.buffer === stored.buffer) raw = raw.slice();
    }
    if (raw.byteLength !== expected) {
      throw new ZarrReadError(
        file,
        "chunk",
        `decoded to ${raw.byteLength} bytes, expected ${expected} (chunks ${this.chunks.z}×${this.chunks.y}×${this.chunks.x} of ${this.spec.bytes}-byte ${this.dtype}; truncated or corrupt chunk?)`,
      );
    }
    if (this.littleEndian !== HOST_LITTLE_ENDIAN) swapInPlace(raw, this.spec.bytes);
    const array = this.spec.make(raw.buffer as ArrayBuffer, raw.byteOffset, this.chunkVoxels);
    this.cache.set(key, array);
    return array;
  }

  /** Blosc header and block starts of chunks read block by block (small; bounded count). */
  private readonly frames = new Map<string, { header: Uint8Array; bstarts: Int32Array; memcpyed: boolean; blocksize: number; nblocks: number }>();

  private async frameIndex(key: string, file: string) {
    const known = this.frames.get(key);
    if (known !== undefined) return known;
    const getRange = this.store.getRange!.bind(this.store);
    const header = await getRange(key, 0, 16);
    if (header === undefined) return undefined;
    if (header.length < 16) throw new ZarrReadError(file, "chunk", `${header.length} bytes is shorter than a Blosc header (truncated or corrupt chunk?)`);
    const view = new DataView(header.buffer, header.byteOffset, 16);
    const nbytes = view.getUint32(4, true);
    const blocksize = view.getUint32(8, true);
    const expected = this.chunkVoxels * this.spec.bytes;
    if (nbytes !== expected) throw new ZarrReadError(file, "chunk", `Blosc header says ${nbytes} uncompressed bytes, expected ${expected} (truncated or corrupt chunk?)`);
    const memcpyed = ((header[2] as number) & 2) !== 0;
    const nblocks = memcpyed || nbytes === 0 ? 0 : Math.ceil(nbytes / Math.max(1, blocksize));
    let bstarts = new Int32Array(0);
    if (nblocks > 0) {
      const raw = await getRange(key, 16, 16 + 4 * nblocks);
      if (raw === undefined || raw.length < 4 * nblocks) throw new ZarrReadError(file, "chunk", `the Blosc block table is cut short (truncated or corrupt chunk?)`);
      // a copy of exactly the table: a Node Buffer's slice() is a view into a shared pool
      bstarts = new Int32Array(Uint8Array.prototype.slice.call(raw, 0, 4 * nblocks).buffer);
      if (!HOST_LITTLE_ENDIAN) swapInPlace(new Uint8Array(bstarts.buffer), 4);
    }
    const entry = { header: header.slice(), bstarts, memcpyed, blocksize, nblocks };
    if (this.frames.size >= 4096) this.frames.clear();
    this.frames.set(key, entry);
    return entry;
  }

  /** Planes [pz0, pz1) of a chunk, decoded from the blocks that hold them; undefined when the chunk is absent. */
  private async chunkPlanes(iz: number, iy: number, ix: number, pz0: number, pz1: number): Promise<VoxelArray | undefined> {
    const key = this.chunkKey(iz, iy, ix);
    const file = describe(this.store, key);
    const index = await this.frameIndex(key, file);
    if (index === undefined) return undefined;
    const planeBytes = this.chunks.y * this.chunks.x * this.spec.bytes;
    const start = pz0 * planeBytes;
    const end = pz1 * planeBytes;
    const getRange = this.store.getRange!.bind(this.store);
    let raw: Uint8Array;
    if (index.memcpyed) {
      const bytes = await getRange(key, 16 + start, 16 + end);
      if (bytes === undefined || bytes.length < end - start) throw new ZarrReadError(file, "chunk", `the stored bytes end before byte ${16 + end} (truncated or corrupt chunk?)`);
      raw = bytes.slice();
    } else {
      const b0 = Math.floor(start / index.blocksize);
      const b1 = Math.floor((end - 1) / index.blocksize);
      const cbytes = new DataView(index.header.buffer).getUint32(12, true);
      const { start: from, end: to } = bloscBlockSpan(index.bstarts, cbytes, b0, b1);
      if (!(from >= 16 && to >= from && to <= cbytes)) throw new ZarrReadError(file, "chunk", `inconsistent Blosc block table (truncated or corrupt chunk?)`);
      const bytes = await getRange(key, from, to);
      if (bytes === undefined || bytes.length < to - from) throw new ZarrReadError(file, "chunk", `the stored bytes end before byte ${to} (truncated or corrupt chunk?)`);
      const decoded = new Uint8Array((b1 - b0 + 1) * index.blocksize);
      try {
        decodeBloscBlockRange(index.header, index.bstarts, bytes, from, b0, b1, decoded);
      } catch (error) {
        throw new ZarrReadError(file, "chunk", `cannot decode blocks ${b0}-${b1}: ${(error as Error).message} (truncated or corrupt chunk?)`);
      }
      const offset = start - b0 * index.blocksize;
      raw = offset % 8 === 0 ? decoded.subarray(offset, offset + end - start) : decoded.slice(offset, offset + end - start);
    }
    if (this.littleEndian !== HOST_LITTLE_ENDIAN) swapInPlace(raw, this.spec.bytes);
    return this.spec.make(raw.buffer as ArrayBuffer, raw.byteOffset, (pz1 - pz0) * this.chunks.y * this.chunks.x);
  }

  async readSlab(z0: number, z1: number): Promise<VoxelArray> {
    if (!Number.isInteger(z0) || !Number.isInteger(z1) || z0 < 0 || z1 < z0 || z1 > this.shape.z) {
      throw new RangeError(`${describe(this.store, this.path)}: slab [${z0}, ${z1}) outside sections [0, ${this.shape.z})`);
    }
    const { shape, chunks, grid } = this;
    const out = this.spec.alloc((z1 - z0) * shape.y * shape.x);
    if (z1 === z0) return out;
    const fill = this.fillValue;
    const fillNeeded = !Object.is(fill, 0);
    const tasks: [number, number, number][] = [];
    for (let iz = Math.floor(z0 / chunks.z); iz <= Math.floor((z1 - 1) / chunks.z); iz++) {
      for (let iy = 0; iy < grid.y; iy++) for (let ix = 0; ix < grid.x; ix++) tasks.push([iz, iy, ix]);
    }
    const copy = async ([iz, iy, ix]: [number, number, number]) => {
      const cz0 = Math.max(z0, iz * chunks.z);
      const cz1 = Math.min(z1, (iz + 1) * chunks.z);
      // ranged: `data` holds planes cz0.. of the chunk; else the whole chunk
      const data = this.ranged ? await this.chunkPlanes(iz, iy, ix, cz0 - iz * chunks.z, cz1 - iz * chunks.z) : await this.chunk(iz, iy, ix);
      const first = this.ranged ? cz0 : iz * chunks.z;
      const y0 = iy * chunks.y;
      const h = Math.min(chunks.y, shape.y - y0);
      const x0 = ix * chunks.x;
      const w = Math.min(chunks.x, shape.x - x0);
      for (let z = cz0; z < cz1; z++) {
        for (let y = 0; y < h; y++) {
          const to = ((z - z0) * shape.y + y0 + y) * shape.x + x0;
          if (data === undefined) {
            if (fillNeeded) out.fill(fill as never, to, to + w);
          } else {
            const from = ((z - first) * chunks.y + y) * chunks.x;
            out.set(data.subarray(from, from + w) as never, to);
          }
        }
      }
    };
    let next = 0;
    const worker = async () => {
      while (next < tasks.length) await copy(tasks[next++] as [number, number, number]);
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, tasks.length) }, worker));
    return out;
  }

  async close(): Promise<void> {
    this.cache.clear();
  }
}

/**
 * Opens an OME-NGFF 0.4 multiscale group (Zarr v2) — level `options.level` (a dataset path), by
 * default the first (full resolution) — or a bare 3-D Zarr v2 array at the store root (voxel size 0).
 */
export async function openOmeZarr(store: ChunkReader, options: OpenOmeZarrOptions = {}): Promise<OmeZarrSource> {
  let path = "";
  let levels: string[] = [];
  let voxelSize: VoxelSize = { x: 0, y: 0, z: 0 };
  const rootArray = await readJson(store, ".zarray");
  if (rootArray === undefined) {
    const zattrs = await readJson(store, ".zattrs");
    if (zattrs === undefined) {
      const v3 = await store.get("zarr.json");
      if (v3 !== undefined)
        throw new ZarrReadError(describe(store, "zarr.json"), "zarr_format", "Zarr v3 (zarr.json, OME-NGFF 0.5) input is not supported yet; convert to Zarr v2 / NGFF 0.4");
      const zgroup = await store.get(".zgroup");
      throw new ZarrReadError(
        describe(store, ".zattrs"),
        "multiscales",
        zgroup === undefined ? "no .zattrs, .zgroup or .zarray: not a Zarr v2 store" : "missing: the group has no OME-NGFF multiscales metadata",
      );
    }
    const ms = parseMultiscales(zattrs, describe(store, ".zattrs"), options.level);
    ({ path, levels, voxelSize } = ms);
  } else if (options.level !== undefined && options.level !== "") {
    throw new ZarrReadError(describe(store, ".zarray"), "level", `the store is a bare array without multiscale levels; cannot select level ${JSON.stringify(options.level)}`);
  }
  const zarrayKey = join2(path, ".zarray");
  const file = describe(store, zarrayKey);
  const meta = rootArray ?? (await readJson(store, zarrayKey));
  if (meta === undefined) throw new ZarrReadError(file, ".zarray", `missing: dataset ${JSON.stringify(path)} has no array metadata`);
  if (meta.zarr_format !== 2) throw new ZarrReadError(file, "zarr_format", `expected 2, got ${JSON.stringify(meta.zarr_format)}`);
  if (meta.order !== "C") throw new ZarrReadError(file, "order", `only C order is supported, got ${JSON.stringify(meta.order)}`);
  if (meta.filters !== null && meta.filters !== undefined && !(Array.isArray(meta.filters) && meta.filters.length === 0)) {
    throw new ZarrReadError(file, "filters", `filters are not supported, got ${JSON.stringify(meta.filters)}`);
  }
  const [z, y, x] = positiveIntList(meta.shape, 3, file, "shape") as [number, number, number];
  const [cz, cy, cx] = positiveIntList(meta.chunks, 3, file, "chunks") as [number, number, number];
  const typestr = meta.dtype;
  const m = typeof typestr === "string" ? /^([<>|])([iufb])(\d)$/.exec(typestr) : null;
  const spec = m ? DTYPE_SPECS[`${m[2]}${m[3]}`] : undefined;
  if (m === null || spec === undefined || (spec.bytes > 1 && m[1] === "|")) {
    throw new ZarrReadError(file, "dtype", `unsupported dtype ${JSON.stringify(typestr)}; supported: |i1 |u1 |b1 and <or> i2 u2 i4 u4 f2 f4 f8`);
  }
  const separator = meta.dimension_separator ?? ".";
  if (separator !== "." && separator !== "/") {
    throw new ZarrReadError(file, "dimension_separator", `expected "." or "/", got ${JSON.stringify(separator)}`);
  }
  const fillValue = parseFill(meta.fill_value, spec, file);
  const compressor = meta.compressor;
  let codec: NumcodecsCodec | null = null;
  if (compressor !== null && compressor !== undefined) {
    if (typeof compressor !== "object" || Array.isArray(compressor) || typeof (compressor as Record<string, unknown>).id !== "string") {
      throw new ZarrReadError(file, "compressor", `expected null or a numcodecs config with an id, got ${JSON.stringify(compressor)}`);
    }
    codec = await loadDecoder(compressor as Record<string, unknown>, file);
  }
  const cacheBytes = options.cacheBytes ?? 128 * 2 ** 20;
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 4));
  return new ZarrV2Source(
    store,
    path,
    { z, y, x },
    { z: cz, y: cy, x: cx },
    voxelSize,
    levels,
    fillValue,
    spec,
    m[1] !== ">",
    separator as string,
    codec,
    cacheBytes,
    concurrency,
    codec !== null && (compressor as Record<string, unknown>).id === "blosc",
    store.getRange !== undefined && isBloscLz4(compressor),
  );
}

/** Blosc lz4 with no or byte shuffle: what ./blosc-frame.ts decodes block by block. */
function isBloscLz4(compressor: unknown): boolean {
  const c = compressor as Record<string, unknown> | null | undefined;
  return !!c && c.id === "blosc" && c.cname === "lz4" && (c.shuffle === 0 || c.shuffle === 1);
}

/** Opens the OME-Zarr at a local directory; see {@link openOmeZarr}. */
export function openOmeZarrDirectory(root: string, options?: OpenOmeZarrOptions): Promise<OmeZarrSource> {
  return openOmeZarr(new FileSystemChunkReader(root), options);
}
