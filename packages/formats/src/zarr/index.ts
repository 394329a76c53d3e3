/** Streaming OME-Zarr pyramid writer (OME-NGFF 0.4 / Zarr v2, the CryoET portal's layout). */
export { writeOmeZarrPyramid, pyramidPreset } from "./writer.js";
export type { PyramidKind, PyramidPreset, PyramidLevel, PyramidResult, WritePyramidOptions } from "./writer.js";
export { downsampleSlab, StreamingDownsampler } from "./pyramid.js";
export type { DownsampleMethod, PlaneSink } from "./pyramid.js";
export { NGFF_AXES, downsampledShape, levelShapes, levelScales, ngffV04Attributes, ngffV04Zattrs } from "./ngff.js";
export type { BlockFactors, NgffDataset } from "./ngff.js";
export { PORTAL_COMPRESSOR, compressorJson, createInlineEncoder } from "./codec.js";
export type { ChunkEncoder, ChunkStream, CompressorConfig, BloscConfig, ZstdConfig, Lz4Config } from "./codec.js";
export { createWorkerPoolEncoder, defaultPoolSize } from "./worker.js";
export { FileSystemChunkStore } from "./store.js";
export type { ChunkStore, StagedFile } from "./store.js";
export { ZGROUP_JSON, zarrayJson, chunkKeyV2, allocate as allocateZarrArray } from "./v2-metadata.js";
export type { ZarrDType, ZarrTypedArray, CompressorJson, ZarrayOptions } from "./v2-metadata.js";
export { FileSystemChunkReader, ZarrReadError, openOmeZarr, openOmeZarrDirectory } from "./reader.js";
export type { ChunkReader, OmeZarrSource, OpenOmeZarrOptions } from "./reader.js";
