/**
 * The 1024-byte MRC2014 header (Cheng et al. 2015, https://www.ccpem.ac.uk/mrc_format/mrc2014.php):
 * parse it in either byte order, encode it little-endian, and map MODE to voxel types.
 * Part of our own MRC2014 codec — npm has no MRC2014 library.
 */
import type { VoxelDType } from "../volume.js";
import { MrcError } from "./errors.js";

export const MRC_HEADER_BYTES = 1024;
export const MRC_LABEL_COUNT = 10;
export const MRC_LABEL_BYTES = 80;
/** EXTTYP values mrcfile accepts for a non-empty extended header. */
export const MRC_EXTENDED_HEADER_TYPES = ["CCP4", "MRCO", "SERI", "AGAR", "FEI1", "FEI2", "HDF5"] as const;

/** MODE values this codec reads. 101 (4-bit packed) is read-only and unpacks to uint8. */
export type MrcMode = 0 | 1 | 2 | 6 | 12 | 101;
/** Voxel types the writer accepts (float16 voxels travel as raw IEEE half bits in a Uint16Array). */
export type MrcWritableDType = "int8" | "int16" | "float32" | "uint16" | "float16";

const MODE_DTYPE: Record<MrcMode, VoxelDType> = { 0: "int8", 1: "int16", 2: "float32", 6: "uint16", 12: "float16", 101: "uint8" };
const DTYPE_MODE: Record<MrcWritableDType, MrcMode> = { int8: 0, int16: 1, float32: 2, uint16: 6, float16: 12 };
const MODE_NAMES: Record<number, string> = { 3: "complex int16", 4: "complex float32" };

export function isMrcMode(mode: number): mode is MrcMode {
  return Object.hasOwn(MODE_DTYPE, mode);
}
export function dtypeOfMode(mode: MrcMode): VoxelDType {
  return MODE_DTYPE[mode];
}
export function modeOfDType(dtype: VoxelDType): MrcMode | undefined {
  return Object.hasOwn(DTYPE_MODE, dtype) ? DTYPE_MODE[dtype as MrcWritableDType] : undefined;
}
/** Bytes of voxel data for a volume of this mode (4-bit rows start on a byte boundary). */
export function mrcDataBytes(mode: MrcMode, nx: number, ny: number, nz: number): number {
  return sectionBytes(mode, nx, ny) * nz;
}
export function sectionBytes(mode: MrcMode, nx: number, ny: number): number {
  if (mode === 101) return Math.ceil(nx / 2) * ny;
  return nx * ny * bytesPerVoxel(mode);
}
function bytesPerVoxel(mode: Exclude<MrcMode, 101>): number {
  return mode === 0 ? 1 : mode === 2 ? 4 : 2;
}

export interface Xyz {
  x: number;
  y: number;
  z: number;
}

/** Every field of the MRC2014 header, as stored (numbers already in host order). */
export interface MrcHeader {
  nx: number;
  ny: number;
  nz: number;
  mode: number;
  nxstart: number;
  nystart: number;
  nzstart: number;
  mx: number;
  my: number;
  mz: number;
  /** Cell dimensions in ångström. */
  cella: Xyz;
  /** Cell angles in degrees (alpha, beta, gamma stored as x, y, z). */
  cellb: Xyz;
  mapc: number;
  mapr: number;
  maps: number;
  dmin: number;
  dmax: number;
  dmean: number;
  ispg: number;
  /** Bytes of extended header following the 1024-byte header. */
  nsymbt: number;
  /** Bytes 96-103. */
  extra1: Uint8Array;
  /** Bytes 104-107, e.g. "FEI1", "MRCO"; "" when blank. */
  exttyp: string;
  nversion: number;
  /** Bytes 112-195. */
  extra2: Uint8Array;
  origin: Xyz;
  /** Bytes 208-211, "MAP " in an MRC2014 file. */
  map: string;
  /** Bytes 212-215. */
  machst: Uint8Array;
  rms: number;
  nlabl: number;
  /** The first `nlabl` labels (at most 10), trailing spaces and NULs removed. */
  labels: string[];
}

/** Byte order from the machine stamp: 0x44 little, 0x11 big, anything else (old files, 0) little. */
export function byteOrderOfStamp(stamp0: number): "little" | "big" {
  return stamp0 === 0x11 ? "big" : "little";
}

function ascii(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}
function trimLabel(s: string): string {
  return s.replace(/[\0 ]+$/, "");
}

/**
 * Parses the first 1024 bytes of an MRC file. Only checks that the block is complete; field
 * validation (mode, dims, sizes) is done by the reader, which knows the file size.
 */
export function parseMrcHeader(bytes: Uint8Array, file: string): { header: MrcHeader; littleEndian: boolean } {
  if (bytes.length < MRC_HEADER_BYTES) {
    throw new MrcError(file, "header", `file has ${bytes.length} bytes, an MRC header needs ${MRC_HEADER_BYTES} (truncated or not an MRC file)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, MRC_HEADER_BYTES);
  const littleEndian = byteOrderOfStamp(bytes[212] ?? 0) === "little";
  const i = (off: number) => view.getInt32(off, littleEndian);
  const f = (off: number) => view.getFloat32(off, littleEndian);
  const xyz = (off: number): Xyz => ({ x: f(off), y: f(off + 4), z: f(off + 8) });
  const nlabl = i(220);
  const labels: string[] = [];
  for (let k = 0; k < Math.min(Math.max(nlabl, 0), MRC_LABEL_COUNT); k++) {
    const start = 224 + k * MRC_LABEL_BYTES;
    labels.push(trimLabel(ascii(bytes.subarray(start, start + MRC_LABEL_BYTES))));
  }
  const header: MrcHeader = {
    nx: i(0),
    ny: i(4),
    nz: i(8),
    mode: i(12),
    nxstart: i(16),
    nystart: i(20),
    nzstart: i(24),
    mx: i(28),
    my: i(32),
    mz: i(36),
    cella: xyz(40),
    cellb: xyz(52),
    mapc: i(64),
    mapr: i(68),
    maps: i(72),
    dmin: f(76),
    dmax: f(80),
    dmean: f(84),
    ispg: i(88),
    nsymbt: i(92),
    extra1: bytes.slice(96, 104),
    exttyp: trimLabel(ascii(bytes.subarray(104, 108))),
    nversion: i(108),
    extra2: bytes.slice(112, 196),
    origin: xyz(196),
    map: ascii(bytes.subarray(208, 212)),
    machst: bytes.slice(212, 216),
    rms: f(216),
    nlabl,
    labels,
  };
  return { header, littleEndian };
}

function putAscii(out: Uint8Array, offset: number, length: number, text: string, field: string, file: string): void {
  if (text.length > length || !/^[\x20-\x7e]*$/.test(text)) {
    throw new MrcError(file, field, `must be at most ${length} printable ASCII characters, got ${JSON.stringify(text)}`);
  }
  for (let k = 0; k < text.length; k++) out[offset + k] = text.charCodeAt(k);
}
function putBytes(out: Uint8Array, offset: number, length: number, bytes: Uint8Array, field: string, file: string): void {
  if (bytes.length !== length) throw new MrcError(file, field, `must be ${length} bytes, got ${bytes.length}`);
  out.set(bytes, offset);
}

/**
 * Encodes a header little-endian. MAP is always "MAP " and MACHST 0x44 0x44 0x00 0x00 whatever
 * the header object says; NLABL is the number of labels given; labels are NUL padded to 80, as mrcfile
 * (and so the portal's reference) writes them.
 */
export function encodeMrcHeader(h: MrcHeader, file = "(MRC header)"): Uint8Array {
  const out = new Uint8Array(MRC_HEADER_BYTES);
  const view = new DataView(out.buffer);
  const i = (off: number, v: number) => view.setInt32(off, v, true);
  const f = (off: number, v: number) => view.setFloat32(off, v, true);
  const xyz = (off: number, v: Xyz) => {
    f(off, v.x);
    f(off + 4, v.y);
    f(off + 8, v.z);
  };
  i(0, h.nx);
  i(4, h.ny);
  i(8, h.nz);
  i(12, h.mode);
  i(16, h.nxstart);
  i(20, h.nystart);
  i(24, h.nzstart);
  i(28, h.mx);
  i(32, h.my);
  i(36, h.mz);
  xyz(40, h.cella);
  xyz(52, h.cellb);
  i(64, h.mapc);
  i(68, h.mapr);
  i(72, h.maps);
  f(76, h.dmin);
  f(80, h.dmax);
  f(84, h.dmean);
  i(88, h.ispg);
  i(92, h.nsymbt);
  putBytes(out, 96, 8, h.extra1, "extra1", file);
  putAscii(out, 104, 4, h.exttyp, "exttyp", file);
  i(108, h.nversion);
  putBytes(out, 112, 84, h.extra2, "extra2", file);
  xyz(196, h.origin);
  putAscii(out, 208, 4, "MAP ", "map", file);
  out.set([0x44, 0x44, 0, 0], 212);
  f(216, h.rms);
  if (h.labels.length > MRC_LABEL_COUNT) {
    throw new MrcError(file, "labels", `at most ${MRC_LABEL_COUNT} labels, got ${h.labels.length}`);
  }
  h.labels.forEach((label, k) => {
    if (label.trim() === "") throw new MrcError(file, "labels", `label ${k} is empty (mrcfile requires no empty labels before text)`);
    const start = 224 + k * MRC_LABEL_BYTES;
    out.fill(0, start, start + MRC_LABEL_BYTES);
    putAscii(out, start, MRC_LABEL_BYTES, label, "labels", file);
  });
  i(220, h.labels.length);
  return out;
}

/** Human name of a MODE for error messages. */
export function modeName(mode: number): string {
  if (isMrcMode(mode)) return mode === 101 ? "4-bit packed" : MODE_DTYPE[mode];
  return MODE_NAMES[mode] ?? "unknown";
}
