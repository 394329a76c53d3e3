/**
 * Streaming MRC2014 writer: writes the header, the extended header (raw) and z-slabs in order to
 * a `ByteSink`, computes DMIN/DMAX/DMEAN/RMS in the same pass and patches the header on close.
 * Always little-endian, MAP "MAP ", MACHST 44 44 00 00, NVERSION 20140; header fields of
 * standardized outputs as the cryoET portal writes them (cella = voxel size x m, origin 0,
 * n[xyz]start 0, m = n (mz 1 for image stacks), mapc/r/s 1/2/3, cellb 90). With a path target the
 * file only appears at that path once complete. Part of our own MRC2014 codec — npm has no
 * MRC2014 library.
 */
import type { SlabSource, VolumeShape, VoxelArray, VoxelSize } from "../volume.js";
import { openFileByteSink, type ByteSink, type FileByteSinkOptions } from "./bytes.js";
import { MrcError } from "./errors.js";
import { encodeMrcHeader, MRC_EXTENDED_HEADER_TYPES, modeOfDType, type MrcHeader, type MrcWritableDType, type Xyz } from "./header.js";
import { StreamingStats, type MrcStats } from "./stats.js";

export interface MrcWriteOptions {
  shape: VolumeShape;
  /** int8 -> mode 0, int16 -> 1, float32 -> 2, uint16 -> 6, float16 -> 12 (raw half bits in a Uint16Array). */
  dtype: MrcWritableDType;
  /** Voxel size in ångström (a number: same on all axes). CELLA = voxel size x (mx, my, mz). */
  voxelSize: VoxelSize | number;
  /**
   * "volume" (default): ISPG 1, MZ = NZ (tomograms, masks). "imageStack": ISPG 0, MZ 1 (tilt
   * series; CELLA.z is then the voxel size). `ispg` / `mz` override either.
   */
  kind?: "volume" | "imageStack";
  ispg?: number;
  mz?: number;
  /** Up to 10 labels of at most 80 printable ASCII characters. */
  labels?: string[];
  /** Written verbatim after the header; NSYMBT is its length. */
  extendedHeader?: Uint8Array;
  /** EXTTYP (default "MRCO", as the reference); with an extended header it must be one of MRC_EXTENDED_HEADER_TYPES. */
  exttyp?: string;
  /** Header bytes 96-103 and 112-195 (the reference copies them from a source MRC); default zeros. */
  extra1?: Uint8Array;
  extra2?: Uint8Array;
  /** Default 20140. */
  nversion?: 20140 | 20141;
  /** Default 0, 0, 0. */
  origin?: Xyz;
}

const ARRAY_OF: Record<MrcWritableDType, string> = {
  int8: "Int8Array",
  int16: "Int16Array",
  float32: "Float32Array",
  uint16: "Uint16Array",
  float16: "Uint16Array",
};
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The header the writer starts with (statistics marked undetermined until close). */
export function standardMrcHeader(options: MrcWriteOptions, file = "(MRC header)"): MrcHeader {
  const { shape, dtype } = options;
  const mode = modeOfDType(dtype);
  if (mode === undefined || mode === 101 || !(dtype in ARRAY_OF)) {
    throw new MrcError(file, "mode", `cannot write voxels of type ${String(dtype)}; writable: ${Object.keys(ARRAY_OF).join(", ")}`);
  }
  for (const axis of ["x", "y", "z"] as const) {
    const n = shape[axis];
    if (!Number.isInteger(n) || n <= 0 || n > 0x7fffffff) throw new MrcError(file, `n${axis}`, `must be a positive integer, got ${n}`);
  }
  const vs = typeof options.voxelSize === "number" ? { x: options.voxelSize, y: options.voxelSize, z: options.voxelSize } : options.voxelSize;
  for (const axis of ["x", "y", "z"] as const) {
    if (!Number.isFinite(vs[axis]) || vs[axis] < 0) throw new MrcError(file, "cella", `voxel size ${axis} must be a finite number >= 0, got ${vs[axis]}`);
  }
  const stack = options.kind === "imageStack";
  const ispg = options.ispg ?? (stack ? 0 : 1);
  const mz = options.mz ?? (stack ? 1 : shape.z);
  if (!Number.isInteger(mz) || mz <= 0) throw new MrcError(file, "mz", `must be a positive integer, got ${mz}`);
  if (!Number.isInteger(ispg) || ispg < 0) throw new MrcError(file, "ispg", `must be an integer >= 0, got ${ispg}`);
  const ext = options.extendedHeader ?? new Uint8Array(0);
  const exttyp = options.exttyp ?? "MRCO";
  if (ext.length > 0 && !(MRC_EXTENDED_HEADER_TYPES as readonly string[]).includes(exttyp)) {
    throw new MrcError(file, "exttyp", `an extended header needs EXTTYP one of ${MRC_EXTENDED_HEADER_TYPES.join(", ")}, got ${JSON.stringify(exttyp)}`);
  }
  return {
    nx: shape.x,
    ny: shape.y,
    nz: shape.z,
    mode,
    nxstart: 0,
    nystart: 0,
    nzstart: 0,
    mx: shape.x,
    my: shape.y,
    mz,
    cella: { x: vs.x * shape.x, y: vs.y * shape.y, z: vs.z * mz },
    cellb: { x: 90, y: 90, z: 90 },
    mapc: 1,
    mapr: 2,
    maps: 3,
    // mrcfile's "undetermined" markers (dmin > dmax, dmean < both, rms < 0) until close.
    dmin: 0,
    dmax: -1,
    dmean: -2,
    ispg,
    nsymbt: ext.length,
    extra1: options.extra1 ?? new Uint8Array(8),
    exttyp,
    nversion: options.nversion ?? 20140,
    extra2: options.extra2 ?? new Uint8Array(84),
    origin: options.origin ?? { x: 0, y: 0, z: 0 },
    map: "MAP ",
    machst: new Uint8Array([0x44, 0x44, 0, 0]),
    rms: -1,
    nlabl: options.labels?.length ?? 0,
    labels: options.labels ?? [],
  };
}

/** Writes one MRC slab by slab. Call `close()` after the last section, or `abort()` on any error. */
export class MrcWriter {
  private sectionsWritten = 0;
  private readonly stats = new StreamingStats();
  private state: "open" | "closed" | "aborted" = "open";

  private constructor(
    private readonly sink: ByteSink,
    private readonly header: MrcHeader,
    private readonly dtype: MrcWritableDType,
  ) {}

  get file(): string {
    return this.sink.name;
  }

  /**
   * Starts an MRC at `target`: a path (written atomically: temp file in the same directory,
   * renamed on close; `sinkOptions` can turn that off) or any `ByteSink`.
   */
  static async create(target: string | ByteSink, options: MrcWriteOptions, sinkOptions?: FileByteSinkOptions): Promise<MrcWriter> {
    const header = standardMrcHeader(options, typeof target === "string" ? target : target.name);
    const headerBytes = encodeMrcHeader(header, typeof target === "string" ? target : target.name);
    const sink = typeof target === "string" ? await openFileByteSink(target, sinkOptions) : target;
    try {
      await sink.write(headerBytes);
      if (options.extendedHeader && options.extendedHeader.length > 0) await sink.write(options.extendedHeader);
    } catch (err) {
      await sink.abort().catch(() => {});
      throw err;
    }
    return new MrcWriter(sink, header, options.dtype);
  }

  /** Appends whole sections (z slowest, C order): `data.length` must be a multiple of nx * ny. */
  async writeSlab(data: VoxelArray): Promise<void> {
    if (this.state !== "open") throw new Error(`${this.file}: MRC writer is ${this.state}`);
    const { nx, ny, nz } = this.header;
    const expected = ARRAY_OF[this.dtype];
    if (data.constructor.name !== expected) {
      throw new MrcError(this.file, "mode", `${this.dtype} output needs a ${expected} slab, got ${data.constructor.name}`);
    }
    const section = nx * ny;
    if (data.length === 0 || data.length % section !== 0) {
      throw new MrcError(this.file, "nz", `a slab must hold whole ${nx}×${ny} sections, got ${data.length} voxels`);
    }
    const sections = data.length / section;
    if (this.sectionsWritten + sections > nz) {
      throw new MrcError(this.file, "nz", `writing ${sections} more sections after ${this.sectionsWritten} exceeds nz = ${nz}`);
    }
    this.stats.add(data, this.dtype === "float16");
    let bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (!HOST_LITTLE_ENDIAN && data.BYTES_PER_ELEMENT > 1) bytes = toLittleEndian(bytes, data.BYTES_PER_ELEMENT);
    await this.sink.write(bytes);
    this.sectionsWritten += sections;
  }

  /** Patches the statistics into the header and finishes the sink; returns the header written. */
  async close(): Promise<MrcHeader & { stats: MrcStats }> {
    if (this.state !== "open") throw new Error(`${this.file}: MRC writer is ${this.state}`);
    if (this.sectionsWritten !== this.header.nz) {
      await this.abort();
      throw new MrcError(this.file, "nz", `only ${this.sectionsWritten} of nz = ${this.header.nz} sections were written; output discarded`);
    }
    const stats = this.stats.result();
    const header: MrcHeader = { ...this.header, dmin: stats.dmin, dmax: stats.dmax, dmean: stats.dmean, rms: stats.rms };
    try {
      await this.sink.patch(0, encodeMrcHeader(header, this.file));
      await this.sink.close();
    } catch (err) {
      await this.abort();
      throw err;
    }
    this.state = "closed";
    return { ...header, stats };
  }

  /** Discards the output (nothing is left at a path target). */
  async abort(): Promise<void> {
    if (this.state === "closed") return;
    this.state = "aborted";
    await this.sink.abort();
  }
}

function toLittleEndian(bytes: Uint8Array, width: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let k = 0; k < bytes.length; k += width) for (let b = 0; b < width; b++) out[k + b] = bytes[k + width - 1 - b]!;
  return out;
}

/** Writes a whole in-memory volume (`data` C order, z slowest). */
export async function writeMrc(target: string | ByteSink, data: VoxelArray, options: MrcWriteOptions): Promise<MrcHeader & { stats: MrcStats }> {
  const writer = await MrcWriter.create(target, options);
  try {
    await writer.writeSlab(data);
    return await writer.close();
  } catch (err) {
    await writer.abort();
    throw err;
  }
}

/**
 * Streams a `SlabSource` (e.g. an `MrcReader`) into an MRC, `slabBytes` (default 64 MiB) of
 * sections at a time. Options default to the source's shape, dtype and voxel size.
 */
export async function writeMrcFromSource(
  target: string | ByteSink,
  source: SlabSource,
  options: Partial<MrcWriteOptions> & { slabBytes?: number } = {},
): Promise<MrcHeader & { stats: MrcStats }> {
  const dtype = options.dtype ?? (source.dtype as MrcWritableDType);
  const writer = await MrcWriter.create(target, { ...options, shape: options.shape ?? source.shape, dtype, voxelSize: options.voxelSize ?? source.voxelSize });
  try {
    const { x, y, z } = source.shape;
    const bytesPerSection = x * y * (dtype === "int8" ? 1 : dtype === "float32" ? 4 : 2);
    const step = Math.max(1, Math.floor((options.slabBytes ?? 64 * 2 ** 20) / bytesPerSection));
    for (let z0 = 0; z0 < z; z0 += step) await writer.writeSlab(await source.readSlab(z0, Math.min(z, z0 + step)));
    return await writer.close();
  } catch (err) {
    await writer.abort();
    throw err;
  }
}
