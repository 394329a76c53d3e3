/**
 * The container formats under the point readers: IMOD binary models (checked against an
 * independent struct-based parse in /usr/bin/python3 following IMOD's binspec), STAR blocks, and
 * one malformed-input case per format family, each naming the file and the line / record.
 */
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { AnnotationFormatError } from "../src/annotations/errors.js";
import { imodModelPoints, readImodModel, writeImodModel } from "../src/annotations/imod-model.js";
import { readPointAnnotations } from "../src/annotations/points.js";
import { parseStar, starBlock, starTable } from "../src/annotations/star.js";
import { bytes, COPICK_JSON, ORIENTED_POINTS_MOD, ORIENTED_POINTS_SLAN, POINTS_CSV, POINTS_MOD, RELION_3_STAR, RELION_4_STAR, STOPGAP_STAR } from "./support-annotations.js";

// Walks the chunks as binspec.html describes them; independent of our TypeScript reader.
const PY_IMOD = `
import json, struct, sys
b = sys.stdin.buffer.read()
assert b[:8] == b"IMODV1.2", b[:8]
objsize = struct.unpack(">i", b[8+140:8+144])[0]
o = 8 + 232
objects, slan = 0, []
points = []
while True:
    cid = b[o:o+4].decode(); o += 4
    if cid == "IEOF":
        break
    if cid == "OBJT":
        objects += 1; o += 176
    elif cid == "MESH":
        vsize, lsize = struct.unpack(">ii", b[o:o+8]); o += 16 + 12 * vsize + 4 * lsize
    elif cid == "CONT":
        psize = struct.unpack(">i", b[o:o+4])[0]; o += 16
        points += [list(struct.unpack(">3f", b[o+12*i:o+12*i+12])) for i in range(psize)]; o += 12 * psize
    else:
        size = struct.unpack(">i", b[o:o+4])[0]; o += 4
        if cid == "SLAN":
            t, ax, ay, az, cx, cy, cz = struct.unpack(">i6f", b[o:o+28])
            slan.append({"time": t, "angles": [ax, ay, az], "center": [cx, cy, cz]})
        o += size
assert o == len(b), (o, len(b))
print(json.dumps({"objsize": objsize, "objects": objects, "points": points, "slan": slan}))
`;

function pythonImod(data: Uint8Array): { objsize: number; objects: number; points: number[][]; slan: Array<{ time: number; angles: number[]; center: number[] }> } {
  return JSON.parse(execFileSync("/usr/bin/python3", ["-c", PY_IMOD], { input: data }).toString());
}

describe("IMOD binary model", () => {
  it("points.mod: the writer's bytes parse the same with Python struct per binspec, and read back", () => {
    const py = pythonImod(POINTS_MOD);
    expect(py).toEqual({
      objsize: 1,
      objects: 1,
      points: [
        [1, 2, 3],
        [2, 2, 2],
        [0, 3, 0],
      ],
      slan: [],
    });
    const model = readImodModel(POINTS_MOD, "points.mod");
    expect(model.name).toBe("points");
    expect(model.max).toEqual([10, 10, 10]);
    expect(model.objects.map((o) => o.contours.length)).toEqual([1]);
    expect(imodModelPoints(model)).toEqual(py.points);
    expect(POINTS_MOD.byteLength).toBe(8 + 232 + 4 + 176 + 4 + 16 + 3 * 12 + 4);
  });

  it("oriented_points.mod: slicer angles and centers survive as float32", () => {
    const py = pythonImod(ORIENTED_POINTS_MOD);
    const model = readImodModel(ORIENTED_POINTS_MOD, "oriented_points.mod");
    expect(model.slicerAngles.map((s) => ({ time: s.time, angles: s.angles, center: s.center }))).toEqual(py.slan);
    expect(model.slicerAngles.map((s) => s.center)).toEqual(ORIENTED_POINTS_SLAN.map((s) => s.center));
    expect(model.slicerAngles[0]!.angles).toEqual([Math.fround(13.1), 0, Math.fround(-30.2)]);
  });

  it("skips chunks it does not use (IMAT, VIEW, MINX, MESH) by their sizes", () => {
    const base = writeImodModel({ objects: [{ contours: [{ points: [[5, 6, 7]] }] }] });
    const body = base.subarray(0, base.byteLength - 4); // without IEOF
    const chunk = (id: string, payload: number[]): number[] => [...id].map((c) => c.charCodeAt(0)).concat(payload);
    const sized = (id: string, n: number) => chunk(id, [0, 0, 0, n, ...new Array<number>(n).fill(7)]);
    // MESH has no size word: 16-byte header with vsize 1, lsize 1, then 12 + 4 bytes.
    const mesh = chunk("MESH", [0, 0, 0, 1, 0, 0, 0, 1, ...new Array<number>(8).fill(0), ...new Array<number>(16).fill(0)]);
    const extra = [...sized("IMAT", 16), ...mesh, ...sized("VIEW", 20), ...sized("MINX", 72)];
    const file = new Uint8Array([...body, ...extra, ...bytes("IEOF")]);
    expect(imodModelPoints(readImodModel(file, "x.mod"))).toEqual([[5, 6, 7]]);
    expect(pythonImod(file).points).toEqual([[5, 6, 7]]);
  });

  it("writes identical bytes for identical input", () => {
    const input = { objects: [{ contours: [{ points: [[1.5, 2.25, -0.5]] as [number, number, number][] }] }] };
    expect(writeImodModel(input)).toEqual(writeImodModel(input));
  });
});

describe("STAR files", () => {
  it("RELION 4: two blocks, labels without '_' and '#n', tab/space separated rows", () => {
    const blocks = parseStar(RELION_4_STAR, "r4.star");
    expect(blocks.map((b) => [b.name, b.loop?.columns.length, b.loop?.rows.length])).toEqual([
      ["optics", 11, 1],
      ["particles", 24, 6],
    ]);
    const optics = starTable(starBlock(blocks, "r4.star", "optics"), "r4.star");
    expect(optics.rows[0]!.values[optics.index("rlnImagePixelSize")]).toBe("1");
    const particles = starTable(starBlock(blocks, "r4.star", "particles"), "r4.star");
    expect(particles.rows[5]!.values[particles.index("rlnTomoName")]).toBe("TS_003");
  });

  it("RELION 3 bare data_, STOPGAP block after a blank line, key-value pairs and quoted values", () => {
    expect(starBlock(parseStar(RELION_3_STAR, "r3"), "r3").name).toBe("");
    const sg = starTable(starBlock(parseStar(STOPGAP_STAR, "sg"), "sg"), "sg");
    expect(sg.rows.map((r) => r.values[sg.index("tomo_num")])).toEqual(["1", "1", "2", "2", "2", "3"]);
    const [general] = parseStar("# c\ndata_general\n_rlnTomoName 'TS 1' # comment\n_rlnPixel 1.5\n", "g.star");
    expect(general!.pairs).toEqual({ rlnTomoName: "TS 1", rlnPixel: "1.5" });
  });
});

describe("malformed input names the file and the line or record", () => {
  const caught = (f: () => unknown): AnnotationFormatError => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(AnnotationFormatError);
      return e as AnnotationFormatError;
    }
    throw new Error("expected an AnnotationFormatError");
  };

  it("CSV: a bad number", () => {
    const e = caught(() => readPointAnnotations("Point", "csv", bytes("1,2,3\n4,x,6\n"), {}, "in/points.csv"));
    expect(e.message).toBe('in/points.csv: line 2: column 2 is not a number: "x"');
    expect(() => readPointAnnotations("Point", "csv", bytes("1,2\n"), {}, "short.csv")).toThrow("short.csv: line 1: missing column 3");
    expect(() => readPointAnnotations("InstanceSegmentation", "tardis", bytes("id,x,y,z\n1.5,1,2,3\n"), {}, "t.csv")).toThrow(
      't.csv: line 2: instance id (column 1) is not an integer: "1.5"',
    );
  });

  it("IMOD: a truncated .mod", () => {
    const cut = POINTS_MOD.subarray(0, POINTS_MOD.byteLength - 10);
    const e = caught(() => readPointAnnotations("Point", "mod", cut, {}, "in/points.mod"));
    expect(e.message).toMatch(/^in\/points\.mod: byte 440: file is truncated: 3 contour points needs 36 bytes, 30 left$/);
    expect(() => readImodModel(POINTS_MOD.subarray(0, POINTS_MOD.byteLength - 4), "no-eof.mod")).toThrow(/no-eof\.mod: byte \d+: file is truncated: chunk id/);
    expect(() => readImodModel(bytes("NOPE"), "n.mod")).toThrow('n.mod: byte 0: not an IMOD binary model (starts with "NOPE", expected "IMOD")');
    expect(() => readImodModel(new Uint8Array([...bytes("IMODV1.2"), ...new Array<number>(232).fill(0), ...bytes("zz!!")]), "c.mod")).toThrow(
      'c.mod: byte 240: not a chunk id: "zz!!" (corrupt file?)',
    );
  });

  it("STAR: a missing column, and a row with the wrong number of values", () => {
    const noZ = RELION_3_STAR.replace("_rlnCoordinateZ #4\n", "_rlnCoordinateQ #4\n");
    const e = caught(() => readPointAnnotations("OrientedPoint", "relion3_star", bytes(noZ), { filterValue: "tomo_1.tomostar" }, "in/r3.star"));
    expect(e.message).toBe("in/r3.star: line 4: data_ has no column _rlnCoordinateZ");
    const shortRow = STOPGAP_STAR.replace("0.1704   2.00000      2.00000      2.00000    0    0    0  1", "0.1704   2.00000");
    expect(() => readPointAnnotations("OrientedPoint", "stopgap_star", bytes(shortRow), {}, "sg.star")).toThrow(
      "sg.star: line 27: row has 10 values, the loop in data_stopgap_motivelist has 16 columns",
    );
    const badAngle = RELION_4_STAR.replace("\t  90    45    180\t", "\t  90    forty-five    180\t");
    expect(() => readPointAnnotations("OrientedPoint", "relion4_star", bytes(badAngle), { filterValue: "TS_001" }, "r4.star")).toThrow(
      'r4.star: line 49: _rlnAngleTilt is not a number: "forty-five"',
    );
  });

  it("copick: bad JSON, and a bad point", () => {
    const e = caught(() => readPointAnnotations("OrientedPoint", "copick", bytes(COPICK_JSON.slice(0, 200)), {}, "in/copick.json"));
    expect(e.message).toMatch(/^in\/copick\.json: not valid JSON/);
    const badPoint = COPICK_JSON.replace('"y": 50.0,', '"y": "fifty",');
    expect(() => readPointAnnotations("Point", "copick", bytes(badPoint), {}, "c.json")).toThrow('c.json: point 2: location.y is not a number: "fifty"');
    expect(() => readPointAnnotations("Point", "copick", bytes('{"picks": []}'), {}, "c.json")).toThrow('c.json: copick picks file must be an object with a "points" array');
  });

  it("a non-UTF-8 text file and a multi-character delimiter", () => {
    expect(() => readPointAnnotations("Point", "csv", new Uint8Array([0x31, 0xff, 0x0a]), {}, "b.csv")).toThrow("b.csv: file is not valid UTF-8 text");
    expect(() => readPointAnnotations("Point", "csv", bytes(POINTS_CSV), { delimiter: ", " }, "d.csv")).toThrow('d.csv: delimiter must be one character, got ", "');
  });
});
