/**
 * Zarr v2 metadata documents (`.zgroup`, `.zarray`) and chunk keys, written by hand because zarrita
 * only creates Zarr v3. The text is byte-identical to what zarr-python 2.13–2.18 writes for
 * `create_dataset(shape, dtype, chunks, dimension_separator="/")` (checked against python zarr 2.13
 * in the tests). Like zarr-python 2, chunk shapes are NOT clipped to the array shape (a 4³ array
 * with 256³ chunks declares `chunks: [256,256,256]`) and edge chunks are stored full-size, padded
 * with the fill value.
 */
import { PyFloat, pythonJson, type PyJson } from "../python/index.js";

/** Output voxel types the pyramid writer supports (the portal uses float32, int8 and uint16). */
export type ZarrDType = "int8" | "uint8" | "int16" | "uint16" | "int32" | "uint32" | "float32" | "float64";

export type ZarrTypedArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | Float32Array | Float64Array;

interface DTypeInfo {
  /** NumPy typestr as zarr v2 stores it. */
  typestr: string;
  bytes: number;
  float: boolean;
  make(length: number): ZarrTypedArray;
}

const DTYPES: Record<ZarrDType, DTypeInfo> = {
  int8: { typestr: "|i1", bytes: 1, float: false, make: (n) => new Int8Array(n) },
  uint8: { typestr: "|u1", bytes: 1, float: false, make: (n) => new Uint8Array(n) },
  int16: { typestr: "<i2", bytes: 2, float: false, make: (n) => new Int16Array(n) },
  uint16: { typestr: "<u2", bytes: 2, float: false, make: (n) => new Uint16Array(n) },
  int32: { typestr: "<i4", bytes: 4, float: false, make: (n) => new Int32Array(n) },
  uint32: { typestr: "<u4", bytes: 4, float: false, make: (n) => new Uint32Array(n) },
  float32: { typestr: "<f4", bytes: 4, float: true, make: (n) => new Float32Array(n) },
  float64: { typestr: "<f8", bytes: 8, float: true, make: (n) => new Float64Array(n) },
};

export function dtypeInfo(dtype: ZarrDType): DTypeInfo {
  const info = DTYPES[dtype];
  if (info === undefined) throw new Error(`unsupported zarr dtype ${String(dtype)}`);
  return info;
}

/** A zero-filled typed array of `dtype`. */
export function allocate(dtype: ZarrDType, length: number): ZarrTypedArray {
  return dtypeInfo(dtype).make(length);
}

/** The bytes of a typed array (little-endian on every platform Node runs on). */
export function bytesOf(array: ZarrTypedArray): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

/** `.zgroup` as zarr-python 2 writes it. */
export const ZGROUP_JSON = pythonJson({ zarr_format: 2 });

/** Compressor entry of `.zarray` (numcodecs config, e.g. `{id:"blosc", cname:"lz4", ...}`), or null. */
export type CompressorJson = { readonly id: string; readonly [key: string]: string | number } | null;

export interface ZarrayOptions {
  shape: readonly number[];
  chunks: readonly number[];
  dtype: ZarrDType;
  compressor: CompressorJson;
  /** Default 0 (0.0 for float dtypes), as zarr-python 2's `create_dataset` default. */
  fillValue?: number;
}

/** `.zarray` text for a C-order array with `/` chunk-key separator. */
export function zarrayJson(options: ZarrayOptions): string {
  const info = dtypeInfo(options.dtype);
  const fill = options.fillValue ?? 0;
  const doc: Record<string, PyJson> = {
    chunks: [...options.chunks],
    compressor: options.compressor,
    dimension_separator: "/",
    dtype: info.typestr,
    fill_value: info.float ? new PyFloat(fill) : fill,
    filters: null,
    order: "C",
    shape: [...options.shape],
    zarr_format: 2,
  };
  return pythonJson(doc);
}

/** Store key of a chunk: `<arrayPath>/<iz>/<iy>/<ix>` (dimension_separator "/"). */
export function chunkKeyV2(arrayPath: string, index: readonly number[]): string {
  return `${arrayPath}/${index.join("/")}`;
}
