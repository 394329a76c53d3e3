/**
 * The dated export of a dicom research database (issue 6, the ultrasound pipeline;
 * `standardize-dirs export` is its command line). Reads the `images` table of the tracking
 * database (rows written by `dicom.image_table: true`), joins them with a labels CSV on
 * `dicom.export.labels_key` = the image's `dicom.export.image_key`, drops rows whose
 * `dicom.export.reject_column` is truthy (and, unless `include_unlabelled`, images without a labels
 * row), and writes OUT/YYYY-MM-DD/ with the images and an `index.csv`. The folder is built under a
 * staging name and renamed at the end: it appears whole or not at all, and an existing dated
 * folder is never overwritten.
 */
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { IngestError, pyFormat, readConfig, type LoadedConfig } from "@ingestkit/core";
import { readCsvTable } from "./lookup.js";
import { readDicomSettings, readExportSpec, type ExportSpec } from "./settings.js";
import { readImages, type StoredImage } from "./tracking.js";

export interface DicomExportOptions {
  /** The dicom config (its `dicom.export` section): a path, or the config as `readConfig` loaded it. */
  config: string | LoadedConfig;
  /** Tracking database with the images table (`dicom.image_table`). */
  db: string;
  /** Labels CSV (or .tsv) joined on `dicom.export.labels_key`. */
  labels: string;
  /** Export root; the folder written is `<out>/<date>/`. */
  out: string;
  /** Date of the export folder, YYYY-MM-DD (default today, UTC; SOURCE_DATE_EPOCH pins it). */
  date?: string;
}

export interface DicomExportResult {
  /** The dated folder written. */
  folder: string;
  exported: number;
  /** Images whose labels row has a truthy reject column. */
  rejected: number;
  /** Images without a labels row (left out unless `include_unlabelled`). */
  unlabelled: number;
  /** Labels rows that match no image. */
  labels_without_image: number;
}

const TRUTHY = new Set(["1", "true", "yes", "y", "x"]);
export const isTruthy = (v: string | undefined): boolean => v !== undefined && TRUTHY.has(v.trim().toLowerCase());

/** A valid YYYY-MM-DD export date. */
export const isExportDate = (date: string): boolean => /^\d{4}-\d{2}-\d{2}$/.test(date) && !Number.isNaN(Date.parse(`${date}T00:00:00Z`));

const IMAGE_COLUMNS = ["file", "pixel_hash", "patient_id", "study_date", "modality", "rows", "columns", "sop_instance_uid"] as const;
const csvField = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

function exportDate(date: string | undefined): string {
  if (date !== undefined) {
    if (!isExportDate(date)) throw new IngestError("USAGE", `the export date needs YYYY-MM-DD, got '${date}'`);
    return date;
  }
  const epoch = process.env.SOURCE_DATE_EPOCH;
  const t = epoch && /^\d+$/.test(epoch) ? Number(epoch) * 1000 : Date.now();
  return new Date(t).toISOString().slice(0, 10);
}

/** Writes the dated export folder; user errors (missing files, bad columns, an existing folder) are IngestErrors. */
export async function exportDicomImages(opts: DicomExportOptions): Promise<DicomExportResult> {
  const config = typeof opts.config === "string" ? await readConfig(opts.config) : opts.config;
  if (config.data.dicom === undefined) throw new IngestError("USAGE", `${config.file} is not a dicom profile config (no dicom: section)`);
  const spec: ExportSpec = readDicomSettings(config).export ?? readExportSpec({});
  if (!existsSync(opts.db)) throw new IngestError("USAGE", `tracking database not found: ${opts.db}`);
  let table: ReturnType<typeof readCsvTable>;
  try {
    table = readCsvTable(opts.labels);
  } catch (err) {
    throw new IngestError("USAGE", `cannot read the labels CSV ${opts.labels}: ${(err as Error).message}`);
  }
  const { header, records } = table;
  if (!header.includes(spec.labelsKey)) throw new IngestError("USAGE", `the labels CSV has no column '${spec.labelsKey}' (dicom.export.labels_key); columns: ${header.join(", ")}`);
  if (spec.rejectColumn && !header.includes(spec.rejectColumn)) {
    throw new IngestError("USAGE", `the labels CSV has no column '${spec.rejectColumn}' (dicom.export.reject_column); columns: ${header.join(", ")}`);
  }
  const labels = new Map<string, Record<string, string>>();
  for (const r of records) {
    const k = (r.values[spec.labelsKey] ?? "").trim();
    if (!k) continue;
    if (labels.has(k)) throw new IngestError("USAGE", `the labels CSV has two rows for ${spec.labelsKey} '${k}' (line ${r.line})`);
    labels.set(k, r.values);
  }

  const images = readImages(opts.db);
  const date = exportDate(opts.date);
  const dest = resolve(opts.out, date);
  if (existsSync(dest)) throw new IngestError("USAGE", `the export folder ${dest} exists already: exports are never overwritten (give another date or export root)`);
  const staging = `${dest}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });

  const labelColumns = header.filter((h) => !(IMAGE_COLUMNS as readonly string[]).includes(h));
  const rows: string[] = [[...IMAGE_COLUMNS, ...labelColumns].map(csvField).join(",")];
  const result: DicomExportResult = { folder: dest, exported: 0, rejected: 0, unlabelled: 0, labels_without_image: 0 };
  const seenKeys = new Set<string>();
  const seenFiles = new Set<string>();
  try {
    for (const img of images) {
      const key = String(img[spec.imageKey] ?? "");
      const label = labels.get(key);
      if (label) seenKeys.add(key);
      if (!label && !spec.includeUnlabelled) {
        result.unlabelled++;
        continue;
      }
      if (label && spec.rejectColumn && isTruthy(label[spec.rejectColumn])) {
        result.rejected++;
        continue;
      }
      const file = imageFile(spec, img);
      if (seenFiles.has(file)) throw new IngestError("USAGE", `dicom.export.image_path gives ${file} for two images: include {pixel_hash}`);
      seenFiles.add(file);
      const target = join(staging, file);
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(sourceOf(img), target);
      const values: Record<string, string> = {
        file,
        pixel_hash: img.pixel_hash,
        patient_id: img.patient_id ?? "",
        study_date: img.study_date ?? "",
        modality: img.modality ?? "",
        rows: img.rows === null ? "" : String(img.rows),
        columns: img.columns === null ? "" : String(img.columns),
        sop_instance_uid: img.sop_instance_uid ?? "",
      };
      rows.push([...IMAGE_COLUMNS.map((c) => values[c]!), ...labelColumns.map((c) => label?.[c] ?? "")].map(csvField).join(","));
      result.exported++;
    }
    result.labels_without_image = [...labels.keys()].filter((k) => !seenKeys.has(k)).length;
    writeFileSync(join(staging, "index.csv"), rows.join("\n") + "\n");
    renameSync(staging, dest);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  return result;
}

/** The image's path inside the export folder (dicom.export.image_path), checked to stay inside it. */
function imageFile(spec: ExportSpec, img: StoredImage): string {
  let file: string;
  try {
    file = pyFormat(spec.imagePath, {
      pixel_hash: img.pixel_hash,
      patient_id: (img.patient_id ?? "").replace(/[\\/]/g, "_"),
      study_date: img.study_date ?? "",
      modality: img.modality ?? "",
      sop_instance_uid: img.sop_instance_uid ?? "",
    });
  } catch (err) {
    throw new IngestError("CONFIG_TEMPLATE", `dicom.export.image_path: ${(err as Error).message}`);
  }
  if (isAbsolute(file) || file.split("/").some((s) => s === ".." || s === "") || file === "index.csv") {
    throw new IngestError("PATH_ESCAPE", `dicom.export.image_path gives '${file}', which is not a relative path inside the export folder`);
  }
  return file;
}

function sourceOf(img: StoredImage): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(img.output_root)) {
    throw new IngestError("NOT_SUPPORTED", `export copies local files only; the image ${img.pixel_hash} is in ${img.output_root}`);
  }
  const p = join(img.output_root, img.output_key);
  if (!existsSync(p)) throw new IngestError("SOURCE_MISSING", `image ${img.pixel_hash}: ${p} is missing (the OUTPUT of the run that wrote it was moved or deleted)`);
  return p;
}
