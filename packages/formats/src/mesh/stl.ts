/**
 * STL reader, binary and ASCII. Binary is recognised as trimesh does: the 80-byte header's
 * triangle count must match the file length exactly (84 + 50 per triangle); anything else
 * starting with `solid` is read as ASCII. STL is a triangle soup, so each solid is welded as
 * trimesh does on load (see mergeVertices) — without that the output would have three vertices
 * per triangle and a different topology. Several ASCII solids are welded separately and then
 * concatenated, as trimesh loads them as separate meshes of one scene. Normals are ignored.
 */
import { MeshError } from "./errors.js";
import { type Mesh, concatenateMeshes, mergeVertices } from "./mesh.js";
import { decodeText, parseDecimal } from "./text.js";

const BINARY_HEADER = 84;
const BINARY_RECORD = 50;

export function readStl(bytes: Uint8Array, file: string): Mesh {
  if (bytes.length >= BINARY_HEADER) {
    const count = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(80, true);
    if (bytes.length === BINARY_HEADER + BINARY_RECORD * count) return readBinaryStl(bytes, count, file);
  }
  const head = decodeText(bytes.subarray(0, 512)).trimStart();
  if (/^solid(\s|$)/i.test(head)) return readAsciiStl(decodeText(bytes), file);
  if (bytes.length < BINARY_HEADER) {
    throw new MeshError(file, "byte 0", `not an STL file: ${bytes.length} bytes, shorter than a binary STL header and no "solid" line`);
  }
  const count = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(80, true);
  const expected = BINARY_HEADER + BINARY_RECORD * count;
  const whole = Math.floor((bytes.length - BINARY_HEADER) / BINARY_RECORD);
  throw new MeshError(
    file,
    bytes.length < expected ? `triangle ${whole + 1} (byte ${BINARY_HEADER + BINARY_RECORD * whole})` : "byte 80",
    `binary STL header says ${count} triangles (${expected} bytes) but the file has ${bytes.length} bytes` + (bytes.length < expected ? " (truncated)" : ""),
  );
}

function readBinaryStl(bytes: Uint8Array, count: number, file: string): Mesh {
  if (count === 0) throw new MeshError(file, "byte 80", "binary STL has no triangles");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const vertices = new Float64Array(count * 9);
  for (let t = 0; t < count; t++) {
    const record = BINARY_HEADER + BINARY_RECORD * t + 12; // skip the facet normal
    for (let k = 0; k < 9; k++) {
      const value = view.getFloat32(record + 4 * k, true);
      if (!Number.isFinite(value)) throw new MeshError(file, `triangle ${t + 1} (byte ${record + 4 * k})`, `vertex coordinate is not finite: ${value}`);
      vertices[9 * t + k] = value;
    }
  }
  return mergeVertices({ vertices, faces: soupFaces(count) });
}

function soupFaces(triangles: number): Uint32Array {
  const faces = new Uint32Array(triangles * 3);
  for (let i = 0; i < faces.length; i++) faces[i] = i;
  return faces;
}

function readAsciiStl(text: string, file: string): Mesh {
  const lines = text.split(/\r\n|\r|\n/);
  const solids: Mesh[] = [];
  let coords: number[] | undefined; // the open solid's triangle soup
  let facetLine = 0; // line of the open `facet`, 0 if none
  let loopVertices = 0;
  let lastLine = 0;
  const finishSolid = (where: string) => {
    if (!coords) return;
    if (coords.length === 0) throw new MeshError(file, where, "solid has no facets");
    solids.push(mergeVertices({ vertices: Float64Array.from(coords), faces: soupFaces(coords.length / 9) }));
    coords = undefined;
  };
  lines.forEach((raw, i) => {
    const parts = raw.trim().split(/\s+/);
    const keyword = parts[0]?.toLowerCase() ?? "";
    if (keyword === "") return;
    const where = `line ${i + 1}`;
    lastLine = i + 1;
    switch (keyword) {
      case "solid":
        if (coords) throw new MeshError(file, where, "solid starts before the previous one ended (no endsolid)");
        coords = [];
        return;
      case "endsolid":
        if (!coords) throw new MeshError(file, where, "endsolid without solid");
        if (facetLine) throw new MeshError(file, where, `endsolid inside the facet of line ${facetLine}`);
        finishSolid(where);
        return;
      case "facet":
        if (!coords) throw new MeshError(file, where, "facet outside a solid");
        if (facetLine) throw new MeshError(file, where, `facet starts before the facet of line ${facetLine} ended`);
        facetLine = i + 1;
        loopVertices = 0;
        return;
      case "outer":
      case "endloop":
        if (!facetLine) throw new MeshError(file, where, `${keyword} outside a facet`);
        return;
      case "vertex":
        if (!facetLine || !coords) throw new MeshError(file, where, "vertex outside a facet");
        if (parts.length !== 4) throw new MeshError(file, where, `vertex needs x y z, has ${parts.length - 1} values`);
        if (++loopVertices > 3) throw new MeshError(file, where, "facet has more than 3 vertices");
        for (let k = 1; k <= 3; k++) coords.push(parseDecimal(parts[k], file, where, "vertex coordinate"));
        return;
      case "endfacet":
        if (!facetLine) throw new MeshError(file, where, "endfacet without facet");
        if (loopVertices !== 3) throw new MeshError(file, where, `facet of line ${facetLine} has ${loopVertices} vertices, needs 3`);
        facetLine = 0;
        return;
      default:
        throw new MeshError(file, where, `unexpected ${JSON.stringify(parts[0])} in ASCII STL`);
    }
  });
  const end = `line ${lastLine}`;
  if (facetLine) throw new MeshError(file, end, `file ends inside the facet of line ${facetLine} (truncated)`);
  if (coords) throw new MeshError(file, end, "file ends without endsolid (truncated)");
  if (solids.length === 0) throw new MeshError(file, end, "no solid in the file");
  return solids.length === 1 ? solids[0]! : concatenateMeshes(solids);
}
