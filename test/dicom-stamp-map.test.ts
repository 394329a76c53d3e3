// Tag stamping into a private tag with a free private-creator slot (engine and CLI, de-identify and copy modes,
// checked with dcmdump) and the patient-id mapping table (mapped ids, HMAC fallback, require_mapping).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { privateSlot, stampDataset, stampFile } from "@ingestkit/formats";
import { buildDicom, readDicom } from "./support/dicom-fixtures.js";
import { dcmdump } from "./support/dcmtk.js";
import { cli, tempDir } from "./helpers.js";

const SECRET = "stamp-secret-not-for-production";
const env = { INGESTKIT_DEID_SECRET: SECRET };

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith(".dcm"))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

/** An input folder with the given fixtures and a config (YAML body of `dicom:`) next to it. */
function setup(dicomYaml: string, specs: Array<Parameters<typeof buildDicom>[0]>, extra: Record<string, string> = {}) {
  const work = tempDir("ingestkit-stamp-");
  const input = join(work, "in");
  mkdirSync(input);
  specs.forEach((s, i) => writeFileSync(join(input, `f${i}.dcm`), buildDicom(s)));
  for (const [name, text] of Object.entries(extra)) writeFileSync(join(work, name), text);
  const cfg = join(work, "c.yaml");
  writeFileSync(cfg, `dicom:\n${dicomYaml}`);
  return { work, input, cfg, out: join(work, "OUT") };
}

const one = (patient = "PHI-PAT1-7Q", instance = 0) => ({ patient, study: 1, series: 1, instance, instancesInSeries: 1 });

describe("private-tag stamping (engine)", () => {
  it("uses the first free creator slot, skips occupied ones and reuses the creator's own slot", () => {
    const dict: Record<string, { vr: string; Value?: unknown[] }> = {
      "00130010": { vr: "LO", Value: ["OTHER VENDOR"] },
      "00131101": { vr: "LO", Value: ["data of a block without a creator"] }, // slot 0x11 used by an element only
    };
    expect(privateSlot(dict, 0x0013, "INGESTKIT")).toEqual({ slot: 0x12, isNew: true });
    const r = stampDataset(dict, [
      { privateGroup: "0013", privateCreator: "INGESTKIT", privateElement: 0x10, value: "7.4" },
      { privateGroup: "0013", privateCreator: "INGESTKIT", privateElement: 0x11, value: "second" },
    ]);
    expect(r.tags).toEqual(["00130012", "00131210", "00130012", "00131211"]);
    expect(dict["00130012"]!.Value).toEqual(["INGESTKIT"]);
    expect(dict["00131210"]!.Value).toEqual(["7.4"]);
    expect(dict["00131211"]!.Value).toEqual(["second"]);
    expect(dict["00130010"]!.Value).toEqual(["OTHER VENDOR"]); // untouched
    expect(privateSlot(dict, 0x0013, "INGESTKIT")).toEqual({ slot: 0x12, isNew: false });
  });

  it("refuses even groups, bad offsets and a full group", () => {
    expect(() => stampDataset({}, [{ privateGroup: "0012", privateCreator: "X", privateElement: 0x10, value: "v" }])).toThrow(/odd/);
    expect(() => stampDataset({}, [{ privateGroup: "0013", privateCreator: "X", privateElement: 0x100, value: "v" }])).toThrow(/00-FF/);
    const full: Record<string, { vr: string; Value?: unknown[] }> = {};
    for (let s = 0x10; s <= 0xff; s++) full[`001300${s.toString(16).toUpperCase()}`] = { vr: "LO", Value: [`C${s}`] };
    expect(() => stampDataset(full, [{ privateGroup: "0013", privateCreator: "X", privateElement: 0, value: "v" }])).toThrow(/no free private-creator slot/);
  });

  it("stampFile writes a file dcmdump reads with the creator and the value", () => {
    const dir = tempDir("ingestkit-stampfile-");
    const res = stampFile(buildDicom(one()), [{ privateGroup: "0011", privateCreator: "INGESTKIT TRIAL", privateElement: 0x10, value: "12.3" }]);
    expect(res.tags).toEqual(["00110011", "00111110"]); // (0011,0010) holds "ACME PRIVATE": slot 0x11
    writeFileSync(join(dir, "s.dcm"), res.bytes);
    const dump = dcmdump(join(dir, "s.dcm"));
    expect(dump).toMatch(/\(0011,0010\) LO \[ACME PRIVATE\]/);
    expect(dump).toMatch(/\(0011,0011\) LO \[INGESTKIT TRIAL\]/);
    expect(dump).toMatch(/\(0011,1110\) LO \[12\.3\]/);
  });
});

describe("private-tag stamping (CLI)", () => {
  const stampYaml = `  stamp:
    - tag: "(0012,0071)"
      value: "{pipeline_file_id}.{scan_id}"
    - private_group: "0011"
      private_creator: "INGESTKIT TRIAL"
      private_element: "10"
      value: "trial-{pipeline_file_id}.{scan_id}"
`;

  it("stamps in deidentify mode after the private tags are removed (slot 0x10 is free again)", () => {
    const t = setup(`  mode: deidentify\n  output:\n    instance_path: "{source_stem}.dcm"\n${stampYaml}`, [one()]);
    const r = cli(["convert", t.cfg, t.input, t.out], env);
    expect(r.code, r.stderr).toBe(0);
    const dump = dcmdump(join(t.out, "f0.dcm"));
    expect(dump).toMatch(/\(0011,0010\) LO \[INGESTKIT TRIAL\]/);
    expect(dump).toMatch(/\(0011,1010\) LO \[trial-1\.1\]/);
    expect(dump).toMatch(/\(0012,0071\) LO \[1\.1\]/);
    expect(dump).not.toContain("ACME PRIVATE");
    expect(dump).toMatch(/\(0012,0062\) CS \[YES\]/);
  });

  it("stamps in copy mode, skipping the occupied slot and keeping everything else", () => {
    const t = setup(`  mode: copy\n  output:\n    instance_path: "{source_stem}.dcm"\n${stampYaml}`, [one()]);
    const r = cli(["convert", t.cfg, t.input, t.out], {});
    expect(r.code, r.stderr).toBe(0);
    const dump = dcmdump(join(t.out, "f0.dcm"));
    expect(dump).toMatch(/\(0011,0010\) LO \[ACME PRIVATE\]/);
    expect(dump).toMatch(/\(0011,1001\) LO \[PHI-00111001-7Q\]/); // copy mode: not de-identified
    expect(dump).toMatch(/\(0011,0011\) LO \[INGESTKIT TRIAL\]/);
    expect(dump).toMatch(/\(0011,1110\) LO \[trial-1\.1\]/);
    expect(dump).toMatch(/\(0012,0071\) LO \[1\.1\]/);
    expect(dump).not.toMatch(/\(0012,0062\)/);
    // pixel data unchanged
    const src = readDicom(new Uint8Array(readFileSync(join(t.input, "f0.dcm"))));
    const dst = readDicom(new Uint8Array(readFileSync(join(t.out, "f0.dcm"))));
    expect(Buffer.from(dst.dict["7FE00010"]!.Value![0] as ArrayBuffer).equals(Buffer.from(src.dict["7FE00010"]!.Value![0] as ArrayBuffer))).toBe(true);
  });

  it("copy mode without stamps still copies bytes as they are", () => {
    const t = setup(`  mode: copy\n  output:\n    instance_path: "{source_stem}.dcm"\n`, [one()]);
    expect(cli(["convert", t.cfg, t.input, t.out], {}).code).toBe(0);
    expect(readFileSync(join(t.out, "f0.dcm")).equals(readFileSync(join(t.input, "f0.dcm")))).toBe(true);
  });
});

describe("patient-id mapping table", () => {
  const map = "original,pseudonym\nPHI-PAT1-7Q,SUBJ-001\n";
  const base = `  mode: deidentify
  output:
    instance_path: "{PatientID}/{source_stem}.dcm"
  mappings:
    dir: "{output_path}.maps"
    format: json
`;

  it("replaces mapped ids from the table and falls back to HMAC pseudonyms", () => {
    const t = setup(`${base}  deidentify:\n    patient_id_map:\n      file: map.csv\n`, [one("PHI-PAT1-7Q", 0), one("PHI-PAT2-7Q", 1)], { "map.csv": map });
    const r = cli(["convert", t.cfg, t.input, t.out], env);
    expect(r.code, r.stderr).toBe(0);
    const written = files(t.out).map((f) => f.slice(t.out.length + 1));
    expect(written).toContain("SUBJ-001/f0.dcm");
    const other = written.find((f) => f.endsWith("f1.dcm"))!;
    expect(other).toMatch(/^P[0-9A-Z]+\/f1\.dcm$/);
    expect(readDicom(new Uint8Array(readFileSync(join(t.out, "SUBJ-001/f0.dcm")))).dict["00100020"]!.Value).toEqual(["SUBJ-001"]);
    const pids = JSON.parse(readFileSync(`${t.out}.maps/patient_ids.json`, "utf8"));
    expect(pids["PHI-PAT1-7Q"]).toBe("SUBJ-001");
    expect(pids["PHI-PAT2-7Q"]).toBe(other.split("/")[0]);
    for (const f of files(t.out)) expect(readFileSync(f).toString("latin1")).not.toMatch(/PHI-PAT/);
  });

  it("fails unmapped files with UNMAPPED_PATIENT under require_mapping, without naming the id", () => {
    const t = setup(`${base}  deidentify:\n    patient_id_map:\n      file: map.csv\n      require_mapping: true\n`, [one("PHI-PAT1-7Q", 0), one("PHI-PAT2-7Q", 1)], {
      "map.csv": map,
    });
    const r = cli(["convert", t.cfg, t.input, t.out], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/f1\.dcm.*UNMAPPED_PATIENT/);
    // the message itself never names the id (entity paths name subjects by their original PatientID: see docs/dicom.md)
    const msg = /import failed: (.*UNMAPPED_PATIENT.*)/.exec(r.stderr)?.[1] ?? "";
    expect(msg).toMatch(/PatientID is not in dicom\.deidentify\.patient_id_map/);
    expect(msg).not.toContain("PHI-PAT2-7Q");
    expect(files(t.out).map((f) => f.slice(t.out.length + 1))).toEqual(["SUBJ-001/f0.dcm"]);
  });

  it("rejects a table without the original,pseudonym columns", () => {
    const t = setup(`${base}  deidentify:\n    patient_id_map:\n      file: map.csv\n`, [one()], { "map.csv": "id,subject\nA,B\n" });
    const r = cli(["convert", t.cfg, t.input, t.out], env);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/original,pseudonym/);
  });
});
