/**
 * Point records -> the portal's `{prefix}_{shape}.ndjson` text, byte for byte.
 *
 * What the portal writes (ingestion_tools/scripts/importers/annotation.py,
 * `AbstractPointAnnotation.convert`): `ndjson.dump([a.to_dict() for a in annotations], fh)` with
 * the PyPI `ndjson` package (0.3.x). Its Encoder runs the standard `json.JSONEncoder()` on each
 * record and joins the lines with `"\n"`, so:
 * - default separators `", "` and `": "` (a space after commas and colons, no indentation);
 * - no newline after the last line; an empty list gives an empty file;
 * - key order as `to_dict()` builds it: `type`, `location` (`x`, `y`, `z`), then
 *   `xyz_rotation_matrix` (orientedPoint) or `instance_id` (instancePoint);
 * - every coordinate and matrix element is a Python float (the converters divide by the binning,
 *   numpy floats, `tolist()`), printed with `repr`: `1.0`, `0.7071067811865475`, `-0.0`, `1e-05`,
 *   `NaN` / `Infinity` for non-finite values; `instance_id` is a Python int (`3`).
 * Example: `{"type": "point", "location": {"x": 0.5, "y": 1.0, "z": 1.5}}`.
 */
import { pythonFloatRepr } from "../python/index.js";
import type { PointRecord, PointShape } from "./points.js";

const TYPE_OF_SHAPE: { readonly [S in PointShape]: string } = {
  Point: "point",
  OrientedPoint: "orientedPoint",
  InstanceSegmentation: "instancePoint",
};

function locationJson(r: PointRecord): string {
  const { x, y, z } = r.location;
  return `{"x": ${pythonFloatRepr(x)}, "y": ${pythonFloatRepr(y)}, "z": ${pythonFloatRepr(z)}}`;
}

/** One ndjson line (no newline) for a record of `shape`. */
export function pointNdjsonLine(shape: PointShape, record: PointRecord): string {
  const head = `{"type": "${TYPE_OF_SHAPE[shape]}", "location": ${locationJson(record)}`;
  if (shape === "OrientedPoint") {
    const m = record.xyz_rotation_matrix;
    if (!m) throw new Error("pointNdjsonLine: OrientedPoint record has no xyz_rotation_matrix");
    const rows = m.map((row) => `[${row.map(pythonFloatRepr).join(", ")}]`).join(", ");
    return `${head}, "xyz_rotation_matrix": [${rows}]}`;
  }
  if (shape === "InstanceSegmentation") {
    const id = record.instance_id;
    if (id === undefined || !Number.isSafeInteger(id)) throw new Error(`pointNdjsonLine: instance_id must be an integer, got ${id}`);
    return `${head}, "instance_id": ${Object.is(id, -0) ? 0 : id}}`;
  }
  return `${head}}`;
}

/** The whole ndjson file as the portal writes it (lines joined by "\n", none after the last). */
export function pointsToNdjson(shape: PointShape, records: readonly PointRecord[]): string {
  return records.map((r) => pointNdjsonLine(shape, r)).join("\n");
}

/** Number of objects the portal reports: lines, or distinct instance ids for InstanceSegmentation. */
export function pointObjectCount(shape: PointShape, records: readonly PointRecord[]): number {
  return shape === "InstanceSegmentation" ? new Set(records.map((r) => r.instance_id)).size : records.length;
}
