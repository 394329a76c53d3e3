/**
 * Streaming OME-Zarr pyramid writer (OME-NGFF 0.4 on Zarr v2, as the CryoET portal serves).
 *
 * The source is read in z-slabs; each slab goes to level 0's current chunk row (chunk depth
 * planes) and through a {@link StreamingDownsampler} that feeds level 1, which feeds level 2, and
 * so on. Zarr v2 stores edge chunks whole, so chunks are padded with the fill value (zero).
 *
 * Memory is bounded whatever the volume's size. A chunk row is a chunk depth × the level's whole
 * y×x plane (1 GiB for 256-deep chunks of a 1024² float32 plane), so only a row of at most
 * `maxRowBytes` (default 8 MiB) is gathered in memory and cut into chunks when complete. A bigger
 * row is *streamed* when the encoder can (`ChunkEncoder.openChunk`: Blosc lz4, the portal's
 * compressor): each chunk of the row is opened as a staged file (`ChunkStore.stage`: a temp
 * sibling in the output folder, renamed into place when complete; or a temp file handed to `set`),
 * every slab is cut into one padded piece per chunk, and an encoder worker compresses the piece's
 * Blosc blocks and appends them to the chunk's file, writing the frame header last — no raw row
 * and no whole frame ever exists. Pieces in flight are bounded by `maxPieceBytesInFlight`
 * (default 32 MiB) and their buffers are reused. Encoders without `openChunk` (other
 * compressors) get big rows spilled to a temporary file laid out chunk by chunk, from which each
 * chunk is encoded when the row is complete (ChunkEncoder.encodeFile, or one contiguous read).
 * Source slabs are read `readBytes` (default 8 MiB, at least a z-block of planes) at a time.
 *
 * Write order makes a half-written pyramid unmistakable: all chunks of every array, then each
 * array's `.zarray`, then the group's `.zattrs` and finally `.zgroup`.
 */
import { mkdtemp, open, readFile, rm, unlink, type FileHandle } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SlabSource, VolumeShape, VoxelSize } from "../volume.js";
import { PORTAL_COMPRESSOR, compressorJson, createInlineEncoder, type ChunkEncoder, type ChunkStream, type CompressorConfig } from "./codec.js";
import { levelScales, levelShapes, ngffV04Zattrs, type BlockFactors } from "./ngff.js";
import { StreamingDownsampler, type DownsampleMethod } from "./pyramid.js";
import type { PyJson } from "../python/index.js";
import type { ChunkStore, StagedFile } from "./store.js";
import { zarrJsonArray, zarrJsonGroupNgff05 } from "./v3-metadata.js";
import { ZGROUP_JSON, allocate, bytesOf, chunkKeyV2, zarrayJson, type ZarrDType, type ZarrTypedArray } from "./v2-metadata.js";
import { createWorkerPoolEncoder, defaultPoolSize } from "./worker.js";

/** What is being written; selects chunks, downsampling and dtype per reference §5.6. */
export type PyramidKind = "tomogram" | "tiltseries" | "segmentation-mask" | "instance-mask";

export interface PyramidPreset {
  chunks: VolumeShape;
  factors: BlockFactors;
  method: DownsampleMethod;
  dtype: ZarrDType;
}

/** Reference rules (§5.2, §5.3, §5.6) for each kind. */
export function pyramidPreset(kind: PyramidKind): PyramidPreset {
  const cube = { z: 256, y: 256, x: 256 };
  const halve = { z: 2, y: 2, x: 2 };
  switch (kind) {
    case "tomogram":
      return { chunks: cube, factors: halve, method: "mean", dtype: "float32" };
    case "tiltseries":
      return { chunks: { z: 1, y: 1024, x: 1024 }, factors: { z: 1, y: 2, x: 2 }, method: "mean", dtype: "float32" };
    case "segmentation-mask":
      return { chunks: cube, factors: halve, method: "any", dtype: "int8" };
    case "instance-mask":
      return { chunks: cube, factors: halve, method: "nearest", dtype: "uint16" };
    default:
      throw new Error(`unknown pyramid kind ${String(kind)}`);
  }
}

export interface WritePyramidOptions {
  /**
   * "0.4" (default): OME-NGFF 0.4 on Zarr v2, as the portal serves. "0.5": OME-NGFF 0.5 on Zarr v3
   * (`zarr.json` documents, chunk keys `c/z/y/x`, the same chunk bytes).
   */
  ngffVersion?: "0.4" | "0.5";
  /** Default "tomogram". */
  kind?: PyramidKind;
  /** Number of levels including full resolution. Default 3 (100/50/25 %). */
  levels?: number;
  /** Overrides of the kind's preset. */
  chunks?: VolumeShape;
  factors?: BlockFactors;
  method?: DownsampleMethod;
  dtype?: ZarrDType;
  /** Level-0 voxel size in Å (rounded to 3 decimals like the reference). Default: `source.voxelSize`. */
  voxelSpacing?: number | VoxelSize;
  /** Default Blosc lz4 clevel 5 shuffle, zarr-python 2's default (see codec.ts). */
  compressor?: CompressorConfig;
  /** Encoder worker threads; 0 encodes on the calling thread. Default: number of cores. */
  workers?: number;
  /** Chunks being encoded/stored at once (bounds memory). Default 2 × workers + 2. */
  maxChunksInFlight?: number;
  /** Raw chunk bytes being encoded/stored at once (at least one chunk is always allowed). Default 128 MiB. */
  maxBytesInFlight?: number;
  /** Planes per `readSlab` call. Default: as many as fit in `readBytes`, at most min(chunk depth, 32), at least the z factor. */
  readDepth?: number;
  /** Target bytes (of output dtype) per `readSlab` call when `readDepth` is not given. Default 8 MiB. */
  readBytes?: number;
  /**
   * A level's chunk row bigger than this is not kept in memory: its chunks are streamed into their
   * files (encoders with `openChunk`, i.e. Blosc lz4) or the row is spilled to a temporary file
   * (other compressors; see above). Default 8 MiB.
   */
  maxRowBytes?: number;
  /** Streaming mode: raw piece bytes handed to the encoder and not yet written. Default 32 MiB. */
  maxPieceBytesInFlight?: number;
  /** Directory for spilled chunk rows. Default os.tmpdir(). */
  tmpDir?: string;
  /**
   * Optional multiscale `metadata` entry (e.g. `{"image-label": {...}}` for instance masks); a function is
   * called after the last voxel is written (the labels of an instance mask are known only then).
   */
  metadata?: { readonly [key: string]: PyJson } | (() => { readonly [key: string]: PyJson });
  /** Use this encoder instead of creating one (it is not closed). */
  encoder?: ChunkEncoder;
}

export interface PyramidLevel {
  /** Array path in the group: "0", "1", "2". */
  path: string;
  shape: VolumeShape;
  chunks: VolumeShape;
  /** Voxel size of the level in Å (the NGFF scale). */
  scale: VoxelSize;
}

export interface PyramidResult {
  levels: PyramidLevel[];
  /** Per-level shapes as the reference's tomogram/tilt-series metadata lists them (`scales`). */
  scales: { z: number; y: number; x: number }[];
  /** Level-0 shape (`size` in the reference metadata). */
  size: { z: number; y: number; x: number };
  chunkCount: number;
  /** Compressed chunk bytes written. */
  storedBytes: number;
}

/** One chunk of a chunk row: its grid position and the part of the array it covers. */
interface ChunkBox {
  iy: number;
  ix: number;
  y0: number;
  x0: number;
  h: number;
  w: number;
}

/** The chunks of one chunk row (y slower than x), edge chunks clipped to the array. */
function* chunkBoxes(shape: VolumeShape, chunks: VolumeShape): Generator<ChunkBox> {
  for (let iy = 0; iy * chunks.y < shape.y; iy++) {
    const y0 = iy * chunks.y;
    for (let ix = 0; ix * chunks.x < shape.x; ix++) {
      const x0 = ix * chunks.x;
      yield { iy, ix, y0, x0, h: Math.min(chunks.y, shape.y - y0), w: Math.min(chunks.x, shape.x - x0) };
    }
  }
}

/** Copies planes [first, first + n) of full `shape.y × shape.x` planes, inside `box`, into a C-order chunk buffer. */
function copyBox(planes: ZarrTypedArray, first: number, n: number, shape: VolumeShape, chunks: VolumeShape, box: ChunkBox, into: ZarrTypedArray): void {
  const plane = shape.y * shape.x;
  for (let z = 0; z < n; z++) {
    for (let y = 0; y < box.h; y++) {
      const from = (first + z) * plane + (box.y0 + y) * shape.x + box.x0;
      into.set(planes.subarray(from, from + box.w) as never, (z * chunks.y + y) * chunks.x);
    }
  }
}

function positiveInt(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${what} must be a positive integer, got ${value}`);
  return value;
}

/** Bounded set of asynchronous chunk writes; remembers the first failure. */
class InFlight {
  private readonly pending = new Set<Promise<void>>();
  private error: unknown = null;
  private bytesInFlight = 0;
  chunkCount = 0;
  storedBytes = 0;

  constructor(
    private readonly limit: number,
    private readonly byteLimit: number,
    readonly encoder: ChunkEncoder,
    private readonly store: ChunkStore,
  ) {}

  /** Wait until a chunk of `bytes` may be started (used before allocating it). */
  async reserve(bytes: number): Promise<void> {
    this.throwIfFailed();
    while (this.pending.size > 0 && (this.pending.size >= this.limit || this.bytesInFlight + bytes > this.byteLimit)) {
      await Promise.race(this.pending);
      this.throwIfFailed();
    }
  }

  /** Encodes and stores `chunk`, taking ownership of its buffer (it may be transferred to a worker). */
  async submit(key: string, chunk: ZarrTypedArray): Promise<void> {
    await this.submitJob(key, chunk.byteLength, () => this.encoder.encode(bytesOf(chunk)));
  }

  /**
   * Encodes (with `encode`) and stores a chunk of `bytes` raw bytes. Resolves once the job is
   * started, with `encoded`: settled when encoding is over (succeeded or not), before the store write.
   */
  async submitJob(key: string, bytes: number, encode: () => Promise<Uint8Array>): Promise<{ encoded: Promise<void> }> {
    await this.reserve(bytes);
    this.bytesInFlight += bytes;
    let encodingOver = () => {};
    const encoded = new Promise<void>((resolve) => (encodingOver = resolve));
    const task: Promise<void> = (async () => {
      let out: Uint8Array;
      try {
        out = await encode();
      } finally {
        encodingOver();
      }
      await this.store.set(key, out);
      this.chunkCount++;
      this.storedBytes += out.byteLength;
    })()
      .catch((error: unknown) => {
        this.error ??= error;
      })
      .finally(() => {
        this.bytesInFlight -= bytes;
        this.pending.delete(task);
      });
    this.pending.add(task);
    return { encoded };
  }

  /** Follows a streamed chunk's step (its failure fails the write, like a chunk's). */
  track(step: Promise<unknown>): void {
    const task: Promise<void> = step
      .then(() => {})
      .catch((error: unknown) => {
        this.error ??= error;
      })
      .finally(() => this.pending.delete(task));
    this.pending.add(task);
  }

  /** A streamed chunk was completed with `bytes` stored. */
  countChunk(bytes: number): void {
    this.chunkCount++;
    this.storedBytes += bytes;
  }

  /** Throws the first failure so far. */
  check(): void {
    this.throwIfFailed();
  }

  async drain(): Promise<void> {
    while (this.pending.size > 0) await Promise.race(this.pending);
    this.throwIfFailed();
  }

  /** Wait for everything without throwing (used on the error path). */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.race(this.pending);
  }

  private throwIfFailed(): void {
    if (this.error !== null) throw this.error;
  }
}

/**
 * A chunk row kept in a temporary file, chunk by chunk: chunk (iy, ix) of the row occupies
 * `chunkBytes` at offset `(iy * gridX + ix) * chunkBytes`, in the chunk's own C layout (padded
 * planes), so a finished chunk is one contiguous read. Regions are only ever read after they were
 * written in the same row, so the file is reused row after row without clearing.
 */
class SpilledRow {
  private scratch: ZarrTypedArray | null = null;
  /** Chunks of the last flushed row still being read by the encoder (straight from the file). */
  private reading: Promise<void>[] = [];

  private constructor(
    private readonly dir: string,
    private readonly file: FileHandle,
  ) {}

  /** The file, for encoders that read chunks from it themselves ({@link ChunkEncoder.encodeFile}). */
  get path(): string {
    return join(this.dir, "row");
  }

  /** Chunk (iy, ix)'s byte offset in the file and its filled length. */
  region(level: PyramidLevel, iy: number, ix: number, filled: number, bytesPer: number): { offset: number; length: number; nbytes: number } {
    const { shape, chunks } = level;
    const nbytes = chunks.z * chunks.y * chunks.x * bytesPer;
    const gridX = Math.ceil(shape.x / chunks.x);
    return { offset: (iy * gridX + ix) * nbytes, length: filled * chunks.y * chunks.x * bytesPer, nbytes };
  }

  /** Chunks being read from the file; the next `write` waits for them (the file is reused row after row). */
  readingUntil(encoded: Promise<void>[]): void {
    this.reading = encoded;
  }

  static async create(parent: string, label: string): Promise<SpilledRow> {
    const dir = await mkdtemp(join(parent, `ingestkit-zarr-row-${label}-`));
    try {
      return new SpilledRow(dir, await open(join(dir, "row"), "w+"));
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /** Writes planes [offset, offset + n) of `planes` (level shape) as planes `filled…` of every chunk of the row. */
  async write(level: PyramidLevel, dtype: ZarrDType, planes: ZarrTypedArray, offset: number, n: number, filled: number): Promise<void> {
    if (this.reading.length > 0) {
      await Promise.all(this.reading);
      this.reading = [];
    }
    const { shape, chunks } = level;
    const chunkPlane = chunks.y * chunks.x;
    const bytesPer = planes.BYTES_PER_ELEMENT;
    if (this.scratch === null || this.scratch.length < n * chunkPlane) this.scratch = allocate(dtype, Math.max(n, 1) * chunkPlane);
    const scratch = this.scratch;
    const gridX = Math.ceil(shape.x / chunks.x);
    for (const box of chunkBoxes(shape, chunks)) {
      if (box.h < chunks.y || box.w < chunks.x) scratch.fill(0); // padding = fill value
      copyBox(planes, offset, n, shape, chunks, box, scratch);
      const chunkBytes = chunks.z * chunkPlane * bytesPer;
      const at = (box.iy * gridX + box.ix) * chunkBytes + filled * chunkPlane * bytesPer;
      const length = n * chunkPlane * bytesPer;
      let done = 0;
      while (done < length) {
        const { bytesWritten } = await this.file.write(bytesOf(scratch), done, length - done, at + done);
        done += bytesWritten;
      }
    }
  }

  /** Chunk (iy, ix) of the row with `filled` planes; the rest of the chunk is zero (fill value). */
  async read(level: PyramidLevel, dtype: ZarrDType, iy: number, ix: number, filled: number): Promise<ZarrTypedArray> {
    const { shape, chunks } = level;
    const chunkVoxels = chunks.z * chunks.y * chunks.x;
    const chunk = allocate(dtype, chunkVoxels);
    const bytes = bytesOf(chunk);
    const chunkBytes = bytes.byteLength;
    const gridX = Math.ceil(shape.x / chunks.x);
    const at = (iy * gridX + ix) * chunkBytes;
    const length = filled * chunks.y * chunks.x * chunk.BYTES_PER_ELEMENT;
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.file.read(bytes, done, length - done, at + done);
      if (bytesRead === 0) throw new Error(`spilled chunk row ${this.dir}: short read at ${at + done}`);
      done += bytesRead;
    }
    return chunk;
  }

  async close(): Promise<void> {
    this.scratch = null;
    await Promise.all(this.reading);
    await this.file.close().catch(() => {});
    await rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * Raw bytes handed to chunk streams and not yet written: bounds memory in streaming mode. Buffers
 * that come back from the encoder are kept for the next pieces (no garbage for V8 to collect late).
 */
class PieceBudget {
  private used = 0;
  private waiting: Array<() => void> = [];
  private readonly spare = new Map<number, ArrayBuffer[]>();
  private spareBytes = 0;

  constructor(private readonly limit: number) {}

  /** Waits until `bytes` more may be in flight (at least one piece always may). */
  async acquire(bytes: number): Promise<void> {
    while (this.used > 0 && this.used + bytes > this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.used += bytes;
  }

  release(bytes: number): void {
    this.used -= bytes;
    for (const wake of this.waiting.splice(0)) wake();
  }

  /** A buffer of `voxels` elements of `dtype`, reused when one came back; contents are stale. */
  take(dtype: ZarrDType, voxels: number): ZarrTypedArray {
    const bytes = voxels * allocate(dtype, 0).BYTES_PER_ELEMENT;
    const buffer = this.spare.get(bytes)?.pop();
    if (buffer === undefined) return allocate(dtype, voxels);
    this.spareBytes -= bytes;
    const Ctor = allocate(dtype, 0).constructor as new (b: ArrayBuffer) => ZarrTypedArray;
    return new Ctor(buffer);
  }

  give(piece: Uint8Array | undefined): void {
    if (piece === undefined || piece.byteOffset !== 0 || piece.byteLength !== piece.buffer.byteLength) return;
    if (this.spareBytes + piece.byteLength > this.limit) return;
    const list = this.spare.get(piece.byteLength) ?? [];
    list.push(piece.buffer as ArrayBuffer);
    this.spare.set(piece.byteLength, list);
    this.spareBytes += piece.byteLength;
  }
}

/** Where streamed chunks are written: the store's own staged files, or temp files then `set`. */
class ChunkStager {
  private tmp: Promise<string> | null = null;
  private count = 0;

  constructor(
    private readonly store: ChunkStore,
    private readonly tmpDir: string,
  ) {}

  async stage(key: string): Promise<StagedFile> {
    if (this.store.stage !== undefined) return this.store.stage(key);
    this.tmp ??= mkdtemp(join(this.tmpDir, `ingestkit-zarr-chunks-${process.pid}-`));
    const path = join(await this.tmp, String(this.count++));
    return {
      path,
      commit: async () => {
        await this.store.set(key, await readFile(path));
        await unlink(path);
      },
      abort: () => unlink(path).catch(() => {}),
    };
  }

  async dispose(): Promise<void> {
    if (this.tmp !== null) await rm(await this.tmp, { recursive: true, force: true });
    this.tmp = null;
  }
}

/** The chunks of the chunk row being streamed. */
interface OpenChunk {
  box: ChunkBox;
  key: string;
  stream: ChunkStream;
  staged: StagedFile;
}

export interface StreamingContext {
  budget: PieceBudget;
  stager: ChunkStager;
}

/** Accumulates one level's planes into chunk rows and cuts full rows into padded chunks. */
class LevelWriter {
  private readonly row: ZarrTypedArray | null;
  private readonly plane: number;
  private filled = 0;
  private rowIndex = 0;
  private planesSeen = 0;
  private spilled: SpilledRow | null = null;
  /** Streaming mode (a big row and an encoder with openChunk): the row's chunks being written. */
  private readonly streaming: StreamingContext | null;
  private open: OpenChunk[] | null = null;

  constructor(
    private readonly level: PyramidLevel,
    private readonly dtype: ZarrDType,
    private readonly writes: InFlight,
    private readonly next: { downsampler: StreamingDownsampler; writer: LevelWriter } | null,
    private readonly spill: { maxRowBytes: number; tmpDir: string },
    streaming: StreamingContext | null,
  ) {
    this.plane = level.shape.y * level.shape.x;
    const rowVoxels = Math.min(level.chunks.z, level.shape.z) * this.plane;
    const big = rowVoxels * allocate(dtype, 0).BYTES_PER_ELEMENT > spill.maxRowBytes;
    this.streaming = big && writes.encoder.openChunk !== undefined ? streaming : null;
    this.row = big ? null : allocate(dtype, rowVoxels);
  }

  /** Removes the spill file and unfinished chunk files, if any (call once, after the last flush or on error). */
  async dispose(): Promise<void> {
    await this.spilled?.close();
    this.spilled = null;
    const open = this.open ?? [];
    this.open = null;
    for (const chunk of open) {
      await chunk.stream.abort();
      await chunk.staged.abort();
    }
    await this.next?.writer.dispose();
  }

  /** Starts the row's chunk files. */
  private async openRow(): Promise<OpenChunk[]> {
    const { stager } = this.streaming as StreamingContext;
    const { chunks, path } = this.level;
    const nbytes = chunks.z * chunks.y * chunks.x * allocate(this.dtype, 0).BYTES_PER_ELEMENT;
    const open: OpenChunk[] = [];
    this.open = open;
    for (const box of chunkBoxes(this.level.shape, chunks)) {
      const key = chunkKeyV2(path, [this.rowIndex, box.iy, box.ix]);
      const staged = await stager.stage(key);
      open.push({ box, key, staged, stream: (this.writes.encoder.openChunk as NonNullable<ChunkEncoder["openChunk"]>)(staged.path, nbytes) });
    }
    return open;
  }

  /** Cuts planes [offset, offset + n) into one padded piece per chunk of the row and streams them. */
  private async streamPlanes(planes: ZarrTypedArray, offset: number, n: number): Promise<void> {
    const { budget } = this.streaming as StreamingContext;
    const open = this.open ?? (await this.openRow());
    const { shape, chunks } = this.level;
    const voxels = n * chunks.y * chunks.x;
    const bytes = voxels * planes.BYTES_PER_ELEMENT;
    for (const chunk of open) {
      this.writes.check();
      await budget.acquire(bytes);
      const piece = budget.take(this.dtype, voxels);
      if (chunk.box.h < chunks.y || chunk.box.w < chunks.x) piece.fill(0); // padding = fill value
      copyBox(planes, offset, n, shape, chunks, chunk.box, piece);
      this.writes.track(
        chunk.stream
          .push(bytesOf(piece))
          .then((back) => budget.give(back))
          .finally(() => budget.release(bytes)),
      );
    }
  }

  /** Pads the row's chunks to full depth and completes their files. */
  private finishStreamedRow(): void {
    const open = this.open ?? [];
    this.open = null;
    const { chunks } = this.level;
    const missing = (chunks.z - this.filled) * chunks.y * chunks.x * allocate(this.dtype, 0).BYTES_PER_ELEMENT;
    for (const { stream, staged } of open) {
      if (missing > 0) this.writes.track(stream.pushZeros(missing));
      this.writes.track(
        (async () => {
          try {
            const length = await stream.close();
            await staged.commit();
            this.writes.countChunk(length);
          } catch (error) {
            await staged.abort(); // a failed close or commit leaves no staged file behind
            throw error;
          }
        })(),
      );
    }
  }

  async push(planes: ZarrTypedArray, count: number): Promise<void> {
    if (this.planesSeen + count > this.level.shape.z) {
      throw new Error(`level ${this.level.path}: got ${this.planesSeen + count} planes, expected ${this.level.shape.z}`);
    }
    let offset = 0;
    while (offset < count) {
      const n = Math.min(count - offset, this.level.chunks.z - this.filled);
      if (this.row !== null) {
        this.row.set(planes.subarray(offset * this.plane, (offset + n) * this.plane) as never, this.filled * this.plane);
      } else if (this.streaming !== null) {
        await this.streamPlanes(planes, offset, n);
      } else {
        this.spilled ??= await SpilledRow.create(this.spill.tmpDir, this.level.path);
        await this.spilled.write(this.level, this.dtype, planes, offset, n, this.filled);
      }
      this.filled += n;
      offset += n;
      this.planesSeen += n;
      if (this.filled === this.level.chunks.z || this.planesSeen === this.level.shape.z) await this.flushRow();
    }
    if (this.next !== null) await this.next.downsampler.push(planes, count);
  }

  async finish(): Promise<void> {
    if (this.planesSeen !== this.level.shape.z) {
      throw new Error(`level ${this.level.path}: got ${this.planesSeen} planes, expected ${this.level.shape.z}`);
    }
    if (this.next !== null) {
      await this.next.downsampler.finish();
      await this.next.writer.finish();
    }
  }

  private async flushRow(): Promise<void> {
    const { shape, chunks, path } = this.level;
    const chunkVoxels = chunks.z * chunks.y * chunks.x;
    const bytesPer = allocate(this.dtype, 0).BYTES_PER_ELEMENT;
    const chunkBytes = chunkVoxels * bytesPer;
    const encoder = this.writes.encoder;
    if (this.streaming !== null) {
      this.finishStreamedRow();
      this.rowIndex++;
      this.filled = 0;
      return;
    }
    if (this.row === null && encoder.encodeFile !== undefined) {
      // the encoder reads each chunk from the spill file piece by piece: no chunk-sized buffer here
      const spilled = this.spilled as SpilledRow;
      const encodeFile = encoder.encodeFile.bind(encoder);
      const encoded: Promise<void>[] = [];
      for (const { iy, ix } of chunkBoxes(shape, chunks)) {
        const { offset, length, nbytes } = spilled.region(this.level, iy, ix, this.filled, bytesPer);
        const file = spilled.path;
        const job = await this.writes.submitJob(chunkKeyV2(path, [this.rowIndex, iy, ix]), nbytes, () => encodeFile(file, offset, length, nbytes));
        encoded.push(job.encoded);
      }
      spilled.readingUntil(encoded);
      this.rowIndex++;
      this.filled = 0;
      return;
    }
    for (const box of chunkBoxes(shape, chunks)) {
      const { iy, ix } = box;
      await this.writes.reserve(chunkBytes); // before allocating: bounds memory
      if (this.row === null) {
        const chunk = await (this.spilled as SpilledRow).read(this.level, this.dtype, iy, ix, this.filled);
        await this.writes.submit(chunkKeyV2(path, [this.rowIndex, iy, ix]), chunk);
        continue;
      }
      const chunk = allocate(this.dtype, chunkVoxels); // zero = fill value
      copyBox(this.row, 0, this.filled, shape, chunks, box, chunk);
      await this.writes.submit(chunkKeyV2(path, [this.rowIndex, iy, ix]), chunk);
    }
    this.rowIndex++;
    this.filled = 0;
  }
}

/**
 * Write `source` as an OME-NGFF 0.4 / Zarr v2 multiscale pyramid into `store`
 * (keys relative to the `.zarr` root). Level 0 is the source converted to the output dtype
 * (float32 for tomograms and tilt series); each further level is downsampled from the previous one.
 */
export async function writeOmeZarrPyramid(source: SlabSource, store: ChunkStore, options: WritePyramidOptions = {}): Promise<PyramidResult> {
  if (options.ngffVersion === "0.5") {
    // Zarr v3 default chunk keys: `<level>/c/<z>/<y>/<x>`
    const v2 = store;
    store = { set: (key, bytes) => v2.set(key.replace(/^([^/]+)\/(\d+\/\d+\/\d+)$/, "$1/c/$2"), bytes) };
  }
  const preset = pyramidPreset(options.kind ?? "tomogram");
  const chunks = options.chunks ?? preset.chunks;
  const factors = options.factors ?? preset.factors;
  const method = options.method ?? preset.method;
  const dtype = options.dtype ?? preset.dtype;
  const levelCount = positiveInt(options.levels ?? 3, "levels");
  for (const axis of ["z", "y", "x"] as const) {
    positiveInt(chunks[axis], `chunks.${axis}`);
    positiveInt(factors[axis], `factors.${axis}`);
    positiveInt(source.shape[axis], `source shape ${axis}`);
  }
  const spacing = options.voxelSpacing ?? source.voxelSize;
  const voxel: VoxelSize = typeof spacing === "number" ? { x: spacing, y: spacing, z: spacing } : spacing;
  for (const axis of ["z", "y", "x"] as const) {
    if (!(voxel[axis] > 0) || !Number.isFinite(voxel[axis])) {
      throw new Error(`voxel spacing ${axis} must be a positive number of ångström, got ${voxel[axis]} (pass options.voxelSpacing)`);
    }
  }
  const compressor = options.compressor === undefined ? PORTAL_COMPRESSOR : options.compressor;

  const shapes = levelShapes(source.shape, factors, levelCount);
  const scales = levelScales(voxel, factors, levelCount);
  const levels: PyramidLevel[] = shapes.map((shape, i) => ({ path: String(i), shape, chunks: { ...chunks }, scale: scales[i] as VoxelSize }));

  const workers = options.workers ?? defaultPoolSize();
  const ownEncoder = options.encoder === undefined;
  const typesize = allocate(dtype, 0).BYTES_PER_ELEMENT; // recorded in Blosc headers, as Python does
  const encoder = options.encoder ?? (workers > 0 ? await createWorkerPoolEncoder(compressor, workers, { typesize }) : await createInlineEncoder(compressor, { typesize }));
  const writes = new InFlight(
    positiveInt(options.maxChunksInFlight ?? 2 * Math.max(workers, 1) + 2, "maxChunksInFlight"),
    options.maxBytesInFlight ?? 128 * 2 ** 20,
    encoder,
    store,
  );
  const spill = { maxRowBytes: options.maxRowBytes ?? 8 * 2 ** 20, tmpDir: options.tmpDir ?? tmpdir() };
  const streaming: StreamingContext = {
    budget: new PieceBudget(options.maxPieceBytesInFlight ?? 32 * 2 ** 20),
    stager: new ChunkStager(store, spill.tmpDir),
  };
  let level0: LevelWriter | null = null;

  try {
    // Build the chain from the coarsest level up: level i pushes into a downsampler feeding i+1.
    let next: { downsampler: StreamingDownsampler; writer: LevelWriter } | null = null;
    for (let i = levelCount - 1; i >= 0; i--) {
      const writer: LevelWriter = new LevelWriter(levels[i] as PyramidLevel, dtype, writes, next, spill, streaming);
      level0 = writer;
      if (i > 0) {
        const downsampler = new StreamingDownsampler(shapes[i - 1] as VolumeShape, factors, method, dtype, (planes, count) => writer.push(planes, count));
        next = { downsampler, writer };
      }
    }
    if (level0 === null) throw new Error("no levels");

    const plane = source.shape.y * source.shape.x;
    const planeBytes = plane * allocate(dtype, 0).BYTES_PER_ELEMENT;
    const depth = positiveInt(
      // at least a z-block of planes (2 for tomograms): the downsampler then never joins slabs, and
      // 2 planes of a 256² float32 chunk are exactly one Blosc block (no partial blocks to gather)
      options.readDepth ?? Math.max(Math.min(chunks.z, factors.z, source.shape.z), Math.min(chunks.z, 32, Math.floor((options.readBytes ?? 8 * 2 ** 20) / planeBytes)), 1),
      "readDepth",
    );
    const sameType = allocate(dtype, 0).constructor;
    for (let z0 = 0; z0 < source.shape.z; z0 += depth) {
      const z1 = Math.min(source.shape.z, z0 + depth);
      const slab = await source.readSlab(z0, z1);
      if (slab.length !== (z1 - z0) * plane) {
        throw new Error(`readSlab(${z0}, ${z1}) returned ${slab.length} voxels, expected ${(z1 - z0) * plane}`);
      }
      // the level writers copy what they keep, so a slab of the output type is used as it is
      let converted: ZarrTypedArray;
      if (slab.constructor === sameType) converted = slab as ZarrTypedArray;
      else {
        converted = allocate(dtype, slab.length);
        converted.set(slab as never);
      }
      await level0.push(converted, z1 - z0);
      source.release?.(slab); // the level writers and downsamplers copied what they keep
    }
    await level0.finish();
    await writes.drain();
    const metadata = typeof options.metadata === "function" ? options.metadata() : options.metadata;

    if (options.ngffVersion === "0.5") {
      for (const level of levels) {
        const doc = zarrJsonArray({ shape: [level.shape.z, level.shape.y, level.shape.x], chunks: [level.chunks.z, level.chunks.y, level.chunks.x], dtype, compressor });
        await store.set(`${level.path}/zarr.json`, new TextEncoder().encode(doc));
      }
      await store.set("zarr.json", new TextEncoder().encode(zarrJsonGroupNgff05(levels, metadata)));
    } else {
      for (const level of levels) {
        const zarray = zarrayJson({
          shape: [level.shape.z, level.shape.y, level.shape.x],
          chunks: [level.chunks.z, level.chunks.y, level.chunks.x],
          dtype,
          compressor: compressorJson(compressor),
        });
        await store.set(`${level.path}/.zarray`, new TextEncoder().encode(zarray));
      }
      await store.set(".zattrs", new TextEncoder().encode(ngffV04Zattrs(levels, metadata)));
      await store.set(".zgroup", new TextEncoder().encode(ZGROUP_JSON));
    }
  } catch (error) {
    await writes.settle();
    throw error;
  } finally {
    await level0?.dispose();
    await streaming.stager.dispose();
    if (ownEncoder) await encoder.close();
  }

  return {
    levels,
    scales: levels.map((l) => ({ z: l.shape.z, y: l.shape.y, x: l.shape.x })),
    size: { z: source.shape.z, y: source.shape.y, x: source.shape.x },
    chunkCount: writes.chunkCount,
    storedBytes: writes.storedBytes,
  };
}
