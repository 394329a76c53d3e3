import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, readJson, readTree, tempDir } from "./helpers.js";

// A BIDS-like mirror declared only in YAML: study -> subject -> scan.
const CONFIG = `
version: 1
entities:
  study:   { plural: studies, output: "{study_name}", importer: metadata, metadata_file: dataset_description.json }
  subject: { plural: subjects, parent: study, output: "{study_name}/sub-{subject_name}", importer: metadata }
  scan:    { plural: scans, parent: subject, output: "{study_name}/sub-{subject_name}/anat", importer: copy, file_name: "sub-{subject_name}_{scan_name}" }
studies:
  - metadata: { Name: Demo study, BIDSVersion: "1.9.0" }
    sources:
      - literal: { value: [demo] }
subjects:
  - sources:
      - source_glob: { list_glob: "raw/patient*", name_regex: "patient(\\\\d+)" }
scans:
  - sources:
      - source_glob: { list_glob: "raw/patient{subject_name}/*.nii", name_regex: "(.*)" }
`;

describe("a config that declares its own three-level graph", () => {
  it("runs with built-in importer kinds and no TypeScript", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "bids.yaml"), CONFIG);
    for (const p of ["01", "02"]) {
      mkdirSync(join(dir, "in", "raw", `patient${p}`), { recursive: true });
      writeFileSync(join(dir, "in", "raw", `patient${p}`, "T1w.nii"), `t1 of ${p}`);
    }
    const out = join(dir, "out");
    const r = cli(["convert", join(dir, "bids.yaml"), join(dir, "in"), out]);
    expect(r.stderr).toContain("0 failed");
    expect(r.code).toBe(0);
    expect([...readTree(out).keys()]).toEqual([
      "demo/dataset_description.json",
      "demo/sub-01/anat/sub-01_T1w.nii",
      "demo/sub-01/subject_metadata.json",
      "demo/sub-02/anat/sub-02_T1w.nii",
      "demo/sub-02/subject_metadata.json",
    ]);
    expect(readJson(join(out, "demo/dataset_description.json"))).toEqual({ Name: "Demo study", BIDSVersion: "1.9.0", study_name: "demo", last_updated_at: 1767225600 });
    expect(readTree(out).get("demo/sub-02/anat/sub-02_T1w.nii")!.toString()).toBe("t1 of 02");
  });

  it("reports a parent that is not declared at its YAML position", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "bad.yaml"), "entities:\n  scan: { parent: subject, output: x, importer: copy }\n");
    const r = cli(["validate", join(dir, "bad.yaml")]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/bad\.yaml:2:\d+: error: entities\.scan\.parent: no entity type 'subject' is declared/);
  });
});
