// Fast path of deidentifyFile: de-identify and rewrite only the header (everything before the top-level Pixel Data
// element) with dcmjs and copy the pixel data bytes through unchanged, instead of making dcmjs read and re-write the
// whole file (~35 MB/s). Applies to Part 10 files in explicit or implicit VR little endian whose defined-length Pixel
// Data element is the last element of the file, and to files with encapsulated (compressed) Pixel Data as the last
// element, whose items are copied as they are; anything else (deflated data, big endian, elements after Pixel Data,
// raw data sets) returns undefined and deidentifyFile falls back to the whole-file dcmjs path.
// The output bytes are the same as the whole-file path's (test/dicom-fast-path.test.ts). The header is read by
// memo-read.ts (dcmjs' dict, memoized per element; dcmjs' own reader for what that declines) and written by write.ts
// (dcmjs' encoding of each element, memoized), and deidentifyFileFastParts returns it with the pixel data as a view of
// the input, so a writer can send both to the file without joining them (writev).
import type { DcmjsDict, DcmjsElement } from "dcmjs";
import { dcmjs } from "./dcmjs-lazy.js";
import { deidentifyDataset } from "./deidentify.js";
import { readHeaderMemo, type Handed } from "./memo-read.js";
import { DicomError, errorMessage } from "./errors.js";
import { pixelDataRange } from "./pixel.js";
import { hasDicmPrefix, IMPLICIT_VR_LITTLE_ENDIAN } from "./scan.js";
import { stampDataset } from "./stamp.js";
import type { DeidentifyFileOptions, DeidentifyFileResult, DeidentifyPartsResult } from "./file-types.js";
import { vrOf } from "./vr.js";
import { writeDicomDict } from "./write.js";

const EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1";
/** Syntaxes that never carry encapsulated pixel data (big endian; deflated is refused before this). */
const NOT_ENCAPSULATED = new Set(["1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1.99"]);

export function deidentifyFileFast(bytes: Uint8Array, options: DeidentifyFileOptions): DeidentifyFileResult | undefined {
  const parts = deidentifyFileFastParts(bytes, options);
  if (!parts) return undefined;
  const { head, tail, tailOffset, ...result } = parts;
  void tailOffset;
  const out = new Uint8Array(head.length + tail.length);
  out.set(head, 0);
  out.set(tail, head.length);
  return { bytes: out, ...result };
}

/** The fast path's output as the rewritten header (`head`) and the input's bytes from Pixel Data on (`tail`, a view). */
export function deidentifyFileFastParts(bytes: Uint8Array, options: DeidentifyFileOptions): DeidentifyPartsResult | undefined {
  if (!hasDicmPrefix(bytes)) return undefined;
  let px;
  try {
    px = pixelDataRange(bytes, options.fileName);
  } catch {
    return undefined; // the whole-file path reports the error with its usual code
  }
  if (!px || px.end !== bytes.length) return undefined;
  // native pixel data in the little-endian syntaxes; encapsulated (compressed) pixel data in any syntax
  // whose data set is explicit VR little endian, i.e. every one but those two, big endian and deflate
  const native = px.transferSyntaxUID === EXPLICIT_VR_LITTLE_ENDIAN || px.transferSyntaxUID === IMPLICIT_VR_LITTLE_ENDIAN;
  if (px.encapsulated ? native || NOT_ENCAPSULATED.has(px.transferSyntaxUID) : !native) return undefined;
  // dcmjs' result, memoized per element (memo-read.ts), or dcmjs' own reader for what that does not frame
  let dicomDict: { meta: DcmjsDict; dict: DcmjsDict; handed?: ReadonlyMap<DcmjsElement, Handed> } | undefined = readHeaderMemo(bytes.subarray(0, px.elementOffset));
  if (!dicomDict) {
    try {
      // a copy: dcmjs needs an ArrayBuffer of exactly these bytes (Buffer#slice would be a view of the whole file)
      dicomDict = dcmjs().data.DicomMessage.readFile(new Uint8Array(bytes.subarray(0, px.elementOffset)).buffer as ArrayBuffer);
    } catch {
      return undefined;
    }
  }
  if (dicomDict.dict["7FE00010"]) return undefined;
  const result = deidentifyDataset(dicomDict.dict, options, dicomDict.meta, vrOf);
  if (options.stamps?.length) {
    try {
      stampDataset(dicomDict.dict, options.stamps);
    } catch (e) {
      throw new DicomError("STAMP_FAILED", options.fileName, errorMessage(e), { cause: e });
    }
  }
  let header: Uint8Array;
  try {
    header = writeDicomDict(dicomDict);
  } catch (e) {
    throw new DicomError("UNREADABLE", options.fileName, `cannot write the de-identified data set: ${errorMessage(e)}`, { cause: e });
  }
  return { head: header, tail: bytes.subarray(px.elementOffset), tailOffset: px.elementOffset, ...result };
}
