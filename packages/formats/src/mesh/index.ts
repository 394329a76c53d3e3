/**
 * Triangular mesh annotations (portal shapes TriangularMesh and TriangularMeshGroup): readers
 * for Wavefront OBJ, STL (binary/ASCII), legacy VTK POLYDATA, glTF binary and EMDB-SFF `.hff`
 * to one in-memory mesh, and a GLB writer. The portal loads these with trimesh (and vtk, h5py)
 * and re-exports GLB; npm has no library that reads all of them into plain arrays with
 * trimesh's load semantics (vertex welding, scene flattening), and the text/binary formats
 * are small, so we read them ourselves. HDF5 is read through h5wasm.
 */
import { readGlb } from "./glb-read.js";
import { writeGlb } from "./glb-write.js";
import { readHff } from "./hff.js";
import { MeshError } from "./errors.js";
import type { Mesh } from "./mesh.js";
import { readObj } from "./obj.js";
import { readStl } from "./stl.js";
import { readVtk } from "./vtk.js";

export { MeshError } from "./errors.js";
export { concatenateMeshes, faceCount, mergeVertices, vertexCount } from "./mesh.js";
export type { Mesh } from "./mesh.js";
export { readObj } from "./obj.js";
export { readStl } from "./stl.js";
export { readVtk } from "./vtk.js";
export { readGlb } from "./glb-read.js";
export { listHffSegmentNames, readHff } from "./hff.js";
export { writeGlb } from "./glb-write.js";

/** The portal's `file_format` values for TriangularMesh (obj, stl, vtk, glb) and TriangularMeshGroup (hff). */
export type MeshFormat = "obj" | "stl" | "vtk" | "glb" | "hff";
export const MESH_FORMATS: readonly MeshFormat[] = ["obj", "stl", "vtk", "glb", "hff"];

export interface ReadMeshOptions {
  /** hff only: the segment's `biological_annotation/name` (the portal's `mesh_name`). */
  meshName?: string;
}

/** Reads a mesh file of `format`; `location` names the file in errors. */
export async function readMesh(format: MeshFormat, bytes: Uint8Array, location: string, options: ReadMeshOptions = {}): Promise<Mesh> {
  switch (format) {
    case "obj":
      return readObj(bytes, location);
    case "stl":
      return readStl(bytes, location);
    case "vtk":
      return readVtk(bytes, location);
    case "glb":
      return readGlb(bytes, location);
    case "hff":
      if (options.meshName === undefined) throw new MeshError(location, "mesh_name", "hff input needs the mesh (segment) name");
      return readHff(bytes, location, options.meshName);
    default:
      throw new MeshError(location, "file_format", `unknown mesh format ${JSON.stringify(format)} (expected ${MESH_FORMATS.join(", ")})`);
  }
}

export interface ConvertMeshOptions extends ReadMeshOptions {
  /** The portal's `scale_factor` (default 1). */
  scaleFactor?: number;
}

/** What the portal's mesh converter does: read `format`, scale, and encode as GLB. */
export async function convertMeshToGlb(format: MeshFormat, bytes: Uint8Array, location: string, options: ConvertMeshOptions = {}): Promise<Uint8Array> {
  const mesh = await readMesh(format, bytes, location, options);
  return writeGlb(mesh, options.scaleFactor ?? 1, location);
}
