// End-to-end: dataset_configs/dicom_ultrasound.yaml through the built CLI, then `standardize-dirs export`:
// keyed pseudonyms, images keyed by the SHA-256 of their pixel data, the images table in the tracking database,
// and the dated export folder with index.csv joined with labels (reject column, unlabelled images left out).
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { pixelDataHash } from "@ingestkit/formats";
import { buildDicom, MARKER_RE, readDicom } from "./support/dicom-fixtures.js";
import { dcmdump } from "./support/dcmtk.js";
import { cli, readTree, ROOT, tempDir } from "./helpers.js";

const require = createRequire(new URL("../packages/importers/package.json", import.meta.url));
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const Database = require("better-sqlite3") as any;

const CONFIG = join(ROOT, "dataset_configs", "dicom_ultrasound.yaml");
const SECRET = "us-secret-not-for-production";
const env = { INGESTKIT_DEID_SECRET: SECRET };
const HASH_RE = /^[0-9a-f]{64}$/;

describe("dicom profile: dataset_configs/dicom_ultrasound.yaml + export", () => {
  let work: string;
  let out: string;
  let res: ReturnType<typeof cli>;
  const hashes: string[] = [];

  beforeAll(() => {
    work = tempDir("ingestkit-us-");
    const input = join(work, "downloads");
    mkdirSync(join(input, "a"), { recursive: true });
    const specs = [
      { patient: "PHI-PATU1-7Q", study: 1, series: 1, instance: 0, instancesInSeries: 2, modality: "US" },
      { patient: "PHI-PATU1-7Q", study: 1, series: 1, instance: 1, instancesInSeries: 2, modality: "US" },
      { patient: "PHI-PATU2-7Q", study: 2, series: 1, instance: 0, instancesInSeries: 1, modality: "US", pixelSeed: 5 },
    ];
    specs.forEach((s, i) => {
      const bytes = buildDicom(s);
      // the key: sha256 of the PixelData value bytes, computed independently of the engine (dcmjs)
      hashes.push(
        createHash("sha256")
          .update(Buffer.from(readDicom(bytes).dict["7FE00010"]!.Value![0] as ArrayBuffer))
          .digest("hex"),
      );
      writeFileSync(join(input, "a", `img${i}.dcm`), bytes);
    });
    out = join(work, "OUT");
    res = cli(["convert", CONFIG, input, out], env);
  });

  it("writes images/<pixel_hash>.dcm, de-identified, readable by dcmdump", () => {
    expect(res.code, res.stderr).toBe(0);
    expect(new Set(hashes).size).toBe(3);
    const images = readdirSync(join(out, "images")).sort();
    expect(images).toEqual(hashes.map((h) => `${h}.dcm`).sort());
    for (const name of images) {
      const bytes = new Uint8Array(readFileSync(join(out, "images", name)));
      expect(pixelDataHash(bytes)).toBe(name.slice(0, 64));
      const dump = dcmdump(join(out, "images", name));
      expect(dump).toMatch(/\(0012,0062\) CS \[YES\]/);
      expect(dump).toMatch(/\(0008,0060\) CS \[US\]/);
    }
    for (const [k, b] of readTree(out, true)) expect(b.toString("latin1").match(MARKER_RE), k).toBeNull();
  });

  it("stores one row per image with the pseudonymous patient, the shifted study date and the output key", () => {
    const db = new Database(`${out}.tracking.sqlite`, { readonly: true });
    const rows = db.prepare("SELECT * FROM images ORDER BY pixel_hash").all();
    db.close();
    expect(rows.map((r: { pixel_hash: string }) => r.pixel_hash)).toEqual([...hashes].sort());
    const pids = Object.fromEntries(
      readFileSync(`${out}.deid-mappings/patient_ids.csv`, "utf8")
        .trim()
        .split("\n")
        .slice(1)
        .map((l) => l.split(",")),
    );
    for (const r of rows) {
      expect(r.pixel_hash).toMatch(HASH_RE);
      expect(r.modality).toBe("US");
      expect([r.rows, r.columns]).toEqual([64, 64]);
      expect(r.output_key).toBe(`images/${r.pixel_hash}.dcm`);
      expect(r.output_root).toBe(out);
      expect(Object.values(pids)).toContain(r.patient_id);
      expect(r.patient_id).not.toMatch(/PHI/);
      expect(r.study_date).toMatch(/^\d{8}$/);
      expect(r.study_date).not.toBe("19770707"); // shifted (retain_longitudinal: modified)
      const d = readDicom(new Uint8Array(readFileSync(join(out, r.output_key))));
      expect(d.dict["00080020"]!.Value![0]).toBe(r.study_date);
      expect(d.dict["00100020"]!.Value![0]).toBe(r.patient_id);
    }
    // same patient, same pseudonym and same shift
    const [a, b] = [hashes[0]!, hashes[1]!].map((h) => rows.find((r: { pixel_hash: string }) => r.pixel_hash === h));
    expect(a.patient_id).toBe(b.patient_id);
    expect(a.study_date).toBe(b.study_date);
  });

  it("exports a dated folder with the images to use and index.csv joined with the labels", () => {
    const labels = join(work, "labels.csv");
    writeFileSync(labels, `pixel_hash,label,reject,reader\n${hashes[0]},benign,0,R1\n${hashes[1]},"malignant, suspicious",yes,R2\n${"f".repeat(64)},cyst,,R3\n`);
    const exports = join(work, "EXPORTS");
    const r = cli(["export", "--config", CONFIG, "--db", `${out}.tracking.sqlite`, "--labels", labels, "--out", exports, "--date", "2026-11-22", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const dest = join(exports, "2026-11-22");
    expect(JSON.parse(r.stdout)).toEqual({ folder: dest, exported: 1, rejected: 1, unlabelled: 1, labels_without_image: 1 });
    expect(readdirSync(exports)).toEqual(["2026-11-22"]); // no staging folder left
    expect(readdirSync(join(dest, "images"))).toEqual([`${hashes[0]}.dcm`]);
    expect(readFileSync(join(dest, "images", `${hashes[0]}.dcm`)).equals(readFileSync(join(out, "images", `${hashes[0]}.dcm`)))).toBe(true);
    const index = readFileSync(join(dest, "index.csv"), "utf8").trim().split("\n");
    expect(index[0]).toBe("file,pixel_hash,patient_id,study_date,modality,rows,columns,sop_instance_uid,label,reject,reader");
    expect(index).toHaveLength(2);
    expect(index[1]).toMatch(new RegExp(`^images/${hashes[0]}\\.dcm,${hashes[0]},P[0-9A-Z]+,\\d{8},US,64,64,2\\.25\\.\\d+,benign,0,R1$`));
    // an existing dated folder is never overwritten
    const again = cli(["export", "--config", CONFIG, "--db", `${out}.tracking.sqlite`, "--labels", labels, "--out", exports, "--date", "2026-11-22"]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists already/);
    // a labels CSV without the key column is a usage error
    writeFileSync(join(work, "bad.csv"), "hash,label\nx,y\n");
    const bad = cli(["export", "--config", CONFIG, "--db", `${out}.tracking.sqlite`, "--labels", join(work, "bad.csv"), "--out", exports, "--date", "2026-11-23"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/no column 'pixel_hash'/);
    expect(existsSync(join(exports, "2026-11-23"))).toBe(false);
  });

  it("validates with `standardize-dirs validate`", () => {
    const r = cli(["validate", CONFIG]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });
});
