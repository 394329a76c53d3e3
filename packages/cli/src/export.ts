/**
 * `standardize-dirs export --config C --db D --labels L --out DIR [--date YYYY-MM-DD] [--json]`:
 * the dated export of a dicom research database (the dicom profile's `exportDicomImages` writes
 * DIR/YYYY-MM-DD/ with the images and an `index.csv`); this command checks its arguments and
 * prints the summary.
 */
import { IngestError } from "@ingestkit/core";
import { exportDicomImages, isExportDate } from "@ingestkit/importers";

export interface ExportOptions {
  config: string;
  db: string;
  labels: string;
  out: string;
  date?: string;
  json?: boolean;
}

export async function exportCommand(opts: ExportOptions, out: (text: string) => void): Promise<number> {
  if (opts.date !== undefined && !isExportDate(opts.date)) throw new IngestError("USAGE", `--date needs YYYY-MM-DD, got '${opts.date}'`);
  const summary = await exportDicomImages({ config: opts.config, db: opts.db, labels: opts.labels, out: opts.out, date: opts.date });
  out(
    opts.json
      ? JSON.stringify(summary, null, 2)
      : `exported ${summary.exported} images to ${summary.folder} (index.csv); left out: ${summary.rejected} rejected, ${summary.unlabelled} without a label row; ${summary.labels_without_image} label rows match no image`,
  );
  return 0;
}
