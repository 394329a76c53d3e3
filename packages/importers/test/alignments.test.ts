/**
 * The alignment importer end to end (reference 6.3 item 8): files copied under Alignments/{id},
 * alignment_metadata.json with the converted per-section parameters, paths, volume dimension and
 * defaults; the default alignment; references to existing alignments.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { memoryByteSink, writeMrc } from "@ingestkit/formats";
import { run } from "../../finders/test/harness.js";
// @ts-expect-error plain ESM helper shared with the benchmarks
import { tomogramsSection } from "../../../scripts/lib/tomogram-config.mjs";

import { ALN, TLT, XF, XTILT } from "../../formats/test/support-alignments.js";

async function tomogram(): Promise<Uint8Array> {
  const sink = memoryByteSink();
  await writeMrc(sink, new Float32Array(6 * 8 * 10), { shape: { z: 10, y: 8, x: 6 }, dtype: "float32", voxelSize: 13.48 });
  return sink.bytes();
}

const BASE = `
standardization_config: { deposition_id: 10301, source_prefix: src }
depositions: [ { sources: [ { literal: { value: [10301] } } ] } ]
runs: [ { sources: [ { literal: { value: ['TS_run1'] } } ] } ]
voxel_spacings: [ { sources: [ { literal: { value: [13.48] } } ] } ]
`;
const CONFIG_MD = `affine_transformation_matrix: [[2, 0, 0, 0], [0, 3, 0, 0], [0, 4, 1, 0], [0, 0, 0, 5]]
      alignment_type: LOCAL
      is_portal_standard: true
      tilt_offset: -0.3
      volume_offset: { x: -1, y: 2, z: -3 }
      x_rotation_offset: -2`;
const RUN = "10001/TS_run1";
const SELECT = { selection: { imports: ["alignments"], metadata: ["alignment"] }, dryRun: false };

describe("alignments (reference 6.3 item 8)", () => {
  it("IMOD: files copied under Alignments/100, metadata with per-section parameters, paths, volume_dimension", async () => {
    const yaml = `${BASE}${tomogramsSection()}
alignments:
  - metadata:
      format: IMOD
      ${CONFIG_MD}
    sources: [ { source_multi_glob: { list_globs: ['alignments/TS_run1.*'] } } ]
`;
    const r = await run(
      yaml,
      { input: { "TS_run1/tomo.mrc": await tomogram(), "alignments/TS_run1.xf": XF, "alignments/TS_run1.tlt": TLT, "alignments/TS_run1.xtilt": XTILT } },
      SELECT,
    );
    expect(r.summary.failures).toEqual([]);
    const dir = join(r.dir, "out", RUN, "Alignments", "100");
    expect(readdirSync(dir).sort()).toEqual(["TS_run1.tlt", "TS_run1.xf", "TS_run1.xtilt", "alignment_metadata.json"]);
    expect(readFileSync(join(dir, "TS_run1.xf"), "utf8")).toBe(XF);
    const text = readFileSync(join(dir, "alignment_metadata.json"), "utf8");
    const md = JSON.parse(text);
    expect(md.alignment_type).toBe("LOCAL");
    expect(md.tilt_offset).toBe(-0.3);
    expect(md.x_rotation_offset).toBe(-2);
    expect(md.volume_offset).toEqual({ x: -1, y: 2, z: -3 });
    expect(md.affine_transformation_matrix).toEqual([
      [2, 0, 0, 0],
      [0, 3, 0, 0],
      [0, 4, 1, 0],
      [0, 0, 0, 5],
    ]);
    expect(md.method_type).toBe("undefined"); // the one default the config leaves out
    expect(md.is_portal_standard).toBe(true);
    expect(md.volume_dimension.x).toBeCloseTo(13.48 * 6, 6);
    expect(md.volume_dimension.y).toBeCloseTo(13.48 * 8, 6);
    expect(md.volume_dimension.z).toBeCloseTo(13.48 * 10, 6);
    expect(md.alignment_path).toBe(`${RUN}/Alignments/100/TS_run1.xf`);
    expect(md.tilt_path).toBe(`${RUN}/Alignments/100/TS_run1.tlt`);
    expect(md.tiltx_path).toBe(`${RUN}/Alignments/100/TS_run1.xtilt`);
    expect(md.tiltseries_path).toBeNull();
    expect([...md.files].sort()).toEqual(["TS_run1.tlt", "TS_run1.xf", "TS_run1.xtilt"].map((f) => `${RUN}/Alignments/100/${f}`));
    expect(md.deposition_id).toBe("10301");
    const psap = md.per_section_alignment_parameters;
    expect(psap.map((p: { tilt_angle: number }) => p.tilt_angle)).toEqual([-5, 0, 5]);
    expect(psap.map((p: { volume_x_rotation: number }) => p.volume_x_rotation)).toEqual([0.23, 2.12, 1.97]);
    expect(psap[0].x_offset).toBeCloseTo(23.95253, 4);
    expect(psap[0].y_offset).toBeCloseTo(-56.17124, 4);
    expect(psap[2].x_offset).toBeCloseTo(80.5102, 4);
    expect(psap[0].in_plane_rotation).toEqual([
      [0.029, -1],
      [1, 0.029],
    ]);
    // Python floats: `-5.0`, `0.0`, a matrix of floats; z_index an int
    expect(text).toContain('"tilt_angle": -5.0');
    expect(text).toContain('"tilt_angle": 0.0');
    expect(text).toMatch(/"z_index": 0,/);
    // key order: the config's, then the computed fields, then the missing defaults
    const keys = Object.keys(md);
    expect(keys.slice(keys.indexOf("per_section_alignment_parameters"))).toEqual([
      "per_section_alignment_parameters",
      "alignment_path",
      "tilt_path",
      "tiltx_path",
      "tiltseries_path",
      "files",
      "volume_dimension",
      "method_type",
      "deposition_id",
      "last_updated_at",
    ]);
  });

  it("AreTomo3: the .aln gives the per-section parameters; volume_dimension from the config, no tomogram needed", async () => {
    const yaml = `${BASE}
alignments:
  - metadata:
      format: ARETOMO3
      volume_dimension: { x: 100.0, y: 200.0, z: 30.0 }
      ${CONFIG_MD}
    sources: [ { source_multi_glob: { list_globs: ['alignments/TS_run1.aln'] } } ]
`;
    const r = await run(yaml, { input: { "alignments/TS_run1.aln": ALN } }, SELECT);
    expect(r.summary.failures).toEqual([]);
    const md = JSON.parse(readFileSync(join(r.dir, "out", RUN, "Alignments", "100", "alignment_metadata.json"), "utf8"));
    expect(md.alignment_path).toBe(`${RUN}/Alignments/100/TS_run1.aln`);
    expect(md.tilt_path).toBeNull();
    expect(md.volume_dimension).toEqual({ x: 100, y: 200, z: 30 });
    const psap = md.per_section_alignment_parameters;
    expect(psap).toHaveLength(3);
    expect(psap.map((p: { z_index: number }) => p.z_index)).toEqual([0, 1, 2]);
    expect(psap[1].x_offset).toBeCloseTo(57.299, 2);
    expect(psap[1].y_offset).toBeCloseTo(74.242, 2);
    expect(psap[0].in_plane_rotation[0][0]).toBeCloseTo(Math.cos((88.3389 * Math.PI) / 180), 9);
  });

  it("the default alignment: metadata only, defaults and the tomogram's dimensions; none without a tomogram", async () => {
    const withTomo = await run(`${BASE}${tomogramsSection()}`, { input: { "TS_run1/tomo.mrc": await tomogram() } }, SELECT);
    expect(withTomo.summary.failures).toEqual([]);
    const dir = join(withTomo.dir, "out", RUN, "Alignments", "100");
    expect(readdirSync(dir)).toEqual(["alignment_metadata.json"]);
    const md = JSON.parse(readFileSync(join(dir, "alignment_metadata.json"), "utf8"));
    expect(md).toMatchObject({
      per_section_alignment_parameters: [],
      alignment_path: null,
      tilt_path: null,
      tiltx_path: null,
      files: [],
      affine_transformation_matrix: [
        [1, 0, 0, 0],
        [0, 1, 0, 0],
        [0, 0, 1, 0],
        [0, 0, 0, 1],
      ],
      alignment_type: "GLOBAL",
      is_portal_standard: false,
      volume_offset: { x: 0, y: 0, z: 0 },
      tilt_offset: 0,
      x_rotation_offset: 0,
      method_type: "undefined",
    });
    expect(md.volume_dimension.z).toBeCloseTo(134.8, 6);
    const none = await run(BASE, {}, SELECT);
    expect(none.summary.failures).toEqual([]);
    expect(existsSync(join(none.dir, "out", RUN, "Alignments"))).toBe(false);
  });

  it("a referenced existing alignment (destination_glob) is not rewritten and tomograms point at it", async () => {
    const existing = `${RUN}/Alignments/101/alignment_metadata.json`;
    const yaml = `${BASE}${tomogramsSection()}
alignments:
  - sources: [ { destination_glob: { list_glob: '{run_output_path}/Alignments/101/alignment_metadata.json' } } ]
`;
    const r = await run(
      yaml,
      { input: { "TS_run1/tomo.mrc": await tomogram() }, output: { [existing]: '{"deposition_id": "999"}' } },
      {
        selection: { imports: ["alignments", "tomograms"], metadata: ["alignment", "tomogram"] },
        dryRun: false,
      },
    );
    expect(r.summary.failures).toEqual([]);
    expect(readFileSync(join(r.dir, "out", existing), "utf8")).toBe('{"deposition_id": "999"}');
    const tomo = JSON.parse(readFileSync(join(r.dir, "out", RUN, "Reconstructions", "VoxelSpacing13.480", "Tomograms", "100", "tomogram_metadata.json"), "utf8"));
    expect(tomo.alignment_metadata_path).toBe(existing);
  });

  it("a malformed .xf fails the alignment's metadata naming the file and line", async () => {
    const yaml = `${BASE}
alignments:
  - metadata: { format: IMOD, volume_dimension: { x: 1.0, y: 1.0, z: 1.0 } }
    sources: [ { source_multi_glob: { list_globs: ['alignments/TS_run1.*'] } } ]
`;
    const r = await run(yaml, { input: { "alignments/TS_run1.xf": "1 0 0 1 2 3\n1 0 0 x 2 3\n", "alignments/TS_run1.tlt": TLT } }, SELECT);
    expect(r.summary.failures).toHaveLength(1);
    expect(r.summary.failures[0]!.message).toMatch(/TS_run1\.xf:2/);
    expect(existsSync(join(r.dir, "out", RUN, "Alignments", "100", "alignment_metadata.json"))).toBe(false);
  });
});
