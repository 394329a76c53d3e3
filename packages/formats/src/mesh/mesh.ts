/**
 * The in-memory triangle mesh every reader produces and the GLB writer consumes, plus the two
 * clean-ups trimesh applies on load that change what the portal's output GLB contains:
 * merging vertices at the same position (trimesh's `process=True`, on for OBJ/STL/VTK/HFF,
 * off for glTF) and concatenating meshes (scene dump, HFF segments).
 */
import { roundHalfEven } from "../python/index.js";

export interface Mesh {
  /** x, y, z per vertex. */
  vertices: Float64Array;
  /** Three vertex indices per triangle, counter-clockwise seen from outside. */
  faces: Uint32Array;
}

export function vertexCount(mesh: Mesh): number {
  return mesh.vertices.length / 3;
}

export function faceCount(mesh: Mesh): number {
  return mesh.faces.length / 3;
}

/**
 * Merges vertices whose positions agree to 8 decimals (trimesh: `tol.merge` 1e-8) and drops
 * vertices no face references, as trimesh's `Trimesh(process=True)` does. Vertex count decides
 * the Euler number in trimesh's mesh identifier, so a triangle soup (STL) must come out welded.
 * Unlike trimesh (which orders merged vertices by a row hash) we keep first-use order, so the
 * output is deterministic and the same shape gives the same bytes from every input format.
 */
export function mergeVertices(mesh: Mesh): Mesh {
  const { vertices, faces } = mesh;
  const scale = 1e8;
  const byKey = new Map<string, number>();
  const remap = new Int32Array(vertices.length / 3).fill(-1);
  const outVertices: number[] = [];
  const outFaces = new Uint32Array(faces.length);
  for (let i = 0; i < faces.length; i++) {
    const v = faces[i]!;
    let target = remap[v]!;
    if (target < 0) {
      const x = vertices[3 * v]!;
      const y = vertices[3 * v + 1]!;
      const z = vertices[3 * v + 2]!;
      // rounded half to even, as numpy's `round` (trimesh rounds positions before comparing)
      const key = `${roundHalfEven(x * scale)},${roundHalfEven(y * scale)},${roundHalfEven(z * scale)}`;
      const existing = byKey.get(key);
      if (existing === undefined) {
        target = outVertices.length / 3;
        byKey.set(key, target);
        outVertices.push(x, y, z);
      } else {
        target = existing;
      }
      remap[v] = target;
    }
    outFaces[i] = target;
  }
  return { vertices: Float64Array.from(outVertices), faces: outFaces };
}

/** Joins meshes into one (vertex indices offset, nothing merged), as trimesh.util.concatenate. */
export function concatenateMeshes(meshes: readonly Mesh[]): Mesh {
  let nv = 0;
  let nf = 0;
  for (const m of meshes) {
    nv += m.vertices.length;
    nf += m.faces.length;
  }
  const vertices = new Float64Array(nv);
  const faces = new Uint32Array(nf);
  let vo = 0;
  let fo = 0;
  for (const m of meshes) {
    vertices.set(m.vertices, vo);
    const base = vo / 3;
    for (let i = 0; i < m.faces.length; i++) faces[fo + i] = m.faces[i]! + base;
    vo += m.vertices.length;
    fo += m.faces.length;
  }
  return { vertices, faces };
}

/**
 * Splits a polygon into a fan of triangles (0,1,2), (0,2,3)...: what trimesh's quad split gives
 * for quads (same triangles, same winding), extended to n-gons.
 */
export function pushFan(polygon: readonly number[], out: number[]): void {
  for (let k = 1; k + 1 < polygon.length; k++) out.push(polygon[0]!, polygon[k]!, polygon[k + 1]!);
}
