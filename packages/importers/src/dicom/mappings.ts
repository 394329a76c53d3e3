/**
 * Re-identification mapping files (original -> replacement UIDs, patient ids, accession numbers,
 * date shifts), written to `dicom.mappings.dir` (never inside OUTPUT) as JSON objects or
 * two-column CSVs, keys sorted so the same inputs and secret give the same bytes.
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { DeidMappings } from "@ingestkit/formats";

const FILES: Array<[keyof DeidMappings, string]> = [
  ["uids", "uids"],
  ["patientIds", "patient_ids"],
  ["accessionNumbers", "accession_numbers"],
  ["dateShiftDays", "date_shift_days"],
];

const csvField = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

export function writeMappingFiles(dir: string, mappings: DeidMappings, format: "json" | "csv"): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const [field, name] of FILES) {
    const m = mappings[field] as Record<string, string | number>;
    const keys = Object.keys(m).sort();
    const text =
      format === "json"
        ? JSON.stringify(Object.fromEntries(keys.map((k) => [k, m[k]])), null, 2) + "\n"
        : ["original,replacement", ...keys.map((k) => `${csvField(k)},${csvField(String(m[k]))}`)].join("\n") + "\n";
    const path = join(dir, `${name}.${format}`);
    writeFileSync(`${path}.tmp`, text, { mode: 0o600 });
    renameSync(`${path}.tmp`, path);
    written.push(path);
  }
  return written;
}
