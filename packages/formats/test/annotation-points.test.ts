/**
 * The portal's annotation acceptance cases (reference 6.3 items 9-11; upstream
 * ingestion_tools/scripts/tests/s3_import/test_annotations.py: test_ingest_point_data,
 * test_ingest_oriented_point_data, test_ingest_instance_point_data) with their expected
 * coordinates, rotation matrices and instance ids, at the upstream tolerance (1e-8).
 */
import { describe, expect, it } from "vitest";
import { readPointAnnotations, type PointReadOptions, type PointRecord, type PointShape } from "../src/annotations/points.js";
import {
  bytes,
  COPICK_INSTANCE_JSON,
  COPICK_JSON,
  ORIENTED_POINTS_MOD,
  POINTS_CSV,
  POINTS_MOD,
  POINTS_TAB_DELIM_CSV,
  POINTS_WITH_HEADER_CSV,
  POINTS_WITH_HEADER_PIPE_DELIM_CSV,
  RELION_3_STAR,
  RELION_4_STAR,
  STOPGAP_STAR,
  TARDIS_CSV,
  TOMOMAN_RELION_STAR,
} from "./support-annotations.js";

const PRECISION = 1e-8;

const FILES: Record<string, Uint8Array> = {
  "points.csv": bytes(POINTS_CSV),
  "points_tab_delim.csv": bytes(POINTS_TAB_DELIM_CSV),
  "points_with_header.csv": bytes(POINTS_WITH_HEADER_CSV),
  "points_with_header_pipe_delim.csv": bytes(POINTS_WITH_HEADER_PIPE_DELIM_CSV),
  "points.mod": POINTS_MOD,
  "oriented_points.mod": ORIENTED_POINTS_MOD,
  "relion_3_star.star": bytes(RELION_3_STAR),
  "relion_4_star.star": bytes(RELION_4_STAR),
  "tomoman_relion_star.star": bytes(TOMOMAN_RELION_STAR),
  "stopgap_star.star": bytes(STOPGAP_STAR),
  "copick.json": bytes(COPICK_JSON),
  "copick_instance.json": bytes(COPICK_INSTANCE_JSON),
  "tardis.csv": bytes(TARDIS_CSV),
};

type Loc = [number, number, number];
interface Case {
  case: string;
  file: string;
  format: string;
  options: PointReadOptions;
  locations: Loc[];
  matrices?: number[][][];
  ids?: number[];
}

function read(shape: PointShape, c: Case): PointRecord[] {
  return readPointAnnotations(shape, c.format, FILES[c.file]!, c.options, `input_bucket/20002/annotations/${c.file}`);
}

function expectRecords(records: PointRecord[], c: Case): void {
  expect(records).toHaveLength(c.locations.length);
  records.forEach((r, i) => {
    const [x, y, z] = c.locations[i]!;
    expect(Math.abs(r.location.x - x), `${c.case} point ${i} x`).toBeLessThanOrEqual(PRECISION);
    expect(Math.abs(r.location.y - y), `${c.case} point ${i} y`).toBeLessThanOrEqual(PRECISION);
    expect(Math.abs(r.location.z - z), `${c.case} point ${i} z`).toBeLessThanOrEqual(PRECISION);
    if (c.matrices) {
      const m = r.xyz_rotation_matrix!;
      expect(m).toHaveLength(3);
      c.matrices[i]!.forEach((row, a) => row.forEach((v, b) => expect(Math.abs(m[a]![b]! - v), `${c.case} point ${i} R[${a}][${b}]`).toBeLessThanOrEqual(PRECISION)));
    } else {
      expect(r.xyz_rotation_matrix).toBeUndefined();
    }
    if (c.ids) expect(r.instance_id, `${c.case} point ${i} id`).toBe(c.ids[i]);
    else expect(r.instance_id).toBeUndefined();
  });
}

const HALVES: Loc[] = [
  [0.5, 1, 1.5],
  [1, 1, 1],
  [0, 1.5, 0],
];
const WHOLE: Loc[] = [
  [1, 2, 3],
  [2, 2, 2],
  [0, 3, 0],
];
const STAR_1_BIN4: Loc[] = [
  [1.3, 2.6, 3.8],
  [0.2, 0.4, 0.7],
];
const STAR_2_BIN2: Loc[] = [
  [3.5, 3, 2.5],
  [-1.5, 2.0, -0.5],
  [4.0, 0.5, 1.0],
];
const COPICK_BIN10: Loc[] = [
  [4.0, 2.0, 3.0],
  [0.0, 5.0, 1.0],
  [3, 1.5, 9.2],
  [3.0, 1.0, 5.0],
];

const pointCases: Case[] = [
  { case: "csv, comma delimiter, binning 1", file: "points.csv", format: "csv", options: { columns: "xyz" }, locations: WHOLE },
  { case: "csv, tab delimiter, binning 2", file: "points_tab_delim.csv", format: "csv", options: { columns: "xyz", binning: 2, delimiter: "\t" }, locations: HALVES },
  { case: "csv_with_header, comma delimiter, binning 1", file: "points_with_header.csv", format: "csv_with_header", options: { columns: "xyz" }, locations: WHOLE },
  {
    case: "csv_with_header, pipe delimiter, binning 2",
    file: "points_with_header_pipe_delim.csv",
    format: "csv_with_header",
    options: { columns: "xyz", binning: 2, delimiter: "|" },
    locations: HALVES,
  },
  { case: "mod, binning 2", file: "points.mod", format: "mod", options: { binning: 2 }, locations: HALVES },
  {
    case: "relion3_star, filter value 1, binning 4",
    file: "relion_3_star.star",
    format: "relion3_star",
    options: { columns: "xyz", filterValue: "tomo_1.tomostar", binning: 4 },
    locations: STAR_1_BIN4,
  },
  {
    case: "tomoman_relion_star, filter value 1, binning 4",
    file: "tomoman_relion_star.star",
    format: "tomoman_relion_star",
    options: { columns: "xyz", filterValue: "grid_1_lamella1_pos1", binning: 4 },
    locations: STAR_1_BIN4,
  },
  {
    case: "relion4_star, filter value 1, binning 4",
    file: "relion_4_star.star",
    format: "relion4_star",
    options: { columns: "xyz", filterValue: "TS_001", binning: 4 },
    locations: STAR_1_BIN4,
  },
  { case: "copick, binning 10", file: "copick.json", format: "copick", options: { columns: "xyz", binning: 10 }, locations: COPICK_BIN10 },
];

const M_1A = [
  [-0.0, -0.7071067811865475, 0.7071067811865475],
  [1.0, -0.0, 0.0],
  [0.0, 0.7071067811865475, 0.7071067811865475],
];
const M_1B = [
  [0.6123724356957945, 0.6123724356957947, 0.4999999999999998],
  [-0.3535533905932737, -0.35355339059327356, 0.8660254037844386],
  [0.7071067811865475, -0.7071067811865475, 0.0],
];
const M_2A = [
  [0, 0.0, -1.0],
  [0.0, 1.0, 0.0],
  [1.0, 0.0, 0],
];
const M_2B = [
  [0.6424020199109172, 0.5950348471655409, 0.48296291314453405],
  [-0.7244443697168013, 0.6770771969714244, 0.12940952255126045],
  [-0.24999999999999983, -0.4330127018922193, 0.8660254037844386],
];
const M_2C = [
  [0, 0.0, 1.0],
  [-0.0, 1.0, 0.0],
  [-1.0, -0.0, 0],
];
const I3 = [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
];

function relionCases(name: string, file: string, format: string, filters: [string, string, string]): Case[] {
  return [
    { case: `${name}, filter value 1, binning 4`, file, format, options: { order: "xyz", filterValue: filters[0], binning: 4 }, locations: STAR_1_BIN4, matrices: [M_1A, M_1B] },
    {
      case: `${name}, filter value 2, binning 2, rotation convention`,
      file,
      format,
      options: { order: "xyz", filterValue: filters[1], binning: 2 },
      locations: STAR_2_BIN2,
      matrices: [M_2A, M_2B, M_2C],
    },
    { case: `${name}, filter value 3, binning 1, single point`, file, format, options: { order: "xyz", filterValue: filters[2] }, locations: [[1, 0, -1]], matrices: [I3] },
  ];
}

const orientedCases: Case[] = [
  ...relionCases("relion3_star", "relion_3_star.star", "relion3_star", ["tomo_1.tomostar", "tomo_2.tomostar", "tomo_3.tomostar"]),
  ...relionCases("tomoman_relion_star", "tomoman_relion_star.star", "tomoman_relion_star", ["grid_1_lamella1_pos1", "grid_1_lamella1_pos2", "grid_1_lamella1_pos3"]),
  ...relionCases("relion4_star", "relion_4_star.star", "relion4_star", ["TS_001", "TS_002", "TS_003"]),
  {
    case: "stopgap_star, filter value 1, binning 4",
    file: "stopgap_star.star",
    format: "stopgap_star",
    options: { order: "xyz", filterValue: "1", binning: 4 },
    locations: [
      [0.7, 1.4, 2.2],
      [1.8, 1.6, 1.3],
    ],
    matrices: [
      [
        [0.0, 1.0, 0.0],
        [-0.7071067811865475, -0.0, 0.7071067811865475],
        [0.7071067811865475, 0.0, 0.7071067811865475],
      ],
      [
        [-0.35355339059327356, -0.3535533905932737, 0.8660254037844386],
        [0.6123724356957947, 0.6123724356957945, 0.4999999999999998],
        [-0.7071067811865475, 0.7071067811865475, 0.0],
      ],
    ],
  },
  {
    case: "stopgap_star, filter value 2, binning 2, rotation convention",
    file: "stopgap_star.star",
    format: "stopgap_star",
    options: { order: "xyz", filterValue: "2", binning: 2 },
    locations: [
      [2.5, 1.0, -0.5],
      [1.5, 4.0, 0.5],
      [4.0, 3.5, 1.0],
    ],
    matrices: [
      [
        [1.0, 0.0, 0.0],
        [0.0, 0.0, -1.0],
        [0.0, 1.0, 0.0],
      ],
      [
        [0.6770771969714244, -0.7244443697168013, 0.12940952255126045],
        [0.5950348471655409, 0.6424020199109172, 0.48296291314453405],
        [-0.4330127018922193, -0.24999999999999983, 0.8660254037844386],
      ],
      [
        [1.0, -0.0, 0.0],
        [0.0, 0.0, 1.0],
        [-0.0, -1.0, 0.0],
      ],
    ],
  },
  {
    case: "stopgap_star, filter value 3, binning 1, single point",
    file: "stopgap_star.star",
    format: "stopgap_star",
    options: { order: "xyz", filterValue: "3" },
    locations: [[5, 4, 3]],
    matrices: [I3],
  },
  {
    case: "imod with SLAN angles, binning 1",
    file: "oriented_points.mod",
    format: "mod",
    options: { order: "xyz", filterValue: null },
    locations: [
      [235.5195770263672, 682.744140625, 302.0],
      [221.94244384765625, 661.1932373046875, 327.0],
      [232.7907257080078, 671.33203125, 327.0],
      [240.12918090820312, 679.9277954101562, 324.0],
    ],
    matrices: [
      [
        [0.8642748, -0.48992935, -0.11401013],
        [0.50301996, 0.84178288, 0.19588902],
        [0.0, -0.22665131, 0.97397597],
      ],
      [
        [6.73012504e-1, -5.54805465e-1, 4.8912684e-1],
        [7.39631104e-1, 5.04834117e-1, -4.45071168e-1],
        [2.77555756e-17, 6.61311885e-1, 7.50111052e-1],
      ],
      [
        [7.45476009e-1, -4.99973365e-1, 4.40785838e-1],
        [6.6653246e-1, 5.59189793e-1, -4.92992145e-1],
        [-5.55111512e-17, 6.61311885e-1, 7.50111052e-1],
      ],
      [
        [8.09016994e-1, -4.78525095e-1, 3.41328633e-1],
        [5.87785252e-1, 6.5863329e-1, -4.6979856e-1],
        [-2.77555756e-17, 5.80702956e-1, 8.14115518e-1],
      ],
    ],
  },
  {
    case: "copick, binning 10",
    file: "copick.json",
    format: "copick",
    options: { order: "xyz", filterValue: null, binning: 10 },
    locations: COPICK_BIN10,
    matrices: [M_1A, M_1B, M_2B, M_2A],
  },
];

const INSTANCE_LOCS: Loc[] = [
  [2, 4, 6],
  [2, 2, 2],
  [3, 2, 1],
  [0, 3, 0],
  [4, 2, 1],
  [1.5, 1, 0.5],
];
const instanceCases: Case[] = [
  { case: "tardis, binning 2", file: "tardis.csv", format: "tardis", options: { order: "xyz", binning: 2 }, locations: INSTANCE_LOCS, ids: [0, 0, 1, 1, 1, 2] },
  { case: "copick, binning 5", file: "copick_instance.json", format: "copick", options: { order: "xyz", binning: 5 }, locations: INSTANCE_LOCS, ids: [0, 1, 2, 3, 4, 5] },
];

describe("Point annotations (test_ingest_point_data)", () => {
  it.each(pointCases)("$case", (c) => expectRecords(read("Point", c), c));

  it("columns zyx reads the source axes reversed", () => {
    const records = readPointAnnotations("Point", "csv", bytes(POINTS_CSV), { columns: "zyx" }, "points.csv");
    expect(records.map((r) => r.location)).toEqual([
      { x: 3, y: 2, z: 1 },
      { x: 2, y: 2, z: 2 },
      { x: 0, y: 3, z: 0 },
    ]);
  });

  it("tsv (allowed by the schema) is an invalid file format for Point, naming shape and format", () => {
    expect(() => readPointAnnotations("Point", "tsv", bytes(POINTS_TAB_DELIM_CSV), {}, "a/points.tsv")).toThrow(/^a\/points\.tsv: Invalid file format "tsv" for Point annotations/);
    expect(() => readPointAnnotations("OrientedPoint", "csv", bytes(POINTS_CSV), {}, "p.csv")).toThrow(/Invalid file format "csv" for OrientedPoint/);
    expect(() => readPointAnnotations("InstanceSegmentation", "mod", POINTS_MOD, {}, "p.mod")).toThrow(/Invalid file format "mod" for InstanceSegmentation/);
  });
});

describe("OrientedPoint annotations (test_ingest_oriented_point_data)", () => {
  it.each(orientedCases)("$case", (c) => expectRecords(read("OrientedPoint", c), c));

  it("order zyx reverses the location axes and flips the matrix over both axes", () => {
    const [r] = readPointAnnotations("OrientedPoint", "relion3_star", bytes(RELION_3_STAR), { order: "zyx", filterValue: "tomo_1.tomostar", binning: 4 }, "r3.star");
    expectRecords([r!], { case: "zyx", file: "", format: "", options: {}, locations: [[3.8, 2.6, 1.3]], matrices: [[...M_1A].reverse().map((row) => [...row].reverse())] });
  });

  it("no filter value keeps every row; a filter matching nothing gives no points", () => {
    expect(readPointAnnotations("OrientedPoint", "relion3_star", bytes(RELION_3_STAR), {}, "r3.star")).toHaveLength(6);
    expect(readPointAnnotations("OrientedPoint", "relion4_star", bytes(RELION_4_STAR), { filterValue: "TS_999" }, "r4.star")).toEqual([]);
    // STOPGAP tomo_num is numeric: "01" selects tomogram 1 as int("01") does upstream.
    expect(readPointAnnotations("OrientedPoint", "stopgap_star", bytes(STOPGAP_STAR), { filterValue: "01" }, "sg.star")).toHaveLength(2);
  });
});

describe("STAR layouts beyond the portal's fixtures", () => {
  it("RELION 3.1 (data_optics before data_particles) reads the particles table", () => {
    const text = `data_optics\nloop_\n_rlnOpticsGroup\n_rlnImagePixelSize\n1 2.5\n\ndata_particles\nloop_\n_rlnMicrographName\n_rlnCoordinateX\n_rlnCoordinateY\n_rlnCoordinateZ\n_rlnAngleRot\n_rlnAngleTilt\n_rlnAnglePsi\nts_1 10 20 30 0 0 0\nts_2 1 2 3 0 0 0\n`;
    const records = readPointAnnotations("Point", "relion3_star", bytes(text), { filterValue: "ts_1", binning: 10 }, "r31.star");
    expect(records).toEqual([{ location: { x: 1, y: 2, z: 3 } }]);
  });

  it("Point from STAR needs no angle columns; OrientedPoint does", () => {
    const text = "data_\nloop_\n_rlnTomoName\n_rlnCoordinateX\n_rlnCoordinateY\n_rlnCoordinateZ\nt 1 2 3\n";
    expect(readPointAnnotations("Point", "tomoman_relion_star", bytes(text), {}, "tm.star")).toEqual([{ location: { x: 1, y: 2, z: 3 } }]);
    expect(() => readPointAnnotations("OrientedPoint", "tomoman_relion_star", bytes(text), {}, "tm.star")).toThrow("tm.star: line 2: data_ has no column _rlnAngleRot");
  });
});

describe("InstanceSegmentation annotations (test_ingest_instance_point_data)", () => {
  it.each(instanceCases)("$case", (c) => expectRecords(read("InstanceSegmentation", c), c));
});
