/**
 * ndjson bytes against Python: the portal writes `ndjson.dump([a.to_dict() ...], fh)`; the PyPI
 * `ndjson` 0.3 Encoder is `"\n".join(json.JSONEncoder().encode(d) for d in items)` (it is not
 * installed here, so the oracle below is that one line on the standard json module). Where the
 * portal's reading is simple (csv / tardis: `float(field) / binning`, RELION 3: scipy), the oracle
 * also reads the fixture itself, so the whole path is checked, not only the formatting.
 */
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { pointNdjsonLine, pointObjectCount, pointsToNdjson } from "../src/annotations/ndjson.js";
import { readPointAnnotations, type PointRecord, type PointShape } from "../src/annotations/points.js";
import { bytes, COPICK_INSTANCE_JSON, ORIENTED_POINTS_MOD, POINTS_TAB_DELIM_CSV, RELION_3_STAR, STOPGAP_STAR, TARDIS_CSV } from "./support-annotations.js";

const PY_COMMON = `
import csv, io, json, sys
def encode(items):
    return "\\n".join(json.JSONEncoder().encode(d) for d in items)
def point(x, y, z):
    return {"type": "point", "location": {"x": x, "y": y, "z": z}}
def oriented(x, y, z, m):
    return {"type": "orientedPoint", "location": {"x": x, "y": y, "z": z}, "xyz_rotation_matrix": m}
def instance(x, y, z, i):
    return {"type": "instancePoint", "location": {"x": x, "y": y, "z": z}, "instance_id": i}
`;

function python(script: string, input = ""): string {
  return execFileSync("/usr/bin/python3", ["-c", PY_COMMON + script], { input }).toString();
}

/** Numbers as text Python's float() reads back exactly (keeps -0, NaN, Infinity). */
const num = (x: number): string => (Object.is(x, -0) ? "-0.0" : String(x));

/** Python formats records we produced: checks the serialisation rules alone. */
function pythonFormats(shape: PointShape, records: PointRecord[]): string {
  const rows = records.map((r) => ({ l: [r.location.x, r.location.y, r.location.z].map(num), m: r.xyz_rotation_matrix?.map((row) => row.map(num)), i: r.instance_id }));
  return python(
    `
shape = ${JSON.stringify(shape)}
out = []
for r in json.load(sys.stdin):
    x, y, z = (float(v) for v in r["l"])
    if shape == "Point": out.append(point(x, y, z))
    elif shape == "OrientedPoint": out.append(oriented(x, y, z, [[float(v) for v in row] for row in r["m"]]))
    else: out.append(instance(x, y, z, int(r["i"])))
sys.stdout.write(encode(out))
`,
    JSON.stringify(rows),
  );
}

describe("ndjson output is byte-identical to the portal's", () => {
  it("Point, csv tab-delimited, binning 2: Python reads the same file and writes the same bytes", () => {
    const ours = pointsToNdjson("Point", readPointAnnotations("Point", "csv", bytes(POINTS_TAB_DELIM_CSV), { delimiter: "\t", binning: 2 }, "p.csv"));
    const theirs = python(
      `
rows = csv.reader(io.StringIO(sys.stdin.read()), delimiter="\\t")
sys.stdout.write(encode([point(float(r[0]) / 2, float(r[1]) / 2, float(r[2]) / 2) for r in rows]))
`,
      POINTS_TAB_DELIM_CSV,
    );
    expect(ours).toBe(theirs);
    expect(ours).toBe(
      '{"type": "point", "location": {"x": 0.5, "y": 1.0, "z": 1.5}}\n{"type": "point", "location": {"x": 1.0, "y": 1.0, "z": 1.0}}\n{"type": "point", "location": {"x": 0.0, "y": 1.5, "z": 0.0}}',
    );
  });

  it("InstanceSegmentation, tardis binning 2: ints for ids, floats for coordinates", () => {
    const records = readPointAnnotations("InstanceSegmentation", "tardis", bytes(TARDIS_CSV), { binning: 2 }, "t.csv");
    const theirs = python(
      `
rows = csv.reader(io.StringIO(sys.stdin.read())); next(rows)
sys.stdout.write(encode([instance(float(r[1]) / 2, float(r[2]) / 2, float(r[3]) / 2, int(r[0])) for r in rows]))
`,
      TARDIS_CSV,
    );
    expect(pointsToNdjson("InstanceSegmentation", records)).toBe(theirs);
    expect(pointObjectCount("InstanceSegmentation", records)).toBe(3);
  });

  it("OrientedPoint, RELION 3 tomo_2 binning 2: Python + scipy read the rows; same layout, matrices within 1e-15", () => {
    const records = readPointAnnotations("OrientedPoint", "relion3_star", bytes(RELION_3_STAR), { filterValue: "tomo_2.tomostar", binning: 2 }, "r3.star");
    const theirs = python(
      `
from scipy.spatial.transform import Rotation
out = []
for line in sys.stdin.read().splitlines():
    f = line.split()
    if len(f) == 22 and f[0] == "tomo_2.tomostar":
        c = [float(v) for v in f[1:4]]; s = [float(v) for v in f[19:22]]
        m = Rotation.from_euler(angles=[float(v) for v in f[10:13]], seq="ZYZ", degrees=True).inv().as_matrix()
        out.append(oriented((c[0] - s[0]) / 2.0, (c[1] - s[1]) / 2.0, (c[2] - s[2]) / 2.0, m.tolist()))
sys.stdout.write(encode(out))
`,
      RELION_3_STAR,
    );
    const ours = pointsToNdjson("OrientedPoint", records);
    // Bytes differ only in last digits of some matrix elements: V8's Math.sin/cos and glibc's
    // round differently for these angles (-120/30/165), not the algorithm (see the rotation test).
    const parse = (text: string) => text.split("\n").map((l) => JSON.parse(l) as { type: string; location: object; xyz_rotation_matrix: number[][] });
    const [a, b] = [parse(ours), parse(theirs)];
    expect(a).toHaveLength(3);
    a.forEach((line, i) => {
      expect(Object.keys(line)).toEqual(["type", "location", "xyz_rotation_matrix"]);
      expect([line.type, line.location]).toEqual([b[i]!.type, b[i]!.location]);
      line.xyz_rotation_matrix.forEach((row, r) => row.forEach((v, k) => expect(Math.abs(v - b[i]!.xyz_rotation_matrix[r]![k]!)).toBeLessThan(1e-15)));
    });
    expect(ours).toBe(pythonFormats("OrientedPoint", records));
    expect(ours.split("\n")[0]).toBe(theirs.split("\n")[0]); // (0, 90, 0): identical bytes
    expect(pointObjectCount("OrientedPoint", records)).toBe(3);
  });

  it("formatting of other readers' records: STOPGAP, IMOD slicer angles (float32 values), copick", () => {
    const cases: Array<[PointShape, PointRecord[]]> = [
      ["OrientedPoint", readPointAnnotations("OrientedPoint", "stopgap_star", bytes(STOPGAP_STAR), { binning: 3 }, "sg.star")],
      ["OrientedPoint", readPointAnnotations("OrientedPoint", "mod", ORIENTED_POINTS_MOD, {}, "o.mod")],
      ["InstanceSegmentation", readPointAnnotations("InstanceSegmentation", "copick", bytes(COPICK_INSTANCE_JSON), { binning: 5 }, "c.json")],
    ];
    for (const [shape, records] of cases) expect(pointsToNdjson(shape, records)).toBe(pythonFormats(shape, records));
  });

  it("Python float repr edge cases: -0.0, exponents, NaN/Infinity, large ints as floats; empty list", () => {
    // biome-ignore lint/correctness/noPrecisionLoss: literals written as Python would read them
    const values = [-0, 1e-5, 0.0001, 1e16, 1234567890123456.7, 1e22, 5e-324, Number.NaN, Infinity, -Infinity, 2 / 3, 100];
    const records: PointRecord[] = values.map((v, i) => ({
      location: { x: v, y: -v, z: i },
      xyz_rotation_matrix: [
        [v, 0, -0],
        [1, 2, 3],
        [0.1, 0.2, 0.3],
      ],
    }));
    expect(pointsToNdjson("OrientedPoint", records)).toBe(pythonFormats("OrientedPoint", records));
    expect(pointNdjsonLine("Point", { location: { x: -0, y: 1e-5, z: 1e16 } })).toBe('{"type": "point", "location": {"x": -0.0, "y": 1e-05, "z": 1e+16}}');
    expect(pointsToNdjson("Point", [])).toBe("");
  });

  it("same records give the same bytes", () => {
    const read = () => pointsToNdjson("OrientedPoint", readPointAnnotations("OrientedPoint", "relion3_star", bytes(RELION_3_STAR), {}, "r3.star"));
    expect(read()).toBe(read());
  });
});
