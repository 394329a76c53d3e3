// Fast header scan with dicom-parser (≈10× faster than dcmjs for headers): reads only up to Pixel Data and works on
// a prefix of the file (e.g. the first 64 KiB), for grouping files into series before any full read.
import { createRequire } from "node:module";
import type { DataSet } from "dicom-parser";
import { DicomError, errorMessage, looksTruncated } from "./errors.js";

const require = createRequire(import.meta.url);
const dicomParser = require("dicom-parser") as typeof import("dicom-parser");

export const IMPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2";
export const DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1.99";

export interface DicomHeader {
  isDicom: boolean;
  /** false for a raw data set without the 128-byte preamble, "DICM" and file meta information */
  hasPart10Header: boolean;
  transferSyntaxUID?: string;
  sopClassUID?: string;
  sopInstanceUID?: string;
  studyInstanceUID?: string;
  seriesInstanceUID?: string;
  frameOfReferenceUID?: string;
  seriesNumber?: number;
  instanceNumber?: number;
  modality?: string;
  patientID?: string;
  accessionNumber?: string;
  studyDate?: string;
  seriesDescription?: string;
  rows?: number;
  columns?: number;
  numberOfFrames?: number;
  /** true when the scan stopped at (7FE0,0010) Pixel Data; false when the (prefix of the) data set had none */
  reachedPixelData: boolean;
  /** true when the bytes ended inside the header; the fields read so far are still returned */
  truncated: boolean;
}

export interface ScanOptions {
  /** for error messages */
  fileName?: string;
  /** the bytes are only the first part of the file (a truncated header is then not an error). Default false. */
  isPrefix?: boolean;
}

export function hasDicmPrefix(bytes: Uint8Array): boolean {
  return bytes.length >= 132 && bytes[128] === 0x44 && bytes[129] === 0x49 && bytes[130] === 0x43 && bytes[131] === 0x4d;
}

/** dicom-parser throws { exception, dataSet } with the elements read before the failure. */
function partial(e: unknown): DataSet | undefined {
  if (e && typeof e === "object" && "dataSet" in e) return (e as { dataSet?: DataSet }).dataSet;
  return undefined;
}

/** Does a raw (no preamble) implicit-VR data set look like DICOM? Its first tags must be ascending standard tags. */
function plausibleRawDataSet(ds: DataSet | undefined): boolean {
  if (!ds) return false;
  const tags = Object.keys(ds.elements);
  if (tags.length < 2) return false;
  let prev = -1;
  for (const t of tags.slice(0, 8)) {
    const n = parseInt(t.slice(1), 16);
    if (!(n > prev) || n >>> 16 > 0x7fe0) return false;
    prev = n;
  }
  return tags.some((t) => t.startsWith("x0008") || t.startsWith("x0010") || t.startsWith("x0020"));
}

/**
 * Scan the header. Returns { isDicom: false } for input that is not DICOM (no "DICM" and not a plausible raw
 * implicit-VR little-endian data set); throws DicomError TRUNCATED / UNREADABLE for DICOM it cannot read
 * (a truncated header is not an error when options.isPrefix is set).
 */
export function scanDicomHeader(bytes: Uint8Array, options: ScanOptions = {}): DicomHeader {
  const notDicom: DicomHeader = { isDicom: false, hasPart10Header: false, reachedPixelData: false, truncated: false };
  if (bytes.length === 0) return notDicom;
  const part10 = hasDicmPrefix(bytes);
  let ds: DataSet | undefined;
  let truncated = false;
  try {
    ds = dicomParser.parseDicom(bytes, part10 ? { untilTag: "x7fe00010" } : { untilTag: "x7fe00010", TransferSyntaxUID: IMPLICIT_VR_LITTLE_ENDIAN });
  } catch (e) {
    ds = partial(e);
    if (!part10 && !plausibleRawDataSet(ds)) return notDicom;
    if (!ds || !looksTruncated(e)) {
      if (part10 && !ds && /DICM|meta header|0002,0010/.test(errorMessage(e))) {
        throw new DicomError("UNREADABLE", options.fileName, `bad file meta information: ${errorMessage(e)}`, { cause: e });
      }
      if (!ds || Object.keys(ds.elements).length === 0) {
        throw new DicomError(looksTruncated(e) ? "TRUNCATED" : "UNREADABLE", options.fileName, errorMessage(e), { cause: e });
      }
      if (!looksTruncated(e)) throw new DicomError("UNREADABLE", options.fileName, errorMessage(e), { cause: e });
    }
    truncated = true;
    if (!options.isPrefix) throw new DicomError("TRUNCATED", options.fileName, `data set ends early: ${errorMessage(e)}`, { cause: e });
  }
  if (!part10 && !plausibleRawDataSet(ds)) return notDicom;
  const d = ds!;
  // untilTag stops at the Pixel Data element header: check its (defined) length fits the bytes we were given.
  const px = d.elements.x7fe00010;
  if (px && !truncated && px.length !== 0xffffffff && px.dataOffset + px.length > bytes.length) {
    truncated = true;
    if (!options.isPrefix) {
      throw new DicomError("TRUNCATED", options.fileName, `pixel data needs ${px.dataOffset + px.length} bytes, file has ${bytes.length}`);
    }
  }
  const str = (t: string) => {
    try {
      const v = d.string(t);
      return v === undefined || v === "" ? undefined : v;
    } catch {
      return undefined;
    }
  };
  const int = (t: string) => {
    const v = str(t);
    const n = v === undefined ? NaN : Number.parseInt(v, 10);
    return Number.isFinite(n) ? n : undefined;
  };
  const us = (t: string) => (d.elements[t] ? d.uint16(t) : undefined);
  const out: DicomHeader = {
    isDicom: true,
    hasPart10Header: part10,
    transferSyntaxUID: str("x00020010") ?? (part10 ? undefined : IMPLICIT_VR_LITTLE_ENDIAN),
    sopClassUID: str("x00080016"),
    sopInstanceUID: str("x00080018"),
    studyInstanceUID: str("x0020000d"),
    seriesInstanceUID: str("x0020000e"),
    frameOfReferenceUID: str("x00200052"),
    seriesNumber: int("x00200011"),
    instanceNumber: int("x00200013"),
    modality: str("x00080060"),
    patientID: str("x00100020"),
    accessionNumber: str("x00080050"),
    studyDate: str("x00080020"),
    seriesDescription: str("x0008103e"),
    rows: us("x00280010"),
    columns: us("x00280011"),
    numberOfFrames: int("x00280008"),
    reachedPixelData: Boolean(d.elements.x7fe00010),
    truncated,
  };
  for (const k of Object.keys(out) as Array<keyof DicomHeader>) if (out[k] === undefined) delete out[k];
  return out;
}
