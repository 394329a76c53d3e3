/**
 * IMOD binary model files (`.mod`), as described in IMOD's "IMOD Binary File Format, Version 1,
 * Revision 2" (bio3d.colorado.edu/imod/doc/binspec.html). npm has no reader; the part the portal
 * needs (objects, contours with their points, slicer angles) is small, so we own it.
 *
 * Layout: big-endian throughout. `IMOD` `V1.2`, a 232-byte model header, then chunks named by
 * 4-character ids until `IEOF`:
 * - `OBJT` 176-byte object header (no size word), followed by that object's chunks;
 * - `CONT` 16-byte contour header (psize, flags, time, surf) + psize x 3 float32 points (no size word);
 * - `MESH` 16-byte header (vsize, lsize, flag, time, surf) + vsize x 3 float32 + lsize int32 (no size word);
 * - `SLAN` size word + time int32, 3 float32 angles (x, y, z degrees), 3 float32 center, 32-byte label;
 * - every other chunk (IMAT, VIEW, MINX, SIZE, MOST, OBST, COST, MEST, LABL, ...) has a size word
 *   after the id and is skipped.
 * Point coordinates come out as stored (pixel coordinates; IMOD's Z runs from -0.5), as the
 * portal's `imodmodel`-based reader returns them.
 *
 * `writeImodModel` writes the same subset (header, objects, contours, slicer angles); we use it
 * to generate test fixtures and it reads back in IMOD-compatible form.
 */
import { AnnotationFormatError } from "./errors.js";

export type Vec3 = [number, number, number];

export interface ImodContour {
  flags: number;
  time: number;
  surf: number;
  /** Points as stored (float32 values widened to numbers). */
  points: Vec3[];
}

export interface ImodObject {
  name: string;
  flags: number;
  contours: ImodContour[];
}

export interface ImodSlicerAngle {
  time: number;
  /** Slicer rotation about X, Y, Z in degrees. */
  angles: Vec3;
  /** Slicer center point. */
  center: Vec3;
  label: string;
}

export interface ImodModel {
  name: string;
  /** Image size the model was made on. */
  max: Vec3;
  flags: number;
  pixelSize: number;
  /** IMOD unit code (0 pixels, 1 metres, -3 mm, -6 um, -9 nm, -10 Å, ...). */
  units: number;
  objects: ImodObject[];
  slicerAngles: ImodSlicerAngle[];
}

const MODEL_HEADER_BYTES = 232;
const OBJECT_HEADER_BYTES = 176;
const CONTOUR_HEADER_BYTES = 16;
const MESH_HEADER_BYTES = 16;
const SLAN_BYTES = 60;

function latin1(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return String.fromCharCode(...(end < 0 ? bytes : bytes.subarray(0, end)));
}

/** Bounds-checked big-endian reader; every failure names the file and the chunk being read. */
class Cursor {
  private readonly view: DataView;
  offset = 0;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly location: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(n: number, what: string): void {
    if (n < 0 || this.offset + n > this.bytes.byteLength) {
      throw new AnnotationFormatError(
        this.location,
        `file is truncated: ${what} needs ${n} bytes, ${Math.max(0, this.bytes.byteLength - this.offset)} left`,
        `byte ${this.offset}`,
      );
    }
  }
  id(what: string): string {
    this.need(4, what);
    const s = String.fromCharCode(...this.bytes.subarray(this.offset, this.offset + 4));
    this.offset += 4;
    return s;
  }
  i32(): number {
    const v = this.view.getInt32(this.offset, false);
    this.offset += 4;
    return v;
  }
  u32(): number {
    const v = this.view.getUint32(this.offset, false);
    this.offset += 4;
    return v;
  }
  f32(): number {
    const v = this.view.getFloat32(this.offset, false);
    this.offset += 4;
    return v;
  }
  vec3(): Vec3 {
    return [this.f32(), this.f32(), this.f32()];
  }
  text(n: number): string {
    const s = latin1(this.bytes.subarray(this.offset, this.offset + n));
    this.offset += n;
    return s;
  }
  skip(n: number): void {
    this.offset += n;
  }
}

/** Reads an IMOD binary model. `location` names the file in errors. */
export function readImodModel(bytes: Uint8Array, location: string): ImodModel {
  const c = new Cursor(bytes, location);
  const magic = c.id("file id");
  if (magic !== "IMOD") throw new AnnotationFormatError(location, `not an IMOD binary model (starts with ${JSON.stringify(magic)}, expected "IMOD")`, "byte 0");
  const version = c.id("version id");
  if (!/^V1\.\d$/.test(version)) throw new AnnotationFormatError(location, `unsupported IMOD model version ${JSON.stringify(version)}`, "byte 4");

  c.need(MODEL_HEADER_BYTES, "model header");
  const headerStart = c.offset;
  const name = c.text(128);
  const max: Vec3 = [c.i32(), c.i32(), c.i32()];
  c.skip(4); // objsize (not trusted: chunks are what count)
  const flags = c.u32();
  c.offset = headerStart + 128 + 4 * 4 + 4 + 4 * 4 + 6 * 4 + 5 * 4; // drawmode .. thresh
  const pixelSize = c.f32();
  const units = c.i32();
  c.offset = headerStart + MODEL_HEADER_BYTES;

  const model: ImodModel = { name, max, flags, pixelSize, units, objects: [], slicerAngles: [] };
  for (;;) {
    const chunkStart = c.offset;
    const id = c.id("chunk id (the file must end with IEOF)");
    const where = `chunk ${id} at byte ${chunkStart}`;
    if (id === "IEOF") break;
    if (id === "OBJT") {
      c.need(OBJECT_HEADER_BYTES, "object header");
      const start = c.offset;
      const objName = c.text(64);
      c.skip(64); // extra data
      c.skip(4); // contsize
      const objFlags = c.u32();
      c.offset = start + OBJECT_HEADER_BYTES;
      model.objects.push({ name: objName, flags: objFlags, contours: [] });
    } else if (id === "CONT") {
      const object = model.objects.at(-1);
      if (!object) throw new AnnotationFormatError(location, "contour before any OBJT chunk", where);
      c.need(CONTOUR_HEADER_BYTES, "contour header");
      const psize = c.i32();
      const contFlags = c.u32();
      const time = c.i32();
      const surf = c.i32();
      if (psize < 0) throw new AnnotationFormatError(location, `negative point count ${psize}`, where);
      c.need(psize * 12, `${psize} contour points`);
      const points: Vec3[] = [];
      for (let i = 0; i < psize; i++) points.push(c.vec3());
      object.contours.push({ flags: contFlags, time, surf, points });
    } else if (id === "MESH") {
      c.need(MESH_HEADER_BYTES, "mesh header");
      const vsize = c.i32();
      const lsize = c.i32();
      c.skip(8);
      if (vsize < 0 || lsize < 0) throw new AnnotationFormatError(location, `negative mesh size (${vsize} vertices, ${lsize} indices)`, where);
      c.need(vsize * 12 + lsize * 4, "mesh data");
      c.skip(vsize * 12 + lsize * 4);
    } else if (/^[A-Z0-9]{4}$/.test(id)) {
      c.need(4, "chunk size");
      const size = c.i32();
      if (size < 0) throw new AnnotationFormatError(location, `negative chunk size ${size}`, where);
      c.need(size, `${id} data`);
      const dataStart = c.offset;
      if (id === "SLAN") {
        if (size < SLAN_BYTES) throw new AnnotationFormatError(location, `slicer angle chunk is ${size} bytes, expected ${SLAN_BYTES}`, where);
        const time = c.i32();
        const angles = c.vec3();
        const center = c.vec3();
        const label = c.text(32);
        model.slicerAngles.push({ time, angles, center, label });
      }
      c.offset = dataStart + size;
    } else {
      throw new AnnotationFormatError(location, `not a chunk id: ${JSON.stringify(id)} (corrupt file?)`, `byte ${chunkStart}`);
    }
  }
  return model;
}

/** All contour points of all objects, in file order (what `imodmodel.read()` rows hold). */
export function imodModelPoints(model: ImodModel): Vec3[] {
  return model.objects.flatMap((o) => o.contours.flatMap((ct) => ct.points));
}

export interface ImodModelInput {
  name?: string;
  max?: Vec3;
  pixelSize?: number;
  units?: number;
  objects: Array<{ name?: string; contours: Array<{ points: Vec3[]; time?: number; surf?: number }> }>;
  slicerAngles?: Array<{ time?: number; angles: Vec3; center: Vec3; label?: string }>;
}

class Writer {
  private readonly chunks: Uint8Array[] = [];
  private current = new DataView(new ArrayBuffer(0));
  private at = 0;
  begin(n: number): void {
    const buf = new Uint8Array(n);
    this.chunks.push(buf);
    this.current = new DataView(buf.buffer);
    this.at = 0;
  }
  id(s: string): void {
    for (let i = 0; i < 4; i++) this.current.setUint8(this.at++, s.charCodeAt(i));
  }
  text(s: string, n: number): void {
    for (let i = 0; i < n; i++) this.current.setUint8(this.at++, i < s.length ? s.charCodeAt(i) & 0xff : 0);
  }
  i32(v: number): void {
    this.current.setInt32(this.at, v, false);
    this.at += 4;
  }
  u32(v: number): void {
    this.current.setUint32(this.at, v, false);
    this.at += 4;
  }
  f32(v: number): void {
    this.current.setFloat32(this.at, v, false);
    this.at += 4;
  }
  skip(n: number): void {
    this.at += n;
  }
  bytes(): Uint8Array {
    const total = this.chunks.reduce((n, c) => n + c.byteLength, 0);
    const out = new Uint8Array(total);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.byteLength;
    }
    return out;
  }
}

/** Writes a minimal IMOD binary model (header, OBJT/CONT, SLAN, IEOF). Deterministic bytes. */
export function writeImodModel(input: ImodModelInput): Uint8Array {
  const w = new Writer();
  w.begin(8 + MODEL_HEADER_BYTES);
  w.id("IMOD");
  w.id("V1.2");
  w.text(input.name ?? "IMOD-NewModel", 128);
  for (const v of input.max ?? [0, 0, 0]) w.i32(v);
  w.i32(input.objects.length);
  w.u32(0); // flags
  w.i32(1); // drawmode
  w.i32(1); // mousemode
  w.i32(0); // blacklevel
  w.i32(255); // whitelevel
  for (const v of [0, 0, 0, 1, 1, 1]) w.f32(v); // offsets, scales
  for (const v of [0, 0, 0, 3, 128]) w.i32(v); // object, contour, point, res, thresh
  w.f32(input.pixelSize ?? 1);
  w.i32(input.units ?? 0);
  w.i32(0); // csum
  for (let i = 0; i < 3; i++) w.f32(0); // alpha, beta, gamma
  for (const object of input.objects) {
    w.begin(4 + OBJECT_HEADER_BYTES);
    w.id("OBJT");
    w.text(object.name ?? "", 64);
    w.skip(64); // extra data
    w.i32(object.contours.length);
    w.u32(1 << 3); // flags: scattered points
    w.i32(0); // axis
    w.i32(1); // drawmode
    for (const v of [0, 1, 0]) w.f32(v); // green
    w.i32(3); // pdrawsize
    w.skip(8); // symbol .. trans
    w.i32(0); // meshsize
    w.i32(0); // surfsize
    for (const contour of object.contours) {
      w.begin(4 + CONTOUR_HEADER_BYTES + contour.points.length * 12);
      w.id("CONT");
      w.i32(contour.points.length);
      w.u32(0);
      w.i32(contour.time ?? 0);
      w.i32(contour.surf ?? 0);
      for (const p of contour.points) for (const v of p) w.f32(v);
    }
  }
  for (const s of input.slicerAngles ?? []) {
    w.begin(8 + SLAN_BYTES);
    w.id("SLAN");
    w.i32(SLAN_BYTES);
    w.i32(s.time ?? 1);
    for (const v of s.angles) w.f32(v);
    for (const v of s.center) w.f32(v);
    w.text(s.label ?? "", 32);
  }
  w.begin(4);
  w.id("IEOF");
  return w.bytes();
}
