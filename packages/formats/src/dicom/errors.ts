// DicomError: the one error type the DICOM readers/de-identifier throw for bad input, with a machine-readable
// code and the file name (when the caller gave one) in the message.

export type DicomErrorCode =
  | "NOT_DICOM" // no "DICM" preamble and not parseable as a raw implicit-VR little-endian data set (also: empty file)
  | "TRUNCATED" // the data set ends inside an element
  | "UNREADABLE" // DICOM, but dcmjs/dicom-parser cannot read (or write) it
  | "UNSUPPORTED_TRANSFER_SYNTAX" // e.g. deflated explicit VR LE, which dcmjs 0.51 writes corrupt
  | "STAMP_FAILED"; // a configured stamp cannot be written (no free private-creator slot, unknown VR)

export class DicomError extends Error {
  override readonly name = "DicomError";
  constructor(
    readonly code: DicomErrorCode,
    readonly fileName: string | undefined,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${fileName ?? "<bytes>"}: ${code}: ${detail}`, options);
  }
}

/** dcmjs / dicom-parser throw strings, Errors and { exception, dataSet } objects; get a message out of any of them. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === "string") return e;
  if (e && typeof e === "object" && "exception" in e) return errorMessage((e as { exception: unknown }).exception);
  return String(e);
}

/** Does a reader error mean "ran out of bytes"? (dcmjs: "past end of input"/RangeError; dicom-parser: "buffer overrun"/"past end"). */
export function looksTruncated(e: unknown): boolean {
  if (e instanceof RangeError) return true;
  return /past end|end of (input|buffer)|buffer overrun|outside the bounds|out of bounds|offset is outside|beyond the end/i.test(errorMessage(e));
}
