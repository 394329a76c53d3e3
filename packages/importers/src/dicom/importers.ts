/**
 * Importers of the dicom profile: `instance` de-identifies (or copies) one file and writes it at
 * `dicom.output.instance_path`; `series` writes the per-series metadata JSON and its tracking
 * row; `batch` (the single root) closes the run: mapping files, tracking, digest notification.
 */
import { unlinkSync } from "node:fs";
import { fingerprint, IngestError, LocalStorage, type Importer, type ItemContext, type RunContext, type StorageStat } from "@ingestkit/core";
import { deidentifyFileParts, DicomError, pixelDataHash, scanDicomHeader, stampFile, type DicomHeader, type Stamp } from "@ingestkit/formats";
import { writeMappingFiles } from "./mappings.js";
import { attributeVars, sourceVars, timestampVars } from "./naming.js";
import { dicomRun, type DicomRunState } from "./run-state.js";
import { scanInput } from "./scan.js";

interface Written {
  header: DicomHeader;
  outputKey: string;
}

const WRITTEN = "dicom:written";

function writtenOf(ctx: ItemContext): Written[] {
  const series = ctx.item.require("series");
  let w = series.data.get(WRITTEN) as Written[] | undefined;
  if (!w) series.data.set(WRITTEN, (w = []));
  return w;
}

function expandPath(ctx: ItemContext, state: DicomRunState, template: string, field: string, vars: Record<string, unknown>): string {
  const key = ctx.expand(template, field, { ...ctx.item.globVars(), ...vars });
  return state.settings.stripWhitespace ? key.replace(/\s+/g, "") : key;
}

/** Variables known before the file is rewritten: source path, lookup row, ids, timestamp. */
function preVars(ctx: ItemContext, state: DicomRunState, key: string, header: DicomHeader | undefined): Record<string, unknown> {
  const s = state.settings;
  const vars: Record<string, unknown> = { ...sourceVars(key, s.sourceRegex), ...timestampVars(ctx.run, s.timestampFormat) };
  vars.pipeline_file_id = state.fileId(ctx.run.inputLocation(key));
  vars.scan_id = header?.seriesNumber ?? 0;
  if (state.lookup) {
    const k = ctx.expand(state.lookup.keyTemplate, "dicom.lookup.key", { ...ctx.item.globVars(), ...vars });
    const row = state.lookup.get(k);
    if (!row) throw new IngestError("SOURCE_MISSING", `no row with ${state.lookup.column} = ${JSON.stringify(k)} in ${state.lookup.file}`);
    Object.assign(vars, row);
  }
  return vars;
}

/**
 * The configured stamps with their values expanded. They are written after de-identification (so
 * a private stamp survives the removal of private tags) at the top level of the data set, or
 * alone in copy mode.
 */
function stampsOf(ctx: ItemContext, state: DicomRunState, vars: Record<string, unknown>): Stamp[] {
  return state.settings.stamps.map((st, i) => {
    const value = ctx.expand(st.value, `dicom.stamp[${i}].value`, { ...ctx.item.globVars(), ...vars });
    const vr = st.vr ? { vr: st.vr } : {};
    if (st.private_group !== undefined) {
      return { privateGroup: st.private_group, privateCreator: st.private_creator ?? "", privateElement: parseInt(st.private_element ?? "10", 16), value, ...vr };
    }
    return { tag: st.tag ?? "", value, ...vr };
  });
}

/** A PatientID missing from `patient_id_map` under `require_mapping: true` (the message never names the id). */
class UnmappedPatientError extends IngestError {
  readonly trackCode = "UNMAPPED_PATIENT";
}

function checkMapped(state: DicomRunState, header: DicomHeader): void {
  const pm = state.settings.patientIdMap;
  if (!pm?.requireMapping) return;
  const map = state.settings.profile.patientIdMap as ReadonlyMap<string, string> | undefined;
  const id = header.patientID?.trim();
  if (!id || !map?.has(id)) {
    throw new UnmappedPatientError(
      "SOURCE_INVALID",
      `${id ? "PatientID is not" : "no PatientID, so not"} in dicom.deidentify.patient_id_map (${pm.file}) and require_mapping is set [UNMAPPED_PATIENT]`,
    );
  }
}

function codeOf(err: unknown): string {
  if (err instanceof UnmappedPatientError) return err.trackCode;
  if (err instanceof DicomError) return err.code;
  if (err instanceof IngestError) return err.code;
  return "IMPORTER_FAILED";
}

/** What the importer writes for one source: the new header, the bytes passed through, and what it knows of both. */
interface Rewritten {
  /** of the source's bytes (for the manifest fingerprint) */
  st: StorageStat | undefined;
  head: Uint8Array;
  /** the source's bytes from `tailOffset` on (the pixel data when only the header was rewritten; empty otherwise) */
  tail: Uint8Array;
  tailOffset: number;
  /** the output's header */
  header: DicomHeader;
  vars: Record<string, unknown>;
  /** the output as a file the worker wrote (OutputStore.stagingPath): adopted instead of written */
  staged?: { path: string; size: number; adopted: boolean };
}

/** Files larger than this are never given to a worker: they are read on the main thread under the byte budget. */
export const WORKER_MAX_FILE_BYTES = 32 * 1024 * 1024;

/**
 * De-identification in a worker thread (deid-pool.ts), for local sources. The stamps' values are expanded here before
 * the file is read, from the series scan's header (the same fields as the whole-file scan when the header fits in
 * the scan's prefix); if the worker's whole-file scan disagrees on them, or the worker declines (a large file, an
 * I/O error), the main-thread path does the file. Undefined then.
 */
async function viaWorker(ctx: ItemContext, state: DicomRunState, key: string, release: (r: () => void) => void): Promise<Rewritten | undefined> {
  const pool = state.pool;
  if (!pool || !(ctx.input instanceof LocalStorage)) return undefined;
  const prefix = (await scanInput(ctx.run, state.settings.listGlob)).byKey.get(key)?.header;
  if (!prefix) return undefined;
  const vars = preVars(ctx, state, key, prefix);
  const stamps = stampsOf(ctx, state, vars);
  // the most a worker reads, until it tells the size; then the buffer's size until the output is written
  await state.readBudget.acquire(WORKER_MAX_FILE_BYTES);
  // The worker also writes the output, to a staging path the output is renamed from once it has its name here: the
  // kernel's work of filling new files is then spread over the workers instead of all on this thread. Not on re-runs
  // (undefined: this thread writes, after the up-to-date check), in copy mode or dry runs.
  const writeTo = state.settings.mode === "deidentify" ? ctx.output.stagingPath() : undefined;
  let r;
  try {
    r = await pool.run(ctx.input.pathOf(key), key, stamps, WORKER_MAX_FILE_BYTES, writeTo);
  } catch (err) {
    state.readBudget.release(WORKER_MAX_FILE_BYTES);
    throw err;
  }
  if (r.kind === "declined") {
    state.readBudget.release(WORKER_MAX_FILE_BYTES);
    ctx.run.log.debug?.(`${key}: de-identified on the main thread (${r.reason})`);
    return undefined;
  }
  const buffer = r.buffer;
  const held = Math.min(buffer.byteLength, WORKER_MAX_FILE_BYTES);
  state.readBudget.release(WORKER_MAX_FILE_BYTES - held);
  release(() => state.readBudget.release(held));
  release(() => pool.recycle(buffer));
  const staged = writeTo !== undefined && r.written !== undefined ? { path: writeTo, size: r.written, adopted: false } : undefined;
  if (staged) release(() => staged.adopted || removeQuietly(staged.path));
  if ((r.scanned.seriesNumber ?? 0) !== (prefix.seriesNumber ?? 0)) return undefined;
  checkMapped(state, r.scanned);
  state.addMappings(r.mappings);
  for (const w of r.warnings) ctx.run.log.debug?.(`${key}: ${w}`);
  return {
    st: { kind: "file", size: r.stat.size, mtimeMs: r.stat.mtimeMs },
    head: r.head,
    tail: new Uint8Array(buffer, r.tailOffset, r.length - r.tailOffset),
    tailOffset: r.tailOffset,
    header: r.header,
    vars,
    ...(staged ? { staged } : {}),
  };
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // gone already
  }
}

/** The same work on the main thread: any storage, copy mode, large files. */
async function inProcess(ctx: ItemContext, state: DicomRunState, key: string, release: (r: () => void) => void): Promise<Rewritten> {
  // the source's identity before its bytes (a file changed in between is recorded as changed), and a budget of
  // bytes held at once acquired before the read
  let held = 0;
  const budget = async (size: number) => {
    held = size;
    await state.readBudget.acquire(held);
  };
  release(() => state.readBudget.release(held));
  let st: StorageStat | undefined;
  let bytes: Uint8Array;
  if (ctx.input.readWithStat) {
    // a pooled read buffer, given back once the output is written (a dry run keeps only the output's size)
    let give: (() => void) | undefined;
    ({ bytes, stat: st, release: give } = await ctx.input.readWithStat(key, (s) => budget(s.size), { reuse: true }));
    if (give) release(give);
  } else {
    st = await ctx.input.stat(key);
    await budget(st?.size ?? 0);
    bytes = await ctx.input.read(key);
  }
  const scanned = scanDicomHeader(bytes, { fileName: key });
  const vars = preVars(ctx, state, key, scanned);
  const stamps = stampsOf(ctx, state, vars);
  // the output is `head` followed by `tail`, the source's own bytes from `tailOffset` on: written one after the
  // other, never joined in memory
  let head: Uint8Array;
  let tail: Uint8Array = bytes.subarray(bytes.length);
  let tailOffset = bytes.length;
  if (state.settings.mode === "deidentify") {
    checkMapped(state, scanned);
    const res = deidentifyFileParts(bytes, { ...state.settings.profile, stamps, secret: state.secret!, fileName: key, scanned });
    state.addMappings(res.mappings);
    for (const w of res.warnings) ctx.run.log.debug?.(`${key}: ${w}`);
    ({ head, tail, tailOffset } = res);
  } else {
    head = stamps.length ? stampFile(bytes, stamps, key).bytes : bytes;
  }
  const header = head !== bytes ? scanDicomHeader(head, { fileName: key, isPrefix: tail.length > 0 }) : scanned;
  return { st, head, tail, tailOffset, header, vars };
}

export const instanceImporter: Importer = {
  describe: "de-identify / copy",
  async importItem(ctx) {
    const state = dicomRun(ctx.run);
    const key = ctx.item.found.path!;
    const location = ctx.run.inputLocation(key);
    state.tracking?.fileStatus(location, "In Progress");
    // what to give back once the output is written (read buffers, the byte budget)
    const releases: Array<() => void> = [];
    const release = (r: () => void) => void releases.push(r);
    try {
      const { st, head, tail, tailOffset, header, vars, staged } = (await viaWorker(ctx, state, key, release)) ?? (await inProcess(ctx, state, key, release));
      const attrs: Record<string, unknown> = attributeVars(header);
      let pixelHash: string | undefined;
      if (state.needsPixelHash) {
        pixelHash = pixelDataHash(tail.length ? Buffer.concat([head, tail]) : head, key);
        if (!pixelHash) throw new IngestError("SOURCE_INVALID", `no Pixel Data (7FE0,0010): the image cannot be keyed by its pixel hash [NO_PIXEL_DATA]`);
        attrs.pixel_hash = pixelHash;
      }
      const outputKey = expandPath(ctx, state, state.settings.instancePath, "dicom.output.instance_path", { ...vars, ...attrs });
      // What the output is made of, for the manifest (re-runs skip unchanged outputs): the new header's bytes and,
      // for the bytes passed through, the source's identity (key, size, mtime / ETag, as for copied files) instead
      // of a hash of half a megabyte of pixel data per file. Without a source identity: the hash of all bytes.
      const identity = st && (st.mtimeMs !== undefined || st.etag !== undefined);
      const fp = tail.length > 0 && identity && st ? fingerprint("dicom-head+source-tail", head, key, st.size, st.mtimeMs ?? null, st.etag ?? null, tailOffset) : undefined;
      // nothing reads an instance's output again: a dry run keeps its size only (and gives the buffers back)
      if (staged && fp) {
        staged.adopted = true; // adoptFile moves it or removes it, whatever happens
        await ctx.output.adoptFile(outputKey, staged.path, staged.size, ctx.record, "bytes", fp);
      } else await ctx.output.writeBytes(outputKey, tail.length > 0 ? [head, tail] : head, ctx.record, "bytes", fp, { readBack: false });
      writtenOf(ctx).push({ header, outputKey });
      if (pixelHash && state.settings.imageTable && state.tracking && !ctx.run.dryRun) {
        state.tracking.image({
          pixelHash,
          location,
          ...(header.patientID !== undefined ? { patientId: header.patientID } : {}),
          ...(header.studyDate !== undefined ? { studyDate: header.studyDate } : {}),
          ...(header.modality !== undefined ? { modality: header.modality } : {}),
          ...(header.rows !== undefined ? { rows: header.rows } : {}),
          ...(header.columns !== undefined ? { columns: header.columns } : {}),
          ...(header.sopInstanceUID !== undefined ? { sopInstanceUid: header.sopInstanceUID } : {}),
          outputRoot: ctx.run.output.location,
          outputKey,
        });
      }
      state.fileCompleted(location, outputKey);
    } catch (err) {
      const code = codeOf(err);
      const message = (err as Error).message;
      state.fileFailed(location, code, message);
      if (err instanceof DicomError) throw new IngestError("SOURCE_INVALID", `${message} [${code}]`, { cause: err });
      throw err;
    } finally {
      for (const r of releases) r();
    }
  },
};

export const seriesImporter: Importer = {
  describe: "series metadata",
  async importMetadata(ctx) {
    const state = dicomRun(ctx.run);
    const scan = await scanInput(ctx.run, state.settings.listGlob);
    const g = ctx.item.globVars();
    const source = scan.subjects.get(String(g.subject_name))?.studies.get(String(g.study_name))?.series.get(ctx.item.name);
    const written = (ctx.item.data.get(WRITTEN) as Written[] | undefined) ?? [];
    const first = written[0]?.header;
    const firstSource = source?.files[0]?.header;
    state.tracking?.series({
      studyUid: String(g.study_name),
      seriesUid: ctx.item.name,
      ...(first?.seriesInstanceUID ? { outputSeriesUid: first.seriesInstanceUID } : {}),
      ...(firstSource?.seriesNumber !== undefined ? { seriesNumber: firstSource.seriesNumber } : {}),
      ...(firstSource?.modality ? { modality: firstSource.modality } : {}),
      instances: source?.files.length ?? 0,
    });
    // mappings are saved as the run goes (at most every 2 s; the run's end always saves): a run
    // that dies keeps most of them, and a re-run recreates the rest (they are keyed by the secret)
    if (state.mappingsDir && !ctx.run.dryRun && Date.now() - state.mappingsSavedAt >= 2000) {
      writeMappingFiles(state.mappingsDir, state.mappings, state.settings.mappings!.format);
      state.mappingsSavedAt = Date.now();
    }
    if (!first) return ctx.fail("SOURCE_INVALID", `no instance of series ${ctx.item.name} could be written: no series metadata`);
    const instances = [...written].sort((a, b) => (a.header.instanceNumber ?? 0) - (b.header.instanceNumber ?? 0) || (a.outputKey < b.outputKey ? -1 : 1));
    const key = expandPath(ctx, state, state.settings.seriesMetadataPath, "dicom.output.series_metadata_path", {
      ...timestampVars(ctx.run, state.settings.timestampFormat),
      ...attributeVars(first),
    });
    await ctx.writeJson(key, {
      series_instance_uid: first.seriesInstanceUID ?? null,
      study_instance_uid: first.studyInstanceUID ?? null,
      modality: first.modality ?? null,
      series_number: first.seriesNumber ?? null,
      series_description: first.seriesDescription ?? null,
      number_of_instances: source?.files.length ?? written.length,
      instances_written: written.length,
      rows: first.rows ?? null,
      columns: first.columns ?? null,
      de_identified: state.settings.mode === "deidentify",
      instances: instances.map((w) => ({ sop_instance_uid: w.header.sopInstanceUID ?? null, instance_number: w.header.instanceNumber ?? null, file: w.outputKey })),
    });
  },
};

/** The run's end (the root's metadata step runs after every subject). */
export const batchImporter: Importer = {
  describe: "run summary",
  async importMetadata(ctx) {
    await finishRun(ctx.run);
  },
};

export async function finishRun(run: RunContext): Promise<void> {
  const state = dicomRun(run);
  if (state.finished) return;
  state.finished = true;
  // every instance is done by now (the root's metadata step runs last): the workers can go, whatever fails below
  await state.pool?.close();
  if (state.mappingsDir && !run.dryRun) writeMappingFiles(state.mappingsDir, state.mappings, state.settings.mappings!.format);
  state.tracking?.finish({ completed: state.completed, failed: state.failed });
  state.lookup?.close();
  state.notifier?.digest({
    input: run.input.location,
    output: run.output.location,
    completed: state.completed,
    failed: state.failed,
    files: [...state.fileIds.keys()].sort(),
    failures: run.summary.failures.map((f) => ({ file: f.entityPath, code: f.code, message: f.message })),
  });
  await state.notifier?.flush();
  state.tracking?.close();
}
