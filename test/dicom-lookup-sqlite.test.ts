// Record lookups from a SQLite table (dicom.lookup.table): the clinical-trial config with its CSV
// records moved into a database gives the same names; typed SQLite values read as a CSV would
// hold them; a wrong table, column or file is a config error with its position; a key with two
// rows fails that file only.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildDicom } from "./support/dicom-fixtures.js";
import { cli, readTree, ROOT, tempDir } from "./helpers.js";

const require = createRequire(new URL("../packages/importers/package.json", import.meta.url));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const Database = require("better-sqlite3") as any;

const SECRET = "sqlite-lookup-secret";
const TRIAL = readFileSync(join(ROOT, "dataset_configs", "dicom_clinical_trial.yaml"), "utf8");
const CSV_LOOKUP = `  lookup:
    file: dicom_clinical_trial_records.csv
    key: "{form_record_id}"
    column: record_id
`;

/** The trial config with its lookup replaced by `lookup` (YAML lines under `dicom:`). */
function config(dir: string, lookup: string): string {
  expect(TRIAL).toContain(CSV_LOOKUP);
  const path = join(dir, "trial.yaml");
  writeFileSync(path, TRIAL.replace(CSV_LOOKUP, lookup));
  return path;
}

function sqliteLookup(table: string, column: string, file = "records.sqlite"): string {
  return `  lookup:\n    file: ${file}\n    table: ${table}\n    key: "{form_record_id}"\n    column: ${column}\n`;
}

describe("dicom lookup from SQLite", () => {
  let work: string;
  let input: string;

  beforeAll(() => {
    work = tempDir("ingestkit-lookup-sqlite-");
    input = join(work, "bucket");
    const put = (rel: string, bytes: Uint8Array) => {
      mkdirSync(dirname(join(input, rel)), { recursive: true });
      writeFileSync(join(input, rel), bytes);
    };
    put("subjecteventcrffile/S1/REC-001/t1 scan/img0.dcm", buildDicom({ patient: "PHI-PAT1-7Q", study: 1, series: 1, instance: 0, instancesInSeries: 1 }));
    put("subjecteventcrffile/S2/REC-002/t1 scan/scan.dcm", buildDicom({ patient: "PHI-PAT2-7Q", study: 2, series: 4, instance: 0, instancesInSeries: 1 }));
    // the CSV's records, with revision as INTEGER, a REAL and a NULL column, and a duplicated key
    const db = new Database(join(work, "records.sqlite"));
    db.exec(`CREATE TABLE "trial records" (record_id TEXT PRIMARY KEY, participant TEXT, event TEXT, form TEXT, field TEXT, revision INTEGER, dose REAL, note TEXT);
      CREATE TABLE dupes (record_id TEXT, participant TEXT, event TEXT, form TEXT, field TEXT, revision INTEGER);`);
    const add = db.prepare(`INSERT INTO "trial records" VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    add.run("REC-001", "P 0001", "baseline", "MRI Form", "t1 scan", 1, 2.0, null);
    add.run("REC-002", "P 0002", "week 12", "MRI Form", "t1 scan", 3, 0.5, "x");
    const dup = db.prepare("INSERT INTO dupes VALUES (?, ?, ?, ?, ?, ?)");
    dup.run("REC-001", "P 0001", "baseline", "MRI Form", "t1 scan", 1);
    dup.run("REC-002", "P 0002", "week 12", "MRI Form", "t1 scan", 3);
    dup.run("REC-002", "P 0002", "week 13", "MRI Form", "t1 scan", 4);
    db.close();
    writeFileSync(join(work, "not-a-db.sqlite"), "just text, not a database");
  });

  it("names files from the table's row like the CSV lookup; integers, reals and NULLs read as CSV text", () => {
    const dir = join(work, "ok");
    mkdirSync(dir);
    writeFileSync(join(dir, "records.sqlite"), readFileSync(join(work, "records.sqlite")));
    const cfg = config(dir, sqliteLookup('"trial records"', "record_id"));
    // the dose (REAL) and note (NULL / text) columns in the name show how values are rendered
    writeFileSync(cfg, readFileSync(cfg, "utf8").replace("_{pipeline_file_id}_{timestamp}.{ext}", "_{pipeline_file_id}_d{dose}_n{note}.{ext}"));
    const out = join(dir, "OUT");
    const res = cli(["convert", cfg, input, out], { INGESTKIT_DEID_SECRET: SECRET });
    expect(res.code, res.stderr).toBe(0);
    const files = [...readTree(out).keys()].filter((k) => k.endsWith(".dcm")).sort();
    expect(files).toEqual([
      "quarantine/MRIFormt1scan/MRIForm_t1scan_P0001_baseline_REC-001_1_1_d2.0_n.dcm",
      "quarantine/MRIFormt1scan/MRIForm_t1scan_P0002_week12_REC-002_3_2_d0.5_nx.dcm",
    ]);
  });

  it("a key with two rows fails that file with the table named; the other file is written", () => {
    const dir = join(work, "dupes");
    mkdirSync(dir);
    writeFileSync(join(dir, "records.sqlite"), readFileSync(join(work, "records.sqlite")));
    const out = join(dir, "OUT");
    const res = cli(["convert", config(dir, sqliteLookup("dupes", "record_id")), input, out], { INGESTKIT_DEID_SECRET: SECRET });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/table dupes has more than one row with record_id = "REC-002"/);
    expect([...readTree(out).keys()].filter((k) => k.endsWith(".dcm"))).toEqual([
      expect.stringMatching(/^quarantine\/MRIFormt1scan\/MRIForm_t1scan_P0001_baseline_REC-001_1_1_\d{8}_\d{6}\.dcm$/),
    ]);
  });

  it("an unknown table or column, a missing table key and a file that is not SQLite are clear errors; nothing is written", () => {
    const dir = join(work, "bad");
    mkdirSync(dir);
    writeFileSync(join(dir, "records.sqlite"), readFileSync(join(work, "records.sqlite")));
    writeFileSync(join(dir, "not-a-db.sqlite"), readFileSync(join(work, "not-a-db.sqlite")));
    const cases: Array<[string, RegExp]> = [
      [sqliteLookup("visits", "record_id"), /trial\.yaml:\d+:\d+.*dicom\.lookup\.table 'visits' is not a table of records\.sqlite \(tables: dupes, trial records\)/],
      [
        sqliteLookup('"trial records"', "record"),
        /dicom\.lookup\.column 'record' is not a column of records\.sqlite table trial records \(columns: record_id, participant, event, form, field, revision, dose, note\)/,
      ],
      [
        `  lookup:\n    file: records.sqlite\n    key: "{form_record_id}"\n    column: record_id\n`,
        /records\.sqlite is a SQLite database: name the table with dicom\.lookup\.table/,
      ],
      [sqliteLookup("dupes", "record_id", "not-a-db.sqlite"), /cannot open .*not-a-db\.sqlite as SQLite/],
    ];
    for (const [i, [lookup, message]] of cases.entries()) {
      const out = join(dir, `OUT${i}`);
      const res = cli(["convert", config(dir, lookup), input, out], { INGESTKIT_DEID_SECRET: SECRET });
      expect(res.code, lookup).not.toBe(0);
      expect(res.stderr, lookup).toMatch(message);
      expect(existsSync(out) ? [...readTree(out).keys()] : [], lookup).toEqual([]);
    }
  });
});
