/**
 * Streaming MRC2014 reader: parses and checks the header against the file size, keeps the
 * extended header raw, and reads z-slabs by byte range from any `ByteSource` (local file now,
 * S3 ranged GETs later). Either byte order; modes 0, 1, 2, 6, 12 and 101 (4-bit, unpacked to
 * uint8). Part of our own MRC2014 codec — npm has no MRC2014 library.
 */
import type { SlabSource, VolumeShape, VoxelArray, VoxelDType, VoxelSize } from "../volume.js";
import { openFileByteSource, type ByteSource } from "./bytes.js";
import { MrcError } from "./errors.js";
import { dtypeOfMode, isMrcMode, MRC_HEADER_BYTES, modeName, mrcDataBytes, parseMrcHeader, sectionBytes, type MrcHeader, type MrcMode } from "./header.js";

export interface MrcReadOptions {
  /**
   * The reference's legacy fix (cryoET portal `get_pyramid_base_data`): mode 0 data whose header
   * DMAX is above 127 was written as unsigned bytes before MRC2014, so every voxel is shifted by
   * -128 (v < 0 -> 128 + v, else v - 128; bitwise: byte XOR 0x80) and stays int8.
   * Default true, as the reference. `MrcReader.legacyUnsignedInt8` says whether it applied.
   */
  fixLegacyUnsignedInt8?: boolean;
  /** Accept bytes after the data block instead of throwing (default false). */
  allowTrailingBytes?: boolean;
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export class MrcReader implements SlabSource {
  readonly shape: VolumeShape;
  readonly dtype: VoxelDType;
  /** cella / m per axis (0 where m is 0), as mrcfile's voxel_size. */
  readonly voxelSize: VoxelSize;
  readonly mode: MrcMode;
  /** Byte offset of voxel data: 1024 + NSYMBT. */
  readonly dataOffset: number;
  /** True when the legacy unsigned-int8 fix is applied to every slab read. */
  readonly legacyUnsignedInt8: boolean;
  private readonly sectionSize: number;

  private constructor(
    private readonly source: ByteSource,
    /** The header as stored in the file. */
    readonly header: MrcHeader,
    /** NSYMBT bytes following the header, exactly as stored (type in `header.exttyp`). */
    readonly extendedHeader: Uint8Array,
    /** Byte order of the file (from the machine stamp; little when the stamp is unknown/zero). */
    readonly littleEndian: boolean,
    options: MrcReadOptions,
  ) {
    this.mode = header.mode as MrcMode;
    this.shape = { z: header.nz, y: header.ny, x: header.nx };
    this.dtype = dtypeOfMode(this.mode);
    const vs = (cell: number, m: number) => (m > 0 ? cell / m : 0);
    this.voxelSize = { x: vs(header.cella.x, header.mx), y: vs(header.cella.y, header.my), z: vs(header.cella.z, header.mz) };
    this.dataOffset = MRC_HEADER_BYTES + header.nsymbt;
    this.sectionSize = sectionBytes(this.mode, header.nx, header.ny);
    this.legacyUnsignedInt8 = (options.fixLegacyUnsignedInt8 ?? true) && this.mode === 0 && header.dmax > 127;
  }

  get file(): string {
    return this.source.name;
  }

  /**
   * Opens an MRC file (a path or any `ByteSource`) and checks the header against the file size.
   * The reader owns the source: `close()` closes it, and so does a failed open.
   */
  static async open(input: string | ByteSource, options: MrcReadOptions = {}): Promise<MrcReader> {
    const source = typeof input === "string" ? await openFileByteSource(input) : input;
    try {
      return await MrcReader.openSource(source, options);
    } catch (err) {
      await source.close().catch(() => {});
      throw err;
    }
  }

  private static async openSource(source: ByteSource, options: MrcReadOptions): Promise<MrcReader> {
    const file = source.name;
    const size = await source.size();
    const { header, littleEndian } = parseMrcHeader(await source.read(0, MRC_HEADER_BYTES), file);
    if (!isMrcMode(header.mode)) {
      throw new MrcError(file, "mode", `unsupported mode ${header.mode} (${modeName(header.mode)}); supported: 0 int8, 1 int16, 2 float32, 6 uint16, 12 float16, 101 4-bit`);
    }
    for (const field of ["nx", "ny", "nz"] as const) {
      if (!(header[field] > 0)) throw new MrcError(file, field, `must be positive, got ${header[field]}`);
    }
    const available = size - MRC_HEADER_BYTES;
    if (header.nsymbt < 0 || header.nsymbt > available) {
      throw new MrcError(file, "nsymbt", `extended header of ${header.nsymbt} bytes does not fit: file has ${available} bytes after the 1024-byte header`);
    }
    const dataBytes = mrcDataBytes(header.mode, header.nx, header.ny, header.nz);
    const expected = MRC_HEADER_BYTES + header.nsymbt + dataBytes;
    if (size < expected || (size > expected && !options.allowTrailingBytes)) {
      throw new MrcError(
        file,
        "data",
        `header nx×ny×nz = ${header.nx}×${header.ny}×${header.nz} of mode ${header.mode} (${modeName(header.mode)}) after ${header.nsymbt} bytes of extended header ` +
          `needs a file of ${expected} bytes, the file has ${size}${size < expected ? " (truncated?)" : " (trailing bytes, or wrong header dimensions)"}`,
      );
    }
    const extended = header.nsymbt > 0 ? await source.read(MRC_HEADER_BYTES, header.nsymbt) : new Uint8Array(0);
    if (extended.length !== header.nsymbt) throw new MrcError(file, "nsymbt", `could only read ${extended.length} of ${header.nsymbt} extended header bytes`);
    return new MrcReader(source, header, extended, littleEndian, options);
  }

  /** Sections [z0, z1) as one C-order array (z slowest); a byte-range read of just those sections. */
  async readSlab(z0: number, z1: number): Promise<VoxelArray> {
    if (!Number.isInteger(z0) || !Number.isInteger(z1) || z0 < 0 || z1 < z0 || z1 > this.shape.z) {
      throw new RangeError(`${this.file}: slab [${z0}, ${z1}) outside sections [0, ${this.shape.z})`);
    }
    const length = (z1 - z0) * this.sectionSize;
    const offset = this.dataOffset + z0 * this.sectionSize;
    const reuse = this.spare.findIndex((b) => b.byteLength === length);
    let bytes: Uint8Array;
    if (reuse >= 0 && this.source.readInto !== undefined) {
      const target = new Uint8Array(this.spare.splice(reuse, 1)[0] as ArrayBuffer);
      bytes = target.subarray(0, await this.source.readInto(offset, target));
    } else bytes = await this.source.read(offset, length);
    if (bytes.length !== length) {
      throw new MrcError(
        this.file,
        "data",
        `sections [${z0}, ${z1}) need ${length} bytes at offset ${this.dataOffset + z0 * this.sectionSize}, got ${bytes.length} (file truncated while reading?)`,
      );
    }
    if (bytes.byteOffset % 8 !== 0) bytes = new Uint8Array(bytes); // aligned copy for the typed array view
    return this.decode(bytes, z1 - z0);
  }

  /** Buffers of released slabs, reused by later reads of the same size. */
  private readonly spare: ArrayBuffer[] = [];

  /** Takes back a slab this reader returned (see SlabSource.release): its buffer backs a later read. */
  release(slab: VoxelArray): void {
    const { buffer } = slab;
    if (this.mode === 101 || slab.byteOffset !== 0 || buffer.byteLength !== slab.byteLength || this.spare.length >= 2) return;
    if (!this.spare.includes(buffer as ArrayBuffer)) this.spare.push(buffer as ArrayBuffer);
  }

  /** The whole volume (convenience for small files; use `readSlab` for big ones). */
  readAll(): Promise<VoxelArray> {
    return this.readSlab(0, this.shape.z);
  }

  private decode(bytes: Uint8Array, sections: number): VoxelArray {
    const { buffer, byteOffset, length } = bytes;
    const swap = this.littleEndian !== HOST_LITTLE_ENDIAN;
    switch (this.mode) {
      case 0: {
        const out = new Int8Array(buffer, byteOffset, length);
        if (this.legacyUnsignedInt8) for (let k = 0; k < length; k++) bytes[k]! ^= 0x80;
        return out;
      }
      case 1:
        if (swap) swapBytes(bytes, 2);
        return new Int16Array(buffer, byteOffset, length / 2);
      case 6:
      case 12:
        if (swap) swapBytes(bytes, 2);
        return new Uint16Array(buffer, byteOffset, length / 2);
      case 2:
        if (swap) swapBytes(bytes, 4);
        return new Float32Array(buffer, byteOffset, length / 4);
      case 101:
        return unpack4Bit(bytes, this.shape.x, this.shape.y * sections);
    }
  }

  async close(): Promise<void> {
    await this.source.close();
  }
}

/** Opens an MRC file for slab reads; see `MrcReader.open`. */
export function openMrc(input: string | ByteSource, options?: MrcReadOptions): Promise<MrcReader> {
  return MrcReader.open(input, options);
}

function swapBytes(bytes: Uint8Array, width: 2 | 4): void {
  if (width === 2) {
    for (let k = 0; k + 1 < bytes.length; k += 2) {
      const a = bytes[k]!;
      bytes[k] = bytes[k + 1]!;
      bytes[k + 1] = a;
    }
  } else {
    for (let k = 0; k + 3 < bytes.length; k += 4) {
      const a = bytes[k]!;
      const b = bytes[k + 1]!;
      bytes[k] = bytes[k + 3]!;
      bytes[k + 1] = bytes[k + 2]!;
      bytes[k + 2] = b;
      bytes[k + 3] = a;
    }
  }
}

/** Mode 101: two voxels per byte, first voxel in the low nibble; each row starts on a byte. */
function unpack4Bit(bytes: Uint8Array, nx: number, rows: number): Uint8Array {
  const rowBytes = Math.ceil(nx / 2);
  const out = new Uint8Array(nx * rows);
  for (let r = 0; r < rows; r++) {
    const src = r * rowBytes;
    const dst = r * nx;
    for (let x = 0; x < nx; x++) {
      const b = bytes[src + (x >> 1)]!;
      out[dst + x] = x & 1 ? b >> 4 : b & 0x0f;
    }
  }
  return out;
}
