/**
 * EMDB-SFF HDF5 (`.hff`) mesh reader, as the portal reads it: the segment under `segment_list/`
 * whose `biological_annotation/name` equals the requested name gives its meshes
 * (`mesh_list/<id>/vertices` and `.../triangles`, each a base64 string `data` of raw values
 * whose numpy dtype name is in `mode`, e.g. float64 / int64, little-endian unless an sfftk
 * `endianness` dataset says `big`). Each mesh is welded as trimesh does when the portal builds
 * a `trimesh.Trimesh` from it, then the meshes are concatenated in HDF5 key order. HDF5 itself
 * is read with h5wasm (the HDF5 C library compiled to WebAssembly) — far too big a format to
 * parse ourselves; it is loaded on first use so that importing the package stays cheap.
 */
import type { Dataset, File as H5File, Group } from "h5wasm";
import { MeshError } from "./errors.js";
import { type Mesh, concatenateMeshes, mergeVertices } from "./mesh.js";

const DTYPES: Record<string, { bytes: number; read: (v: DataView, at: number, little: boolean) => number; integer: boolean }> = {
  int8: { bytes: 1, read: (v, at) => v.getInt8(at), integer: true },
  uint8: { bytes: 1, read: (v, at) => v.getUint8(at), integer: true },
  int16: { bytes: 2, read: (v, at, le) => v.getInt16(at, le), integer: true },
  uint16: { bytes: 2, read: (v, at, le) => v.getUint16(at, le), integer: true },
  int32: { bytes: 4, read: (v, at, le) => v.getInt32(at, le), integer: true },
  uint32: { bytes: 4, read: (v, at, le) => v.getUint32(at, le), integer: true },
  int64: { bytes: 8, read: (v, at, le) => Number(v.getBigInt64(at, le)), integer: true },
  uint64: { bytes: 8, read: (v, at, le) => Number(v.getBigUint64(at, le)), integer: true },
  float32: { bytes: 4, read: (v, at, le) => v.getFloat32(at, le), integer: false },
  float64: { bytes: 8, read: (v, at, le) => v.getFloat64(at, le), integer: false },
};

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]; // "\x89HDF\r\n\x1a\n"

/**
 * Finds the HDF5 superblock (offset 0, 512, 1024, ... when there is a user block) and checks the
 * end-of-file address it records, so that junk and truncated files get a clear error here
 * instead of the HDF5 library's diagnostic dump on stderr.
 */
function checkSuperblock(bytes: Uint8Array, file: string): void {
  let at = -1;
  for (let offset = 0; offset + 8 <= bytes.length; offset = offset === 0 ? 512 : offset * 2) {
    if (SIGNATURE.every((b, i) => bytes[offset + i] === b)) {
      at = offset;
      break;
    }
  }
  if (at < 0) throw new MeshError(file, "HDF5 superblock", "not an HDF5 file (no HDF5 signature)");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = bytes[at + 8];
  // where the sizes and the end-of-file address sit depends on the superblock version
  const sizeOfOffsets = version === 0 || version === 1 ? bytes[at + 13] : bytes[at + 9];
  const eofAt = version === 0 ? at + 24 + 2 * (sizeOfOffsets ?? 0) : version === 1 ? at + 28 + 2 * (sizeOfOffsets ?? 0) : at + 12 + 2 * (sizeOfOffsets ?? 0);
  if (sizeOfOffsets !== 8 || eofAt + 8 > bytes.length) {
    if (eofAt + 8 > bytes.length) throw new MeshError(file, "HDF5 superblock", `file ends inside the superblock (${bytes.length} bytes; truncated)`);
    return; // unusual layout: let the library judge
  }
  const base = Number(view.getBigUint64(version === 0 || version === 1 ? eofAt - 16 : at + 12, true));
  const eof = Number(view.getBigUint64(eofAt, true));
  if (base + eof > bytes.length) {
    throw new MeshError(file, "HDF5 superblock", `superblock says the file has ${base + eof} bytes, it has ${bytes.length} (truncated)`);
  }
}

let sequence = 0;

/** Opens `bytes` as HDF5 in h5wasm's in-memory file system for the duration of `use`. */
async function withHdf5<T>(bytes: Uint8Array, file: string, use: (h5: H5File) => T): Promise<T> {
  checkSuperblock(bytes, file);
  const h5wasm = await import("h5wasm");
  const module = await h5wasm.ready;
  const path = `/ingestkit-hff-${process.pid}-${++sequence}.h5`;
  module.FS.writeFile(path, bytes);
  let h5: H5File | undefined;
  try {
    h5 = new h5wasm.File(path, "r");
    if (h5.file_id < 0n) {
      h5 = undefined;
      throw new MeshError(file, "HDF5 superblock", "not a readable HDF5 file");
    }
    return use(h5);
  } catch (err) {
    if (err instanceof MeshError) throw err;
    throw new MeshError(file, "HDF5", `cannot be read (${err instanceof Error ? err.message : String(err)})`);
  } finally {
    h5?.close();
    module.FS.unlink(path);
  }
}

function isGroup(entity: unknown): entity is Group {
  return !!entity && typeof (entity as Group).keys === "function";
}

function readString(h5: H5File, path: string, file: string): string | undefined {
  const entity = h5.get(path);
  if (!entity) return undefined;
  if (isGroup(entity) || !("value" in entity)) throw new MeshError(file, path, "expected a string dataset, found a group");
  let value: unknown;
  try {
    value = (entity as Dataset).value;
  } catch (err) {
    throw new MeshError(file, path, `dataset cannot be read (${(err as Error).message ?? err})`);
  }
  if (Array.isArray(value) && value.length === 1) value = value[0];
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array) return new TextDecoder("latin1").decode(value);
  throw new MeshError(file, path, `expected a string, found ${Object.prototype.toString.call(value)}`);
}

/** `segment_list` children in key order, with their biological annotation names (if any). */
function segments(h5: H5File, file: string): { id: string; name: string | undefined }[] {
  const list = h5.get("segment_list");
  if (!isGroup(list)) throw new MeshError(file, "segment_list", "no segment_list group (not an EMDB-SFF file?)");
  return list.keys().map((id) => ({ id, name: readString(h5, `segment_list/${id}/biological_annotation/name`, file) }));
}

/** Names of the segments (`biological_annotation/name`) in the file, in key order. */
export async function listHffSegmentNames(bytes: Uint8Array, file: string): Promise<string[]> {
  return withHdf5(bytes, file, (h5) => segments(h5, file).flatMap((s) => (s.name === undefined ? [] : [s.name])));
}

/** The meshes of the first segment named `meshName`, welded one by one and concatenated. */
export async function readHff(bytes: Uint8Array, file: string, meshName: string): Promise<Mesh> {
  return withHdf5(bytes, file, (h5) => {
    const all = segments(h5, file);
    const segment = all.find((s) => s.name === meshName);
    if (!segment) {
      const names = all.flatMap((s) => (s.name === undefined ? [] : [JSON.stringify(s.name)]));
      throw new MeshError(file, "segment_list", `no segment named ${JSON.stringify(meshName)} (names: ${names.join(", ") || "none"})`);
    }
    const base = `segment_list/${segment.id}/mesh_list`;
    const meshList = h5.get(base);
    if (!isGroup(meshList)) throw new MeshError(file, base, `segment ${JSON.stringify(meshName)} has no mesh_list`);
    const meshes = meshList.keys().map((id) => {
      const vertices = readArray(h5, `${base}/${id}/vertices`, file);
      const triangles = readArray(h5, `${base}/${id}/triangles`, file);
      if (!triangles.integer) throw new MeshError(file, `${base}/${id}/triangles/mode`, `triangle indices must be integers, mode is ${triangles.mode}`);
      const count = vertices.values.length / 3;
      const faces = new Uint32Array(triangles.values.length);
      triangles.values.forEach((v, k) => {
        if (v < 0 || v >= count) throw new MeshError(file, `${base}/${id}/triangles/data`, `triangle ${Math.floor(k / 3)} uses vertex ${v}, outside the ${count} vertices`);
        faces[k] = v;
      });
      return mergeVertices({ vertices: vertices.values, faces });
    });
    if (meshes.length === 0 || meshes.every((m) => m.faces.length === 0)) throw new MeshError(file, base, `segment ${JSON.stringify(meshName)} has no triangles`);
    return concatenateMeshes(meshes);
  });
}

/** One `vertices` / `triangles` group: base64 `data` of (n, 3) values of numpy dtype `mode`. */
function readArray(h5: H5File, group: string, file: string): { values: Float64Array; integer: boolean; mode: string } {
  const mode = readString(h5, `${group}/mode`, file);
  if (mode === undefined) throw new MeshError(file, `${group}/mode`, "missing dataset");
  const dtype = DTYPES[mode];
  if (!dtype) throw new MeshError(file, `${group}/mode`, `unsupported dtype ${JSON.stringify(mode)}`);
  const endianness = readString(h5, `${group}/endianness`, file) ?? "little";
  if (endianness !== "little" && endianness !== "big") throw new MeshError(file, `${group}/endianness`, `expected little or big, found ${JSON.stringify(endianness)}`);
  const text = readString(h5, `${group}/data`, file);
  if (text === undefined) throw new MeshError(file, `${group}/data`, "missing dataset");
  const compact = text.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 !== 0) throw new MeshError(file, `${group}/data`, "data is not valid base64");
  const raw = Buffer.from(compact, "base64");
  const record = dtype.bytes * 3;
  if (raw.length % record !== 0) {
    throw new MeshError(file, `${group}/data`, `${raw.length} bytes is not a whole number of ${mode} triples (${record} bytes each; truncated?)`);
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const values = new Float64Array(raw.length / dtype.bytes);
  for (let i = 0; i < values.length; i++) {
    const v = dtype.read(view, i * dtype.bytes, endianness === "little");
    if (!Number.isFinite(v)) throw new MeshError(file, `${group}/data`, `value ${i} (row ${Math.floor(i / 3)}) is not finite`);
    values[i] = v;
  }
  return { values, integer: dtype.integer, mode };
}
