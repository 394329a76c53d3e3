import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error plain ESM helper shared with the demo script
import { writeDemoDeposition } from "../scripts/lib/demo-deposition.mjs";
import { cli, readJson, readTree, ROOT, tempDir } from "./helpers.js";

const CONFIG = join(ROOT, "dataset_configs", "demo.yaml");

function demoInput(): string {
  const input = join(tempDir(), "cryoetportal-rawdatasets-dev");
  writeDemoDeposition(input);
  return input;
}

describe("standardize-dirs convert on the demo deposition", () => {
  let input: string;
  let out: string;
  let run: ReturnType<typeof cli>;
  beforeAll(() => {
    input = demoInput();
    out = join(tempDir(), "out");
    run = cli(["convert", CONFIG, input, out]);
  });

  it("exits 0 and reports a summary", () => {
    expect(run.stderr).toContain("20 imported, 0 skipped, 0 failed");
    expect(run.code).toBe(0);
  });

  it("writes the reference layout", () => {
    expect([...readTree(out).keys()]).toEqual([
      "10999/Images/snapshot.png",
      "10999/Images/thumbnail.png",
      "10999/TS_01/Frames/TS_01.mdoc",
      "10999/TS_01/Frames/TS_01_001.tif",
      "10999/TS_01/Frames/TS_01_002.tif",
      "10999/TS_01/Frames/TS_01_003.tif",
      "10999/TS_01/Frames/frames_metadata.json",
      "10999/TS_01/Gains/TS_01_gain.mrc",
      "10999/TS_01/IdentifiedObjects/identified_objects.json",
      "10999/TS_01/IdentifiedObjects/identified_objects_metadata.json",
      "10999/TS_01/run_metadata.json",
      "10999/TS_02/Frames/TS_02.mdoc",
      "10999/TS_02/Frames/TS_02_001.tif",
      "10999/TS_02/Frames/TS_02_002.tif",
      "10999/TS_02/Frames/TS_02_003.tif",
      "10999/TS_02/Frames/frames_metadata.json",
      "10999/TS_02/Gains/TS_02_gain.mrc",
      "10999/TS_02/IdentifiedObjects/identified_objects.json",
      "10999/TS_02/IdentifiedObjects/identified_objects_metadata.json",
      "10999/TS_02/run_metadata.json",
      "10999/dataset_metadata.json",
      "depositions_metadata/10999/Images/snapshot.png",
      "depositions_metadata/10999/Images/thumbnail.png",
      "depositions_metadata/10999/deposition_metadata.json",
    ]);
    // copies are byte-identical to their sources
    expect(readFileSync(join(out, "10999/TS_01/Frames/TS_01.mdoc"))).toEqual(readFileSync(join(input, "deposit/TS_01/TS_01.mdoc")));
  });

  it("writes frames metadata with per-frame dose from the mdoc and the run data map dose rate", () => {
    const text = readFileSync(join(out, "10999/TS_02/Frames/frames_metadata.json"), "utf8");
    expect(text.startsWith('{\n    "dose_rate": 3.0,\n')).toBe(true); // 4-space indent, float kept a float
    const md = JSON.parse(text);
    // TS_02: dose_rate 3.0, ExposureTime 1.0, 1.5, 2.0
    expect(md.frames.map((f: any) => f.exposure_dose)).toEqual([3, 4.5, 6]);
    expect(md.frames.map((f: any) => f.accumulated_dose)).toEqual([0, 3, 7.5]);
    expect(md.frames.map((f: any) => f.acquisition_order)).toEqual([0, 1, 2]);
    expect(md.frames[1].path).toBe("10999/TS_02/Frames/TS_02_002.tif");
    expect(md.frames_acquisition_file).toBe("10999/TS_02/Frames/TS_02.mdoc");
    expect(md.deposition_id).toBe("10999");
    expect(md.last_updated_at).toBe(1767225600);
  });

  it("writes run, dataset and deposition metadata with the reference's keys", () => {
    const runMd = readJson(join(out, "10999/TS_01/run_metadata.json"));
    expect(runMd).toEqual({ run_name: "TS_01", deposition_id: "10999", last_updated_at: 1767225600 });
    const ds = readJson(join(out, "10999/dataset_metadata.json"));
    expect(ds.key_photos).toEqual({ snapshot: "10999/Images/snapshot.png", thumbnail: "10999/Images/thumbnail.png" });
    // missing ontology fields get the reference's defaults
    expect(ds.cell_type).toEqual({ name: "not_reported", id: "not_reported" });
    expect(ds.organism).toEqual({ name: "Escherichia coli", taxonomy_id: 562 });
    const dep = readJson(join(out, "depositions_metadata/10999/deposition_metadata.json"));
    expect(dep.deposition_title).toBe("ingestkit demo deposition");
    expect(dep.key_photos.snapshot).toBe("depositions_metadata/10999/Images/snapshot.png");
  });

  it("keeps only this run's identified objects", () => {
    const rows = readJson(join(out, "10999/TS_02/IdentifiedObjects/identified_objects.json"));
    expect(rows).toEqual([{ object_id: 3, x: 5, y: 6, z: 7, label: "proteasome" }]);
    const md = readJson(join(out, "10999/TS_01/IdentifiedObjects/identified_objects_metadata.json"));
    expect(md.object_count).toBe(2);
    expect(md.columns).toEqual(["object_id", "x", "y", "z", "label"]);
    expect(md.source_file).toBe(join(input, "deposit", "identified_objects.csv"));
  });

  it("is reproducible: a second run into a fresh folder gives identical bytes", () => {
    const out2 = join(tempDir(), "out");
    expect(cli(["convert", CONFIG, input, out2]).code).toBe(0);
    const a = readTree(out);
    const b = readTree(out2);
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [k, v] of a) expect(b.get(k)!.equals(v), k).toBe(true);
  });
});

describe("convert options", () => {
  it("--dry-run prints the plan and writes nothing; --json makes it machine-readable", () => {
    const input = demoInput();
    const out = join(tempDir(), "out");
    const text = cli(["convert", CONFIG, input, out, "--dry-run"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("run TS_01");
    expect(text.stdout).toContain(`> ${out}/10999/TS_01/Frames/frames_metadata.json (json)`);
    expect(text.stdout).toContain(`< ${join(input, "deposit", "TS_01", "TS_01.mdoc")}`);
    expect(existsSync(out)).toBe(false);
    const json = cli(["convert", CONFIG, input, out, "--dry-run", "--json"]);
    const plan = JSON.parse(json.stdout);
    expect(plan.dryRun).toBe(true);
    const runs = plan.plan[0].children[0].children.filter((n: any) => n.type === "run");
    expect(runs.map((r: any) => r.name)).toEqual(["TS_01", "TS_02"]);
    expect(existsSync(out)).toBe(false);
  });

  it("--filter-run-name keeps names matching at their start; --import-<plural> limits what is written", () => {
    const input = demoInput();
    const out = join(tempDir(), "out");
    const r = cli(["convert", CONFIG, input, out, "--import-runs", "--import-run-metadata", "--filter-run-name", "TS_0[2]"]);
    expect(r.code).toBe(0);
    expect([...readTree(out).keys()]).toEqual(["10999/TS_02/run_metadata.json"]);
    // re.match semantics: "S_01" does not match "TS_01" at its start
    const out2 = join(tempDir(), "out");
    cli(["convert", CONFIG, input, out2, "--import-run-metadata", "--filter-run-name", "S_01"]);
    expect(existsSync(out2)).toBe(false);
    const out3 = join(tempDir(), "out");
    cli(["convert", CONFIG, input, out3, "--import-run-metadata", "--exclude-run-name", "TS_01"]);
    expect([...readTree(out3).keys()]).toEqual(["10999/TS_02/run_metadata.json"]);
  });

  it("a missing source fails that entity with its path and the cause; other runs continue", () => {
    const input = demoInput();
    rmSync(join(input, "deposit", "TS_01", "TS_01.mdoc"));
    const out = join(tempDir(), "out");
    const r = cli(["convert", CONFIG, input, out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/dataset 10999 \/ run TS_01 \/ frame .*: metadata failed: no collection metadata: .*TS_01\.mdoc does not exist/);
    expect(r.stderr).toMatch(/, 1 failed/);
    expect(existsSync(join(out, "10999/TS_02/Frames/frames_metadata.json"))).toBe(true);
    expect(existsSync(join(out, "10999/TS_01/Frames/frames_metadata.json"))).toBe(false);
  });

  it("malformed YAML names file:line:col and writes nothing", () => {
    const dir = tempDir();
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "version: 1.3.0\nruns:\n  - sources: [\n");
    const out = join(dir, "out");
    const r = cli(["convert", bad, dir, out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:\\d+:\\d+: invalid YAML`));
    expect(existsSync(out)).toBe(false);
  });

  it("an unknown --import flag is a usage error with a suggestion", () => {
    const r = cli(["convert", CONFIG, tempDir(), join(tempDir(), "o"), "--import-rnus"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("did you mean 'runs'");
  });
});

describe("standardize-dirs validate", () => {
  const BAD = [
    "version: 1.3.0",
    "standardization_config: { deposition_id: 1, source_prefix: x }",
    "depositions: [ { sources: [ { literal: { value: [1] } } ] } ]",
    "datasets: [ { sources: [ { literal: { value: ['1'] } } ] } ]",
    "runs:",
    "  - sources:",
    "    - source_glob: { list_glob: '{nope_name}/*', name_regex: '(?P<n>.*' }",
    "voxel_spacings: [ { sources: [ { literal: { value: ['float {run_name'] } } ] } ]",
    "datsets: 1",
    "",
  ].join("\n");

  it("--json lists every problem with code, file, line and column, per file, and exits 1", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "bad.yaml"), BAD);
    writeFileSync(join(dir, "good.yaml"), readFileSync(CONFIG));
    writeFileSync(join(dir, "notes.txt"), "not a config");
    const r = cli(["validate", dir, "--json"]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.summary).toEqual({ files: 2, valid: 1, invalid: 1 });
    const bad = report.results.find((x: { file: string }) => x.file.endsWith("bad.yaml"));
    const errors = bad.diagnostics.filter((d: { severity: string }) => d.severity === "error").map((d: any) => [d.code, d.line, d.path]);
    expect(errors).toEqual([
      ["CONFIG_UNDEFINED_VARIABLE", 7, "/runs/0/sources/0/source_glob/list_glob"],
      ["CONFIG_REGEX", 7, "/runs/0/sources/0/source_glob/name_regex"],
      ["CONFIG_SCHEMA", 8, "/voxel_spacings/0/sources/0/literal/value/0"],
      ["CONFIG_UNKNOWN_KEY", 9, "/"],
    ]);
    expect(bad.diagnostics.find((d: any) => d.code === "CONFIG_UNKNOWN_KEY").message).toContain("did you mean 'datasets'?");
    expect(report.results.find((x: { file: string }) => x.file.endsWith("good.yaml")).valid).toBe(true);
  });

  it("prints file:line:col lines without --json and exits 0 when everything is valid", () => {
    const dir = tempDir();
    writeFileSync(join(dir, "bad.yaml"), BAD);
    const r = cli(["validate", join(dir, "bad.yaml")]);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toContain(`${join(dir, "bad.yaml")}:7:`);
    const ok = cli(["validate", CONFIG]);
    expect(ok.code).toBe(0);
  });

  it("a missing file is a clear error, not a crash", () => {
    const r = cli(["validate", "/nonexistent/ingestkit.yaml"]);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/\/nonexistent\/ingestkit\.yaml/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });
});

describe("convert --concurrency", () => {
  it("gives byte-identical outputs and the same plan at 1 and 4 runs at once; rejects 0", () => {
    const input = demoInput();
    const outs = [1, 4].map((n) => {
      const out = join(tempDir(), "out");
      const r = cli(["convert", CONFIG, input, out, "--concurrency", String(n)]);
      expect(r.code).toBe(0);
      const plan = cli(["convert", CONFIG, input, join(tempDir(), "dry"), "--dry-run", "--json", "--concurrency", String(n)]);
      return { tree: readTree(out), plan: JSON.parse(plan.stdout).plan };
    });
    expect(outs[1]!.tree).toEqual(outs[0]!.tree);
    expect(outs[1]!.plan).toEqual(outs[0]!.plan);
    const bad = cli(["convert", CONFIG, input, join(tempDir(), "o"), "--concurrency", "0"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--concurrency needs a positive integer");
  });
});
