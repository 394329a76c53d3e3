export { parseCsv, parseCsvRecords, CsvError } from "./csv.js";
export { parseMdoc, mdocTilts, mdocNumber, MdocError } from "./mdoc.js";
export type { Mdoc, MdocSection } from "./mdoc.js";
export type { SlabSource, VolumeShape, VoxelArray, VoxelDType, VoxelSize } from "./volume.js";
export * from "./mrc/index.js";
export * from "./zarr/index.js";
export * from "./dicom/index.js";
export { parseCtf, parseRawTilt, CtfError } from "./ctf.js";
export type { CtfRow, CtfFormat } from "./ctf.js";
