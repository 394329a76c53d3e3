// End-to-end: the dicom profile through the built CLI on generated DICOM with synthetic PHI (2 studies x 2 series x
// 3 instances in an arbitrary nested layout, plus a text file and a truncated DICOM). Checks residue, markers, UID
// consistency, dcmdump, per-file failures, mapping files outside OUTPUT, the secret, and byte-identical reruns.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { allUids, buildDicom, MARKER_RE, ORIGINAL_ROOT, readDicom, uidOf } from "./support/dicom-fixtures.js";
import { cli, readTree, ROOT, tempDir, treeDigest } from "./helpers.js";

const CONFIG = join(ROOT, "dataset_configs", "dicom_deidentify.yaml");
const SECRET = "test-secret-not-for-production";
const env = { INGESTKIT_DEID_SECRET: SECRET };
const UID_RE = /^2\.25\.(0|[1-9][0-9]{0,38})$/;

/** Writes the fixture tree; returns the input root. */
function makeInput(): string {
  const root = tempDir("ingestkit-dicom-in-");
  const put = (rel: string, bytes: Uint8Array | string) => {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), bytes);
  };
  const layouts = [(s: number, r: number, i: number) => `site A/upload ${s}/s${r}_${i}.dcm`, (s: number, r: number, i: number) => `deep/${r}/${i}/x/IMG${s}${r}${i}`];
  for (const study of [1, 2]) {
    for (const series of [1, 2]) {
      for (let i = 0; i < 3; i++) {
        put(layouts[(study + series + i) % 2]!(study, series, i), buildDicom({ patient: `PHI-PAT${study}-7Q`, study, series, instance: i, instancesInSeries: 3 }));
      }
    }
  }
  put("notes/readme.txt", "not a dicom file, mentions nothing\n");
  const extra = buildDicom({ patient: "PHI-PAT1-7Q", study: 1, series: 1, instance: 7, instancesInSeries: 3 });
  put("deep/broken/cut.dcm", extra.subarray(0, extra.length - 1000));
  return root;
}

function walkFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

describe("dicom profile: dataset_configs/dicom_deidentify.yaml", () => {
  let input: string;
  let work: string;
  let out: string;
  let res: ReturnType<typeof cli>;

  beforeAll(() => {
    input = makeInput();
    work = tempDir("ingestkit-dicom-out-");
    out = join(work, "OUTPUT");
    res = cli(["convert", CONFIG, input, out, "--import-everything"], env);
  });

  it("exits 1 because two files failed, and reports them with path and code", () => {
    expect(res.code, res.stderr).toBe(1);
    expect(res.stderr).toMatch(/file notes\/readme\.txt: skipped: .*\[NOT_DICOM\]/);
    expect(res.stderr).toMatch(/deep\/broken\/cut\.dcm.*TRUNCATED/);
    expect(res.stderr).not.toContain(SECRET);
  });

  it("names subjects, studies and series by their pseudonyms and new UIDs in logs and plans, never by PHI", () => {
    expect(res.stderr + res.stdout).not.toMatch(/PHI-PAT/);
    const plan = cli(["convert", CONFIG, input, join(tempDir(), "dry"), "--import-everything", "--dry-run", "--json"], env);
    expect(plan.stdout).not.toMatch(/PHI-PAT/);
    const subjects = JSON.parse(plan.stdout)
      .plan.flatMap((n: any) => n.children)
      .filter((n: any) => n.type === "subject")
      .map((n: any) => n.name);
    expect(subjects).toHaveLength(2);
    for (const s of subjects) expect(s).toMatch(/^P[0-9A-F]{16}$/);
  });

  it("a dry run plans the real run's outputs and failures and writes nothing (it keeps the instances' sizes, not their bytes)", () => {
    const dry = join(tempDir(), "dry");
    const plan = cli(["convert", CONFIG, input, dry, "--import-everything", "--dry-run", "--json"], env);
    expect(plan.code).toBe(1);
    const writes: string[] = [];
    const walk = (ns: any[]) => ns.forEach((n) => (writes.push(...n.writes.map((w: any) => w.key)), walk(n.children)));
    walk(JSON.parse(plan.stdout).plan);
    expect(writes.sort()).toEqual([...readTree(out).keys()].sort());
    expect(plan.stderr).toMatch(/deep\/broken\/cut\.dcm.*TRUNCATED/);
    expect(existsSync(dry)).toBe(false);
    expect(existsSync(`${dry}.deid-mappings`)).toBe(false);
  });

  it("writes 12 de-identified instances and 4 series metadata files, nothing partial", () => {
    const tree = readTree(out);
    const dcm = [...tree.keys()].filter((k) => k.endsWith(".dcm"));
    const meta = [...tree.keys()].filter((k) => k.endsWith("series_metadata.json"));
    expect(dcm).toHaveLength(12);
    expect(meta).toHaveLength(4);
    expect(tree.size).toBe(16);
    for (const k of tree.keys()) expect(k).not.toMatch(/cut|readme|\.tmp/);
    const m = JSON.parse(tree.get(meta[0]!)!.toString());
    expect(m.number_of_instances === 3 || m.number_of_instances === 4).toBe(true);
    expect(m.series_instance_uid).toMatch(UID_RE);
    expect(m.modality).toBe("CT");
  });

  it("leaves no PHI marker and no original UID anywhere in OUTPUT (incl. bookkeeping)", () => {
    for (const [k, bytes] of readTree(out, true)) {
      const text = bytes.toString("latin1");
      expect(text.match(MARKER_RE), k).toBeNull();
      expect(text.includes(ORIGINAL_ROOT), k).toBe(false);
    }
  });

  it("marks the files, remaps UIDs to 2.25 and keeps references consistent", () => {
    const tree = readTree(out);
    const sops = new Set<string>();
    const files = [...tree.entries()].filter(([k]) => k.endsWith(".dcm")).map(([k, b]) => ({ k, d: readDicom(new Uint8Array(b)) }));
    for (const { d } of files) sops.add(d.dict["00080018"]!.Value![0] as string);
    for (const { k, d } of files) {
      expect(d.dict["00120062"]?.Value?.[0], k).toBe("YES");
      const codes = (d.dict["00120064"]?.Value ?? []).map((it) => (it as Record<string, { Value: unknown[] }>)["00080100"]!.Value[0]);
      expect(codes).toContain("113100");
      for (const u of allUids(d.dict)) if (!u.startsWith("1.2.840.10008.")) expect(u, k).toMatch(UID_RE);
      // the referenced image of the next instance is one of the output SOP Instance UIDs
      const ref = (d.dict["00082112"]!.Value![0] as Record<string, { Value: string[] }>)["00081155"]!.Value[0]!;
      expect(sops.has(ref), `${k} references ${ref}`).toBe(true);
      // path is PatientID/Study/Series/SOP.dcm with the de-identified values
      expect(k).toBe(`${d.dict["00100020"]!.Value![0]}/${d.dict["0020000D"]!.Value![0]}/${d.dict["0020000E"]!.Value![0]}/${d.dict["00080018"]!.Value![0]}.dcm`);
    }
    expect(sops.size).toBe(12);
    const studies = new Set(files.map((f) => f.d.dict["0020000D"]!.Value![0]));
    const series = new Set(files.map((f) => f.d.dict["0020000E"]!.Value![0]));
    expect(studies.size).toBe(2);
    expect(series.size).toBe(4);
  });

  it("dcmdump reads every output file", () => {
    for (const f of walkFiles(out).filter((p) => p.endsWith(".dcm"))) {
      const r = spawnSync("/usr/bin/dcmdump", ["-q", f], { encoding: "utf8" });
      expect(r.status, `${f}: ${r.stderr}`).toBe(0);
    }
  });

  it("writes the mapping files only outside OUTPUT", () => {
    const dir = `${out}.deid-mappings`;
    const uids = JSON.parse(readFileSync(join(dir, "uids.json"), "utf8"));
    expect(uids[uidOf.study(1)]).toMatch(UID_RE);
    expect(uids[uidOf.sop(2, 2, 1)]).toMatch(UID_RE);
    const pids = JSON.parse(readFileSync(join(dir, "patient_ids.json"), "utf8"));
    expect(Object.keys(pids).sort()).toEqual(["PHI-PAT1-7Q", "PHI-PAT2-7Q"]);
    for (const f of walkFiles(out)) expect(f).not.toMatch(/uids|patient_ids/);
  });

  it("saves every mapping at the run's end whatever is selected (--import-instances alone)", () => {
    const only = join(work, "ONLY-INSTANCES");
    const r = cli(["convert", CONFIG, input, only, "--import-instances"], env);
    expect(r.code).toBe(1); // the two bad files
    expect(walkFiles(only).filter((p) => p.endsWith(".dcm"))).toHaveLength(12);
    expect(readFileSync(`${only}.deid-mappings/uids.json`)).toEqual(readFileSync(`${out}.deid-mappings/uids.json`));
    expect(readFileSync(`${only}.deid-mappings/patient_ids.json`)).toEqual(readFileSync(`${out}.deid-mappings/patient_ids.json`));
  });

  it("gives identical bytes for the same secret, and different UIDs for another", () => {
    const again = join(work, "AGAIN");
    const r2 = cli(["convert", CONFIG, input, again, "--import-everything"], env);
    expect(r2.code).toBe(1);
    expect(treeDigest(again)).toEqual(treeDigest(out));
    expect(readFileSync(`${again}.deid-mappings/uids.json`)).toEqual(readFileSync(`${out}.deid-mappings/uids.json`));
    const other = join(work, "OTHER");
    cli(["convert", CONFIG, input, other], { INGESTKIT_DEID_SECRET: "another-secret" });
    expect(Object.keys(treeDigest(other)).sort()).not.toEqual(Object.keys(treeDigest(out)).sort());
  });

  it("refuses to run without the secret and writes nothing", () => {
    const none = join(work, "NOSECRET");
    const r = cli(["convert", CONFIG, input, none], { INGESTKIT_DEID_SECRET: "" });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/INGESTKIT_DEID_SECRET/);
    expect(existsSync(none)).toBe(false);
    expect(existsSync(`${none}.deid-mappings`)).toBe(false);
  });

  it("refuses a mappings dir inside OUTPUT", () => {
    const cfg = join(work, "inside.yaml");
    writeFileSync(cfg, readFileSync(CONFIG, "utf8").replace('"{output_path}.deid-mappings"', '"{output_path}/mappings"'));
    const o = join(work, "INSIDE");
    const r = cli(["convert", cfg, input, o], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/inside OUTPUT/);
    expect(existsSync(join(o, "mappings"))).toBe(false);
  });

  it("validates with `standardize-dirs validate`", () => {
    const r = cli(["validate", CONFIG]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });
});
