/**
 * `standardize-dirs export --config C --db D --labels L --out DIR [--date YYYY-MM-DD] [--json]`:
 * the dated export of a dicom research database (issue 6, the ultrasound pipeline). Reads the
 * `images` table of the tracking database D (rows written by `dicom.image_table: true`), joins
 * them with the labels CSV L on `dicom.export.labels_key` = the image's `dicom.export.image_key`,
 * drops rows whose `dicom.export.reject_column` is truthy (and, unless `include_unlabelled`,
 * images without a labels row), and writes DIR/YYYY-MM-DD/ with the images and an `index.csv`.
 * The folder is built under a staging name and renamed at the end: it appears whole or not at all,
 * and an existing dated folder is never overwritten.
 */
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { IngestError, pyFormat, readConfig } from "@ingestkit/core";
import { readCsvTable, readDicomSettings, readImages, type ExportSpec, type StoredImage } from "@ingestkit/importers";

export interface ExportOptions {
  config: string;
  db: string;
  labels: string;
  out: string;
  date?: string;
  json?: boolean;
}

export interface ExportSummary {
  folder: string;
  exported: number;
  rejected: number;
  unlabelled: number;
  labels_without_image: number;
}

const TRUTHY = new Set(["1", "true", "yes", "y", "x"]);
export const isTruthy = (v: string | undefined): boolean => v !== undefined && TRUTHY.has(v.trim().toLowerCase());

const IMAGE_COLUMNS = ["file", "pixel_hash", "patient_id", "study_date", "modality", "rows", "columns", "sop_instance_uid"] as const;
const csvField = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

function exportDate(date: string | undefined): string {
  if (date !== undefined) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`))) throw new IngestError("USAGE", `--date needs YYYY-MM-DD, got '${date}'`);
    return date;
  }
  const epoch = process.env.SOURCE_DATE_EPOCH;
  const t = epoch && /^\d+$/.test(epoch) ? Number(epoch) * 1000 : Date.now();
  return new Date(t).toISOString().slice(0, 10);
}

export async function exportCommand(opts: ExportOptions, out: (text: string) => void): Promise<number> {
  const config = await readConfig(opts.config);
  if (config.data.dicom === undefined) throw new IngestError("USAGE", `${opts.config} is not a dicom profile config (no dicom: section)`);
  const settings = readDicomSettings(config);
  const spec: ExportSpec = settings.export ?? { labelsKey: "pixel_hash", imageKey: "pixel_hash", includeUnlabelled: false, imagePath: "images/{pixel_hash}.dcm" };
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
  if (existsSync(dest)) throw new IngestError("USAGE", `the export folder ${dest} exists already: exports are never overwritten (pass another --date or --out)`);
  const staging = `${dest}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });

  const labelColumns = header.filter((h) => !(IMAGE_COLUMNS as readonly string[]).includes(h));
  const rows: string[] = [[...IMAGE_COLUMNS, ...labelColumns].map(csvField).join(",")];
  const summary: ExportSummary = { folder: dest, exported: 0, rejected: 0, unlabelled: 0, labels_without_image: 0 };
  const seenKeys = new Set<string>();
  const seenFiles = new Set<string>();
  try {
    for (const img of images) {
      const key = String(img[spec.imageKey] ?? "");
      const label = labels.get(key);
      if (label) seenKeys.add(key);
      if (!label && !spec.includeUnlabelled) {
        summary.unlabelled++;
        continue;
      }
      if (label && spec.rejectColumn && isTruthy(label[spec.rejectColumn])) {
        summary.rejected++;
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
      summary.exported++;
    }
    summary.labels_without_image = [...labels.keys()].filter((k) => !seenKeys.has(k)).length;
    writeFileSync(join(staging, "index.csv"), rows.join("\n") + "\n");
    renameSync(staging, dest);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  out(
    opts.json
      ? JSON.stringify(summary, null, 2)
      : `exported ${summary.exported} images to ${dest} (index.csv); left out: ${summary.rejected} rejected, ${summary.unlabelled} without a label row; ${summary.labels_without_image} label rows match no image`,
  );
  return 0;
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
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(img.output_root)) throw new IngestError("NOT_SUPPORTED", `export copies local files only; the image ${img.pixel_hash} is in ${img.output_root}`);
  const p = join(img.output_root, img.output_key);
  if (!existsSync(p)) throw new IngestError("SOURCE_MISSING", `image ${img.pixel_hash}: ${p} is missing (the OUTPUT of the run that wrote it was moved or deleted)`);
  return p;
}
