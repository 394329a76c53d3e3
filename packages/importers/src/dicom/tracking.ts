/**
 * The tracking database (SQLite through better-sqlite3): pipeline runs, every source file with
 * its status transitions (Started -> In Progress -> Completed | Failed, with `has_error`),
 * per-series rows and coded errors. Lives outside OUTPUT (it names source files). `readDigest`
 * is what `standardize-dirs report` prints.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";

export type FileStatus = "Started" | "In Progress" | "Completed" | "Failed";
export const FILE_STATUSES: readonly FileStatus[] = ["Started", "In Progress", "Completed", "Failed"];

const SCHEMA = `
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  status TEXT NOT NULL,              -- running | completed | completed_with_errors
  config TEXT, input TEXT, output TEXT,
  files_completed INTEGER NOT NULL DEFAULT 0,
  files_failed INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS files (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  location TEXT NOT NULL UNIQUE,     -- the pipeline file: its source location
  first_seen_at TEXT NOT NULL,
  first_run_id INTEGER NOT NULL REFERENCES runs(id),
  last_run_id INTEGER NOT NULL REFERENCES runs(id),
  status TEXT NOT NULL,
  has_error INTEGER NOT NULL DEFAULT 0,
  output_key TEXT,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS file_status (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  file_id INTEGER NOT NULL REFERENCES files(id),
  run_id INTEGER NOT NULL REFERENCES runs(id),
  status TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS series (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id INTEGER NOT NULL REFERENCES runs(id),
  study_uid TEXT NOT NULL,
  series_uid TEXT NOT NULL,
  output_series_uid TEXT,
  series_number INTEGER,
  modality TEXT,
  instances INTEGER NOT NULL,
  UNIQUE (run_id, series_uid)
);
CREATE TABLE IF NOT EXISTS images (
  pixel_hash TEXT PRIMARY KEY,       -- sha256 (hex) of the PixelData value bytes
  file_id INTEGER REFERENCES files(id),
  run_id INTEGER NOT NULL REFERENCES runs(id),
  patient_id TEXT,                   -- as written (pseudonymous when de-identified)
  study_date TEXT,                   -- as written (shifted under retain_longitudinal: modified)
  modality TEXT,
  rows INTEGER,
  columns INTEGER,
  sop_instance_uid TEXT,             -- as written
  output_root TEXT NOT NULL,         -- OUTPUT of the run
  output_key TEXT NOT NULL,          -- the file under OUTPUT
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS errors (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  run_id INTEGER NOT NULL REFERENCES runs(id),
  file_id INTEGER REFERENCES files(id),
  code TEXT NOT NULL,
  message TEXT NOT NULL,
  at TEXT NOT NULL
);
`;

const now = () => new Date().toISOString();

export interface SeriesRow {
  studyUid: string;
  seriesUid: string;
  outputSeriesUid?: string;
  seriesNumber?: number;
  modality?: string;
  instances: number;
}

export interface ImageRow {
  pixelHash: string;
  location: string;
  patientId?: string;
  studyDate?: string;
  modality?: string;
  rows?: number;
  columns?: number;
  sopInstanceUid?: string;
  outputRoot: string;
  outputKey: string;
}

export class Tracking {
  private readonly db: Database.Database;
  readonly runId: number;

  constructor(
    readonly path: string,
    info: { config: string; input: string; output: string },
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma("journal_mode = WAL");
    this.db.exec(SCHEMA);
    this.runId = Number(
      this.db.prepare("INSERT INTO runs (started_at, status, config, input, output) VALUES (?, 'running', ?, ?, ?)").run(now(), info.config, info.input, info.output)
        .lastInsertRowid,
    );
  }

  /** The pipeline file id of a source location (created, status Started, on first sight). */
  fileId(location: string): number {
    const row = this.db.prepare("SELECT id FROM files WHERE location = ?").get(location) as { id: number } | undefined;
    if (row) return row.id;
    return this.fileSeen(location);
  }

  /** A file found by this run: Started (a new row, or a new transition of a known one). */
  fileSeen(location: string): number {
    const t = now();
    const row = this.db.prepare("SELECT id, last_run_id FROM files WHERE location = ?").get(location) as { id: number; last_run_id: number } | undefined;
    if (row && row.last_run_id === this.runId) return row.id;
    let id: number;
    if (row) {
      id = row.id;
      this.db.prepare("UPDATE files SET status = 'Started', has_error = 0, last_run_id = ?, updated_at = ? WHERE id = ?").run(this.runId, t, id);
    } else {
      id = Number(
        this.db
          .prepare("INSERT INTO files (location, first_seen_at, first_run_id, last_run_id, status, updated_at) VALUES (?, ?, ?, ?, 'Started', ?)")
          .run(location, t, this.runId, this.runId, t).lastInsertRowid,
      );
    }
    this.db.prepare("INSERT INTO file_status (file_id, run_id, status, at) VALUES (?, ?, 'Started', ?)").run(id, this.runId, t);
    return id;
  }

  fileStatus(location: string, status: FileStatus, extra: { code?: string; message?: string; outputKey?: string } = {}): void {
    const t = now();
    const id = this.fileSeen(location);
    const tx = this.db.transaction(() => {
      this.db
        .prepare("UPDATE files SET status = ?, has_error = CASE WHEN ? THEN 1 ELSE has_error END, output_key = COALESCE(?, output_key), updated_at = ? WHERE id = ?")
        .run(status, status === "Failed" ? 1 : 0, extra.outputKey ?? null, t, id);
      this.db.prepare("INSERT INTO file_status (file_id, run_id, status, at) VALUES (?, ?, ?, ?)").run(id, this.runId, status, t);
      if (extra.code) this.db.prepare("INSERT INTO errors (run_id, file_id, code, message, at) VALUES (?, ?, ?, ?, ?)").run(this.runId, id, extra.code, extra.message ?? "", t);
    });
    tx();
  }

  series(row: SeriesRow): void {
    this.db
      .prepare(
        `INSERT INTO series (run_id, study_uid, series_uid, output_series_uid, series_number, modality, instances) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (run_id, series_uid) DO UPDATE SET output_series_uid = excluded.output_series_uid, series_number = excluded.series_number,
         modality = excluded.modality, instances = excluded.instances`,
      )
      .run(this.runId, row.studyUid, row.seriesUid, row.outputSeriesUid ?? null, row.seriesNumber ?? null, row.modality ?? null, row.instances);
  }

  /** One image row per pixel hash (the same pixels again replace the row: they are the same image). */
  image(row: ImageRow): void {
    const fileId = this.fileSeen(row.location);
    this.db
      .prepare(
        `INSERT INTO images (pixel_hash, file_id, run_id, patient_id, study_date, modality, rows, columns, sop_instance_uid, output_root, output_key, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (pixel_hash) DO UPDATE SET file_id = excluded.file_id, run_id = excluded.run_id, patient_id = excluded.patient_id,
         study_date = excluded.study_date, modality = excluded.modality, rows = excluded.rows, columns = excluded.columns,
         sop_instance_uid = excluded.sop_instance_uid, output_root = excluded.output_root, output_key = excluded.output_key, updated_at = excluded.updated_at`,
      )
      .run(
        row.pixelHash,
        fileId,
        this.runId,
        row.patientId ?? null,
        row.studyDate ?? null,
        row.modality ?? null,
        row.rows ?? null,
        row.columns ?? null,
        row.sopInstanceUid ?? null,
        row.outputRoot,
        row.outputKey,
        now(),
      );
  }

  /** A run-level coded error (no file). */
  error(code: string, message: string): void {
    this.db.prepare("INSERT INTO errors (run_id, file_id, code, message, at) VALUES (?, NULL, ?, ?, ?)").run(this.runId, code, message, now());
  }

  finish(counts: { completed: number; failed: number }): void {
    this.db
      .prepare("UPDATE runs SET finished_at = ?, status = ?, files_completed = ?, files_failed = ? WHERE id = ?")
      .run(now(), counts.failed > 0 ? "completed_with_errors" : "completed", counts.completed, counts.failed, this.runId);
  }

  close(): void {
    this.db.close();
  }
}

export interface Digest {
  db: string;
  since: string | null;
  runs: Array<{ id: number; started_at: string; finished_at: string | null; status: string; files_completed: number; files_failed: number }>;
  new_files: Array<{ id: number; location: string; first_seen_at: string; status: string; has_error: boolean; output_key: string | null }>;
  counts: Record<string, number>;
  failures: Array<{ file: string | null; code: string; message: string; at: string; run_id: number }>;
}

/** New files since a time (all when omitted), file counts per current status, and coded errors since then. */
export function readDigest(path: string, since?: string): Digest {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const s = since ?? "";
    const runs = db.prepare("SELECT id, started_at, finished_at, status, files_completed, files_failed FROM runs WHERE started_at >= ? ORDER BY id").all(s) as Digest["runs"];
    const files = db
      .prepare("SELECT id, location, first_seen_at, status, has_error, output_key FROM files WHERE first_seen_at >= ? ORDER BY first_seen_at, location")
      .all(s) as Array<Omit<Digest["new_files"][number], "has_error"> & { has_error: number }>;
    const counts: Record<string, number> = Object.fromEntries(FILE_STATUSES.map((k) => [k, 0]));
    for (const r of db.prepare("SELECT status, COUNT(*) AS n FROM files GROUP BY status").all() as Array<{ status: string; n: number }>) counts[r.status] = r.n;
    const failures = db
      .prepare("SELECT f.location AS file, e.code, e.message, e.at, e.run_id FROM errors e LEFT JOIN files f ON f.id = e.file_id WHERE e.at >= ? ORDER BY e.id")
      .all(s) as Digest["failures"];
    return { db: path, since: since ?? null, runs, new_files: files.map((f) => ({ ...f, has_error: f.has_error === 1 })), counts, failures };
  } finally {
    db.close();
  }
}

export interface StoredImage {
  pixel_hash: string;
  patient_id: string | null;
  study_date: string | null;
  modality: string | null;
  rows: number | null;
  columns: number | null;
  sop_instance_uid: string | null;
  output_root: string;
  output_key: string;
}

/** Every image row, ordered by pixel hash (what `standardize-dirs export` reads). */
export function readImages(path: string): StoredImage[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const has = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'images'").get();
    if (!has) return [];
    return db
      .prepare("SELECT pixel_hash, patient_id, study_date, modality, rows, columns, sop_instance_uid, output_root, output_key FROM images ORDER BY pixel_hash")
      .all() as StoredImage[];
  } finally {
    db.close();
  }
}
