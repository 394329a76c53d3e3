/**
 * Series discovery: walk INPUT (any layout), read only the first 64 KiB of each file, and group
 * the DICOM files into subject (PatientID) -> study (StudyInstanceUID) -> series
 * (SeriesInstanceUID). Files that are not DICOM (or whose header cannot be read) are reported as
 * per-file failures with a coded error and skipped; they never stop the run. Done once per run.
 */
import { globStorage, LocalStorage, type PlanNode, type RunContext } from "@ingestkit/core";
import { DicomError, scanDicomHeader, type DicomHeader } from "@ingestkit/formats";
import { dicomRun } from "./run-state.js";

export const HEADER_PREFIX_BYTES = 64 * 1024;

export interface ScannedFile {
  key: string;
  header: DicomHeader;
}

export interface ScannedSeries {
  uid: string;
  files: ScannedFile[];
}

export interface ScannedStudy {
  uid: string;
  series: Map<string, ScannedSeries>;
}

export interface ScannedSubject {
  patientId: string;
  studies: Map<string, ScannedStudy>;
}

export interface ScanResult {
  subjects: Map<string, ScannedSubject>;
  /** every file looked at (DICOM or not), sorted */
  files: string[];
  /** the DICOM files grouped into series, by key */
  byKey: Map<string, ScannedFile>;
  failed: number;
}

/** Name of the subject item for files without a PatientID. */
export const NO_PATIENT_ID = "(no PatientID)";

export function scanInput(run: RunContext, listGlob: string): Promise<ScanResult> {
  return run.memo(`dicom:scan:${listGlob}`, () => doScan(run, listGlob));
}

/** Files whose first bytes are read at once by the scan (the reads of a window overlap; parsing stays in order). */
const SCAN_WINDOW = 32;

type Prefix = { kind: "dir" } | { kind: "file"; bytes: Uint8Array; isPrefix: boolean } | { kind: "error"; error: unknown };

/**
 * The file's first bytes. One read of HEADER_PREFIX_BYTES + 1 usually tells all: fewer bytes came back, so that is
 * the whole file; more, so the header is a prefix (one request per file on S3, three system calls on disk). When
 * that read fails, the slower path tells a file gone since the listing (skipped), a folder and a read error apart:
 * stat, then read; a failing stat fails the scan (as a listing would), a failing read only the file.
 */
async function readPrefix(run: RunContext, key: string): Promise<Prefix | undefined> {
  try {
    const bytes = await run.input.readRange(key, 0, HEADER_PREFIX_BYTES + 1);
    if (bytes.length <= HEADER_PREFIX_BYTES) return { kind: "file", bytes, isPrefix: false };
    return { kind: "file", bytes: bytes.subarray(0, HEADER_PREFIX_BYTES), isPrefix: true };
  } catch {
    // below
  }
  const st = await run.input.stat(key);
  if (!st) return undefined;
  if (st.kind === "dir") return { kind: "dir" };
  const size = st.size ?? 0;
  try {
    const bytes = size > 0 ? await run.input.readRange(key, 0, Math.min(size, HEADER_PREFIX_BYTES)) : new Uint8Array(0);
    return { kind: "file", bytes, isPrefix: size > HEADER_PREFIX_BYTES };
  } catch (error) {
    return { kind: "error", error };
  }
}

/**
 * Local files: the prefix read with blocking calls into one scratch buffer, parsed before the next read (the header
 * keeps strings and numbers, never the bytes). For small reads the thread pool's round trips cost several times the
 * reads (2,000 files: 45 ms blocking, 330 ms through the pool). Any failure goes the asynchronous way, which tells
 * a vanished file, a folder and a read error apart.
 */
async function localPrefix(run: RunContext, local: LocalStorage, key: string, scratch: Buffer): Promise<Prefix | undefined> {
  let got: number;
  try {
    got = local.readPrefixSync(key, scratch);
  } catch {
    return readPrefix(run, key);
  }
  return got <= HEADER_PREFIX_BYTES
    ? { kind: "file", bytes: scratch.subarray(0, got), isPrefix: false }
    : { kind: "file", bytes: scratch.subarray(0, HEADER_PREFIX_BYTES), isPrefix: true };
}

async function doScan(run: RunContext, listGlob: string): Promise<ScanResult> {
  const keys = (await globStorage(run.input, listGlob)).sort();
  const result: ScanResult = { subjects: new Map(), files: [], byKey: new Map(), failed: 0 };
  const state = dicomRun(run);
  const local = run.input instanceof LocalStorage ? run.input : undefined;
  const scratch = local ? Buffer.allocUnsafe(HEADER_PREFIX_BYTES + 1) : undefined;
  for (let w = 0; w < keys.length; w += SCAN_WINDOW) {
    const window = keys.slice(w, w + SCAN_WINDOW);
    // a remote window's reads overlap; local ones are read one by one as parsed, yielding between windows
    const prefixes = local ? undefined : await Promise.all(window.map((key) => readPrefix(run, key)));
    if (local && w > 0) await new Promise<void>((resolve) => setImmediate(resolve));
    for (let i = 0; i < window.length; i++) {
      const key = window[i]!;
      const p = local ? await localPrefix(run, local, key, scratch!) : prefixes![i];
      if (!p || p.kind === "dir") continue;
      result.files.push(key);
      state.tracking?.fileSeen(run.inputLocation(key));
      let header: DicomHeader;
      try {
        if (p.kind === "error") throw p.error;
        const { bytes, isPrefix } = p;
        header = scanDicomHeader(bytes, { fileName: key, isPrefix });
        if (!header.isDicom) throw new DicomError("NOT_DICOM", key, bytes.length === 0 ? "file is empty" : 'no "DICM" marker at byte 128 and not a raw implicit-VR data set');
        if (!header.seriesInstanceUID || !header.studyInstanceUID)
          throw new DicomError("UNREADABLE", key, "no StudyInstanceUID/SeriesInstanceUID in the header: cannot be grouped into a series");
      } catch (err) {
        const code = err instanceof DicomError ? err.code : "UNREADABLE";
        const message = err instanceof DicomError ? err.message : `${key}: UNREADABLE: ${(err as Error).message}`;
        result.failed++;
        reportFileFailure(run, key, code, message);
        continue;
      }
      const pid = header.patientID ?? NO_PATIENT_ID;
      const subject = getOr(result.subjects, pid, (): ScannedSubject => ({ patientId: pid, studies: new Map() }));
      const study = getOr(subject.studies, header.studyInstanceUID!, (): ScannedStudy => ({ uid: header.studyInstanceUID!, series: new Map() }));
      const series = getOr(study.series, header.seriesInstanceUID!, (): ScannedSeries => ({ uid: header.seriesInstanceUID!, files: [] }));
      const file = { key, header };
      series.files.push(file);
      result.byKey.set(key, file);
    }
  }
  return result;
}

function getOr<K, V>(m: Map<K, V>, k: K, make: () => V): V {
  let v = m.get(k);
  if (!v) m.set(k, (v = make()));
  return v;
}

/**
 * A file that is not part of any series: one failed plan node + summary failure (so the exit code
 * says something failed), the log line, the tracking database and the error notifier.
 */
export function reportFileFailure(run: RunContext, key: string, code: string, message: string): void {
  const entityPath = `file ${key}`;
  const node: PlanNode = {
    type: "file",
    name: key,
    entityPath,
    sources: [run.inputLocation(key)],
    writes: [],
    status: "failed",
    steps: [],
    error: { code, message },
    children: [],
  };
  run.plan.push(node);
  run.summary.failed++;
  run.summary.failures.push({ entityPath, step: "scan", code, message });
  run.log.error(`${entityPath}: skipped: ${message} [${code}]`);
  dicomRun(run).fileFailed(run.inputLocation(key), code, message);
}
