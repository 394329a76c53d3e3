/**
 * glTF 2.0 binary (GLB) reader for triangle geometry, flattened the way the portal's
 * `trimesh.load(...)` + scene dump sees it: every node reachable from the default scene that
 * has a mesh contributes each triangle primitive (modes 4, 5 and 6) with POSITION multiplied by
 * the node's world transform (`matrix` or T·R·S, parents first; a mirroring transform reverses
 * the winding), and the pieces are concatenated. Nothing is welded — trimesh loads glTF with
 * `process=False`, so the output keeps the file's own vertices. Points/lines primitives are
 * skipped as trimesh skips them for a mesh; materials, normals, UVs and colours are ignored.
 * Buffers come from the BIN chunk or `data:` URIs; external files and sparse accessors are
 * refused with an error.
 */
import { MeshError } from "./errors.js";
import { type Mesh, concatenateMeshes } from "./mesh.js";

const GLB_MAGIC = 0x46546c67; // "glTF"
const CHUNK_JSON = 0x4e4f534a;
const CHUNK_BIN = 0x004e4942;

const COMPONENT_BYTES: Record<number, number> = { 5120: 1, 5121: 1, 5122: 2, 5123: 2, 5125: 4, 5126: 4 };
const TYPE_COMPONENTS: Record<string, number> = { SCALAR: 1, VEC2: 2, VEC3: 3, VEC4: 4, MAT2: 4, MAT3: 9, MAT4: 16 };

interface GltfJson {
  scene?: number;
  scenes?: { nodes?: number[] }[];
  nodes?: GltfNode[];
  meshes?: { primitives?: GltfPrimitive[] }[];
  accessors?: GltfAccessor[];
  bufferViews?: { buffer: number; byteOffset?: number; byteLength: number; byteStride?: number }[];
  buffers?: { uri?: string; byteLength: number }[];
}
interface GltfNode {
  children?: number[];
  mesh?: number;
  matrix?: number[];
  translation?: number[];
  rotation?: number[];
  scale?: number[];
}
interface GltfPrimitive {
  attributes?: Record<string, number>;
  indices?: number;
  mode?: number;
}
interface GltfAccessor {
  bufferView?: number;
  byteOffset?: number;
  componentType: number;
  count: number;
  type: string;
  sparse?: unknown;
}

type Mat4 = Float64Array; // column-major, as glTF stores it

export function readGlb(bytes: Uint8Array, file: string): Mesh {
  const { json, bin } = splitGlb(bytes, file);
  const gltf = new GltfData(json, bin, file);
  return gltf.flatten();
}

function splitGlb(bytes: Uint8Array, file: string): { json: GltfJson; bin: Uint8Array | undefined } {
  if (bytes.length < 20) throw new MeshError(file, "byte 0", `not a GLB file: ${bytes.length} bytes, shorter than the GLB header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== GLB_MAGIC) throw new MeshError(file, "byte 0", "not a GLB file (no glTF magic)");
  const version = view.getUint32(4, true);
  if (version !== 2) throw new MeshError(file, "byte 4", `GLB version ${version}, only glTF 2.0 is supported`);
  const length = view.getUint32(8, true);
  if (length > bytes.length) throw new MeshError(file, "byte 8", `GLB header says ${length} bytes, the file has ${bytes.length} (truncated)`);
  let json: GltfJson | undefined;
  let bin: Uint8Array | undefined;
  let at = 12;
  let chunk = 0;
  while (at < length) {
    if (at + 8 > length) throw new MeshError(file, `chunk ${chunk} (byte ${at})`, "chunk header runs past the end of the file (truncated)");
    const chunkLength = view.getUint32(at, true);
    const chunkType = view.getUint32(at + 4, true);
    const start = at + 8;
    if (start + chunkLength > length) {
      throw new MeshError(file, `chunk ${chunk} (byte ${at})`, `chunk of ${chunkLength} bytes runs past the end of the file at byte ${length} (truncated)`);
    }
    const data = bytes.subarray(start, start + chunkLength);
    if (chunk === 0) {
      if (chunkType !== CHUNK_JSON) throw new MeshError(file, `chunk 0 (byte ${at})`, "first GLB chunk is not JSON");
      try {
        json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(data)) as GltfJson;
      } catch (err) {
        throw new MeshError(file, `chunk 0 (byte ${at})`, `JSON chunk does not parse: ${(err as Error).message}`);
      }
    } else if (chunkType === CHUNK_BIN && bin === undefined) {
      bin = data;
    }
    at = start + chunkLength;
    chunk++;
  }
  if (!json || typeof json !== "object") throw new MeshError(file, "byte 12", "GLB has no JSON chunk");
  return { json, bin };
}

class GltfData {
  private readonly buffers = new Map<number, Uint8Array>();
  constructor(
    private readonly json: GltfJson,
    private readonly bin: Uint8Array | undefined,
    private readonly file: string,
  ) {}

  private fail(where: string, message: string): never {
    throw new MeshError(this.file, where, message);
  }

  flatten(): Mesh {
    const sceneIndex = this.json.scene ?? 0;
    const scene = this.json.scenes?.[sceneIndex];
    if (!scene) this.fail("scenes", `no scene ${sceneIndex} to read nodes from`);
    const pieces: Mesh[] = [];
    const onPath = new Set<number>();
    const visit = (index: number, parent: Mat4) => {
      const node = this.json.nodes?.[index];
      if (!node) this.fail(`node ${index}`, "node does not exist");
      if (onPath.has(index)) this.fail(`node ${index}`, "node is its own ancestor (cycle in the node tree)");
      onPath.add(index);
      const world = multiply(parent, localMatrix(node, index, this.file));
      if (node.mesh !== undefined) pieces.push(...this.meshPieces(node.mesh, world));
      for (const child of node.children ?? []) visit(child, world);
      onPath.delete(index);
    };
    for (const root of scene.nodes ?? []) visit(root, identity());
    const triangles = pieces.reduce((n, m) => n + m.faces.length, 0);
    if (triangles === 0) this.fail(`scene ${sceneIndex}`, "no triangle geometry reachable from the scene");
    return concatenateMeshes(pieces);
  }

  private meshPieces(meshIndex: number, world: Mat4): Mesh[] {
    const mesh = this.json.meshes?.[meshIndex];
    if (!mesh) this.fail(`mesh ${meshIndex}`, "mesh does not exist");
    const out: Mesh[] = [];
    (mesh.primitives ?? []).forEach((p, k) => {
      const where = `mesh ${meshIndex} primitive ${k}`;
      const mode = p.mode ?? 4;
      if (mode < 4) return; // points and lines: not surface geometry
      if (mode > 6) this.fail(where, `unknown primitive mode ${mode}`);
      const position = p.attributes?.POSITION;
      if (position === undefined) this.fail(where, "primitive has no POSITION attribute");
      const local = this.readAccessor(position, "VEC3", true);
      const count = local.length / 3;
      // an identity transform is skipped (as trimesh does), which also keeps -0 coordinates
      const vertices = isIdentity(world) ? local : transformPoints(local, world);
      const order = p.indices !== undefined ? this.readAccessor(p.indices, "SCALAR", false) : Float64Array.from({ length: count }, (_, i) => i);
      for (let i = 0; i < order.length; i++) {
        if (order[i]! >= count) this.fail(`accessor ${p.indices}`, `index ${order[i]} (entry ${i}) is outside the ${count} vertices of ${where}`);
      }
      const faces = trianglesOf(order, mode, this.file, where);
      if (determinant3(world) < 0) {
        for (let t = 0; t < faces.length; t += 3) [faces[t + 1], faces[t + 2]] = [faces[t + 2]!, faces[t + 1]!];
      }
      out.push({ vertices, faces });
    });
    return out;
  }

  private buffer(index: number): Uint8Array {
    const cached = this.buffers.get(index);
    if (cached) return cached;
    const info = this.json.buffers?.[index];
    if (!info) this.fail(`buffer ${index}`, "buffer does not exist");
    let data: Uint8Array;
    if (info.uri === undefined) {
      if (index !== 0 || !this.bin) this.fail(`buffer ${index}`, "buffer has no uri and there is no BIN chunk for it");
      data = this.bin;
    } else {
      const match = /^data:[^,]*;base64,(.*)$/s.exec(info.uri);
      if (!match) this.fail(`buffer ${index}`, `external buffer ${JSON.stringify(info.uri.slice(0, 60))} is not supported (only GLB-embedded or data: URIs)`);
      data = new Uint8Array(Buffer.from(match[1]!, "base64"));
    }
    if (data.length < info.byteLength) this.fail(`buffer ${index}`, `buffer declares ${info.byteLength} bytes, has ${data.length} (truncated)`);
    this.buffers.set(index, data);
    return data;
  }

  private readAccessor(index: number, expectedType: string, float: boolean): Float64Array {
    const where = `accessor ${index}`;
    const a = this.json.accessors?.[index];
    if (!a) this.fail(where, "accessor does not exist");
    if (a.type !== expectedType) this.fail(where, `accessor type ${a.type}, expected ${expectedType}`);
    if (a.sparse !== undefined) this.fail(where, "sparse accessors are not supported");
    const size = COMPONENT_BYTES[a.componentType];
    if (size === undefined) this.fail(where, `unknown componentType ${a.componentType}`);
    if (float ? a.componentType !== 5126 : ![5121, 5123, 5125].includes(a.componentType)) {
      this.fail(where, `componentType ${a.componentType} is not allowed here (${float ? "POSITION must be float32" : "indices must be unsigned"})`);
    }
    const components = TYPE_COMPONENTS[a.type]!;
    const out = new Float64Array(a.count * components);
    if (a.bufferView === undefined) return out; // glTF: an accessor without a bufferView is zeros
    const bv = this.json.bufferViews?.[a.bufferView];
    if (!bv) this.fail(where, `bufferView ${a.bufferView} does not exist`);
    const data = this.buffer(bv.buffer);
    const viewStart = bv.byteOffset ?? 0;
    if (viewStart + bv.byteLength > data.length)
      this.fail(`bufferView ${a.bufferView}`, `bytes ${viewStart}..${viewStart + bv.byteLength} run past buffer ${bv.buffer} (${data.length} bytes)`);
    const element = components * size;
    const stride = bv.byteStride ?? element;
    const start = viewStart + (a.byteOffset ?? 0);
    if (a.count > 0 && (a.byteOffset ?? 0) + stride * (a.count - 1) + element > bv.byteLength) {
      this.fail(where, `${a.count} elements run past bufferView ${a.bufferView} (${bv.byteLength} bytes)`);
    }
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (let i = 0; i < a.count; i++) {
      for (let c = 0; c < components; c++) {
        const at = start + i * stride + c * size;
        let v: number;
        switch (a.componentType) {
          case 5126:
            v = view.getFloat32(at, true);
            break;
          case 5125:
            v = view.getUint32(at, true);
            break;
          case 5123:
            v = view.getUint16(at, true);
            break;
          default:
            v = view.getUint8(at);
        }
        if (!Number.isFinite(v)) this.fail(where, `element ${i} is not finite`);
        out[i * components + c] = v;
      }
    }
    return out;
  }
}

function trianglesOf(order: Float64Array, mode: number, file: string, where: string): Uint32Array {
  const out: number[] = [];
  if (mode === 4) {
    if (order.length % 3 !== 0) throw new MeshError(file, where, `${order.length} triangle indices is not a multiple of 3`);
    return Uint32Array.from(order);
  }
  for (let i = 0; i + 2 < order.length; i++) {
    if (mode === 5) {
      // strip: keep one winding by swapping every other triangle
      if (i % 2 === 0) out.push(order[i]!, order[i + 1]!, order[i + 2]!);
      else out.push(order[i + 1]!, order[i]!, order[i + 2]!);
    } else {
      out.push(order[0]!, order[i + 1]!, order[i + 2]!); // fan
    }
  }
  return Uint32Array.from(out);
}

function identity(): Mat4 {
  const m = new Float64Array(16);
  m[0] = m[5] = m[10] = m[15] = 1;
  return m;
}

function multiply(a: Mat4, b: Mat4): Mat4 {
  const out = new Float64Array(16);
  for (let col = 0; col < 4; col++) {
    for (let row = 0; row < 4; row++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += a[k * 4 + row]! * b[col * 4 + k]!;
      out[col * 4 + row] = s;
    }
  }
  return out;
}

function numbers(value: unknown, length: number, file: string, where: string, what: string): number[] {
  if (!Array.isArray(value) || value.length !== length || !value.every((v) => typeof v === "number" && Number.isFinite(v))) {
    throw new MeshError(file, where, `${what} must be ${length} finite numbers`);
  }
  return value as number[];
}

/** The node's own transform: `matrix`, or translation · rotation · scale. */
function localMatrix(node: GltfNode, index: number, file: string): Mat4 {
  const where = `node ${index}`;
  if (node.matrix !== undefined) return Float64Array.from(numbers(node.matrix, 16, file, where, "matrix"));
  const m = identity();
  if (node.rotation !== undefined) {
    let [x, y, z, w] = numbers(node.rotation, 4, file, where, "rotation") as [number, number, number, number];
    const n = Math.hypot(x, y, z, w);
    if (n === 0) throw new MeshError(file, where, "rotation quaternion is zero");
    // normalised as trimesh does before building the matrix
    [x, y, z, w] = [x / n, y / n, z / n, w / n];
    m.set([1 - 2 * (y * y + z * z), 2 * (x * y + z * w), 2 * (x * z - y * w), 0], 0);
    m.set([2 * (x * y - z * w), 1 - 2 * (x * x + z * z), 2 * (y * z + x * w), 0], 4);
    m.set([2 * (x * z + y * w), 2 * (y * z - x * w), 1 - 2 * (x * x + y * y), 0], 8);
  }
  if (node.scale !== undefined) {
    const s = numbers(node.scale, 3, file, where, "scale");
    for (let col = 0; col < 3; col++) for (let row = 0; row < 3; row++) m[col * 4 + row]! *= s[col]!;
  }
  if (node.translation !== undefined) m.set(numbers(node.translation, 3, file, where, "translation"), 12);
  return m;
}

function isIdentity(m: Mat4): boolean {
  for (let i = 0; i < 16; i++) if (m[i] !== (i % 5 === 0 ? 1 : 0)) return false;
  return true;
}

function transformPoints(points: Float64Array, m: Mat4): Float64Array {
  const out = new Float64Array(points.length);
  for (let i = 0; i < points.length; i += 3) {
    const x = points[i]!;
    const y = points[i + 1]!;
    const z = points[i + 2]!;
    out[i] = m[0]! * x + m[4]! * y + m[8]! * z + m[12]!;
    out[i + 1] = m[1]! * x + m[5]! * y + m[9]! * z + m[13]!;
    out[i + 2] = m[2]! * x + m[6]! * y + m[10]! * z + m[14]!;
  }
  return out;
}

function determinant3(m: Mat4): number {
  return m[0]! * (m[5]! * m[10]! - m[9]! * m[6]!) - m[4]! * (m[1]! * m[10]! - m[9]! * m[2]!) + m[8]! * (m[1]! * m[6]! - m[5]! * m[2]!);
}
