/**
 * Record lookups for templates: a CSV (`dicom.lookup.file`, relative to the config) whose
 * `column` is matched against the expanded `key` template of each file; the row's columns
 * become template variables.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { IngestError, type LoadedConfig } from "@ingestkit/core";
import { parseCsvRecords } from "@ingestkit/formats";

export class LookupTable {
  private readonly rows = new Map<string, Record<string, string>>();

  constructor(
    readonly file: string,
    readonly keyTemplate: string,
    readonly column: string,
    readonly columns: string[],
    rows: Array<Record<string, string>>,
  ) {
    for (const r of rows) this.rows.set(r[column] ?? "", r);
  }

  get(key: string): Record<string, string> | undefined {
    return this.rows.get(key);
  }
}

export function loadLookup(config: LoadedConfig, spec: { file: string; key: string; column: string }): LookupTable {
  const path = resolve(config.dir, spec.file);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new IngestError("SOURCE_MISSING", `dicom.lookup.file: cannot read ${path}: ${(err as Error).message}`, config.position(["dicom", "lookup", "file"]));
  }
  const { header, records } = parseCsvRecords(text, path.endsWith(".tsv") ? "\t" : ",");
  if (!header.includes(spec.column)) {
    throw new IngestError("CONFIG_SCHEMA", `dicom.lookup.column '${spec.column}' is not a column of ${spec.file} (columns: ${header.join(", ")})`, config.position(["dicom", "lookup", "column"]));
  }
  return new LookupTable(path, spec.key, spec.column, header, records.map((r) => r.values));
}

/**
 * `dicom.deidentify.patient_id_map`: a CSV with columns `original,pseudonym` (relative to the
 * config) giving the replacement PatientID of known patients (e.g. trial subject ids).
 */
export function loadPatientIdMap(config: LoadedConfig, file: string): Map<string, string> {
  const path = resolve(config.dir, file);
  const where = config.position(["dicom", "deidentify", "patient_id_map", "file"]);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new IngestError("SOURCE_MISSING", `dicom.deidentify.patient_id_map.file: cannot read ${path}: ${(err as Error).message}`, where);
  }
  const { header, records } = parseCsvRecords(text, path.endsWith(".tsv") ? "\t" : ",");
  if (!header.includes("original") || !header.includes("pseudonym")) {
    throw new IngestError("CONFIG_SCHEMA", `dicom.deidentify.patient_id_map.file ${file} needs the columns original,pseudonym (has: ${header.join(", ")})`, where);
  }
  const map = new Map<string, string>();
  for (const r of records) {
    const o = (r.values.original ?? "").trim();
    const p = (r.values.pseudonym ?? "").trim();
    if (!o) continue;
    if (!p) throw new IngestError("CONFIG_SCHEMA", `dicom.deidentify.patient_id_map.file ${file}: empty pseudonym for a patient (line ${r.line ?? "?"})`, where);
    if (map.has(o) && map.get(o) !== p) throw new IngestError("CONFIG_SCHEMA", `dicom.deidentify.patient_id_map.file ${file}: two pseudonyms for one patient (line ${r.line ?? "?"})`, where);
    map.set(o, p);
  }
  return map;
}

/** A CSV (or .tsv) file as header + records (for `standardize-dirs export`'s labels). */
export function readCsvTable(path: string): { header: string[]; records: Array<{ line: number; values: Record<string, string> }> } {
  return parseCsvRecords(readFileSync(path, "utf8"), path.endsWith(".tsv") ? "\t" : ",");
}
