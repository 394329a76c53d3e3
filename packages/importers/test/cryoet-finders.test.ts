import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { convert, LocalStorage, parseConfig, type PlanNode } from "@ingestkit/core";
import { createCryoetProfile } from "@ingestkit/importers";

const BASE = `
version: 1.3.0
standardization_config: { deposition_id: 1, source_prefix: src, run_data_map_file: map.csv }
depositions: [ { sources: [ { literal: { value: [1] } } ] } ]
datasets: [ { sources: [ { literal: { value: ['10001'] } } ] } ]
runs: [ { sources: [ { source_glob: { list_glob: 'run*', name_regex: '(.*)' } } ] } ]
`;

/** An MRC header whose voxel size is cella.y / my (little-endian). */
function mrcHeader(my: number, cellaY: number): Buffer {
  const b = Buffer.alloc(1024);
  b.writeInt32LE(my, 4);
  b.writeInt32LE(my, 32);
  b.writeFloatLE(cellaY, 44);
  b.write("MAP ", 208);
  b[212] = 0x44;
  b[213] = 0x44;
  return b;
}

async function plan(yaml: string): Promise<PlanNode[]> {
  const res = await convertWith(yaml);
  expect(res.summary.failures).toEqual([]);
  return res.plan;
}

async function convertWith(yaml: string, map = "run_name,run_voxel_spacing\nrun_n1,4.5678\nrun_n2,4.5678\n") {
  const dir = mkdtempSync(join(tmpdir(), "ingestkit-vs-"));
  for (const r of ["run_n1", "run_n2"]) mkdirSync(join(dir, "in", "src", r), { recursive: true });
  writeFileSync(join(dir, "in", "src", "map.csv"), map);
  writeFileSync(join(dir, "in", "src", "run_n1", "tomo.mrc"), mrcHeader(10, 140.8));
  writeFileSync(join(dir, "in", "src", "run_n2", "tomo.mrc"), mrcHeader(10, 140.8));
  const config = parseConfig(BASE + yaml, join(dir, "config.yaml"));
  const res = await convert({
    profile: createCryoetProfile(),
    config,
    // INPUT (beside OUTPUT, never around it); the config's source_prefix roots the sources at INPUT/src
    input: new LocalStorage(join(dir, "in")),
    output: new LocalStorage(join(dir, "out")),
    selection: { imports: ["voxel_spacings"] },
    dryRun: true,
  });
  return { ...res, dir };
}

function names(nodes: PlanNode[], type: string): string[] {
  const out: string[] = [];
  const walk = (ns: PlanNode[]) => ns.forEach((n) => (n.type === type ? out.push(`${n.entityPath}`) : walk(n.children)));
  walk(nodes);
  return out;
}

describe("voxel spacing sources (reference 6.3 item 17)", () => {
  it("formats a literal to 3 decimals", async () => {
    const p = await plan("voxel_spacings: [ { sources: [ { literal: { value: [1.1234] } } ] } ]");
    expect(names(p, "voxel_spacing")).toEqual(["dataset 10001 / run run_n1 / voxel spacing 1.123", "dataset 10001 / run run_n2 / voxel spacing 1.123"]);
  });
  it("expands run data map templates", async () => {
    const p = await plan("voxel_spacings: [ { sources: [ { literal: { value: ['float {run_voxel_spacing}'] } } ] } ]");
    expect(names(p, "voxel_spacing")).toContain("dataset 10001 / run run_n1 / voxel spacing 4.568");
  });
  it("a run without a row in the run data map: the error names the map and the run", async () => {
    const r = await convertWith("voxel_spacings: [ { sources: [ { literal: { value: ['float {run_voxel_spacing}'] } } ] } ]", "run_name,run_voxel_spacing\nrun_n1,4.5678\n");
    expect(r.summary.failures.map((f) => [f.entityPath, f.code])).toEqual([["dataset 10001 / run run_n2 / voxel spacings", "SOURCE_INVALID"]]);
    expect(r.summary.failures[0]!.message).toBe(
      `voxel spacing "float {run_voxel_spacing}" is not a number: the run data map ${join(r.dir, "in", "src", "map.csv")} has no row for run "run_n2"`,
    );
    // run_n1 goes on; run_n2's voxel spacings fail at finding, as one plan node
    expect(names(r.plan, "voxel_spacing")).toEqual(["dataset 10001 / run run_n1 / voxel spacing 4.568", "dataset 10001 / run run_n2 / voxel spacings"]);
  });
  it("reads MRC headers", async () => {
    const p = await plan("voxel_spacings: [ { sources: [ { tomogram_header: { list_glob: '{run_name}/*.mrc' } } ] } ]");
    expect(names(p, "voxel_spacing")).toEqual(["dataset 10001 / run run_n1 / voxel spacing 14.080", "dataset 10001 / run run_n2 / voxel spacing 14.080"]);
  });
});

describe("parent_filters (reference 6.3 item 18)", () => {
  const src = (filters: string) => `voxel_spacings: [ { sources: [ { literal: { value: [5.6789] }, parent_filters: ${filters} } ] } ]`;
  it("include keeps only matching parents (re.search)", async () => {
    expect(names(await plan(src("{ include: { run: ['n2'] } }")), "voxel_spacing")).toEqual(["dataset 10001 / run run_n2 / voxel spacing 5.679"]);
  });
  it("exclude drops matching parents", async () => {
    expect(names(await plan(src("{ exclude: { run: ['n1$'] } }")), "voxel_spacing")).toEqual(["dataset 10001 / run run_n2 / voxel spacing 5.679"]);
    expect(names(await plan(src("{ exclude: { run: ['n'] } }")), "voxel_spacing")).toEqual([]);
  });
  it("include and exclude together", async () => {
    expect(names(await plan(src("{ include: { dataset: ['^10001$'] }, exclude: { run: ['n1'] } }")), "voxel_spacing")).toEqual([
      "dataset 10001 / run run_n2 / voxel spacing 5.679",
    ]);
    expect(names(await plan(src("{ include: { dataset: ['^999$'] } }")), "voxel_spacing")).toEqual([]);
  });
  it("source-level exclude drops names (re.match)", async () => {
    const p = await plan("voxel_spacings: [ { sources: [ { literal: { value: [1.0, 2.0] }, exclude: ['1'] } ] } ]");
    expect(names(p, "voxel_spacing")).toEqual(["dataset 10001 / run run_n1 / voxel spacing 2.000", "dataset 10001 / run run_n2 / voxel spacing 2.000"]);
  });
});
