/**
 * Legacy VTK reader for `DATASET POLYDATA`, ASCII and BINARY (big-endian), both cell layouts:
 * the classic one (`POLYGONS n size` then `k i1 .. ik` records, files of version <= 4.2) and the
 * 5.x one (`POLYGONS nOffsets nConnectivity`, then `OFFSETS type` and `CONNECTIVITY type`
 * arrays). POLYGONS are fan-triangulated and TRIANGLE_STRIPS unrolled; VERTICES and LINES are
 * read past and dropped (the portal's vtk-to-trimesh code would turn them into bogus faces).
 * Parsing stops at POINT_DATA / CELL_DATA. Positions are welded as trimesh does (the portal
 * builds a `trimesh.Trimesh` from the points and cells; see mergeVertices).
 */
import { MeshError } from "./errors.js";
import { type Mesh, mergeVertices, pushFan } from "./mesh.js";
import { parseDecimal, parseInteger } from "./text.js";

const TYPE_BYTES: Record<string, number> = {
  bit: 1, // read as bytes; never used for points or cells in practice
  unsigned_char: 1,
  char: 1,
  unsigned_short: 2,
  short: 2,
  unsigned_int: 4,
  int: 4,
  vtktypeint32: 4,
  unsigned_long: 8,
  long: 8,
  vtktypeint64: 8,
  vtkidtype: 8,
  float: 4,
  double: 8,
};

/** Walks the file: text lines for keywords, then ASCII tokens or raw big-endian values. */
class Cursor {
  pos = 0;
  line = 1;
  private readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    readonly file: string,
    readonly binary: boolean,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  where(): string {
    return this.binary ? `byte ${this.pos}` : `line ${this.line}`;
  }

  fail(message: string, where = this.where()): never {
    throw new MeshError(this.file, where, message);
  }

  /** The next line (without its newline), or undefined at the end of the file. */
  nextLine(): string | undefined {
    if (this.pos >= this.bytes.length) return undefined;
    let end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) end = this.bytes.length;
    let text = "";
    for (let i = this.pos; i < end; i++) text += String.fromCharCode(this.bytes[i]!);
    this.pos = Math.min(end + 1, this.bytes.length);
    this.lineOfLast = this.line;
    if (end < this.bytes.length) this.line++;
    return text.replace(/\r$/, "");
  }
  lineOfLast = 1;

  /** The next non-blank line split into words, with its line number. */
  nextWords(): { words: string[]; where: string } | undefined {
    for (;;) {
      const start = this.pos;
      const text = this.nextLine();
      if (text === undefined) return undefined;
      const trimmed = text.trim();
      // after binary data line numbers mean little, so binary files are located by byte
      if (trimmed !== "") return { words: trimmed.split(/\s+/), where: this.binary ? `byte ${start}` : `line ${this.lineOfLast}` };
    }
  }

  private nextToken(): { token: string; line: number } | undefined {
    const b = this.bytes;
    while (this.pos < b.length && (b[this.pos] === 0x20 || b[this.pos] === 0x09 || b[this.pos] === 0x0d || b[this.pos] === 0x0a)) {
      if (b[this.pos] === 0x0a) this.line++;
      this.pos++;
    }
    if (this.pos >= b.length) return undefined;
    const start = this.pos;
    while (this.pos < b.length && b[this.pos] !== 0x20 && b[this.pos] !== 0x09 && b[this.pos] !== 0x0d && b[this.pos] !== 0x0a) this.pos++;
    let token = "";
    for (let i = start; i < this.pos; i++) token += String.fromCharCode(b[i]!);
    return { token, line: this.line };
  }

  /** Reads `count` values of `type` (ASCII tokens or big-endian binary) into `out`. */
  readValues(count: number, type: string, integer: boolean, what: string): Float64Array {
    const size = TYPE_BYTES[type.toLowerCase()];
    if (size === undefined) this.fail(`unknown data type ${JSON.stringify(type)} for ${what}`);
    const out = new Float64Array(count);
    if (!this.binary) {
      for (let i = 0; i < count; i++) {
        const next = this.nextToken();
        if (!next) this.fail(`file ends after ${i} of ${count} ${what} values (truncated)`);
        const where = `line ${next.line}`;
        out[i] = integer ? parseInteger(next.token, this.file, where, what) : parseDecimal(next.token, this.file, where, what);
      }
      return out;
    }
    const needed = count * size;
    if (this.pos + needed > this.bytes.length) {
      this.fail(`binary ${what} needs ${needed} bytes from byte ${this.pos}, the file has ${this.bytes.length - this.pos} (truncated)`, `byte ${this.pos}`);
    }
    const kind = type.toLowerCase();
    for (let i = 0; i < count; i++) {
      const at = this.pos + i * size;
      let v: number;
      if (kind === "float") v = this.view.getFloat32(at, false);
      else if (kind === "double") v = this.view.getFloat64(at, false);
      else if (size === 1) v = kind === "char" ? this.view.getInt8(at) : this.view.getUint8(at);
      else if (size === 2) v = kind.startsWith("unsigned") ? this.view.getUint16(at, false) : this.view.getInt16(at, false);
      else if (size === 4) v = kind.startsWith("unsigned") ? this.view.getUint32(at, false) : this.view.getInt32(at, false);
      else v = Number(kind.startsWith("unsigned") ? this.view.getBigUint64(at, false) : this.view.getBigInt64(at, false));
      if (!Number.isFinite(v)) this.fail(`${what} value ${i + 1} is not finite`, `byte ${at}`);
      out[i] = v;
    }
    this.pos += needed;
    return out;
  }
}

export function readVtk(bytes: Uint8Array, file: string): Mesh {
  const probe: Cursor = new Cursor(bytes, file, false);
  const header = probe.nextLine();
  if (header === undefined || !/^#\s*vtk DataFile Version/i.test(header)) {
    probe.fail(`not a legacy VTK file (first line ${JSON.stringify((header ?? "").slice(0, 40))})`, "line 1");
  }
  probe.nextLine(); // title
  const encoding = probe.nextWords();
  if (!encoding) probe.fail("file ends before the ASCII/BINARY line (truncated)");
  const mode = encoding.words[0]!.toUpperCase();
  if (mode !== "ASCII" && mode !== "BINARY") probe.fail(`expected ASCII or BINARY, found ${JSON.stringify(encoding.words.join(" "))}`, encoding.where);
  const c: Cursor = new Cursor(bytes, file, mode === "BINARY");
  c.pos = probe.pos;
  c.line = probe.line;

  const dataset = c.nextWords();
  if (!dataset) c.fail("file ends before the DATASET line (truncated)");
  if (dataset.words[0]!.toUpperCase() !== "DATASET" || dataset.words[1]?.toUpperCase() !== "POLYDATA") {
    c.fail(`only DATASET POLYDATA is supported, found ${JSON.stringify(dataset.words.join(" "))}`, dataset.where);
  }

  let points: Float64Array | undefined;
  const faces: number[] = [];
  const faceSource: string[] = []; // where each triangle came from, for index errors
  for (;;) {
    const next = c.nextWords();
    if (!next) break;
    const where = next.where;
    const keyword = next.words[0]!.toUpperCase();
    if (keyword === "POINT_DATA" || keyword === "CELL_DATA") break;
    if (keyword === "POINTS") {
      const n = parseInteger(next.words[1], file, where, "point count");
      const type = next.words[2];
      if (!type) c.fail("POINTS needs a data type", where);
      points = c.readValues(3 * n, type, false, "point coordinate");
    } else if (keyword === "METADATA") {
      // 5.x writers put an INFORMATION block here; it ends at a blank line
      for (;;) {
        const text = c.nextLine();
        if (text === undefined || text.trim() === "") break;
      }
    } else if (keyword === "FIELD") {
      const arrays = parseInteger(next.words[2], file, where, "FIELD array count");
      for (let a = 0; a < arrays; a++) {
        const spec = c.nextWords();
        if (!spec) c.fail("file ends inside FIELD data (truncated)");
        const sw = spec.where;
        const comps = parseInteger(spec.words[1], file, sw, "FIELD component count");
        const tuples = parseInteger(spec.words[2], file, sw, "FIELD tuple count");
        c.readValues(comps * tuples, spec.words[3] ?? "", false, "FIELD");
      }
    } else if (keyword === "VERTICES" || keyword === "LINES" || keyword === "POLYGONS" || keyword === "TRIANGLE_STRIPS") {
      const cells = readCells(c, next.words, where);
      if (keyword === "POLYGONS" || keyword === "TRIANGLE_STRIPS") {
        cells.forEach((cell, k) => {
          const before = faces.length;
          if (cell.length < 3) c.fail(`${keyword} cell ${k + 1} has ${cell.length} points, needs at least 3`, where);
          if (keyword === "POLYGONS") pushFan(cell, faces);
          else pushStrip(cell, faces);
          for (let t = before; t < faces.length; t += 3) faceSource.push(`${keyword} cell ${k + 1} (${where})`);
        });
      }
    } else {
      c.fail(`unexpected ${JSON.stringify(next.words[0])} in POLYDATA`, where);
    }
  }
  if (!points) c.fail("no POINTS section");
  const count = points.length / 3;
  for (let k = 0; k < faces.length; k++) {
    if (faces[k]! < 0 || faces[k]! >= count) {
      throw new MeshError(file, faceSource[Math.floor(k / 3)]!, `point index ${faces[k]} is outside the ${count} points`);
    }
  }
  if (faces.length === 0) c.fail("no POLYGONS or TRIANGLE_STRIPS cells");
  return mergeVertices({ vertices: points, faces: Uint32Array.from(faces) });
}

/** One cell section in either layout, as lists of point indices. */
function readCells(c: Cursor, words: string[], where: string): number[][] {
  const first = parseInteger(words[1], c.file, where, "cell count");
  const second = parseInteger(words[2], c.file, where, "cell array size");
  const save = { pos: c.pos, line: c.line };
  const peek = c.nextWords();
  if (peek && peek.words[0]!.toUpperCase() === "OFFSETS") {
    // 5.x layout: `first` offsets (cells + 1), `second` connectivity entries
    const offsets = c.readValues(first, peek.words[1] ?? "", true, "OFFSETS");
    const conn = c.nextWords();
    if (!conn || conn.words[0]!.toUpperCase() !== "CONNECTIVITY") c.fail("OFFSETS not followed by CONNECTIVITY", conn ? conn.where : c.where());
    const connectivity = c.readValues(second, conn.words[1] ?? "", true, "CONNECTIVITY");
    const cells: number[][] = [];
    for (let k = 0; k + 1 < offsets.length; k++) {
      const a = offsets[k]!;
      const b = offsets[k + 1]!;
      if (b < a || b > connectivity.length) c.fail(`OFFSETS entry ${k + 2} (${b}) is not between ${a} and ${connectivity.length}`, peek.where);
      cells.push(Array.from(connectivity.subarray(a, b)));
    }
    return cells;
  }
  c.pos = save.pos;
  c.line = save.line;
  // classic layout: `first` cells, `second` integers in all, each cell `k i1 .. ik`
  const flat = c.readValues(second, "int", true, "cell");
  const cells: number[][] = [];
  let at = 0;
  for (let k = 0; k < first; k++) {
    const n = flat[at];
    if (n === undefined || n < 0 || at + 1 + n > flat.length) c.fail(`cell ${k + 1} runs past the ${second} integers the header declares`, where);
    cells.push(Array.from(flat.subarray(at + 1, at + 1 + n)));
    at += 1 + n;
  }
  if (at !== flat.length) c.fail(`${first} cells use ${at} integers, the header declares ${second}`, where);
  return cells;
}

/** VTK triangle strip: every other triangle is flipped to keep one winding. */
function pushStrip(strip: readonly number[], out: number[]): void {
  for (let i = 0; i + 2 < strip.length; i++) {
    if (i % 2 === 0) out.push(strip[i]!, strip[i + 1]!, strip[i + 2]!);
    else out.push(strip[i + 1]!, strip[i]!, strip[i + 2]!);
  }
}
