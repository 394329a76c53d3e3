/**
 * The optional OME-NGFF 0.5 output on Zarr v3: `zarr.json` documents for the group and each
 * level, and v3 chunk keys (`c/z/y/x`). The chunk bytes are the same as for v2 (the v3 `blosc`
 * codec after `bytes` produces the same Blosc frame), so the pyramid writer only swaps metadata
 * and keys. Written by hand like the v2 documents; zarrita (which reads v3) checks them in the
 * tests.
 */
import type { CompressorConfig } from "./codec.js";
import { NGFF_AXES, type NgffDataset } from "./ngff.js";
import { PyFloat, pythonJson, type PyJson } from "../python/index.js";
import { dtypeInfo, type ZarrDType } from "./v2-metadata.js";

const SHUFFLE_NAMES = ["noshuffle", "shuffle", "bitshuffle"] as const;

/** The v3 codec pipeline for a numcodecs-style compressor config. */
export function v3Codecs(compressor: CompressorConfig, dtype: ZarrDType): PyJson[] {
  const codecs: PyJson[] = [{ name: "bytes", configuration: { endian: "little" } }];
  if (compressor === null) return codecs;
  switch (compressor.id) {
    case "blosc":
      codecs.push({
        name: "blosc",
        configuration: {
          cname: compressor.cname,
          clevel: compressor.clevel,
          shuffle: SHUFFLE_NAMES[compressor.shuffle],
          typesize: dtypeInfo(dtype).bytes,
          blocksize: compressor.blocksize,
        },
      });
      return codecs;
    case "zstd":
      codecs.push({ name: "zstd", configuration: { level: compressor.level, checksum: false } });
      return codecs;
    default:
      throw new Error(`compressor ${JSON.stringify(compressor)} has no Zarr v3 codec here (use blosc or zstd)`);
  }
}

export interface ZarrJsonArrayOptions {
  shape: readonly number[];
  chunks: readonly number[];
  dtype: ZarrDType;
  compressor: CompressorConfig;
  fillValue?: number;
}

/** An array's `zarr.json` (regular grid, default chunk keys with "/", z/y/x dimension names). */
export function zarrJsonArray(o: ZarrJsonArrayOptions): string {
  const info = dtypeInfo(o.dtype);
  const fill = o.fillValue ?? 0;
  return pythonJson({
    zarr_format: 3,
    node_type: "array",
    shape: [...o.shape],
    data_type: o.dtype,
    chunk_grid: { name: "regular", configuration: { chunk_shape: [...o.chunks] } },
    chunk_key_encoding: { name: "default", configuration: { separator: "/" } },
    fill_value: info.float ? new PyFloat(fill) : fill,
    codecs: v3Codecs(o.compressor, o.dtype),
    // NGFF 0.5 requires dimension names matching the axes
    dimension_names: NGFF_AXES.map((a) => a.name),
    attributes: {},
  });
}

/** The group's `zarr.json` with `attributes.ome = {version: "0.5", multiscales: [...]}`. */
export function zarrJsonGroupNgff05(datasets: readonly NgffDataset[], metadata?: { readonly [key: string]: PyJson }): string {
  const multiscale: Record<string, PyJson> = {
    axes: NGFF_AXES.map((a) => ({ ...a })),
    datasets: datasets.map((d) => ({
      path: d.path,
      coordinateTransformations: [{ type: "scale", scale: [new PyFloat(d.scale.z), new PyFloat(d.scale.y), new PyFloat(d.scale.x)] }],
    })),
    name: "/",
  };
  if (metadata !== undefined) multiscale.metadata = metadata;
  return pythonJson({ zarr_format: 3, node_type: "group", attributes: { ome: { version: "0.5", multiscales: [multiscale] } } });
}

/** Store key of a chunk with v3 default encoding: `<arrayPath>/c/<iz>/<iy>/<ix>`. */
export function chunkKeyV3(arrayPath: string, index: readonly number[]): string {
  return `${arrayPath}/c/${index.join("/")}`;
}
