// File-level de-identification: Part 10 bytes in, de-identified Part 10 bytes out (dcmjs read -> deidentifyDataset
// -> dcmjs write). Whole file in memory (dcmjs has no streaming writer; peak ≈ 8× file size for big multi-frame files).
// dcmjs re-encodes text as UTF-8 (SpecificCharacterSet becomes ISO_IR 192); pixel data bytes pass through unchanged.
import { createRequire } from "node:module";
import type { DcmjsDict } from "dcmjs";
import { dcmjs } from "./dcmjs-lazy.js";
import { deidentifyDataset } from "./deidentify.js";
import { DicomError, errorMessage, looksTruncated } from "./errors.js";
import { deidentifyFileFastParts } from "./fast.js";
import type { DeidentifyFileResult, DeidentifyPartsResult, DeidentifyFileOptions } from "./file-types.js";
import { stampDataset } from "./stamp.js";
import { DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN, hasDicmPrefix, IMPLICIT_VR_LITTLE_ENDIAN, scanDicomHeader } from "./scan.js";
import { vrOf } from "./vr.js";

export type { DeidentifyFileOptions, DeidentifyFileResult, DeidentifyPartsResult } from "./file-types.js";
export { vrOf } from "./vr.js";

const require = createRequire(import.meta.url);
const dicomParser = require("dicom-parser") as typeof import("dicom-parser");

const toArrayBuffer = (b: Uint8Array): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

/** Transfer syntax from the file meta information only (undefined when it cannot be read). */
function metaTransferSyntax(bytes: Uint8Array): string | undefined {
  try {
    return dicomParser.readPart10Header(bytes).string("x00020010");
  } catch {
    return undefined;
  }
}

/** A raw implicit-VR data set (no preamble) gets a synthetic file meta header so dcmjs can read it. */
function wrapRawDataSet(bytes: Uint8Array, fileName: string | undefined): Uint8Array {
  const h = scanDicomHeader(bytes, { fileName });
  if (!h.isDicom) throw new DicomError("NOT_DICOM", fileName, 'no "DICM" marker at byte 128 and not a raw implicit-VR data set');
  const meta: DcmjsDict = {
    "00020001": { vr: "OB", Value: [new Uint8Array([0, 1]).buffer] },
    "00020002": { vr: "UI", Value: [h.sopClassUID ?? ""] },
    "00020003": { vr: "UI", Value: [h.sopInstanceUID ?? ""] },
    "00020010": { vr: "UI", Value: [IMPLICIT_VR_LITTLE_ENDIAN] },
  };
  const header = new Uint8Array(new (dcmjs().data.DicomDict)(meta).write());
  const out = new Uint8Array(header.length + bytes.length);
  out.set(header, 0);
  out.set(bytes, header.length);
  return out;
}

/**
 * De-identify one DICOM file. Throws DicomError NOT_DICOM (incl. empty input), TRUNCATED, UNREADABLE or
 * UNSUPPORTED_TRANSFER_SYNTAX (deflated: dcmjs would write a corrupt file).
 */
export function deidentifyFile(bytes: Uint8Array, options: DeidentifyFileOptions): DeidentifyFileResult {
  const { head, tail, tailOffset, ...result } = deidentifyFileParts(bytes, options);
  void tailOffset;
  if (tail.length === 0) return { bytes: head, ...result };
  const out = new Uint8Array(head.length + tail.length);
  out.set(head, 0);
  out.set(tail, head.length);
  return { bytes: out, ...result };
}

/** deidentifyFile without joining the rewritten header and the unchanged pixel data (see DeidentifyPartsResult). */
export function deidentifyFileParts(bytes: Uint8Array, options: DeidentifyFileOptions): DeidentifyPartsResult {
  const fileName = options.fileName;
  if (bytes.length === 0) throw new DicomError("NOT_DICOM", fileName, "file is empty");
  const input = hasDicmPrefix(bytes) ? bytes : wrapRawDataSet(bytes, fileName);
  // a whole-file scan of these bytes by the caller stands for the validation below (same parse, same checks)
  const scanned = options.scanned?.isDicom && !options.scanned.truncated && input === bytes ? options.scanned : undefined;
  const transferSyntax = scanned ? scanned.transferSyntaxUID : metaTransferSyntax(input);
  if (transferSyntax === DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN) {
    throw new DicomError(
      "UNSUPPORTED_TRANSFER_SYNTAX",
      fileName,
      "deflated explicit VR little endian (1.2.840.10008.1.2.1.99) is not supported: dcmjs 0.51 writes such files corrupt",
    );
  }
  // Validate with the fast parser first: it reports truncation reliably (dcmjs may silently read short values).
  if (!scanned) scanDicomHeader(input, { fileName });
  if (options.fastPath !== false && input === bytes) {
    const fast = deidentifyFileFastParts(input, options);
    if (fast) return fast;
  }
  let dicomDict;
  try {
    dicomDict = dcmjs().data.DicomMessage.readFile(toArrayBuffer(input));
  } catch (e) {
    throw new DicomError(looksTruncated(e) ? "TRUNCATED" : "UNREADABLE", fileName, errorMessage(e), { cause: e });
  }
  const result = deidentifyDataset(dicomDict.dict, options, dicomDict.meta, vrOf);
  if (options.stamps?.length) {
    try {
      stampDataset(dicomDict.dict, options.stamps);
    } catch (e) {
      throw new DicomError("STAMP_FAILED", fileName, errorMessage(e), { cause: e });
    }
  }
  let out: ArrayBuffer;
  try {
    out = dicomDict.write();
  } catch (e) {
    throw new DicomError("UNREADABLE", fileName, `cannot write the de-identified data set: ${errorMessage(e)}`, { cause: e });
  }
  return { head: new Uint8Array(out), tail: bytes.subarray(bytes.length), tailOffset: bytes.length, ...result };
}
