/**
 * Fixture files of the portal's annotation tests
 * (cryoet-data-portal-backend test_infra/test_files/input_bucket/20002/annotations/), rebuilt
 * here: the text files verbatim, the copick JSON re-serialised with the same content, and the two
 * IMOD models generated with our writer so they encode the same points / slicer angles.
 */
import { writeImodModel } from "../src/annotations/imod-model.js";
import { pythonFloatRepr } from "../src/python/index.js";

const enc = new TextEncoder();
export const bytes = (text: string): Uint8Array => enc.encode(text);

export const POINTS_CSV = "1,2,3\n2,2,2\n0,3,0\n";
export const POINTS_TAB_DELIM_CSV = "1\t2\t3\n2\t2\t2\n0\t3\t0\n";
export const POINTS_WITH_HEADER_CSV = "x,y,z\n1,2,3\n2,2,2\n0,3,0\n";
export const POINTS_WITH_HEADER_PIPE_DELIM_CSV = "x|y|z\n1|2|3\n2|2|2\n0|3|0\n";
export const TARDIS_CSV = "IDs,X [A],Y [A],Z [A]\n0,4,8,12\n0,4,4,4\n1,6,4,2\n1,0,6,0\n1,8,4,2\n2,3,2,1\n";

export const RELION_3_STAR = `
data_

loop_
_rlnMicrographName #1
_rlnCoordinateX #2
_rlnCoordinateY #3
_rlnCoordinateZ #4
_rlnMagnification #5
_rlnDetectorPixelSize #6
_rlnCtfMaxResolution #7
_rlnImageName #8
_rlnCtfImage #9
_rlnGroupNumber #10
_rlnAngleRot #11
_rlnAngleTilt #12
_rlnAnglePsi #13
_rlnClassNumber #14
_rlnNormCorrection #15
_rlnRandomSubset #16
_rlnLogLikeliContribution #17
_rlnMaxValueProbDistribution #18
_rlnNrOfSignificantSamples #19
_rlnOriginX #20
_rlnOriginY #21
_rlnOriginZ #22
tomo_1.tomostar  4.000000  8.000000   12.000000 10000.000000     1.700500     6.200000 /path/to/image/image_1_0.mrc /path/to/ctf_image/ctf_image_1_0.mrc            1     90    45    180            1     1.000000            1 2.664582e+07     0.179843           13     -1.20000     -2.40000     -3.20000
tomo_1.tomostar  4.000000  4.000000    4.000000 10000.000000     1.700500     6.200000 /path/to/image/image_1_1.mrc /path/to/ctf_image/ctf_image_1_1.mrc            1    -45    90    120            1     1.000000            1 2.664582e+07     0.179843           13      3.20000      2.40000      1.20000
tomo_2.tomostar  6.000000  4.000000    2.000000 10000.000000     1.700500     6.200000 /path/to/image/image_2_0.mrc /path/to/ctf_image/ctf_image_2_0.mrc            1      0    90      0            1     1.000000            1 2.662801e+07     0.532661            6     -1.00000     -2.00000     -3.00000
tomo_2.tomostar  0.000000  6.000000    0.000000 10000.000000     1.700500     6.200000 /path/to/image/image_2_1.mrc /path/to/ctf_image/ctf_image_2_1.mrc            1   -120    30    165            1     1.000000            1 2.662801e+07     0.532661            6      3.00000      2.00000      1.00000
tomo_2.tomostar  8.000000  4.000000    2.000000 10000.000000     1.700500     6.200000 /path/to/image/image_2_2.mrc /path/to/ctf_image/ctf_image_2_2.mrc            1      0   -90      0            1     1.000000            1 2.662801e+07     0.532661            6      0.00000      3.00000      0.00000
tomo_3.tomostar  3.000000  2.000000    1.000000 10000.000000     1.700500     6.200000 /path/to/image/image_3_0.mrc /path/to/ctf_image/ctf_image_3_0.mrc            1      0     0      0            1     1.000000            1 2.662801e+07     0.532661            6      2.00000      2.00000      2.00000
`;

export const RELION_4_STAR = `
# version 30001 by xpytools

data_optics

loop_
_rlnOpticsGroup #1
_rlnOpticsGroupName #2
_rlnSphericalAberration #3
_rlnVoltage #4
_rlnMicrographOriginalPixelSize #5
_rlnMicrographBinning #6
_rlnMicrographPixelSize #7
_rlnImagePixelSize #8
_rlnCtfDataAreCtfPremultiplied #9
_rlnImageDimensionality #10
_rlnImageSize #11
1\topticsGroup1\t2.700000\t300.000000\t0.5\t2.000000\t1\t1\t1\t3\t128

# version 30001 by xpytools

data_particles

loop_
_rlnTomoName #1
_rlnTomoParticleId #2
_rlnTomoPickParticleId #3
_rlnMicrographName #4
_rlnCoordinateX #5
_rlnCoordinateY #6
_rlnCoordinateZ #7
_rlnImageName #8
_rlnOriginXAngst #9
_rlnOriginYAngst #10
_rlnOriginZAngst #11
_rlnAngleRot #12
_rlnAngleTilt #13
_rlnAnglePsi #14
_rlnGroupNumber #15
_rlnClassNumber #16
_rlnOpticsGroup #17
_rlnRandomSubset #18
_rlnCtfImage #19
_rlnDefocusU #20
_rlnDefocusV #21
_rlnDefocusAngle #22
_rlnCtfBfactor #23
_rlnCtfScalefactor #24
TS_001\t91\t1\ttomograms/TS_001/TS_001_aligned.st:mrc\t4.000000  8.000000   12.000000\trec/TS_001/particles/subtomo_91.mrc\t    -1.20000     -2.40000     -3.20000\t  90    45    180\t1\t1\t1\t1\trec/TS_001/ctfs/subtomo_91.mrc\t82593.060000\t80664.060000\t-42.36000\t3.000000\t1.000000
TS_001\t92\t1\ttomograms/TS_001/TS_001_aligned.st:mrc\t4.000000  4.000000    4.000000\trec/TS_001/particles/subtomo_92.mrc\t     3.20000      2.40000      1.20000\t -45    90    120\t1\t1\t1\t1\trec/TS_001/ctfs/subtomo_92.mrc\t82593.060000\t80664.060000\t-42.36000\t3.000000\t1.000000
TS_002\t110\t2\ttomograms/TS_002/TS_002_aligned.st:mrc\t6.000000  4.000000    2.000000\trec/TS_002/particles/subtomo_110.mrc\t-1.00000     -2.00000     -3.00000\t   0    90      0\t1\t1\t1\t1\trec/TS_002/ctfs/subtomo_110.mrc\t82611.320000\t80682.320000\t-42.36000\t3.000000\t1.000000
TS_002\t111\t2\ttomograms/TS_002/TS_002_aligned.st:mrc\t0.000000  6.000000    0.000000\trec/TS_002/particles/subtomo_111.mrc\t 3.00000      2.00000      1.00000\t-120    30    165\t1\t1\t1\t1\trec/TS_002/ctfs/subtomo_111.mrc\t82611.320000\t80682.320000\t-42.36000\t3.000000\t1.000000
TS_002\t112\t2\ttomograms/TS_002/TS_002_aligned.st:mrc\t8.000000  4.000000    2.000000\trec/TS_002/particles/subtomo_112.mrc\t 0.00000      3.00000      0.00000\t   0   -90      0\t1\t1\t1\t1\trec/TS_002/ctfs/subtomo_112.mrc\t82611.320000\t80682.320000\t-42.36000\t3.000000\t1.000000
TS_003\t115\t3\ttomograms/TS_003/TS_003_aligned.st:mrc\t3.000000  2.000000    1.000000\trec/TS_003/particles/subtomo_115.mrc\t 2.00000      2.00000      2.00000\t   0     0      0\t1\t1\t1\t1\trec/TS_003/ctfs/subtomo_115.mrc\t82611.320000\t80682.320000\t-42.36000\t3.000000\t1.000000
`;

export const TOMOMAN_RELION_STAR = `
data_

loop_
_rlnCoordinateX
_rlnCoordinateY
_rlnCoordinateZ
_rlnAngleRot
_rlnAngleTilt
_rlnAnglePsi
_rlnRandomSubset
_rlnPixelSize
_rlnVoltage
_rlnSphericalAberration
_rlnTomoName
_rlnTomoNumber
_rlnOriginX
_rlnOriginY
_rlnOriginZ

 4.000000  8.000000   12.000000    90    45    180  2  1.9600000000  300  2.7000000000  grid_1_lamella1_pos1  1  -1.20000     -2.40000     -3.20000
 4.000000  4.000000    4.000000   -45    90    120  1  1.9600000000  300  2.7000000000  grid_1_lamella1_pos1  1   3.20000      2.40000      1.20000
 6.000000  4.000000    2.000000     0    90      0  2  1.9600000000  300  2.7000000000  grid_1_lamella1_pos2  2  -1.00000     -2.00000     -3.00000
 0.000000  6.000000    0.000000  -120    30    165  2  1.9600000000  300  2.7000000000  grid_1_lamella1_pos2  2   3.00000      2.00000      1.00000
 8.000000  4.000000    2.000000     0   -90      0  2  1.9600000000  300  2.7000000000  grid_1_lamella1_pos2  2   0.00000      3.00000      0.00000
 3.000000  2.000000    1.000000     0     0      0  2  1.9600000000  300  2.7000000000  grid_1_lamella1_pos3  3   2.00000      2.00000      2.00000
`;

// No trailing newline, as the upstream file.
export const STOPGAP_STAR = `
data_stopgap_motivelist

loop_
_motl_idx
_tomo_num
_object
_subtomo_num
_halfset
_orig_x
_orig_y
_orig_z
_score
_x_shift
_y_shift
_z_shift
_phi
_psi
_the
_class

   1   1  1    1  A   4.000000  8.000000   12.000000  0.1816  -1.20000     -2.40000     -3.20000   90  180   45  1
   2   1  1    2  A   4.000000  4.000000    4.000000  0.1704   3.20000      2.40000      1.20000  -45  120   90  1
   3   2  2    3  A   6.000000  4.000000    2.000000  0.1704  -1.00000     -2.00000     -3.00000    0    0   90  1
   4   2  2    4  A   0.000000  6.000000    0.000000  0.1704   3.00000      2.00000      1.00000 -120  165   30  1
   5   2  2    5  A   8.000000  4.000000    2.000000  0.1704   0.00000      3.00000      0.00000    0    0  -90  1
   6   3  3    6  A   3.000000  2.000000    1.000000  0.1704   2.00000      2.00000      2.00000    0    0    0  1`;

/** A number written as a Python float (`40.0`, `-0.0`); plain numbers are written as ints. */
class F {
  constructor(readonly v: number) {}
}
type J = null | boolean | string | number | F | J[] | { [k: string]: J };

/** `json.dump(obj, fh, indent=4)` as copick writes picks: insertion order, floats with repr. */
function pyDump(v: J, indent = ""): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return String(v);
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number") return String(v);
  if (v instanceof F) return pythonFloatRepr(v.v);
  const inner = `${indent}    `;
  if (Array.isArray(v)) return `[\n${v.map((x) => inner + pyDump(x, inner)).join(",\n")}\n${indent}]`;
  return `{\n${Object.entries(v)
    .map(([k, x]) => `${inner}${JSON.stringify(k)}: ${pyDump(x, inner)}`)
    .join(",\n")}\n${indent}}`;
}

const floats = (m: number[][]): F[][] => m.map((row) => row.map((x) => new F(x)));
const homogeneous = (m: number[][]): F[][] => floats([...m.map((row) => [...row, 0.0]), [0.0, 0.0, 0.0, 1.0]]);
const I3 = [
  [1.0, 0.0, 0.0],
  [0.0, 1.0, 0.0],
  [0.0, 0.0, 1.0],
];

function copickFile(head: { [k: string]: J }, points: Array<{ location: { [k: string]: J }; transformation_: F[][]; instance_id: number }>): string {
  const doc: J = { ...head, points: points.map((p) => ({ ...p, score: new F(1.0) })), trust_orientation: true };
  return `${pyDump(doc)}\n`;
}

const fl = (x: number, y: number, z: number) => ({ x: new F(x), y: new F(y), z: new F(z) });

export const COPICK_JSON = copickFile({ pickable_object_name: "ribosome", user_id: "0", session_id: "0", run_name: null, voxel_spacing: null, unit: "angstrom" }, [
  {
    location: fl(40.0, 20.0, 30.0),
    transformation_: homogeneous([
      [-0.0, -0.7071067811865475, 0.7071067811865475],
      [1.0, -0.0, 0.0],
      [0.0, 0.7071067811865475, 0.7071067811865475],
    ]),
    instance_id: 0,
  },
  {
    location: fl(0.0, 50.0, 10.0),
    transformation_: homogeneous([
      [0.6123724356957945, 0.6123724356957947, 0.4999999999999998],
      [-0.3535533905932737, -0.35355339059327356, 0.8660254037844386],
      [0.7071067811865475, -0.7071067811865475, 0.0],
    ]),
    instance_id: 0,
  },
  {
    location: fl(30.0, 15.0, 92.0),
    transformation_: homogeneous([
      [0.6424020199109172, 0.5950348471655409, 0.48296291314453405],
      [-0.7244443697168013, 0.6770771969714244, 0.12940952255126045],
      [-0.24999999999999983, -0.4330127018922193, 0.8660254037844386],
    ]),
    instance_id: 0,
  },
  {
    location: fl(30.0, 10.0, 50.0),
    transformation_: homogeneous([
      [0.0, 0.0, -1.0],
      [0.0, 1.0, 0.0],
      [1.0, 0.0, 0.0],
    ]),
    instance_id: 0,
  },
]);

// Upstream's stored copick_instance.json has instance_id 0 on every point while its test expects
// ids 0..5 (the file and the test disagree in the versions we could read); we give the points
// the ids the test expects, so the reader is shown to carry instance_id through. Locations are
// ints in that file (`"x": 10`), as here.
export const COPICK_INSTANCE_JSON = copickFile(
  { pickable_object_name: "testobject", user_id: "test", session_id: "1", run_name: "Position_94_Vol", voxel_spacing: null, unit: "angstrom" },
  [
    [10, 20, 30],
    [10, 10, 10],
    [15, 10, 5],
    [0, 15, 0],
    [20, 10, 5],
    [new F(7.5), 5, new F(2.5)],
  ].map(([x, y, z], i) => ({ location: { x: x!, y: y!, z: z! }, transformation_: homogeneous(I3), instance_id: i })),
);

/** points.mod: one scattered-point object, one contour holding (1,2,3), (2,2,2), (0,3,0). */
export const POINTS_MOD = writeImodModel({
  name: "points",
  max: [10, 10, 10],
  objects: [
    {
      name: "points",
      contours: [
        {
          points: [
            [1, 2, 3],
            [2, 2, 2],
            [0, 3, 0],
          ],
        },
      ],
    },
  ],
});

/**
 * oriented_points.mod: four slicer angles (x, y, z degrees; center) as imodmodel's documentation
 * lists them for its slicer-angle example, the model the portal test reads (its expected locations
 * are these centers). Values are float32 in the file.
 */
export const ORIENTED_POINTS_SLAN = [
  { angles: [13.1, 0, -30.2], center: [235.5195770263672, 682.744140625, 302.0] },
  { angles: [-41.4, 0, -47.7], center: [221.94244384765625, 661.1932373046875, 327.0] },
  { angles: [-41.4, 0, -41.8], center: [232.7907257080078, 671.33203125, 327.0] },
  { angles: [-35.5, 0, -36.0], center: [240.12918090820312, 679.9277954101562, 324.0] },
] as const;

export const ORIENTED_POINTS_MOD = writeImodModel({
  name: "oriented_points",
  max: [512, 720, 400],
  objects: [{ name: "obj", contours: [] }],
  slicerAngles: ORIENTED_POINTS_SLAN.map((s) => ({ time: 1, angles: [...s.angles], center: [...s.center] })),
});

/** Reference 6.3 item 12: the portal's semantic_mask.mrc, labels 1, 2 and 3 on a 4x4x4 grid (z, y, x order). */
export const SEMANTIC_MASK: readonly number[] = (() => {
  const a = new Array<number>(64).fill(0);
  const at = (z: number, y: number, x: number) => (z * 4 + y) * 4 + x;
  for (const z of [2, 3]) for (let y = 0; y < 4; y++) a[at(z, y, 3)] = 1;
  for (const z of [0, 1]) for (const y of [1, 2]) a[at(z, y, 1)] = 2;
  for (let x = 0; x < 4; x++) a[at(0, 0, x)] = 3;
  return a;
})();
