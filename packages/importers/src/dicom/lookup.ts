/**
 * Record lookups for templates: a table whose `column` is matched against the expanded `key`
 * template of each file; the row's columns become template variables. The table is a CSV / TSV
 * (`dicom.lookup.file`, relative to the config; read whole, the last row of a key wins) or a
 * SQLite database (`dicom.lookup.table` names the table; queried per key through an index-friendly
 * prepared statement, read-only; two rows for one key are an error).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import Database from "better-sqlite3";
import { IngestError, type LoadedConfig } from "@ingestkit/core";
import { parseCsvRecords, pythonFloatRepr } from "@ingestkit/formats";

export interface LookupSpec {
  file: string;
  key: string;
  column: string;
  /** SQLite: the table to read. */
  table?: string;
}

export interface LookupTable {
  /** Absolute path of the file (and `#table` for SQLite), for messages. */
  readonly file: string;
  readonly keyTemplate: string;
  readonly column: string;
  readonly columns: string[];
  /** The row whose `column` equals `key`, every value as a string. */
  get(key: string): Record<string, string> | undefined;
  close(): void;
}

class CsvLookup implements LookupTable {
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

  close(): void {}
}

/** SQLite identifiers are quoted, so any table or column name works and none can inject SQL. */
const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** A SQLite value as the string a CSV would hold: integers as digits, reals as Python's repr, NULL empty. */
function sqliteText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") return pythonFloatRepr(value);
  if (Buffer.isBuffer(value)) return value.toString("hex");
  return String(value);
}

class SqliteLookup implements LookupTable {
  private readonly statement: Database.Statement;
  private readonly cache = new Map<string, Record<string, string> | undefined>();

  constructor(
    private readonly db: Database.Database,
    readonly file: string,
    private readonly table: string,
    readonly keyTemplate: string,
    readonly column: string,
    readonly columns: string[],
  ) {
    // two rows are fetched to tell an ambiguous key from a unique one
    this.statement = db.prepare(`SELECT * FROM ${quote(table)} WHERE ${quote(column)} = ? LIMIT 2`).safeIntegers(true);
  }

  get(key: string): Record<string, string> | undefined {
    if (this.cache.has(key)) return this.cache.get(key);
    const rows = this.statement.all(key) as Array<Record<string, unknown>>;
    if (rows.length > 1) {
      throw new IngestError("SOURCE_INVALID", `${this.file}: table ${this.table} has more than one row with ${this.column} = ${JSON.stringify(key)}`);
    }
    const row = rows[0] === undefined ? undefined : Object.fromEntries(Object.entries(rows[0]).map(([k, v]) => [k, sqliteText(v)]));
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(key, row);
    return row;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

const SQLITE_EXTENSIONS = /\.(sqlite3?|db)$/i;

export function loadLookup(config: LoadedConfig, spec: LookupSpec): LookupTable {
  const path = resolve(config.dir, spec.file);
  const at = (field: string) => config.position(["dicom", "lookup", field]);
  if (spec.table !== undefined || SQLITE_EXTENSIONS.test(path)) return loadSqliteLookup(config, spec, path);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new IngestError("SOURCE_MISSING", `dicom.lookup.file: cannot read ${path}: ${(err as Error).message}`, at("file"));
  }
  const { header, records } = parseCsvRecords(text, path.endsWith(".tsv") ? "\t" : ",");
  if (!header.includes(spec.column)) {
    throw new IngestError("CONFIG_SCHEMA", `dicom.lookup.column '${spec.column}' is not a column of ${spec.file} (columns: ${header.join(", ")})`, at("column"));
  }
  return new CsvLookup(
    path,
    spec.key,
    spec.column,
    header,
    records.map((r) => r.values),
  );
}

function loadSqliteLookup(config: LoadedConfig, spec: LookupSpec, path: string): LookupTable {
  const at = (field: string) => config.position(["dicom", "lookup", field]);
  if (spec.table === undefined) {
    throw new IngestError("CONFIG_SCHEMA", `dicom.lookup.file ${spec.file} is a SQLite database: name the table with dicom.lookup.table`, at("file"));
  }
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    db.pragma("schema_version"); // reads the header: a file that is not SQLite fails here
  } catch (err) {
    throw new IngestError("SOURCE_MISSING", `dicom.lookup.file: cannot open ${path} as SQLite: ${(err as Error).message}`, at("file"));
  }
  try {
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table', 'view') ORDER BY name").all() as Array<{ name: string }>).map((r) => r.name);
    if (!tables.includes(spec.table)) {
      throw new IngestError("CONFIG_SCHEMA", `dicom.lookup.table '${spec.table}' is not a table of ${spec.file} (tables: ${tables.join(", ") || "none"})`, at("table"));
    }
    const columns = (db.prepare(`SELECT name FROM pragma_table_info(?)`).all(spec.table) as Array<{ name: string }>).map((r) => r.name);
    if (!columns.includes(spec.column)) {
      throw new IngestError(
        "CONFIG_SCHEMA",
        `dicom.lookup.column '${spec.column}' is not a column of ${spec.file} table ${spec.table} (columns: ${columns.join(", ")})`,
        at("column"),
      );
    }
    return new SqliteLookup(db, `${path}#${spec.table}`, spec.table, spec.key, spec.column, columns);
  } catch (err) {
    db.close();
    throw err;
  }
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
    if (map.has(o) && map.get(o) !== p)
      throw new IngestError("CONFIG_SCHEMA", `dicom.deidentify.patient_id_map.file ${file}: two pseudonyms for one patient (line ${r.line ?? "?"})`, where);
    map.set(o, p);
  }
  return map;
}

/** A CSV (or .tsv) file as header + records (for `standardize-dirs export`'s labels). */
export function readCsvTable(path: string): { header: string[]; records: Array<{ line: number; values: Record<string, string> }> } {
  return parseCsvRecords(readFileSync(path, "utf8"), path.endsWith(".tsv") ? "\t" : ",");
}
