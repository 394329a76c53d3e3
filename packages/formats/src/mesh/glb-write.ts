/**
 * Minimal glTF 2.0 binary writer for one triangle mesh: the layout trimesh's `export_glb` gives
 * a single mesh (scene 0 → node "world" → child node with mesh 0; accessor 0 = uint32 indices,
 * accessor 1 = float32 POSITION with min/max; one buffer in the BIN chunk, indices first), so
 * the portal's readers see the same structure. Numbers in the JSON are written as Python's
 * `json` writes them (`1.0`, `1e-05`) to stay close to trimesh's bytes. Not byte-identical to
 * trimesh: trimesh orders welded vertices by a hash and stores file metadata in `extras`; we
 * keep the reader's vertex order, write no extras, and add bufferView `target`s (which
 * glTF-Validator asks for). Same mesh and scale give the same bytes.
 */
import { MeshError } from "./errors.js";
import type { Mesh } from "./mesh.js";
import { PyFloat, pyJsonDumps } from "../python/index.js";

const GENERATOR = "ingestkit";
const MESH_NAME = "geometry_0"; // trimesh's name for an unnamed geometry

type JsonValue = string | number | PyFloat | JsonValue[] | { [key: string]: JsonValue };

/**
 * Encodes `mesh` as GLB with every vertex multiplied by `scaleFactor` (in double precision,
 * then rounded to float32, as trimesh's `apply_scale` + export do). A negative factor mirrors
 * the mesh, so the winding is reversed to keep faces pointing outwards (as trimesh does).
 */
export function writeGlb(mesh: Mesh, scaleFactor = 1, file = "<mesh>"): Uint8Array {
  if (!Number.isFinite(scaleFactor) || scaleFactor === 0) {
    throw new MeshError(file, "scale_factor", `scale factor must be a finite non-zero number, got ${scaleFactor}`);
  }
  const { vertices, faces } = mesh;
  if (vertices.length % 3 !== 0) throw new MeshError(file, "vertices", `${vertices.length} coordinates is not a multiple of 3`);
  if (faces.length % 3 !== 0) throw new MeshError(file, "faces", `${faces.length} face indices is not a multiple of 3`);
  const vertexCount = vertices.length / 3;
  if (faces.length === 0 || vertexCount === 0) throw new MeshError(file, "faces", "mesh has no triangles");

  const indexBytes = new Uint8Array(faces.length * 4);
  const indexView = new DataView(indexBytes.buffer);
  let maxIndex = 0;
  let minIndex = Number.MAX_SAFE_INTEGER;
  const flip = scaleFactor < 0;
  for (let t = 0; t < faces.length; t += 3) {
    const tri = flip ? [faces[t]!, faces[t + 2]!, faces[t + 1]!] : [faces[t]!, faces[t + 1]!, faces[t + 2]!];
    tri.forEach((v, k) => {
      if (v >= vertexCount) throw new MeshError(file, `triangle ${t / 3}`, `vertex index ${v} is outside the ${vertexCount} vertices`);
      indexView.setUint32((t + k) * 4, v, true);
      if (v > maxIndex) maxIndex = v;
      if (v < minIndex) minIndex = v;
    });
  }

  const positionBytes = new Uint8Array(vertices.length * 4);
  const positionView = new DataView(positionBytes.buffer);
  const max = [-Infinity, -Infinity, -Infinity];
  const min = [Infinity, Infinity, Infinity];
  for (let i = 0; i < vertices.length; i++) {
    const v = Math.fround(vertices[i]! * scaleFactor);
    if (!Number.isFinite(v)) throw new MeshError(file, `vertex ${Math.floor(i / 3)}`, `coordinate ${vertices[i]} × ${scaleFactor} is not a finite float32`);
    positionView.setFloat32(i * 4, v, true);
    const axis = i % 3;
    if (v > max[axis]!) max[axis] = v;
    if (v < min[axis]!) min[axis] = v;
  }

  const tree: JsonValue = {
    scene: 0,
    scenes: [{ nodes: [0] }],
    asset: { version: "2.0", generator: GENERATOR },
    accessors: [
      { componentType: 5125, type: "SCALAR", bufferView: 0, count: faces.length, max: [maxIndex], min: [minIndex] },
      {
        componentType: 5126,
        type: "VEC3",
        byteOffset: 0,
        bufferView: 1,
        count: vertexCount,
        max: max.map((v) => new PyFloat(v)),
        min: min.map((v) => new PyFloat(v)),
      },
    ],
    meshes: [{ name: MESH_NAME, primitives: [{ attributes: { POSITION: 1 }, indices: 0, mode: 4 }] }],
    nodes: [
      { name: "world", children: [1] },
      { name: MESH_NAME, mesh: 0 },
    ],
    buffers: [{ byteLength: indexBytes.length + positionBytes.length }],
    bufferViews: [
      // `target` is not written by trimesh; glTF-Validator asks for it on vertex and index data
      { buffer: 0, byteOffset: 0, byteLength: indexBytes.length, target: 34963 },
      { buffer: 0, byteOffset: indexBytes.length, byteLength: positionBytes.length, target: 34962 },
    ],
  };
  let json = pyJsonDumps(tree, null, { separators: [",", ":"] }); // json.dumps(tree, separators=(",", ":"))
  json += " ".repeat((4 - (json.length % 4)) % 4); // the BIN chunk must start 4-byte aligned
  const jsonBytes = new TextEncoder().encode(json);
  const binLength = indexBytes.length + positionBytes.length; // already a multiple of 4

  const total = 12 + 8 + jsonBytes.length + 8 + binLength;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x46546c67, true); // "glTF"
  view.setUint32(4, 2, true);
  view.setUint32(8, total, true);
  view.setUint32(12, jsonBytes.length, true);
  view.setUint32(16, 0x4e4f534a, true); // "JSON"
  out.set(jsonBytes, 20);
  const binAt = 20 + jsonBytes.length;
  view.setUint32(binAt, binLength, true);
  view.setUint32(binAt + 4, 0x004e4942, true); // "BIN\0"
  out.set(indexBytes, binAt + 8);
  out.set(positionBytes, binAt + 8 + indexBytes.length);
  return out;
}
