/**
 * Neuroglancer outputs (src/neuroglancer): colour seeds against Python's hashlib/json, the
 * precomputed annotation collections decoded by a numpy reader written from the Neuroglancer
 * spec (src/datasource/precomputed/annotations.md), and the per-tomogram viewer state.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  encodePrecomputedAnnotations,
  PrecomputedAnnotationError,
  type AnnotationEncodeOptions,
  type AnnotationPoint,
  type PrecomputedFile,
} from "../src/neuroglancer/annotations.js";
import { baseHashInput, colorSeed, pythonJsonDumps } from "../src/neuroglancer/colors.js";
import { buildNeuroglancerState, type AnnotationInput, type Json, type NeuroglancerStateInput } from "../src/neuroglancer/state.js";

const PY = "/usr/bin/python3";

function python(script: string, input: unknown, args: string[] = []): any {
  const r = spawnSync(PY, ["-c", script, ...args], { input: JSON.stringify(input), encoding: "utf8" });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

// ---------------------------------------------------------------------------------------------
// 1. colour seeds and Python's json.dumps
// ---------------------------------------------------------------------------------------------

// The portal's seed, written from its definition (not from colors.ts).
const SEED_PY = `
import json, sys, hashlib
req = json.load(sys.stdin)
seeds = []
for c in req["seeds"]:
    md = c["metadata"]
    obj = md.get("annotation_object")
    hash_input = {
        "annotation_method": md.get("annotation_method"),
        "annotation_object": None if obj is None else {"id": obj.get("id"), "name": obj.get("name")},
        "deposition_id": md.get("deposition_id"),
        "ground_truth_status": md.get("ground_truth_status"),
        "shape": c["shape"],
    }
    text = json.dumps(hash_input, sort_keys=True)
    seeds.append({"text": text, "seed": int(hashlib.md5(text.encode()).hexdigest(), 16) % (2**32 - 1)})
dumps = [json.dumps(v, sort_keys=True) for v in req["dumps"]]
print(json.dumps({"seeds": seeds, "dumps": dumps}))
`;

const METADATA: Record<string, unknown>[] = [
  {
    annotation_method: "Template matching with pytom, manually curated",
    annotation_object: { id: "GO:0045298", name: "α-tubulin", description: "tubulin complex", state: "polymer" },
    deposition_id: 10301,
    ground_truth_status: true,
    annotation_publications: "EMPIAR-10499",
    version: 1.0,
    files: [{ shape: "Point", format: "ndjson" }],
  },
  {
    annotation_method: 'copick "picks"\\ from\tcryoSPARC\n(v4)',
    annotation_object: { name: "Ribosome 80S ✓ 🧬", id: "GO:0022626" },
    deposition_id: "10301",
    ground_truth_status: false,
    is_curator_recommended: true,
  },
  {
    annotation_method: "Crowd-sourced — Größe µm",
    annotation_object: { id: "UniProtKB:P68363", name: "Membran\u00e4", extra: [1, 2] },
    ground_truth_status: false,
  },
  {
    // no annotation_object and no deposition: both become null
    annotation_method: "manual",
    ground_truth_status: true,
  },
];
const SHAPES = ["Point", "OrientedPoint", "SegmentationMask", "InstanceSegmentation", "TriangularMesh"];

describe("colour seeds match Python's md5(json.dumps(hash_input, sort_keys=True))", () => {
  const cases = METADATA.flatMap((metadata) => SHAPES.map((shape) => ({ metadata, shape })));
  // A nested value that exercises key order (code points past the BMP sort after U+FFFF in
  // Python but before it in UTF-16), string escapes, floats, booleans, null and empty containers.
  const NESTED = {
    zeta: [1, 2.5, -0.125, 123456.789, 1e-7, 3.5e-5, 0.0001, 1.5e300, -42, true, false, null, [], {}],
    alpha: { Z: 1, a: 2, é: 3, "😀": 4, "\uffff": 5, "": 6, "a b": { y: 'x"y\\z\n\t\r\b\f\u0001\u001f\u007f é ☃ 😀' } },
    "10": "ten",
    "9": "nine",
    deposition_id: "10301",
  };
  const py = python(SEED_PY, { seeds: cases, dumps: [NESTED, "α-tubulin", [1, "two", null], 7, 0.1] });

  it("seeds equal Python's for non-ASCII names, booleans and int vs string deposition ids", () => {
    cases.forEach((c, i) => {
      // the text is the diagnosis when the seed differs
      expect(pythonJsonDumps({ ...baseHashInput(c.metadata), shape: c.shape }), `${i}`).toBe(py.seeds[i].text);
      expect(colorSeed(c.metadata, c.shape), `${i}: ${py.seeds[i].text}`).toBe(py.seeds[i].seed);
    });
    const seeds = cases.map((c) => colorSeed(c.metadata, c.shape));
    expect(seeds.every((s) => Number.isInteger(s) && s >= 0 && s < 2 ** 32 - 1)).toBe(true);
    // integer and string deposition ids hash differently (json.dumps writes 10301 vs "10301")
    expect(py.seeds[0].text).toContain('"deposition_id": 10301');
    expect(py.seeds[SHAPES.length].text).toContain('"deposition_id": "10301"');
  });

  it("pythonJsonDumps is json.dumps(value, sort_keys=True) on a nested value", () => {
    expect(pythonJsonDumps(NESTED)).toBe(py.dumps[0]);
    expect(pythonJsonDumps("α-tubulin")).toBe(py.dumps[1]);
    expect(pythonJsonDumps([1, "two", null])).toBe(py.dumps[2]);
    expect(pythonJsonDumps(7)).toBe(py.dumps[3]);
    expect(pythonJsonDumps(0.1)).toBe(py.dumps[4]);
  });
});

// ---------------------------------------------------------------------------------------------
// 2. precomputed annotation collections, decoded from the spec
// ---------------------------------------------------------------------------------------------

// Reader from the spec: single-annotation encoding = float32le geometry, then the properties of
// 4-byte types, then 2-byte, then 1-byte (uint8/int8/rgb/rgba), each group in info order, then
// zero padding to a multiple of 4; multiple-annotation encoding = uint64le count, the records,
// then count uint64le ids. Unsharded indices: by_id/<id>, spatial key/<cell joined by "_">.
const DECODE_PY = `
import json, os, sys
import numpy as np
req = json.load(sys.stdin)
TYPES = {  # code, alignment group, size, subarray shape
    "float32": ("<f4", 4, 4, ()), "uint32": ("<u4", 4, 4, ()), "int32": ("<i4", 4, 4, ()),
    "uint16": ("<u2", 2, 2, ()), "int16": ("<i2", 2, 2, ()),
    "uint8": ("u1", 1, 1, ()), "int8": ("i1", 1, 1, ()), "rgb": ("u1", 1, 3, (3,)), "rgba": ("u1", 1, 4, (4,)),
}
out = []
for case in req:
    d = case["dir"]
    with open(os.path.join(d, "info"), "rb") as f:
        info = json.loads(f.read().decode("utf-8"))
    rank = len(info["dimensions"])
    props = sorted(info["properties"], key=lambda p: -TYPES[p["type"]][1])  # stable
    names, formats, offsets, off = ["geometry"], [("<f4", (rank,))], [0], 4 * rank
    for p in props:
        code, _, size, shape = TYPES[p["type"]]
        names.append(p["id"]); formats.append((code, shape) if shape else code); offsets.append(off); off += size
    itemsize = -(-off // 4) * 4
    dt = np.dtype({"names": names, "formats": formats, "offsets": offsets, "itemsize": itemsize})
    sp = info["spatial"][0]
    cell = "_".join("0" for _ in range(rank))
    with open(os.path.join(d, sp["key"], cell), "rb") as f:
        raw = f.read()
    count = int(np.frombuffer(raw, "<u8", 1, 0)[0])
    size_ok = len(raw) == 8 + count * itemsize + 8 * count
    recs = np.frombuffer(raw, dt, count, 8)
    rawrecs = np.frombuffer(raw, "u1", count * itemsize, 8).reshape(count, itemsize)
    ids = np.frombuffer(raw, "<u8", count, 8 + count * itemsize)
    by_id_ok = True
    for i, id_ in enumerate(ids):
        with open(os.path.join(d, info["by_id"]["key"], str(int(id_))), "rb") as f:
            by_id_ok = by_id_ok and f.read() == rawrecs[i].tobytes()
    records = []
    for i in range(count):
        r = {n: recs[i][n].tolist() for n in names}
        for p in props:
            if "enum_values" in p:
                r[p["id"] + "_label"] = dict(zip(p["enum_values"], p["enum_labels"])).get(r[p["id"]])
        records.append(r)
    enums_fit = all(
        np.iinfo(np.dtype(TYPES[p["type"]][0])).min <= min(p["enum_values"]) and max(p["enum_values"]) <= np.iinfo(np.dtype(TYPES[p["type"]][0])).max
        for p in props if p.get("enum_values")
    )
    coords = np.array(case["coords"], dtype=np.float32).reshape(-1, 3)
    out.append({
        "info": info,
        "dimension_order": list(info["dimensions"].keys()),
        "count": count, "size_ok": size_ok, "by_id_ok": by_id_ok,
        "padding_zero": bool((rawrecs[:, off:] == 0).all()),
        "ids": [int(i) for i in ids], "records": records, "enums_fit": enums_fit,
        "expected_lower": coords.min(axis=0).tolist() if len(coords) else None,
        "expected_upper": coords.max(axis=0).tolist() if len(coords) else None,
    })
print(json.dumps(out))
`;

const workDirs: string[] = [];
afterAll(() => workDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function writeCollection(files: PrecomputedFile[]): string {
  const dir = mkdtempSync(join(tmpdir(), "ngannot-"));
  workDirs.push(dir);
  for (const f of files) {
    mkdirSync(dirname(join(dir, f.path)), { recursive: true });
    writeFileSync(join(dir, f.path), f.bytes);
  }
  return dir;
}

function decode(collections: Array<{ points: readonly AnnotationPoint[]; options: AnnotationEncodeOptions }>): any[] {
  const req = collections.map(({ points, options }) => ({
    dir: writeCollection(encodePrecomputedAnnotations(points, options)),
    coords: points.map((p) => [p.location.x, p.location.y, p.location.z]),
  }));
  return python(DECODE_PY, req);
}

const f32 = Math.fround;

function rotZ(deg: number): number[][] {
  const t = (deg * Math.PI) / 180;
  return [
    [Math.cos(t), -Math.sin(t), 0],
    [Math.sin(t), Math.cos(t), 0],
    [0, 0, 1],
  ];
}
function rotX(deg: number): number[][] {
  const t = (deg * Math.PI) / 180;
  return [
    [1, 0, 0],
    [0, Math.cos(t), -Math.sin(t)],
    [0, Math.sin(t), Math.cos(t)],
  ];
}
const matmul = (a: number[][], b: number[][]) => a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, k) => s + v * b[k]![j]!, 0)));

const POINTS: AnnotationPoint[] = [
  { location: { x: 10, y: 20, z: 30 } },
  { location: { x: 0.1, y: 630.7, z: 183.3 } },
  { location: { x: -2.5, y: 1e5 + 0.3, z: 0 } },
  { location: { x: 511.99, y: 3, z: 91.25 } },
  { location: { x: 7, y: 7, z: 7 } },
];
const MATRICES = [
  rotZ(30),
  matmul(rotZ(-75), rotX(40)),
  [
    [0, 0, 1],
    [1, 0, 0],
    [0, 1, 0],
  ],
];
const ORIENTED: AnnotationPoint[] = MATRICES.map((m, i) => ({ location: { x: 5 + i, y: 100 - i * 3.5, z: 2 * i }, xyz_rotation_matrix: m }));

function checkCommon(d: any, points: readonly AnnotationPoint[], resolution: number) {
  expect(d.size_ok).toBe(true);
  expect(d.by_id_ok).toBe(true);
  expect(d.padding_zero).toBe(true);
  expect(d.count).toBe(points.length);
  const info = d.info;
  expect(info["@type"]).toBe("neuroglancer_annotations_v1");
  expect(info.annotation_type.toLowerCase()).toBe("point");
  expect(d.dimension_order).toEqual(["x", "y", "z"]);
  expect(info.dimensions).toEqual({ x: [resolution, "m"], y: [resolution, "m"], z: [resolution, "m"] });
  expect(info.relationships).toEqual([]);
  expect(info.by_id).toEqual({ key: "by_id" });
  expect(info.spatial).toHaveLength(1);
  const sp = info.spatial[0];
  expect(sp.key).toBe("spatial0");
  expect(sp.grid_shape).toEqual([1, 1, 1]);
  expect(sp.limit).toBe(points.length);
  expect(info.lower_bound).toEqual(d.expected_lower);
  expect(info.upper_bound).toEqual(d.expected_upper);
  // the single cell covers the bounds: chunk_size = max(1, upper - lower), as upstream's writer
  sp.chunk_size.forEach((c: number, k: number) => {
    expect(c).toBe(Math.max(1, d.expected_upper[k] - d.expected_lower[k]));
    expect(info.lower_bound[k] + c).toBeGreaterThanOrEqual(info.upper_bound[k]);
  });
  // ids 0..n-1, records in input order with the float32 coordinates
  expect(d.ids).toEqual(points.map((_, i) => i));
  d.records.forEach((r: any, i: number) => {
    const { x, y, z } = points[i]!.location;
    expect(r.geometry, `record ${i}`).toEqual([f32(x), f32(y), f32(z)]);
    expect(r.point_index).toBe(i);
  });
}

describe("encodePrecomputedAnnotations decodes with a reader written from the spec", () => {
  it("points: coordinates, point_index, diameter, rgb colour, name enum (uint8), info", () => {
    const resolution = 13.48e-10;
    const [d] = decode([{ points: POINTS, options: { resolution, objectDiameter: 275, objectName: "α-tubulin", colorOf: () => [12, 200, 255] } }]);
    checkCommon(d, POINTS, resolution);
    const props = Object.fromEntries(d.info.properties.map((p: any) => [p.id, p]));
    expect(Object.keys(props).sort()).toEqual(["color", "diameter", "name", "point_index"]);
    expect(props.name).toMatchObject({ type: "uint8", enum_values: [0], enum_labels: ["α-tubulin"] });
    expect(props.diameter.type).toBe("float32");
    expect(props.point_index.type).toBe("float32");
    expect(props.color.type).toBe("rgb");
    for (const r of d.records) {
      expect(r.diameter).toBe(f32(27.5));
      expect(r.color).toEqual([12, 200, 255]);
      expect(r.name).toBe(0);
      expect(r.name_label).toBe("α-tubulin");
    }
  });

  it("defaults: diameter 100 Å -> 10, white, name 0 labelled with the object name", () => {
    const [d] = decode([{ points: POINTS.slice(0, 2), options: { resolution: 1e-9, objectName: "ribosome" } }]);
    checkCommon(d, POINTS.slice(0, 2), 1e-9);
    for (const r of d.records) {
      expect(r.diameter).toBe(10);
      expect(r.color).toEqual([255, 255, 255]);
      expect(r.name_label).toBe("ribosome");
    }
  });

  it("oriented points: rot_mat_i_j are the input matrices (row-major, float32)", () => {
    const [d] = decode([{ points: ORIENTED, options: { resolution: 7.84e-10, isOriented: true, objectName: "FAS" } }]);
    checkCommon(d, ORIENTED, 7.84e-10);
    const types = Object.fromEntries(d.info.properties.map((p: any) => [p.id, p.type]));
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) expect(types[`rot_mat_${i}_${j}`]).toBe("float32");
    expect(Object.keys(types)).toHaveLength(4 + 9);
    d.records.forEach((r: any, n: number) => {
      for (let i = 0; i < 3; i++) {
        for (let j = 0; j < 3; j++) expect(r[`rot_mat_${i}_${j}`], `point ${n} [${i}][${j}]`).toBe(f32(MATRICES[n]![i]![j]!));
      }
    });
    // the test matrices are not symmetric, so a transposed layout would have failed above
    expect(MATRICES[0]![0]![1]).not.toBeCloseTo(MATRICES[0]![1]![0]!, 3);
  });

  it("oriented point without a 3x3 matrix is an error naming the record", () => {
    const bad = [
      ORIENTED[0]!,
      {
        location: { x: 1, y: 2, z: 3 },
        xyz_rotation_matrix: [
          [1, 0],
          [0, 1],
        ],
      },
    ];
    expect(() => encodePrecomputedAnnotations(bad, { resolution: 1e-9, isOriented: true, location: "s3://b/o.ndjson" })).toThrow(/s3:\/\/b\/o\.ndjson: record 2: .*3x3/);
  });

  it("instance points with >= 256 names: uint16 name property, per-instance labels and colours", () => {
    const ids = Array.from({ length: 300 }, (_, i) => i * 7 + 1);
    const points: AnnotationPoint[] = ids.map((id, i) => ({ location: { x: i % 17, y: (i * 3) % 29, z: i / 4 }, instance_id: id }));
    const colour = (id: number): [number, number, number] => [(id * 37) % 256, (id * 11) % 256, id % 256];
    const [d] = decode([
      {
        points,
        options: {
          resolution: 1e-9,
          namesById: new Map(ids.map((id) => [id, `membrane ${id}`])),
          labelOf: (p) => p.instance_id!,
          colorOf: (p) => colour(p.instance_id!),
        },
      },
    ]);
    checkCommon(d, points, 1e-9);
    const name = d.info.properties.find((p: any) => p.id === "name");
    expect(name.type).toBe("uint16");
    expect(name.enum_values).toEqual(ids);
    expect(d.enums_fit).toBe(true);
    d.records.forEach((r: any, i: number) => {
      expect(r.name).toBe(ids[i]);
      expect(r.name_label).toBe(`membrane ${ids[i]}`);
      expect(r.color).toEqual(colour(ids[i]!));
    });
  });

  it("instance ids that do not fit uint8 (few names, large ids) are stored exactly", () => {
    const cases = [
      [1, 300],
      [2, 300, 70000],
    ].map((ids) => {
      const points = ids.map((id, i) => ({ location: { x: i, y: i, z: i }, instance_id: id }));
      return { points, options: { resolution: 1e-9, namesById: new Map(ids.map((id) => [id, `i${id}`])), labelOf: (p: AnnotationPoint) => p.instance_id! } };
    });
    const decoded = decode(cases);
    decoded.forEach((d, k) => {
      const ids = cases[k]!.points.map((p) => p.instance_id);
      expect(d.enums_fit, `case ${k}`).toBe(true);
      expect(d.records.map((r: any) => r.name)).toEqual(ids);
      expect(d.records.map((r: any) => r.name_label)).toEqual(ids.map((id) => `i${id}`));
    });
  });

  it("a name value outside the property's integer type is an error, not a wrapped value", () => {
    const points = [{ location: { x: 1, y: 2, z: 3 } }, { location: { x: 1, y: 2, z: 3 }, instance_id: -1 }];
    expect(() => encodePrecomputedAnnotations(points, { resolution: 1e-9, labelOf: (p) => p.instance_id ?? 0, location: "x.ndjson" })).toThrow(/x\.ndjson: record 2/);
    expect(() => encodePrecomputedAnnotations(points, { resolution: 1e-9, labelOf: (p) => (p.instance_id === undefined ? 0 : NaN) })).toThrow(PrecomputedAnnotationError);
  });

  it("a non-finite (or float32-overflowing) coordinate is a PrecomputedAnnotationError naming location and record", () => {
    const bad: Array<Partial<AnnotationPoint["location"]>> = [
      { x: NaN, y: 1, z: 1 },
      { x: 1, y: Infinity, z: 1 },
      { x: 1, y: 1 },
      { x: 1, y: 1, z: 1e39 },
    ];
    for (const loc of bad) {
      const points = [POINTS[0]!, POINTS[1]!, { location: loc } as AnnotationPoint];
      let err: unknown;
      try {
        encodePrecomputedAnnotations(points, { resolution: 1e-9, location: "s3://bucket/run/points.ndjson" });
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(loc)).toBeInstanceOf(PrecomputedAnnotationError);
      const e = err as PrecomputedAnnotationError;
      expect(e.message).toContain("s3://bucket/run/points.ndjson");
      expect(e.message).toContain("record 3");
      expect(e.file).toBe("s3://bucket/run/points.ndjson");
      expect(e.record).toBe(3);
    }
  });

  it("an empty collection still has a parseable info with finite bounds", () => {
    const files = encodePrecomputedAnnotations([], { resolution: 1e-9, objectName: "x" });
    const info = JSON.parse(new TextDecoder().decode(files.find((f) => f.path === "info")!.bytes));
    for (const key of ["lower_bound", "upper_bound"]) {
      expect(info[key]).toHaveLength(3);
      expect(info[key].every((v: unknown) => typeof v === "number" && Number.isFinite(v))).toBe(true);
    }
    expect(info.spatial[0].chunk_size.every((v: number) => v > 0)).toBe(true);
    const spatial = files.find((f) => f.path === "spatial0/0_0_0")!.bytes;
    expect([...spatial]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it("is deterministic: same input, identical files and bytes", () => {
    const opts: AnnotationEncodeOptions = { resolution: 7.84e-10, isOriented: true, objectName: "FAS", colorOf: () => [1, 2, 3] };
    const a = encodePrecomputedAnnotations(ORIENTED, opts);
    const b = encodePrecomputedAnnotations(structuredClone(ORIENTED), { ...opts });
    expect(a.map((f) => f.path)).toEqual(b.map((f) => f.path));
    expect(a.map((f) => f.path).sort()).toEqual(["by_id/0", "by_id/1", "by_id/2", "info", "spatial0/0_0_0"]);
    a.forEach((f, i) => expect(Buffer.from(f.bytes).equals(Buffer.from(b[i]!.bytes)), f.path).toBe(true));
  });
});

// ---------------------------------------------------------------------------------------------
// 3. viewer state
// ---------------------------------------------------------------------------------------------

const PREFIX = "https://files.example.org";
const VS_DIR = "10000/TS_01/Reconstructions/VoxelSpacing12.300";
const PRECOMP = `${VS_DIR}/NeuroglancerPrecompute`;
const ZARR = `${VS_DIR}/Tomograms/100/TS_01.zarr`;

function anno(id: number, name: string, files: AnnotationInput["metadata"]["files"], extra: Partial<AnnotationInput> = {}, md: Json = {}): AnnotationInput {
  return {
    metadata: {
      annotation_method: "manual",
      annotation_object: { id: `GO:${id}`, name },
      deposition_id: 10301,
      ground_truth_status: false,
      files,
      ...md,
    },
    stem: `${id}-${name.replace(/ /g, "_")}-1.0`,
    precomputeDir: PRECOMP,
    ...extra,
  };
}

function stateInput(overrides: Partial<NeuroglancerStateInput["tomogram"]> = {}, prefix = PREFIX): NeuroglancerStateInput {
  return {
    httpsPrefix: prefix,
    tomogram: { zarrPath: ZARR, name: "TS_01", voxelSpacing: 12.3, size: { x: 631, y: 633, z: 184 }, mean: 0.5, rms: 2.25, ...overrides },
    annotations: [
      anno(100, "ribosome", [
        { shape: "Point", format: "ndjson", is_visualization_default: true },
        { shape: "SegmentationMask", format: "zarr", is_visualization_default: false },
        { shape: "SegmentationMask", format: "mrc", is_visualization_default: true },
      ]),
      anno(101, "fatty acid synthase", [{ shape: "OrientedPoint", format: "ndjson", is_visualization_default: true }], { hasOrientedMesh: true }),
      anno(102, "nucleosome", [{ shape: "OrientedPoint", format: "ndjson", is_visualization_default: true }], { hasOrientedMesh: false }),
      anno(103, "vesicle", [
        { shape: "InstanceSegmentation", format: "ndjson" },
        { shape: "GlobalCaption", format: "ndjson", is_visualization_default: true },
      ]),
      anno(104, "membrane", [{ shape: "TriangularMesh", format: "glb", is_visualization_default: true }], {
        precomputeDir: `${PRECOMP}/`,
      }),
    ],
  };
}

const POSITION_PY = `
import json, sys
import numpy as np
print(json.dumps([[float(np.round(np.mean([c["size"][d], c["start"][d]]))) for d in "xyz"] for c in json.load(sys.stdin)]))
`;

const layersOf = (s: Json) => s.layers as Json[];
const sourceUrl = (l: Json) => (l.source as Json).url as string;
const layerColor = (l: Json) => (l.type === "annotation" ? (l.shaderControls as Json).color : l.segmentDefaultColor) as string;

describe("buildNeuroglancerState", () => {
  const state = buildNeuroglancerState(stateInput());
  const layers = layersOf(state);

  it("layer order, names and types; non-visualized files left out", () => {
    expect(layers.map((l) => [l.type, l.name])).toEqual([
      ["image", "TS_01"],
      ["annotation", "100 ribosome point"],
      ["segmentation", "100 ribosome segmentation"],
      ["segmentation", "101 fatty acid synthase orientedmesh"],
      ["annotation", "101 fatty acid synthase orientedpoint"],
      ["annotation", "102 nucleosome orientedpoint"],
      ["annotation", "103 vesicle point"],
      ["segmentation", "104 membrane mesh"],
    ]);
    expect(state.selectedLayer).toMatchObject({ layer: "TS_01" });
  });

  it("source URLs: zarr:// for the tomogram, precomputed://<prefix>/<dir>/<stem>_<shape>", () => {
    const p = `precomputed://${PREFIX}/${PRECOMP}`;
    expect(layers.map(sourceUrl)).toEqual([
      `zarr://${PREFIX}/${ZARR}`,
      `${p}/100-ribosome-1.0_point`,
      `${p}/100-ribosome-1.0_segmentationmask`,
      `${p}/101-fatty_acid_synthase-1.0_orientedmesh`,
      `${p}/101-fatty_acid_synthase-1.0_orientedpoint`,
      `${p}/102-nucleosome-1.0_orientedpoint`,
      `${p}/103-vesicle-1.0_instancesegmentation`,
      `${p}/104-membrane-1.0_triangularmesh`,
    ]);
  });

  it("an https prefix with a path (with or without trailing slash) is kept", () => {
    for (const prefix of ["https://mirror.example.org/portal/data", "https://mirror.example.org/portal/data/"]) {
      const urls = layersOf(buildNeuroglancerState(stateInput({}, prefix))).map(sourceUrl);
      expect(urls[0]).toBe(`zarr://https://mirror.example.org/portal/data/${ZARR}`);
      expect(urls[1]).toBe(`precomputed://https://mirror.example.org/portal/data/${PRECOMP}/100-ribosome-1.0_point`);
    }
  });

  it("dimensions in metres (voxel spacing Å × 1e-10) on the state and every source", () => {
    const m = 12.3 * 1e-10;
    const dims = { x: [m, "m"], y: [m, "m"], z: [m, "m"] };
    expect(state.dimensions).toEqual(dims);
    for (const l of layers) {
      const t = (l.source as Json).transform as Json;
      expect(t.outputDimensions, String(l.name)).toEqual(dims);
      expect(t.inputDimensions, String(l.name)).toEqual(dims);
    }
    const d = (buildNeuroglancerState(stateInput({ voxelSpacing: 4.9900004 })).dimensions as Json).x as [number, string];
    expect(d[0]).toBeCloseTo(4.99e-10, 22);
  });

  it("contrast limits: given, else mean ± 3·rms, else [-64, 64]", () => {
    const range = (s: Json) => ((layersOf(s)[0]!.shaderControls as Json).contrast as Json).range;
    expect(range(state)).toEqual([0.5 - 3 * 2.25, 0.5 + 3 * 2.25]);
    expect(range(buildNeuroglancerState(stateInput({ contrastLimits: [-3, 17] })))).toEqual([-3, 17]);
    expect(range(buildNeuroglancerState(stateInput({ mean: undefined, rms: undefined })))).toEqual([-64, 64]);
    expect(range(buildNeuroglancerState(stateInput({ rms: undefined })))).toEqual([-64, 64]);
    const window = ((layersOf(state)[0]!.shaderControls as Json).contrast as Json).window as number[];
    expect(window[0]).toBeLessThanOrEqual(0.5 - 3 * 2.25);
    expect(window[1]).toBeGreaterThanOrEqual(0.5 + 3 * 2.25);
  });

  it("position = centre of the volume (numpy rounding), scales from the largest extent, 4panel", () => {
    const tomos = [
      { size: { x: 631, y: 633, z: 184 }, start: { x: 0, y: 0, z: 0 } },
      { size: { x: 500, y: 401, z: 200 }, start: { x: 100, y: 0, z: 49 } },
    ];
    const expected = python(POSITION_PY, tomos);
    tomos.forEach((t, i) => {
      const s = buildNeuroglancerState(stateInput(i === 0 ? { size: t.size } : t));
      expect(s.position).toEqual(expected[i]);
      const largest = Math.max(t.size.x - t.start.x, t.size.y - t.start.y, t.size.z - t.start.z);
      expect(s.crossSectionScale).toBe(Math.max(largest / 400, 1));
      expect(s.projectionScale).toBeCloseTo(largest * 1.1, 9);
      expect(s.layout).toBe("4panel");
    });
    // 631/2 = 315.5 -> 316 and 633/2 = 316.5 -> 316: half to even, as np.round
    expect(expected[0]).toEqual([316, 316, 92]);
  });

  it("visibility follows is_visualization_default; the oriented point hides behind its mesh", () => {
    const visible = Object.fromEntries(layers.map((l) => [l.name, l.visible]));
    expect(visible).toEqual({
      TS_01: true,
      "100 ribosome point": true,
      "100 ribosome segmentation": false,
      "101 fatty acid synthase orientedmesh": true,
      "101 fatty acid synthase orientedpoint": false,
      "102 nucleosome orientedpoint": true,
      "103 vesicle point": false, // no is_visualization_default
      "104 membrane mesh": true,
    });
  });

  it("colours are #rrggbb, stable across calls, distinct between shapes, and follow the seed", () => {
    const colours = layers.slice(1).map(layerColor);
    for (const c of colours) expect(c).toMatch(/^#[0-9a-f]{6}$/);
    expect(layersOf(buildNeuroglancerState(stateInput())).slice(1).map(layerColor)).toEqual(colours);
    // ribosome Point vs SegmentationMask: same annotation, different shapes
    expect(colours[0]).not.toBe(colours[1]);
    // the oriented mesh shares its oriented point's colour
    expect(colours[2]).toBe(colours[3]);
    // a different seed input (ground truth status) gives a different colour
    const changed = stateInput();
    changed.annotations[0]!.metadata.ground_truth_status = true;
    expect(layerColor(layersOf(buildNeuroglancerState(changed))[1]!)).not.toBe(colours[0]);
  });

  it("annotation shaders: instance points take the per-point colour property", () => {
    const byName = Object.fromEntries(layers.map((l) => [l.name, l]));
    expect(byName["103 vesicle point"]!.shader).toContain("prop_color()");
    expect(byName["100 ribosome point"]!.shader).not.toContain("prop_color()");
    expect(byName["101 fatty acid synthase orientedpoint"]!.shaderControls).toHaveProperty("lineWidth");
  });

  it("no helper keys starting with '_' are left on any layer or the state", () => {
    const underscored = (o: Json) => Object.keys(o).filter((k) => k.startsWith("_"));
    expect(underscored(state)).toEqual([]);
    for (const l of layers) expect(underscored(l), String(l.name)).toEqual([]);
    expect(JSON.stringify(state)).not.toMatch(/"_[A-Za-z]/);
  });
});
