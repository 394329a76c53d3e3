/**
 * Wavefront OBJ reader: `v` positions and `f` polygons (fan-triangulated; indices 1-based or
 * negative = relative to the vertices so far; `v/vt/vn` forms read for the `v` part). Normals,
 * texture coordinates, groups, materials, lines and points are ignored. Positions are then
 * welded as trimesh does on load (see mergeVertices).
 */
import { MeshError } from "./errors.js";
import { type Mesh, mergeVertices, pushFan } from "./mesh.js";
import { decodeText, parseDecimal, parseInteger } from "./text.js";

export function readObj(bytes: Uint8Array, file: string): Mesh {
  const lines = decodeText(bytes).split(/\r\n|\r|\n/);
  const vertices: number[] = [];
  const faces: number[] = [];
  // Positive indices may point past the vertices read so far (trimesh reads every `v` first),
  // so they are checked at the end; remember each face's line for that error.
  const faceLines: number[] = [];
  lines.forEach((raw, i) => {
    const where = `line ${i + 1}`;
    const hash = raw.indexOf("#");
    const parts = (hash >= 0 ? raw.slice(0, hash) : raw).trim().split(/\s+/);
    const keyword = parts[0];
    if (keyword === "v") {
      if (parts.length < 4) throw new MeshError(file, where, `vertex needs x y z, has ${parts.length - 1} values`);
      for (let k = 1; k <= 3; k++) vertices.push(parseDecimal(parts[k], file, where, "vertex coordinate"));
    } else if (keyword === "f") {
      if (parts.length < 4) throw new MeshError(file, where, `face needs at least 3 vertices, has ${parts.length - 1}`);
      const count = vertices.length / 3;
      const polygon = parts.slice(1).map((token) => {
        const index = parseInteger(token.split("/")[0], file, where, "face vertex index");
        if (index === 0) throw new MeshError(file, where, "face vertex index 0 (OBJ indices start at 1)");
        if (index < 0 && -index > count) throw new MeshError(file, where, `face vertex index ${index} reaches before the first vertex (${count} so far)`);
        return index > 0 ? index - 1 : count + index;
      });
      const before = faces.length;
      pushFan(polygon, faces);
      for (let k = before; k < faces.length; k += 3) faceLines.push(i + 1);
    }
  });
  const count = vertices.length / 3;
  for (let k = 0; k < faces.length; k++) {
    if (faces[k]! >= count) {
      throw new MeshError(file, `line ${faceLines[Math.floor(k / 3)]}`, `face vertex index ${faces[k]! + 1} is past the last vertex (${count})`);
    }
  }
  if (faces.length === 0) throw new MeshError(file, `line ${lines.length}`, "no faces in the file");
  return mergeVertices({ vertices: Float64Array.from(vertices), faces: Uint32Array.from(faces) });
}
