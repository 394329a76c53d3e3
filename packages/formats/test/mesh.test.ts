// Triangular mesh annotations: every input format the portal accepts (OBJ, STL, VTK, GLB, HFF)
// is generated here from one shape, converted to GLB, and the GLB is checked with independent
// readers (Khronos glTF-Validator, glTF Transform). HFF fixtures are written with h5py in the
// layout of the portal's tests/data_generators/generate_mesh.py.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Document, NodeIO } from "@gltf-transform/core";
import validator from "gltf-validator";
import { afterAll, describe, expect, it } from "vitest";
import { MeshError, convertMeshToGlb, listHffSegmentNames, readGlb, readMesh, readObj, readStl, readVtk, writeGlb } from "../src/mesh/index.js";

const PYTHON = "/usr/bin/python3";
const work = mkdtempSync(join(tmpdir(), "ingestkit-mesh-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------------
// The shape: an irregular octagonal prism (two octagons + eight quads), coordinates multiples of
// 0.25 so that every format (decimal text, float32, float64) holds them exactly.
const OCTAGON: [number, number][] = [
  [1, 0.5],
  [0.5, 1],
  [-0.5, 1],
  [-1, 0.5],
  [-1, -0.5],
  [-0.5, -1],
  [0.5, -1],
  [1, -0.5],
];
const Z0 = 0.25;
const Z1 = 1.75;
const rawVertices: number[][] = [...OCTAGON.map(([x, y]) => [x + 2, y - 1, Z0]), ...OCTAGON.map(([x, y]) => [x + 2, y - 1, Z1])];
// outward-facing polygons (counter-clockwise seen from outside)
const rawPolygons: number[][] = [
  [7, 6, 5, 4, 3, 2, 1, 0], // bottom, seen from below
  [8, 9, 10, 11, 12, 13, 14, 15], // top
  ...OCTAGON.map((_, i) => [i, (i + 1) % 8, 8 + ((i + 1) % 8), 8 + i]),
];

/** Renumbers vertices in first-use order, so that welding a triangle soup gives the same order. */
function canonical() {
  const order: number[] = [];
  const seen = new Map<number, number>();
  const use = (v: number) => {
    if (!seen.has(v)) {
      seen.set(v, order.length);
      order.push(v);
    }
    return seen.get(v)!;
  };
  const fan = (p: number[]) => p.slice(1, -1).map((_, k) => [p[0]!, p[k + 1]!, p[k + 2]!]);
  const triangles = rawPolygons.flatMap(fan).map((t) => t.map(use));
  const polygons = rawPolygons.map((p) => p.map((v) => seen.get(v)!));
  return { vertices: order.map((v) => rawVertices[v]!), polygons, triangles };
}
const SHAPE = canonical();
const SCALE = 2.5;

// ---------------------------------------------------------------------------------------------
// Writers for the fixtures (simple, from the format descriptions)

function objText(): string {
  const lines = ["# octagonal prism", "mtllib none.mtl", "o prism", "g sides"];
  SHAPE.vertices.forEach(([x, y, z]) => lines.push(`v ${x} ${y} ${z}`));
  lines.push("vt 0 0", "vt 1 0", "vn 0 0 1", "s off");
  const n = SHAPE.vertices.length;
  SHAPE.polygons.forEach((poly, i) => {
    // mix the index forms: plain, v/vt, v//vn, v/vt/vn, and negative (relative) indices
    const refs = poly.map((v, k) => {
      const idx = i % 3 === 2 ? String(v - n) : String(v + 1);
      return [idx, `${idx}/1`, `${idx}//1`, `${idx}/2/1`][(i + k) % 4]!;
    });
    lines.push(`f ${refs.join(" ")}`);
  });
  return lines.join("\n") + "\n";
}

function normal(t: number[]): number[] {
  const [a, b, c] = t.map((v) => SHAPE.vertices[v]!) as [number[], number[], number[]];
  const u = [b[0]! - a[0]!, b[1]! - a[1]!, b[2]! - a[2]!];
  const w = [c[0]! - a[0]!, c[1]! - a[1]!, c[2]! - a[2]!];
  return [u[1]! * w[2]! - u[2]! * w[1]!, u[2]! * w[0]! - u[0]! * w[2]!, u[0]! * w[1]! - u[1]! * w[0]!];
}

function asciiStl(triangles = SHAPE.triangles, name = "prism"): string {
  const out = [`solid ${name}`];
  for (const t of triangles) {
    out.push(`  facet normal ${normal(t).join(" ")}`, "    outer loop");
    for (const v of t) out.push(`      vertex ${SHAPE.vertices[v]!.join(" ")}`);
    out.push("    endloop", "  endfacet");
  }
  out.push(`endsolid ${name}`);
  return out.join("\n") + "\n";
}

function binaryStl(): Uint8Array {
  const n = SHAPE.triangles.length;
  const out = new Uint8Array(84 + 50 * n);
  const view = new DataView(out.buffer);
  out.set(new TextEncoder().encode("binary STL written by the ingestkit mesh test"), 0);
  view.setUint32(80, n, true);
  SHAPE.triangles.forEach((t, i) => {
    const at = 84 + 50 * i;
    normal(t).forEach((c, k) => view.setFloat32(at + 4 * k, c, true));
    t.forEach((v, j) => SHAPE.vertices[v]!.forEach((c, k) => view.setFloat32(at + 12 + 12 * j + 4 * k, c, true)));
  });
  return out;
}

/** Legacy VTK: version 4.2 (`n size` + `k i..` records) or 5.1 (OFFSETS/CONNECTIVITY), ASCII. */
function asciiVtk(version: "4.2" | "5.1"): string {
  const pts = SHAPE.vertices.map((p) => p.join(" "));
  const head = [`# vtk DataFile Version ${version}`, "vtk output", "ASCII", "DATASET POLYDATA", `POINTS ${pts.length} float`];
  const body: string[] = [];
  for (let i = 0; i < pts.length; i += 3) body.push(pts.slice(i, i + 3).join(" "));
  if (version === "5.1") {
    body.push("METADATA", "INFORMATION 0", "");
    const offsets = [0];
    SHAPE.polygons.forEach((p) => offsets.push(offsets.at(-1)! + p.length));
    body.push(`POLYGONS ${offsets.length} ${offsets.at(-1)}`, "OFFSETS vtktypeint64", offsets.join(" "), "CONNECTIVITY vtktypeint64");
    body.push(SHAPE.polygons.flat().join(" "));
  } else {
    const size = SHAPE.polygons.reduce((s, p) => s + p.length + 1, 0);
    body.push(`POLYGONS ${SHAPE.polygons.length} ${size}`, ...SHAPE.polygons.map((p) => `${p.length} ${p.join(" ")}`));
  }
  // trailing point data, which the reader must stop at
  body.push(`POINT_DATA ${pts.length}`, "SCALARS s float 1", "LOOKUP_TABLE default", SHAPE.vertices.map(() => "1").join(" "));
  return [...head, ...body].join("\n") + "\n";
}

/** Legacy VTK BINARY: big-endian values after each keyword line. */
function binaryVtk(version: "4.2" | "5.1"): Uint8Array {
  const parts: Uint8Array[] = [];
  const text = (s: string) => parts.push(new TextEncoder().encode(s));
  const be = (values: number[], kind: "f32" | "i32" | "i64") => {
    const size = kind === "i64" ? 8 : 4;
    const b = new Uint8Array(values.length * size);
    const v = new DataView(b.buffer);
    values.forEach((x, i) => (kind === "f32" ? v.setFloat32(i * 4, x) : kind === "i32" ? v.setInt32(i * 4, x) : v.setBigInt64(i * 8, BigInt(x))));
    parts.push(b);
  };
  text(`# vtk DataFile Version ${version}\nbinary\nBINARY\nDATASET POLYDATA\nPOINTS ${SHAPE.vertices.length} float\n`);
  be(SHAPE.vertices.flat(), "f32");
  if (version === "5.1") {
    const offsets = [0];
    SHAPE.polygons.forEach((p) => offsets.push(offsets.at(-1)! + p.length));
    text(`\nPOLYGONS ${offsets.length} ${offsets.at(-1)}\nOFFSETS vtktypeint64\n`);
    be(offsets, "i64");
    text("\nCONNECTIVITY vtktypeint64\n");
    be(SHAPE.polygons.flat(), "i64");
  } else {
    const size = SHAPE.polygons.reduce((s, p) => s + p.length + 1, 0);
    text(`\nPOLYGONS ${SHAPE.polygons.length} ${size}\n`);
    be(
      SHAPE.polygons.flatMap((p) => [p.length, ...p]),
      "i32",
    );
  }
  text("\n");
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * GLB written by glTF Transform: the mesh sits under parent (translation) -> child (scale 2);
 * positions are stored pre-divided so that the node transforms give the shape back exactly.
 */
async function transformedGlb(): Promise<Uint8Array> {
  const t = [1, -2, 0.5];
  const doc = new Document();
  const buffer = doc.createBuffer();
  const local = SHAPE.vertices.flatMap((p) => p.map((c, k) => (c - t[k]!) / 2));
  const position = doc.createAccessor().setType("VEC3").setArray(new Float32Array(local)).setBuffer(buffer);
  const indices = doc.createAccessor().setType("SCALAR").setArray(new Uint16Array(SHAPE.triangles.flat())).setBuffer(buffer);
  const mesh = doc.createMesh("prism").addPrimitive(doc.createPrimitive().setAttribute("POSITION", position).setIndices(indices));
  const child = doc.createNode("child").setMesh(mesh).setScale([2, 2, 2]);
  const parent = doc
    .createNode("parent")
    .setTranslation(t as [number, number, number])
    .addChild(child);
  doc.createScene().addChild(parent);
  return new NodeIO().writeBinary(doc);
}

function python(script: string, args: string[] = []): string {
  const run = spawnSync(PYTHON, ["-c", script, ...args], { encoding: "utf8" });
  // No Debian python3 / h5py is a failure here, never a skip.
  expect(run.error, `${PYTHON} must be installed`).toBeUndefined();
  expect(run.status, run.stderr).toBe(0);
  return run.stdout;
}

/**
 * EMDB-SFF HDF5 as the portal's generate_mesh.py writes it: version, then per segment
 * biological_annotation/name, mesh_list/<id>/{vertices,triangles}/{data (base64), mode}, colour.
 * `segments` is JSON: [{id, name?, meshes: [{id, vertices, vmode, triangles, tmode, endianness?}]}].
 */
function writeHff(name: string, segments: unknown): Uint8Array {
  const path = join(work, name);
  python(
    `
import base64, json, sys
import h5py, numpy as np
segments = json.loads(sys.argv[2])
with h5py.File(sys.argv[1], "w") as fp:
    fp.create_dataset("version", data="0.8.0.dev1")
    for seg in segments:
        base = f"segment_list/{seg['id']}"
        fp.create_group(base)
        if "name" in seg:
            fp.create_group(f"{base}/biological_annotation")
            fp[f"{base}/biological_annotation"].create_dataset("name", data=seg["name"])
        for mesh in seg["meshes"]:
            for key, mode in (("vertices", "vmode"), ("triangles", "tmode")):
                order = ">" if mesh.get("endianness") == "big" else "<"
                arr = np.array(mesh[key], dtype=np.dtype(mesh[mode]).newbyteorder(order))
                group = fp.create_group(f"{base}/mesh_list/{mesh['id']}/{key}")
                group.create_dataset("data", data=base64.b64encode(arr.tobytes()))
                group.create_dataset("mode", data=arr.dtype.name)
                if "endianness" in mesh:
                    group.create_dataset("endianness", data=mesh["endianness"])
        fp[base].create_dataset("colour", data=np.array([102, 102, 102, 255], dtype=np.uint8))
`,
    [path, JSON.stringify(segments)],
  );
  return new Uint8Array(readFileSync(path));
}

const enc = (s: string) => new TextEncoder().encode(s);

/** Reads a GLB with glTF Transform (independent reader): flattened positions and indices. */
async function independentRead(glb: Uint8Array) {
  const doc = await new NodeIO().readBinary(glb);
  const prims = doc
    .getRoot()
    .listMeshes()
    .flatMap((m) => m.listPrimitives());
  expect(prims).toHaveLength(1);
  return {
    doc,
    positions: Array.from<number>(prims[0]!.getAttribute("POSITION")!.getArray()!),
    indices: Array.from<number>(prims[0]!.getIndices()!.getArray()!),
  };
}

async function validate(glb: Uint8Array) {
  const report = await validator.validateBytes(glb, { maxIssues: 50 });
  return report.issues as { numErrors: number; numWarnings: number; messages: unknown[] };
}

/** V - E + F and whether every edge is used exactly twice, in opposite directions (watertight, consistently wound). */
function topology(indices: number[], vertexCount: number) {
  const directed = new Map<string, number>();
  for (let t = 0; t < indices.length; t += 3) {
    for (let k = 0; k < 3; k++) {
      const key = `${indices[t + k]}>${indices[t + ((k + 1) % 3)]}`;
      directed.set(key, (directed.get(key) ?? 0) + 1);
    }
  }
  const undirected = new Set(
    [...directed.keys()].map((k) =>
      k
        .split(">")
        .map(Number)
        .sort((a, b) => a - b)
        .join("-"),
    ),
  );
  const closed = [...directed.entries()].every(([k, n]) => n === 1 && directed.get(k.split(">").reverse().join(">")) === 1);
  return { euler: vertexCount - undirected.size + indices.length / 3, closed };
}

/** Signed volume (divergence theorem): positive when the faces point outwards. */
function signedVolume(positions: number[], indices: number[]): number {
  let v = 0;
  for (let t = 0; t < indices.length; t += 3) {
    const [a, b, c] = [0, 1, 2].map((k) => positions.slice(3 * indices[t + k]!, 3 * indices[t + k]! + 3)) as [number[], number[], number[]];
    v += (a[0]! * (b[1]! * c[2]! - b[2]! * c[1]!) - a[1]! * (b[0]! * c[2]! - b[2]! * c[0]!) + a[2]! * (b[0]! * c[1]! - b[1]! * c[0]!)) / 6;
  }
  return v;
}

// ---------------------------------------------------------------------------------------------

describe("mesh formats -> GLB", () => {
  const expectedPositions = SHAPE.vertices.flat().map((c) => c * SCALE);
  const expectedIndices = SHAPE.triangles.flat();

  it("OBJ, ASCII/binary STL, VTK 4.2/5.1 ASCII/binary, GLB and HFF of one shape give identical GLB bytes", async () => {
    const hff = writeHff("same.hff", [
      { id: 1, name: "special_name", meshes: [{ id: 1, vertices: SHAPE.vertices, vmode: "float64", triangles: SHAPE.triangles, tmode: "int64" }] },
    ]);
    const inputs: [string, Parameters<typeof convertMeshToGlb>[0], Uint8Array][] = [
      ["prism.obj", "obj", enc(objText())],
      ["prism-ascii.stl", "stl", enc(asciiStl())],
      ["prism-binary.stl", "stl", binaryStl()],
      ["prism-42.vtk", "vtk", enc(asciiVtk("4.2"))],
      ["prism-51.vtk", "vtk", enc(asciiVtk("5.1"))],
      ["prism-42-binary.vtk", "vtk", binaryVtk("4.2")],
      ["prism-51-binary.vtk", "vtk", binaryVtk("5.1")],
      ["prism.glb", "glb", await transformedGlb()],
      ["prism.hff", "hff", hff],
    ];
    const outputs = await Promise.all(inputs.map(([name, format, bytes]) => convertMeshToGlb(format, bytes, name, { scaleFactor: SCALE, meshName: "special_name" })));
    const reference = Buffer.from(outputs[0]!);
    outputs.forEach((out, i) => expect(Buffer.from(out).equals(reference), inputs[i]![0]).toBe(true));

    // independent readers: the validator finds nothing, glTF Transform reads the scaled shape back
    const issues = await validate(outputs[0]!);
    expect(issues.messages).toEqual([]);
    expect(issues.numErrors).toBe(0);
    const { positions, indices, doc } = await independentRead(outputs[0]!);
    expect(positions).toEqual(expectedPositions);
    expect(indices).toEqual(expectedIndices);
    // what trimesh's identifier looks at: a welded, closed, outward-wound genus-0 surface
    expect(topology(indices, positions.length / 3)).toEqual({ euler: 2, closed: true });
    expect(signedVolume(positions, indices)).toBeCloseTo(3.5 * 1.5 * SCALE ** 3, 9); // octagon area 3.5, height 1.5
    // trimesh's scene layout: scene 0 -> node "world" -> node with mesh 0
    const root = doc.getRoot();
    expect(
      root
        .listScenes()[0]!
        .listChildren()
        .map((n) => n.getName()),
    ).toEqual(["world"]);
    expect(root.listScenes()[0]!.listChildren()[0]!.listChildren()[0]!.getMesh()).toBe(root.listMeshes()[0]);
  });

  it("writes trimesh's JSON layout: uint32 indices first, float32 POSITION with min/max, Python float notation", () => {
    const glb = writeGlb(readObj(enc(objText()), "prism.obj"), 0.1);
    const view = new DataView(glb.buffer, glb.byteOffset, glb.byteLength);
    const jsonLength = view.getUint32(12, true);
    expect(jsonLength % 4).toBe(0);
    expect(view.getUint32(8, true)).toBe(glb.length);
    const jsonText = new TextDecoder().decode(glb.subarray(20, 20 + jsonLength)).trimEnd();
    const tree = JSON.parse(jsonText);
    expect(Object.keys(tree)).toEqual(["scene", "scenes", "asset", "accessors", "meshes", "nodes", "buffers", "bufferViews"]);
    expect(tree.nodes).toEqual([
      { name: "world", children: [1] },
      { name: "geometry_0", mesh: 0 },
    ]);
    expect(tree.meshes[0].primitives).toEqual([{ attributes: { POSITION: 1 }, indices: 0, mode: 4 }]);
    expect(tree.accessors[0]).toEqual({ componentType: 5125, type: "SCALAR", bufferView: 0, count: 84, max: [15], min: [0] });
    expect(tree.accessors[1]).toMatchObject({ componentType: 5126, type: "VEC3", byteOffset: 0, bufferView: 1, count: 16 });
    // min/max are the float32 values, written as Python's json writes them (checked with python)
    const min = SHAPE.vertices.reduce((m, p) => m.map((c, k) => Math.min(c, Math.fround(p[k]! * 0.1))), [Infinity, Infinity, Infinity]);
    expect(tree.accessors[1].min).toEqual(min);
    const pyMin = python("import json, numpy as np, sys\nprint(json.dumps(np.array(json.loads(sys.argv[1]), dtype=np.float32).tolist(), separators=(',', ':')))", [
      JSON.stringify(min),
    ]).trim();
    expect(jsonText).toContain(`"min":${pyMin}`);
    // deterministic
    expect(Buffer.from(writeGlb(readObj(enc(objText()), "prism.obj"), 0.1)).equals(Buffer.from(glb))).toBe(true);
  });

  it("a negative scale factor mirrors the mesh and reverses the winding (faces keep pointing out)", async () => {
    const mesh = readObj(enc(objText()), "prism.obj");
    const { positions, indices } = await independentRead(writeGlb(mesh, -1));
    expect(positions).toEqual(SHAPE.vertices.flat().map((c) => -c));
    expect(signedVolume(positions, indices)).toBeCloseTo(3.5 * 1.5, 9);
    expect(() => writeGlb(mesh, 0, "m.obj")).toThrow(/m\.obj: scale_factor: .*finite non-zero/);
    expect(() => writeGlb(mesh, Number.NaN, "m.obj")).toThrow(MeshError);
  });
});

describe("what trimesh's loading does to the geometry", () => {
  it("STL triangle soup is welded: 84 corners become 16 vertices in first-use order", () => {
    for (const mesh of [readStl(binaryStl(), "b.stl"), readStl(enc(asciiStl()), "a.stl")]) {
      expect(Array.from(mesh.vertices)).toEqual(SHAPE.vertices.flat());
      expect(Array.from(mesh.faces)).toEqual(SHAPE.triangles.flat());
    }
  });

  it("ASCII STL with two solids: each welded alone, then concatenated (a shared corner stays twice)", () => {
    const text = asciiStl(SHAPE.triangles.slice(0, 6), "a") + asciiStl(SHAPE.triangles.slice(6), "b");
    const mesh = readStl(enc(text), "two.stl");
    const welded = readStl(enc(asciiStl()), "one.stl");
    expect(mesh.faces.length).toBe(welded.faces.length);
    const firstSolidVertices = new Set(SHAPE.triangles.slice(0, 6).flat()).size;
    const secondSolidVertices = new Set(SHAPE.triangles.slice(6).flat()).size;
    expect(mesh.vertices.length / 3).toBe(firstSolidVertices + secondSolidVertices);
  });

  it("OBJ: vertices at the same position are merged, unreferenced ones dropped, quads/n-gons fanned", () => {
    const text = "v 0 0 0\nv 9 9 9\nv 1 0 0\nv 1 1 0\nv 0 1 0\nv 1e-10 0 0\nf 1 3 4 5\nf 6 4 5\n";
    const mesh = readObj(enc(text), "q.obj");
    expect(Array.from(mesh.vertices)).toEqual([0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0]);
    expect(Array.from(mesh.faces)).toEqual([0, 1, 2, 0, 2, 3, 0, 2, 3]);
  });

  it("VTK triangle strips are unrolled with alternating winding; VERTICES and LINES are dropped", () => {
    const text = [
      "# vtk DataFile Version 3.0",
      "strip",
      "ASCII",
      "DATASET POLYDATA",
      "POINTS 5 double",
      "0 0 0 1 0 0 0 1 0 1 1 0 2 1 0",
      "VERTICES 1 2",
      "1 4",
      "LINES 1 3",
      "2 0 4",
      "TRIANGLE_STRIPS 1 6",
      "5 0 1 2 3 4",
      "",
    ].join("\n");
    const mesh = readVtk(enc(text), "s.vtk");
    expect(Array.from(mesh.faces)).toEqual([0, 1, 2, 2, 1, 3, 2, 3, 4]);
  });

  it("GLB is not welded: duplicated and unused vertices of the file stay, as trimesh loads glTF with process=False", async () => {
    const doc = new Document();
    const buffer = doc.createBuffer();
    const pos = new Float32Array([0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 5, 5, 5]);
    const position = doc.createAccessor().setType("VEC3").setArray(pos).setBuffer(buffer);
    const indices = doc
      .createAccessor()
      .setType("SCALAR")
      .setArray(new Uint32Array([0, 1, 2, 3, 2, 1]))
      .setBuffer(buffer);
    doc.createScene().addChild(doc.createNode().setMesh(doc.createMesh().addPrimitive(doc.createPrimitive().setAttribute("POSITION", position).setIndices(indices))));
    const mesh = readGlb(await new NodeIO().writeBinary(doc), "d.glb");
    expect(Array.from(mesh.vertices)).toEqual(Array.from(pos));
    expect(Array.from(mesh.faces)).toEqual([0, 1, 2, 3, 2, 1]);
  });

  it("GLB scene: rotation, mirroring scale, nested nodes and several primitives flattened like glTF Transform's world matrices", async () => {
    const doc = new Document();
    const buffer = doc.createBuffer();
    const tri = new Float32Array([0, 0, 0, 1, 0, 0, 0, 1, 0]);
    const quadStrip = new Float32Array([0, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1]);
    const posA = doc.createAccessor().setType("VEC3").setArray(tri).setBuffer(buffer);
    const posB = doc.createAccessor().setType("VEC3").setArray(quadStrip).setBuffer(buffer);
    const mesh = doc
      .createMesh()
      .addPrimitive(doc.createPrimitive().setAttribute("POSITION", posA)) // no indices: drawn in order
      .addPrimitive(doc.createPrimitive().setAttribute("POSITION", posB).setMode(5)); // triangle strip
    const s = Math.SQRT1_2;
    const leaf = doc.createNode("leaf").setMesh(mesh).setScale([-1, 2, 1]).setTranslation([0.5, 0, 0]);
    const mid = doc.createNode("mid").setRotation([0, 0, s, s]).addChild(leaf);
    const top = doc.createNode("top").setTranslation([10, 20, 30]).addChild(mid);
    const plain = doc.createNode("plain").setMesh(mesh);
    doc.createScene().addChild(top).addChild(plain);
    const glb = await new NodeIO().writeBinary(doc);
    const ours = readGlb(glb, "scene.glb");

    const apply = (m: number[], p: number[]) => [0, 1, 2].map((r) => m[r]! * p[0]! + m[4 + r]! * p[1]! + m[8 + r]! * p[2]! + m[12 + r]!);
    const expected: number[] = [];
    for (const node of [leaf, plain]) {
      const world = node.getWorldMatrix() as unknown as number[];
      for (const arr of [tri, quadStrip]) for (let i = 0; i < arr.length; i += 3) expected.push(...apply(world, Array.from(arr.subarray(i, i + 3))));
    }
    expect(ours.vertices.length).toBe(expected.length);
    ours.vertices.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 12));
    // leaf is mirrored (det < 0): its triangles are reversed; strip triangles alternate; plain is untouched
    expect(Array.from(ours.faces)).toEqual([0, 2, 1, 3, 5, 4, 5, 6, 4, 7, 8, 9, 10, 11, 12, 12, 11, 13]);
  });
});

describe("EMDB-SFF (.hff)", () => {
  const tetra = {
    vertices: [
      [0, 0, 0],
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ],
    triangles: [
      [0, 1, 2],
      [0, 3, 1],
      [0, 2, 3],
      [1, 3, 2],
    ],
  }; // vertices in first-use order
  const shifted = { vertices: tetra.vertices.map(([x, y, z]) => [x! + 4, y!, z!]), triangles: tetra.triangles };

  it("the named segment's meshes, each welded, concatenated in key order; other segments ignored", async () => {
    const hff = writeHff(
      "groups.hff",
      [
        { id: 1, name: "decoy", meshes: [{ id: 1, vertices: shifted.vertices, vmode: "float64", triangles: shifted.triangles, tmode: "int64" }] },
        { id: 2 }, // no biological annotation: skipped
        {
          id: 3,
          name: "membrane",
          meshes: [
            // a duplicate corner in mesh 1 is welded (vertex 4 == vertex 0)
            {
              id: 1,
              vertices: [...tetra.vertices, [0, 0, 0]],
              vmode: "float32",
              triangles: [
                [0, 1, 2],
                [4, 3, 1],
                [0, 2, 3],
                [1, 3, 2],
              ],
              tmode: "int32",
            },
            { id: 2, vertices: shifted.vertices, vmode: "float64", triangles: shifted.triangles, tmode: "uint32", endianness: "big" },
          ],
        },
      ].map((s) => ({ meshes: [], ...s })),
    );
    expect(await listHffSegmentNames(hff, "groups.hff")).toEqual(["decoy", "membrane"]);
    const mesh = await readMesh("hff", hff, "groups.hff", { meshName: "membrane" });
    expect(Array.from(mesh.vertices)).toEqual([...tetra.vertices.flat(), ...shifted.vertices.flat()]);
    expect(Array.from(mesh.faces)).toEqual([...tetra.triangles.flat(), ...shifted.triangles.flat().map((v) => v + 4)]);
  });

  it("errors name the file and the dataset", async () => {
    const hff = writeHff("bad.hff", [
      { id: 1, name: "ok", meshes: [{ id: 1, vertices: tetra.vertices, vmode: "float64", triangles: [[0, 1, 9]], tmode: "int64" }] },
      { id: 2, name: "floaty", meshes: [{ id: 1, vertices: tetra.vertices, vmode: "float64", triangles: tetra.triangles, tmode: "float64" }] },
    ]);
    await expect(readMesh("hff", hff, "bad.hff", { meshName: "missing" })).rejects.toThrow(/bad\.hff: segment_list: no segment named "missing" \(names: "ok", "floaty"\)/);
    await expect(readMesh("hff", hff, "bad.hff", { meshName: "ok" })).rejects.toThrow(/bad\.hff: segment_list\/1\/mesh_list\/1\/triangles\/data: triangle 0 uses vertex 9/);
    await expect(readMesh("hff", hff, "bad.hff", { meshName: "floaty" })).rejects.toThrow(/segment_list\/2\/mesh_list\/1\/triangles\/mode: triangle indices must be integers/);
    await expect(readMesh("hff", hff, "bad.hff")).rejects.toThrow(/bad\.hff: mesh_name: /);
    await expect(readMesh("hff", enc("not hdf5 at all"), "junk.hff", { meshName: "x" })).rejects.toThrow(/^junk\.hff: HDF5 superblock: not an HDF5 file/);
    await expect(readMesh("hff", hff.subarray(0, hff.length >> 1), "cut.hff", { meshName: "ok" })).rejects.toThrow(
      /^cut\.hff: HDF5 superblock: superblock says the file has \d+ bytes, it has \d+ \(truncated\)$/,
    );
  });

  it("truncated base64 payloads are refused", async () => {
    const path = join(work, "trunc.hff");
    python(
      `
import base64, sys, h5py, numpy as np
with h5py.File(sys.argv[1], "w") as fp:
    g = fp.create_group("segment_list/1/mesh_list/1/vertices")
    fp["segment_list/1"].create_group("biological_annotation").create_dataset("name", data="s")
    g.create_dataset("data", data=base64.b64encode(np.zeros(8, dtype=np.float64).tobytes()))
    g.create_dataset("mode", data="float64")
    t = fp.create_group("segment_list/1/mesh_list/1/triangles")
    t.create_dataset("data", data=b"@@@@")
    t.create_dataset("mode", data="int64")
`,
      [path],
    );
    const hff = new Uint8Array(readFileSync(path));
    await expect(readMesh("hff", hff, "trunc.hff", { meshName: "s" })).rejects.toThrow(/vertices\/data: 64 bytes is not a whole number of float64 triples/);
  });
});

describe("bad input names the file and the line or record", () => {
  it("OBJ", () => {
    expect(() => readObj(enc("v 0 0 0\nv 1 0 zero\n"), "a.obj")).toThrow(/^a\.obj: line 2: vertex coordinate is not a number: "zero"$/);
    expect(() => readObj(enc("v 0 0 0\nv 1 0 0\nv 0 1 0\n\nf 1 2 4\n"), "a.obj")).toThrow(/a\.obj: line 5: face vertex index 4 is past the last vertex \(3\)/);
    expect(() => readObj(enc("v 0 0 0\nf 1 -2 1\n"), "a.obj")).toThrow(/a\.obj: line 2: face vertex index -2 reaches before the first vertex/);
    expect(() => readObj(enc("v 0 0 0\nv 1 0 0\nf 1 2\n"), "a.obj")).toThrow(/a\.obj: line 3: face needs at least 3 vertices/);
    expect(() => readObj(enc("v 0 0\n"), "a.obj")).toThrow(/a\.obj: line 1: vertex needs x y z/);
    expect(() => readObj(enc("v 0 0 0\n"), "a.obj")).toThrow(/a\.obj: line 2: no faces/);
  });

  it("STL", () => {
    const bin = binaryStl();
    expect(() => readStl(bin.subarray(0, bin.length - 7), "b.stl")).toThrow(
      /^b\.stl: triangle 28 \(byte 1434\): binary STL header says 28 triangles \(1484 bytes\) but the file has 1477 bytes \(truncated\)$/,
    );
    const text = asciiStl();
    const cut = text.slice(0, text.indexOf("endloop", 500));
    const cutLines = cut.split("\n").length;
    expect(() => readStl(enc(cut), "a.stl")).toThrow(new RegExp(`a\\.stl: line ${cutLines - 1}: file ends inside the facet of line \\d+ \\(truncated\\)`));
    const lines = text.split("\n");
    lines.splice(5, 1); // drop the third vertex of the first facet
    expect(() => readStl(enc(lines.join("\n")), "a.stl")).toThrow(/a\.stl: line 7: facet of line 2 has 2 vertices, needs 3/);
    expect(() => readStl(enc(text.replace(/(vertex \S+ \S+) \S+/, "$1 x")), "a.stl")).toThrow(/^a\.stl: line 4: vertex coordinate is not a number: "x"$/);
    expect(() => readStl(enc(text.replace(/endsolid prism\n$/, "")), "a.stl")).toThrow(/a\.stl: line \d+: file ends without endsolid \(truncated\)/);
  });

  it("VTK", () => {
    const text = asciiVtk("4.2");
    expect(() => readVtk(enc(text.replace("POINTS 16 float", "POINTS 17 float")), "v.vtk")).toThrow(/v\.vtk: line \d+: .*(not an integer|not a number)/);
    const cut = text.slice(0, text.indexOf("POLYGONS") - 20);
    expect(() => readVtk(enc(cut), "v.vtk")).toThrow(/v\.vtk: line \d+: file ends after \d+ of 48 point coordinate values \(truncated\)/);
    expect(() => readVtk(enc(text.replace(/\n4 \d+ /, "\n4 99 ")), "v.vtk")).toThrow(/v\.vtk: POLYGONS cell \d+ \(line \d+\): point index 99 is outside the 16 points/);
    const v51 = asciiVtk("5.1");
    expect(() => readVtk(enc(v51.replace("CONNECTIVITY", "CONNECTIVTY")), "v.vtk")).toThrow(/v\.vtk: line \d+: OFFSETS not followed by CONNECTIVITY/);
    const bin = binaryVtk("5.1");
    expect(() => readVtk(bin.subarray(0, bin.length - 30), "b.vtk")).toThrow(/b\.vtk: byte \d+: binary CONNECTIVITY needs \d+ bytes from byte \d+, the file has \d+ \(truncated\)/);
    expect(() => readVtk(enc("# vtk DataFile Version 4.2\nx\nASCII\nDATASET UNSTRUCTURED_GRID\n"), "u.vtk")).toThrow(/u\.vtk: line 4: only DATASET POLYDATA is supported/);
    expect(() => readVtk(enc("solid x\n"), "n.vtk")).toThrow(/n\.vtk: line 1: not a legacy VTK file/);
  });

  it("GLB", async () => {
    const glb = await transformedGlb();
    expect(() => readGlb(glb.subarray(0, glb.length - 10), "t.glb")).toThrow(/t\.glb: byte 8: GLB header says \d+ bytes, the file has \d+ \(truncated\)/);
    const lying = new Uint8Array(glb.subarray(0, glb.length - 8));
    new DataView(lying.buffer).setUint32(8, lying.length, true);
    expect(() => readGlb(lying, "t.glb")).toThrow(/t\.glb: chunk 1 \(byte \d+\): chunk of \d+ bytes runs past the end of the file/);
    const badJson = new Uint8Array(glb);
    badJson[20] = 0x41; // "{" -> "A"
    expect(() => readGlb(badJson, "j.glb")).toThrow(/j\.glb: chunk 0 \(byte 12\): JSON chunk does not parse/);
    expect(() => readGlb(enc("glTF"), "s.glb")).toThrow(/s\.glb: byte 0: not a GLB file/);
  });
});
