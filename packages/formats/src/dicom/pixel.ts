// Where the top-level Pixel Data (7FE0,0010) element lies in a Part 10 file (dicom-parser, header-only parse), and
// the SHA-256 of its value bytes: the key of an image that survives de-identification (pixel data is never changed).
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { DicomError, errorMessage, looksTruncated } from "./errors.js";
import { hasDicmPrefix, IMPLICIT_VR_LITTLE_ENDIAN } from "./scan.js";

const require = createRequire(import.meta.url);
const dicomParser = require("dicom-parser") as typeof import("dicom-parser");

export interface PixelDataRange {
  /** offset of the element's tag (start of the element header) */
  elementOffset: number;
  /** offset of the value */
  valueOffset: number;
  /** length of the value; for undefined-length (encapsulated) data the items up to, not including, the sequence delimiter */
  valueLength: number;
  /** offset just after the element (after the sequence delimiter for encapsulated data) */
  end: number;
  /** undefined length (encapsulated pixel data) */
  encapsulated: boolean;
  transferSyntaxUID: string;
}

/** The top-level Pixel Data element of `bytes`, or undefined when there is none. Throws DicomError for unreadable input. */
export function pixelDataRange(bytes: Uint8Array, fileName?: string): PixelDataRange | undefined {
  const part10 = hasDicmPrefix(bytes);
  let ds;
  try {
    ds = dicomParser.parseDicom(bytes, part10 ? { untilTag: "x7fe00010" } : { untilTag: "x7fe00010", TransferSyntaxUID: IMPLICIT_VR_LITTLE_ENDIAN });
  } catch (e) {
    throw new DicomError(looksTruncated(e) ? "TRUNCATED" : "UNREADABLE", fileName, errorMessage(e), { cause: e });
  }
  const px = ds.elements.x7fe00010;
  if (!px) return undefined;
  const ts = (part10 ? ds.string("x00020010") : undefined) ?? IMPLICIT_VR_LITTLE_ENDIAN;
  const implicit = ts === IMPLICIT_VR_LITTLE_ENDIAN;
  const elementOffset = px.dataOffset - (implicit ? 8 : 12);
  const encapsulated = Boolean(px.hadUndefinedLength) || px.length === 0xffffffff;
  let valueLength = px.length;
  let end = px.dataOffset + px.length;
  if (encapsulated) {
    // dicom-parser's length may or may not include the (FFFE,E0DD) delimiter: find it by walking the items.
    let p = px.dataOffset;
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (;;) {
      if (p + 8 > bytes.length) throw new DicomError("TRUNCATED", fileName, "encapsulated pixel data ends without a sequence delimiter");
      const g = dv.getUint16(p, true);
      const e = dv.getUint16(p + 2, true);
      const len = dv.getUint32(p + 4, true);
      if (g === 0xfffe && e === 0xe0dd) {
        valueLength = p - px.dataOffset;
        end = p + 8;
        break;
      }
      if (g !== 0xfffe || e !== 0xe000) throw new DicomError("UNREADABLE", fileName, "encapsulated pixel data: expected an item tag");
      p += 8 + len;
    }
  }
  if (px.dataOffset + valueLength > bytes.length) {
    throw new DicomError("TRUNCATED", fileName, `pixel data needs ${px.dataOffset + valueLength} bytes, file has ${bytes.length}`);
  }
  return { elementOffset, valueOffset: px.dataOffset, valueLength, end, encapsulated, transferSyntaxUID: ts };
}

/** SHA-256 (hex) of the top-level Pixel Data value bytes; undefined when the file has no pixel data. */
export function pixelDataHash(bytes: Uint8Array, fileName?: string): string | undefined {
  const r = pixelDataRange(bytes, fileName);
  if (!r) return undefined;
  return createHash("sha256")
    .update(bytes.subarray(r.valueOffset, r.valueOffset + r.valueLength))
    .digest("hex");
}
