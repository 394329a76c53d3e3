// One local DICOM file de-identified from its path, synchronously: read (into a caller's reusable buffer), header scan,
// deidentifyFileParts, the scan of the rewritten header, and (when asked) the output written to a given path. This is
// the whole per-file job of a de-identification worker thread (importers' dicom/deid-worker.ts): with blocking calls in
// the worker, a file costs no thread-pool round trips, and the main thread only names the outputs (and writes them
// when the worker did not). The short-write loop repeats core's fd-io.ts: formats does not depend on core.
import { closeSync, fstatSync, openSync, readSync, unlinkSync, writevSync } from "node:fs";
import { deidentifyFileParts, type DeidentifyFileOptions, type DeidentifyPartsResult } from "./file.js";
import { scanDicomHeader, type DicomHeader } from "./scan.js";

export interface LocalFileResult extends DeidentifyPartsResult {
  /** the buffer the file was read into: `buffer` if it was large enough, else a new one (the caller may reuse it) */
  buffer: Uint8Array;
  /** bytes of the file in `buffer`, from 0 */
  length: number;
  /** of the open descriptor: the identity of exactly the bytes read */
  stat: { size: number; mtimeMs: number };
  /** the source's header (whole-file scan) */
  scanned: DicomHeader;
  /** the output's header (scan of `head`) */
  header: DicomHeader;
  /** bytes written to `writeTo`, when one was given */
  written?: number;
}

/**
 * A file over `maxBytes` is not read (`{ tooBig }`): the caller handles it its own way (e.g. under a memory budget).
 * With `writeTo`, the output (`head` then `tail`) is also written there, with blocking calls; a failed write removes
 * what it wrote and throws.
 */
export function deidentifyLocalFile(
  path: string,
  options: DeidentifyFileOptions,
  buffer: Uint8Array | undefined,
  maxBytes = Number.POSITIVE_INFINITY,
  writeTo?: string,
): LocalFileResult | { tooBig: true; size: number } {
  const fd = openSync(path, "r");
  let buf: Uint8Array;
  let got = 0;
  let stat: { size: number; mtimeMs: number };
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw Object.assign(new Error(`EISDIR: illegal operation on a directory, read '${path}'`), { code: "EISDIR" });
    stat = { size: st.size, mtimeMs: Math.trunc(st.mtimeMs) };
    if (st.size > maxBytes) return { tooBig: true, size: st.size };
    buf = buffer && buffer.length >= st.size ? buffer : new Uint8Array(Math.max(65536, 2 ** Math.ceil(Math.log2(Math.max(1, st.size)))));
    while (got < st.size) {
      const n = readSync(fd, buf, got, st.size - got, got);
      if (n === 0) break;
      got += n;
    }
  } finally {
    closeSync(fd);
  }
  const bytes = buf.subarray(0, got);
  const fileName = options.fileName;
  const scanned = scanDicomHeader(bytes, { fileName });
  const res = deidentifyFileParts(bytes, { ...options, scanned });
  const header = res.head !== bytes ? scanDicomHeader(res.head, { fileName, isPrefix: res.tail.length > 0 }) : scanned;
  if (writeTo === undefined) return { ...res, buffer: buf, length: got, stat, scanned, header };
  writePartsSync(writeTo, [res.head, res.tail]);
  return { ...res, buffer: buf, length: got, stat, scanned, header, written: res.head.length + res.tail.length };
}

/** `parts` one after the other into a new file at `path` (one writev in the usual case, resumed after short writes). */
function writePartsSync(path: string, parts: Uint8Array[]): void {
  const fd = openSync(path, "w", 0o666);
  try {
    let rest = parts.filter((b) => b.length > 0);
    while (rest.length > 0) {
      let n = writevSync(fd, rest);
      const next: Uint8Array[] = [];
      for (const b of rest) {
        if (n >= b.length) n -= b.length;
        else {
          next.push(n > 0 ? b.subarray(n) : b);
          n = 0;
        }
      }
      rest = next;
    }
  } catch (e) {
    closeSync(fd);
    try {
      unlinkSync(path);
    } catch {
      // not there
    }
    throw e;
  }
  closeSync(fd);
}
