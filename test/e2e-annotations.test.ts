/**
 * `standardize-dirs convert` with annotations, alignments and visualization: the CLI flags of the
 * reference (`--import-annotations`, `--import-viz-config`, `--import-annotation-viz`,
 * `--https-prefix`), the layout written, a byte-identical second run into a fresh folder.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { memoryByteSink, writeMrc } from "@ingestkit/formats";
// @ts-expect-error plain ESM helper shared with the benchmarks
import { tomogramsSection } from "../scripts/lib/tomogram-config.mjs";
import { cli, readJson, readTree, tempDir, treeDigest } from "./helpers.js";

const CONFIG = `
version: 1.3.0
standardization_config: { deposition_id: 10301, source_prefix: deposit }
depositions: [ { sources: [ { literal: { value: [10301] } } ] } ]
datasets: [ { sources: [ { literal: { value: ['10001'] } } ] } ]
runs: [ { sources: [ { source_glob: { list_glob: '{dataset_name}/*', match_regex: 'TS_.*', name_regex: '(.*)' } } ] } ]
voxel_spacings: [ { sources: [ { literal: { value: [10.0] } } ] } ]
alignments:
  - metadata: { format: IMOD }
    sources: [ { literal: { value: [default] } } ]
annotations:
  - metadata:
      annotation_ingest_id: ribosome-1
      annotation_object: { id: "GO:0005840", name: ribosome, description: ribosome }
      annotation_method: template matching
      method_type: automated
      ground_truth_status: false
      annotation_software: pyTOM
      version: 1.0
      is_curator_recommended: true
      dates: { deposition_date: 2022-02-02, release_date: 2022-02-02, last_modified_date: 2022-02-02 }
      authors: [ { name: Author 1, primary_author_status: true } ]
    sources:
      - Point: { file_format: csv, glob_string: '{dataset_name}/{run_name}/points.csv', is_visualization_default: true }
${tomogramsSection("{dataset_name}/{run_name}/*.mrc", 10.0)}`;

async function deposit(root: string) {
  const sink = memoryByteSink();
  const shape = { z: 6, y: 16, x: 20 };
  await writeMrc(
    sink,
    Float32Array.from({ length: 6 * 16 * 20 }, (_, i) => Math.cos(i / 5)),
    { shape, dtype: "float32", voxelSize: 10 },
  );
  for (const run of ["TS_01", "TS_02"]) {
    mkdirSync(join(root, "deposit", "10001", run), { recursive: true });
    writeFileSync(join(root, "deposit", "10001", run, "tomo.mrc"), sink.bytes());
    writeFileSync(join(root, "deposit", "10001", run, "points.csv"), run === "TS_01" ? "1,2,3\n4,5,2\n" : "7,8,1\n");
  }
}

describe("standardize-dirs convert: annotations and visualization", () => {
  it("writes annotations, the neuroglancer config under --https-prefix and the precomputed points; reproducible", async () => {
    const dir = tempDir();
    const cfg = join(dir, "config.yaml");
    writeFileSync(cfg, CONFIG);
    await deposit(join(dir, "in"));
    const flags = [
      "--import-annotations",
      "--import-annotation-metadata",
      "--import-tomograms",
      "--import-tomogram-metadata",
      "--import-alignment-metadata",
      "--import-viz-config",
      "--import-annotation-viz",
      "--https-prefix",
      "https://files.example.org",
    ];
    const outs = [join(dir, "out1"), join(dir, "out2")];
    for (const out of outs) {
      const r = cli(["convert", cfg, join(dir, "in"), out, ...flags]);
      expect(r.stderr).toMatch(/ 0 failed/);
      expect(r.code).toBe(0);
    }
    const vs = "10001/TS_01/Reconstructions/VoxelSpacing10.000";
    const keys = [...readTree(outs[0]!).keys()].filter((k) => k.startsWith(`${vs}/Annotations`) || k.startsWith(`${vs}/NeuroglancerPrecompute`));
    expect(keys).toEqual([
      `${vs}/Annotations/100/ribosome-1.0.json`,
      `${vs}/Annotations/100/ribosome-1.0_point.ndjson`,
      `${vs}/NeuroglancerPrecompute/100-neuroglancer_config.json`,
      `${vs}/NeuroglancerPrecompute/100-ribosome-1.0_point/by_id/0.shard`,
      `${vs}/NeuroglancerPrecompute/100-ribosome-1.0_point/info`,
      `${vs}/NeuroglancerPrecompute/100-ribosome-1.0_point/spatial0/0_0_0`,
    ]);
    const md = readJson(join(outs[0]!, vs, "Annotations", "100", "ribosome-1.0.json"));
    expect(md.object_count).toBe(2);
    expect(md.deposition_id).toBe("10301"); // a string, as the reference writes it
    const state = readJson(join(outs[0]!, vs, "NeuroglancerPrecompute", "100-neuroglancer_config.json"));
    expect(state.layers.map((l: { source: { url: string } }) => l.source.url)).toEqual([
      `zarr://https://files.example.org/${vs}/Tomograms/100/TS_01.zarr`,
      `precomputed://https://files.example.org/${vs}/NeuroglancerPrecompute/100-ribosome-1.0_point`,
    ]);
    expect(state.layers[1].visible).toBe(true);
    // identical bytes apart from the run timestamps
    const strip = (d: Record<string, string>) => Object.fromEntries(Object.entries(d).filter(([k]) => !k.endsWith(".json") && !k.endsWith(".mrc")));
    expect(strip(treeDigest(outs[1]!))).toEqual(strip(treeDigest(outs[0]!)));
  });
});
