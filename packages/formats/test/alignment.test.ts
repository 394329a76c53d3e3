// Acceptance case 8 of the reference (ingestion_tools/scripts/tests/s3_import/test_alignments.py):
// the IMOD and AreTomo3 alignments of run TS_run1, with the fixture files of
// test_infra/test_files/input_bucket/10001_input/alignments/ written out below as facts.
import { describe, expect, it } from "vitest";
import { PER_SECTION_FLOAT_KEYS, alignmentDefaults, alignmentFormat, convertAreTomo3Alignment, convertImodAlignment, missingAlignmentDefaults } from "../src/alignment/index.js";

import { ALN, TLT, XF, XTILT } from "./support-alignments.js";

// The upstream tests' metadata: these keys come from the ingestion config, not the files.
const CONFIG = {
  affine_transformation_matrix: [
    [2, 0, 0, 0],
    [0, 3, 0, 0],
    [0, 4, 1, 0],
    [0, 0, 0, 5],
  ],
  alignment_type: "LOCAL",
  is_portal_standard: true,
  tilt_offset: -0.3,
  volume_offset: { x: -1, y: 2, z: -3 },
  x_rotation_offset: -2.3,
};

const TOL = 10e-5; // the upstream test's tolerance (abs) for the IMOD case

function expectNear(actual: number, expected: number, tol: number) {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(tol);
}

function expectRotation(m: number[][], tol: number) {
  expectNear(m[0]![0]!, 0.029, tol);
  expectNear(m[0]![1]!, -1.0, tol);
  expectNear(m[1]![0]!, 1.0, tol);
  expectNear(m[1]![1]!, 0.029, tol);
}

describe("acceptance case 8: IMOD alignment (TS_run1.xf/.tlt/.xtilt)", () => {
  const locations = { xf: "alignments/TS_run1.xf", tlt: "alignments/TS_run1.tlt", xtilt: "alignments/TS_run1.xtilt" };

  it("per-section parameters match test_alignment_import_item", () => {
    const { per_section_alignment_parameters: psap } = convertImodAlignment({ xf: XF, tlt: TLT, xtilt: XTILT }, locations);
    const expected = [
      { z_index: 0, x: 23.95253, y: -56.17124, tilt: -5.0, xrot: 0.23 },
      { z_index: 1, x: 57.29936, y: 74.2421, tilt: 0.0, xrot: 2.12 },
      { z_index: 2, x: 80.5102, y: 91.54409, tilt: 5.0, xrot: 1.97 },
    ];
    expect(psap).toHaveLength(3);
    psap.forEach((p, i) => {
      const e = expected[i]!;
      expect(p.z_index).toBe(e.z_index);
      expectRotation(p.in_plane_rotation, TOL);
      expectNear(p.x_offset, e.x, TOL);
      expectNear(p.y_offset, e.y, TOL);
      expect(p.tilt_angle).toBe(e.tilt);
      expect(p.volume_x_rotation).toBe(e.xrot);
    });
  });

  it("without .xtilt: the exact values of test_custom_alignment_with_dimensions_import_without_tomograms", () => {
    const fields = convertImodAlignment({ xf: XF, tlt: TLT }, locations);
    // toStrictEqual: exact numbers (the upstream test compares with ==) and no extra keys
    expect(fields).toStrictEqual({
      per_section_alignment_parameters: [
        {
          z_index: 0,
          tilt_angle: -5.0,
          volume_x_rotation: 0.0,
          in_plane_rotation: [
            [0.029, -1.0],
            [1.0, 0.029],
          ],
          x_offset: 23.95253,
          y_offset: -56.17124,
        },
        {
          z_index: 1,
          tilt_angle: 0.0,
          volume_x_rotation: 0.0,
          in_plane_rotation: [
            [0.029, -1.0],
            [1.0, 0.029],
          ],
          x_offset: 57.29936,
          y_offset: 74.24210000000001,
        },
        {
          z_index: 2,
          tilt_angle: 5.0,
          volume_x_rotation: 0.0,
          in_plane_rotation: [
            [0.029, -1.0],
            [1.0, 0.029],
          ],
          x_offset: 80.51020000000001,
          y_offset: 91.54409,
        },
      ],
    });
  });

  it("keys in the order cryoet_alignment's model dumps them", () => {
    const [first] = convertImodAlignment({ xf: XF, tlt: TLT, xtilt: XTILT }, locations).per_section_alignment_parameters;
    expect(Object.keys(first!)).toEqual(["z_index", "tilt_angle", "volume_x_rotation", "in_plane_rotation", "x_offset", "y_offset"]);
    expect([...PER_SECTION_FLOAT_KEYS]).toEqual(Object.keys(first!).filter((k) => k !== "z_index"));
  });

  it("config values win; only the keys the config lacks get defaults (here method_type)", () => {
    const config = { ...CONFIG, format: "IMOD" };
    expect(alignmentFormat(config.format)).toBe("IMOD");
    const computed = convertImodAlignment({ xf: XF, tlt: TLT, xtilt: XTILT }, locations);
    const metadata = { ...config, ...computed, ...missingAlignmentDefaults(config) };
    expect(missingAlignmentDefaults(config)).toEqual({ method_type: "undefined" });
    expect(metadata).toMatchObject({
      affine_transformation_matrix: [
        [2, 0, 0, 0],
        [0, 3, 0, 0],
        [0, 4, 1, 0],
        [0, 0, 0, 5],
      ],
      alignment_type: "LOCAL",
      is_portal_standard: true,
      tilt_offset: -0.3,
      volume_offset: { x: -1, y: 2, z: -3 },
      x_rotation_offset: -2.3,
    });
  });
});

describe("acceptance case 8: AreTomo3 alignment (TS_run1.aln)", () => {
  it("per-section parameters match test_alignment_import_item_aretomo", () => {
    const { per_section_alignment_parameters: psap } = convertAreTomo3Alignment(ALN, "alignments/TS_run1.aln");
    const tol = 10e-3; // the upstream test's tolerance for this case
    const expected = [
      { x: 23.95253, y: -56.17124, tilt: -5.0 },
      { x: 57.29936, y: 74.2421, tilt: 0.0 },
      { x: 80.5102, y: 91.54409, tilt: 5.0 },
    ];
    expect(psap.map((p) => p.z_index)).toEqual([0, 1, 2]);
    psap.forEach((p, i) => {
      expectRotation(p.in_plane_rotation, tol);
      expectNear(p.x_offset, expected[i]!.x, tol);
      expectNear(p.y_offset, expected[i]!.y, tol);
      expect(p.tilt_angle).toBe(expected[i]!.tilt);
      expect(p.volume_x_rotation).toBe(0);
    });
    // the offsets are TX/TY as written
    expect(psap.map((p) => [p.x_offset, p.y_offset])).toEqual([
      [23.953, -56.171],
      [57.299, 74.242],
      [80.51, 91.544],
    ]);
  });

  it("the rotation is the matrix of ROT = 88.3389°, an exact rotation (unlike the IMOD case)", () => {
    const [p] = convertAreTomo3Alignment(ALN, "TS_run1.aln").per_section_alignment_parameters;
    const [[c, ms], [s, c2]] = p!.in_plane_rotation;
    expect(c2).toBe(c);
    expect(ms).toBe(-s);
    expectNear(c * c + s * s, 1, 1e-15);
    expectNear((Math.atan2(s, c) * 180) / Math.PI, 88.3389, 1e-12);
  });
});

describe("default alignment", () => {
  it("defaults as the importer writes them, in its key order", () => {
    const d = alignmentDefaults();
    expect(Object.keys(d)).toEqual(["affine_transformation_matrix", "alignment_type", "is_portal_standard", "volume_offset", "tilt_offset", "x_rotation_offset", "method_type"]);
    // the values test_default_alignment_import_with_tomograms expects
    expect(d).toStrictEqual({
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
  });

  it("each call is a fresh object; an empty config gets every default; unknown formats get no converter", () => {
    const a = alignmentDefaults();
    a.volume_offset.x = 9;
    a.affine_transformation_matrix[0]![0] = 9;
    expect(alignmentDefaults().volume_offset.x).toBe(0);
    expect(alignmentDefaults().affine_transformation_matrix[0]![0]).toBe(1);
    expect(missingAlignmentDefaults({})).toEqual(alignmentDefaults());
    // a key present with a falsy value is kept (the importer tests `key not in metadata`)
    expect(missingAlignmentDefaults({ tilt_offset: 0, alignment_type: null })).not.toHaveProperty("tilt_offset");
    expect(missingAlignmentDefaults({ tilt_offset: 0, alignment_type: null })).not.toHaveProperty("alignment_type");
    expect(alignmentFormat(undefined)).toBeUndefined();
    expect(alignmentFormat("imod")).toBeUndefined();
    expect(alignmentFormat("ARETOMO3")).toBe("ARETOMO3");
  });
});
