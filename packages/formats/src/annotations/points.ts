/**
 * Point-annotation source files -> point records, as the portal's point converters
 * (`ingestion_tools/scripts/common/point_converter.py`) read them for the three point shapes:
 *
 * | shape                | formats                                                                          |
 * |----------------------|----------------------------------------------------------------------------------|
 * | Point                | csv, csv_with_header, mod, relion3_star, relion4_star, tomoman_relion_star, copick |
 * | OrientedPoint        | relion3_star, relion4_star, tomoman_relion_star, stopgap_star, mod, copick        |
 * | InstanceSegmentation | tardis, copick                                                                   |
 *
 * Any other format (e.g. `tsv`, which the config schema allows for Point) is rejected, as the
 * portal's "Invalid file format".
 *
 * Conventions (portal's, kept): coordinates are divided by `binning` (missing/0 -> 1);
 * `columns`/`order` `zyx` reads the source's axes reversed (x from the third coordinate) and
 * flips rotation matrices over both axes (`np.flip`). Rotations:
 * - RELION 3 / 4 and tomoman: `from_euler("ZYZ", [rlnAngleRot, rlnAngleTilt, rlnAnglePsi]).inv()`;
 *   RELION 3 / tomoman subtract `rlnOrigin{X,Y,Z}` when all three columns exist; RELION 4
 *   subtracts `rlnOrigin{X,Y,Z}Angst / rlnImagePixelSize` (first row of `data_optics`);
 *   rows are filtered on `rlnMicrographName` (RELION 3), `rlnTomoName` (RELION 4, tomoman).
 * - STOPGAP: position `orig + shift`, `from_euler("zxz", [phi, the, psi])`, filter on `tomo_num`.
 * - IMOD `.mod` OrientedPoint: one point per slicer angle (SLAN chunk): its center, and
 *   `from_euler("xyz", [-x, -y, -z])`; Point: every contour point.
 * - copick picks JSON: `location`, `transformation_[0:3][0:3]` (identity when absent),
 *   `instance_id` (default 0, as copick's model).
 * - tardis: CSV with a header, columns `id, x, y, z`.
 *
 * Where we differ from the portal, on purpose:
 * - no `filter_value` means "all rows" for every STAR flavour (the portal does so for RELION 3 /
 *   tomoman, but matches nothing for RELION 4 and STOPGAP); a filter matching nothing gives [].
 * - filter values compare as numbers when both sides are numeric (`1` matches `01`, and a numeric
 *   `rlnTomoName` column still matches a string filter, which pandas' type inference breaks).
 * - a `.mod` without slicer angles read as OrientedPoint gives [] (the portal's ValueError, caught).
 * - blank CSV lines are skipped (Python's csv reader would crash on them); RELION 4 files
 *   without `rlnOrigin*Angst` columns read with no shift.
 * Every malformed value throws {@link AnnotationFormatError} naming the file and line / record.
 */
import { parseCsv, CsvError } from "../csv.js";
import { AnnotationFormatError } from "./errors.js";
import { imodModelPoints, readImodModel, type Vec3 } from "./imod-model.js";
import { flipMatrix, rotationMatrixFromEuler } from "./rotation.js";
import { parseStar, starBlock, starTable, type StarRow, type StarTable } from "./star.js";

export type PointShape = "Point" | "OrientedPoint" | "InstanceSegmentation";
export type AxisOrder = "xyz" | "zyx";

export interface PointLocation {
  x: number;
  y: number;
  z: number;
}

export interface PointRecord {
  location: PointLocation;
  /** Row-major 3x3 rotation (OrientedPoint only). */
  xyz_rotation_matrix?: number[][];
  /** Instance the point belongs to (InstanceSegmentation only). */
  instance_id?: number;
}

export interface PointReadOptions {
  /** Point: axis order of the source columns (YAML `columns`), default `xyz`. */
  columns?: AxisOrder | null;
  /** OrientedPoint / InstanceSegmentation: axis order (YAML `order`), default `xyz`. */
  order?: AxisOrder | null;
  /** csv / csv_with_header field delimiter (one character), default `,`. */
  delimiter?: string | null;
  /** Coordinates are divided by this; missing or 0 means 1. */
  binning?: number | null;
  /** Rows to keep (RELION micrograph/tomo name, STOPGAP tomo_num), already template-expanded. */
  filterValue?: string | number | null;
}

export const POINT_FORMATS: { readonly [S in PointShape]: readonly string[] } = {
  Point: ["csv", "csv_with_header", "mod", "relion3_star", "relion4_star", "tomoman_relion_star", "copick"],
  OrientedPoint: ["relion3_star", "relion4_star", "tomoman_relion_star", "stopgap_star", "mod", "copick"],
  InstanceSegmentation: ["tardis", "copick"],
};

interface Ctx {
  shape: PointShape;
  location: string;
  axes: [number, number, number];
  flip: boolean;
  binning: number;
  filter: string | undefined;
}

// ---------------------------------------------------------------------------------------------
// Number parsing as Python's float()/int() accept it (surrounding whitespace, inf, nan).

const FLOAT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

function parseNumber(text: string): number | undefined {
  const t = text.trim();
  if (FLOAT_RE.test(t)) return Number(t);
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(t);
  if (!special) return undefined;
  if (special[2]!.toLowerCase() === "nan") return Number.NaN;
  return special[1] === "-" ? -Infinity : Infinity;
}

function floatField(ctx: Ctx, text: string | undefined, what: string, where: string): number {
  if (text === undefined) throw new AnnotationFormatError(ctx.location, `missing ${what}`, where);
  const v = parseNumber(text);
  if (v === undefined) throw new AnnotationFormatError(ctx.location, `${what} is not a number: ${JSON.stringify(text)}`, where);
  return v;
}

function intField(ctx: Ctx, text: string | undefined, what: string, where: string): number {
  const t = text?.trim();
  if (t === undefined || !/^[+-]?\d+$/.test(t)) throw new AnnotationFormatError(ctx.location, `${what} is not an integer: ${JSON.stringify(text)}`, where);
  return Number(t);
}

// ---------------------------------------------------------------------------------------------

function located(ctx: Ctx, coords: readonly number[]): PointLocation {
  return { x: coords[ctx.axes[0]]! / ctx.binning, y: coords[ctx.axes[1]]! / ctx.binning, z: coords[ctx.axes[2]]! / ctx.binning };
}

function oriented(ctx: Ctx, matrix: number[][]): number[][] {
  return ctx.flip ? flipMatrix(matrix) : matrix;
}

function decodeText(bytes: Uint8Array, location: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new AnnotationFormatError(location, "file is not valid UTF-8 text");
  }
}

function csvRows(ctx: Ctx, text: string, delimiter: string, skipHeader: boolean): Array<{ line: number; fields: string[] }> {
  let rows;
  try {
    rows = parseCsv(text, delimiter);
  } catch (e) {
    if (e instanceof CsvError) throw new AnnotationFormatError(ctx.location, e.message, `line ${e.line}`);
    throw e;
  }
  if (skipHeader) rows = rows.slice(1);
  return rows.filter((r) => r.fields.length > 0);
}

function readCsv(ctx: Ctx, text: string, delimiter: string, skipHeader: boolean): PointRecord[] {
  if (delimiter.length !== 1) throw new AnnotationFormatError(ctx.location, `delimiter must be one character, got ${JSON.stringify(delimiter)}`);
  return csvRows(ctx, text, delimiter, skipHeader).map((row) => {
    const where = `line ${row.line}`;
    const coords = [0, 1, 2].map((i) => floatField(ctx, row.fields[i], `column ${i + 1}`, where));
    return { location: located(ctx, coords) };
  });
}

function readTardis(ctx: Ctx, text: string): PointRecord[] {
  // Fixed layout `id, x, y, z` after a header; the portal ignores `order` here.
  const xyz: Ctx = { ...ctx, axes: [0, 1, 2] };
  return csvRows(ctx, text, ",", true).map((row) => {
    const where = `line ${row.line}`;
    const id = intField(ctx, row.fields[0], "instance id (column 1)", where);
    const coords = [1, 2, 3].map((i) => floatField(ctx, row.fields[i], `column ${i + 1}`, where));
    return { location: located(xyz, coords), instance_id: id };
  });
}

function readMod(ctx: Ctx, bytes: Uint8Array): PointRecord[] {
  const model = readImodModel(bytes, ctx.location);
  if (ctx.shape === "Point") return imodModelPoints(model).map((p) => ({ location: located(ctx, p) }));
  return model.slicerAngles.map((s) => ({
    location: located(ctx, s.center),
    xyz_rotation_matrix: oriented(ctx, rotationMatrixFromEuler("xyz", [-s.angles[0], -s.angles[1], -s.angles[2]])),
  }));
}

// ---------------------------------------------------------------------------------------------
// STAR flavours.

function sameValue(cell: string, filter: string): boolean {
  if (cell === filter) return true;
  const a = parseNumber(cell);
  const b = parseNumber(filter);
  return a !== undefined && b !== undefined && a === b;
}

function filteredRows(ctx: Ctx, table: StarTable, filterColumn: string): StarRow[] {
  if (ctx.filter === undefined || ctx.filter === "") return table.rows;
  const i = table.index(filterColumn);
  return table.rows.filter((r) => sameValue(r.values[i]!, ctx.filter!));
}

function columnsOf(table: StarTable, names: readonly string[]): number[] {
  return names.map((n) => table.index(n));
}

function numbers(ctx: Ctx, _table: StarTable, row: StarRow, indices: readonly number[], names: readonly string[]): number[] {
  return indices.map((i, k) => floatField(ctx, row.values[i], `_${names[k]}`, `line ${row.line}`));
}

const COORDS = ["rlnCoordinateX", "rlnCoordinateY", "rlnCoordinateZ"] as const;
const RELION_ANGLES = ["rlnAngleRot", "rlnAngleTilt", "rlnAnglePsi"] as const;

function relionRecords(ctx: Ctx, table: StarTable, rows: StarRow[], shift: (row: StarRow) => Vec3): PointRecord[] {
  const coordIdx = columnsOf(table, COORDS);
  const angleIdx = ctx.shape === "OrientedPoint" ? columnsOf(table, RELION_ANGLES) : [];
  return rows.map((row) => {
    const c = numbers(ctx, table, row, coordIdx, COORDS);
    const s = shift(row);
    const record: PointRecord = { location: located(ctx, [c[0]! - s[0], c[1]! - s[1], c[2]! - s[2]]) };
    if (ctx.shape === "OrientedPoint") {
      const a = numbers(ctx, table, row, angleIdx, RELION_ANGLES);
      record.xyz_rotation_matrix = oriented(ctx, rotationMatrixFromEuler("ZYZ", a, { inverse: true }));
    }
    return record;
  });
}

function readRelion3(ctx: Ctx, text: string, filterColumn: "rlnMicrographName" | "rlnTomoName"): PointRecord[] {
  const blocks = parseStar(text, ctx.location);
  // RELION 3.1 files carry data_optics before data_particles; the table is the particles one.
  const block = blocks.find((b) => b.name === "particles" && b.loop) ?? starBlock(blocks, ctx.location);
  const table = starTable(block, ctx.location);
  const origin = ["rlnOriginX", "rlnOriginY", "rlnOriginZ"] as const;
  const hasShift = origin.every((n) => table.has(n));
  const originIdx = hasShift ? columnsOf(table, origin) : [];
  const shift = (row: StarRow): Vec3 => (hasShift ? (numbers(ctx, table, row, originIdx, origin) as Vec3) : [0, 0, 0]);
  return relionRecords(ctx, table, filteredRows(ctx, table, filterColumn), shift);
}

function readRelion4(ctx: Ctx, text: string): PointRecord[] {
  const blocks = parseStar(text, ctx.location);
  const table = starTable(starBlock(blocks, ctx.location, "particles"), ctx.location);
  const origin = ["rlnOriginXAngst", "rlnOriginYAngst", "rlnOriginZAngst"] as const;
  const hasShift = origin.some((n) => table.has(n));
  let pixelSize = 1;
  let originIdx: number[] = [];
  if (hasShift) {
    originIdx = columnsOf(table, origin);
    const optics = starTable(starBlock(blocks, ctx.location, "optics"), ctx.location);
    const first = optics.rows[0];
    if (!first) throw new AnnotationFormatError(ctx.location, "data_optics has no rows (rlnImagePixelSize is needed)", `line ${optics.block.line}`);
    pixelSize = floatField(ctx, first.values[optics.index("rlnImagePixelSize")], "_rlnImagePixelSize", `line ${first.line}`);
  }
  const shift = (row: StarRow): Vec3 => {
    if (!hasShift) return [0, 0, 0];
    const s = numbers(ctx, table, row, originIdx, origin);
    return [s[0]! / pixelSize, s[1]! / pixelSize, s[2]! / pixelSize];
  };
  return relionRecords(ctx, table, filteredRows(ctx, table, "rlnTomoName"), shift);
}

function readStopgap(ctx: Ctx, text: string): PointRecord[] {
  const table = starTable(starBlock(parseStar(text, ctx.location), ctx.location), ctx.location);
  const orig = ["orig_x", "orig_y", "orig_z"] as const;
  const shifts = ["x_shift", "y_shift", "z_shift"] as const;
  const angles = ["phi", "the", "psi"] as const;
  const [origIdx, shiftIdx, angleIdx] = [orig, shifts, angles].map((names) => columnsOf(table, names));
  return filteredRows(ctx, table, "tomo_num").map((row) => {
    const o = numbers(ctx, table, row, origIdx!, orig);
    const s = numbers(ctx, table, row, shiftIdx!, shifts);
    const a = numbers(ctx, table, row, angleIdx!, angles);
    return {
      location: located(ctx, [o[0]! + s[0]!, o[1]! + s[1]!, o[2]! + s[2]!]),
      xyz_rotation_matrix: oriented(ctx, rotationMatrixFromEuler("zxz", a)),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// copick picks JSON: {"points": [{"location": {x,y,z}, "transformation_": 4x4, "instance_id": n}, ...]}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function readCopick(ctx: Ctx, text: string): PointRecord[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new AnnotationFormatError(ctx.location, `not valid JSON (${(e as Error).message})`);
  }
  if (!isRecord(doc) || !Array.isArray(doc.points)) throw new AnnotationFormatError(ctx.location, 'copick picks file must be an object with a "points" array');
  return doc.points.map((p: unknown, i: number) => {
    const where = `point ${i + 1}`;
    const bad = (msg: string) => new AnnotationFormatError(ctx.location, msg, where);
    if (!isRecord(p) || !isRecord(p.location)) throw bad('point has no "location" object');
    const loc = p.location;
    const coords = (["x", "y", "z"] as const).map((k) => {
      const v = loc[k];
      if (typeof v !== "number") throw bad(`location.${k} is not a number: ${JSON.stringify(v)}`);
      return v;
    });
    const record: PointRecord = { location: located(ctx, coords) };
    if (ctx.shape === "OrientedPoint") {
      const t = p.transformation_;
      let matrix: number[][] = [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
      ];
      if (t !== undefined && t !== null) {
        const ok = Array.isArray(t) && t.length >= 3 && t.slice(0, 3).every((row) => Array.isArray(row) && row.length >= 3 && row.slice(0, 3).every((v) => typeof v === "number"));
        if (!ok) throw bad("transformation_ is not a 4x4 number matrix");
        matrix = (t as number[][]).slice(0, 3).map((row) => row.slice(0, 3));
      }
      record.xyz_rotation_matrix = oriented(ctx, matrix);
    }
    if (ctx.shape === "InstanceSegmentation") {
      const id = p.instance_id ?? 0;
      if (typeof id !== "number" || !Number.isInteger(id)) throw bad(`instance_id is not an integer: ${JSON.stringify(id)}`);
      record.instance_id = id;
    }
    return record;
  });
}

// ---------------------------------------------------------------------------------------------

function axisOrder(value: AxisOrder | null | undefined, location: string): AxisOrder {
  const v = value ?? "xyz";
  if (v !== "xyz" && v !== "zyx") throw new AnnotationFormatError(location, `axis order must be "xyz" or "zyx", got ${JSON.stringify(v)}`);
  return v;
}

/**
 * Reads one point-annotation source file into records, in file order.
 * `location` names the file in errors. Throws {@link AnnotationFormatError} for an unknown
 * format of the shape and for any malformed content.
 */
export function readPointAnnotations(shape: PointShape, format: string, bytes: Uint8Array, options: PointReadOptions, location: string): PointRecord[] {
  const formats = POINT_FORMATS[shape];
  if (!formats) throw new AnnotationFormatError(location, `unknown point annotation shape ${JSON.stringify(shape)}`);
  if (!formats.includes(format)) {
    throw new AnnotationFormatError(location, `Invalid file format ${JSON.stringify(format)} for ${shape} annotations (accepted: ${formats.join(", ")})`);
  }
  const order = axisOrder(shape === "Point" ? (options.columns ?? options.order) : (options.order ?? options.columns), location);
  const binning = options.binning || 1;
  if (!Number.isFinite(binning) || binning < 0) throw new AnnotationFormatError(location, `binning must be a positive number, got ${binning}`);
  const filter = options.filterValue === null || options.filterValue === undefined ? undefined : String(options.filterValue);
  const ctx: Ctx = { shape, location, axes: order === "xyz" ? [0, 1, 2] : [2, 1, 0], flip: order === "zyx", binning, filter };

  switch (format) {
    case "csv":
    case "csv_with_header":
      return readCsv(ctx, decodeText(bytes, location), options.delimiter || ",", format === "csv_with_header");
    case "tardis":
      return readTardis(ctx, decodeText(bytes, location));
    case "mod":
      return readMod(ctx, bytes);
    case "relion3_star":
      return readRelion3(ctx, decodeText(bytes, location), "rlnMicrographName");
    case "tomoman_relion_star":
      return readRelion3(ctx, decodeText(bytes, location), "rlnTomoName");
    case "relion4_star":
      return readRelion4(ctx, decodeText(bytes, location));
    case "stopgap_star":
      return readStopgap(ctx, decodeText(bytes, location));
    case "copick":
      return readCopick(ctx, decodeText(bytes, location));
    default:
      throw new AnnotationFormatError(location, `Invalid file format ${JSON.stringify(format)} for ${shape} annotations`);
  }
}
