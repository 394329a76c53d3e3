// Public DICOM API of @ingestkit/formats: PS3.15 Annex E de-identification and fast header scanning.
export { ANNEX_E_OPTIONS, ANNEX_E_ROWS, ANNEX_E_SOURCE } from "./annex-e-table.js";
export type { AnnexEOption, AnnexERow, BasicAction, OptionAction } from "./annex-e-table.js";
export { annexERow, dummyValue, isPrivateTag, resolveRowAction } from "./actions.js";
export type { ProfileOptions, ResolvedAction } from "./actions.js";
export { DEID_METHOD_CODES, deidentifyDataset, mergeMappings, normalizeTag } from "./deidentify.js";
export type { CustomRule, DeidentifyOptions, DeidentifyResult, DeidMappings } from "./deidentify.js";
export { deidentifyFile, vrOf } from "./file.js";
export type { DeidentifyFileOptions, DeidentifyFileResult } from "./file.js";
export { scanDicomHeader, hasDicmPrefix } from "./scan.js";
export type { DicomHeader, ScanOptions } from "./scan.js";
export { DicomError } from "./errors.js";
export type { DicomErrorCode } from "./errors.js";
export { isStandardUid, isValidUid, pseudonym, remapUid, STANDARD_UID_ROOT } from "./uid.js";
export { dateShiftDays, shiftDa, shiftDt } from "./dates.js";
export { isPrivateStamp, parsePrivateGroup, privateSlot, stampDataset, stampFile } from "./stamp.js";
export type { PrivateStamp, StampResult, Stamp, StandardStamp } from "./stamp.js";
export { pixelDataHash, pixelDataRange } from "./pixel.js";
export type { PixelDataRange } from "./pixel.js";
