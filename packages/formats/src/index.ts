// dcmjs ships no types: our declarations of it (dicom/dcmjs.d.ts) go with the package. tsc keeps this reference in
// dist/index.d.ts as "../src/dicom/dcmjs.d.ts" (package.json "files" ships src/), so a consumer compiling with
// skipLibCheck: false sees module "dcmjs" declared (no TS7016). Tested by test/packed-install.test.ts.
/// <reference path="./dicom/dcmjs.d.ts" preserve="true" />
export { parseCsv, parseCsvRecords, CsvError } from "./csv.js";
export { parseMdoc, mdocTilts, mdocNumber, MdocError } from "./mdoc.js";
export type { Mdoc, MdocSection } from "./mdoc.js";
export type { SlabSource, VolumeShape, VoxelArray, VoxelDType, VoxelSize } from "./volume.js";
export * from "./mrc/index.js";
export * from "./python/index.js";
export * from "./zarr/index.js";
export * from "./dicom/index.js";
export { parseCtf, parseRawTilt, CtfError } from "./ctf.js";
export type { CtfRow, CtfFormat } from "./ctf.js";
export * from "./image/index.js";
export * from "./mask/index.js";
export * from "./alignment/index.js";
export * from "./mesh/index.js";
export * from "./annotations/index.js";
export * from "./neuroglancer/index.js";
export { workerExecArgv, workerUrl } from "./worker-url.js";
