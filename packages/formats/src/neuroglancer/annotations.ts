/**
 * Neuroglancer precomputed annotation collections for point, oriented point and instance point
 * annotations, laid out as the portal's precompute library does (it drives neuroglancer's python
 * `AnnotationWriter`): annotation type `point`, coordinates in voxels with `dimensions` in metres,
 * properties `name` (enum: uint8, or uint16 from 256 names; uint16/uint32 also when a value does
 * not fit the narrower type, where upstream would wrap or fail), `diameter`, `point_index`, `color`
 * (rgb) and, for oriented points, `rot_mat_{i}_{j}` (float32, row-major 3x3), one spatial level
 * `spatial0` with a single grid cell holding every annotation, and a `by_id` index.
 * Our own writer: no npm package writes this format.
 *
 * This writes the unsharded `by_id/<id>` form; sharding.ts re-packs it into the one
 * `neuroglancer_uint64_sharded_v1` shard upstream writes (the importer always does).
 */

export interface PrecomputedFile {
  /** Path relative to the collection directory, '/'-separated. */
  path: string;
  bytes: Uint8Array;
}

export interface AnnotationPoint {
  location: { x: number; y: number; z: number };
  /** Row-major 3x3 rotation (oriented points only). */
  xyz_rotation_matrix?: number[][];
  instance_id?: number;
}

export interface AnnotationEncodeOptions {
  /** Voxel size in metres (upstream passes voxel spacing in Å × 1e-10). */
  resolution: number;
  isOriented?: boolean;
  /** `annotation_object.diameter` in Å; upstream stores diameter / 10 and defaults it to 100. */
  objectDiameter?: number;
  /** Enum labels of the `name` property; default `{0: objectName}`. */
  namesById?: Map<number, string>;
  objectName?: string;
  /** The `name` value of a point (upstream: 0, or `instance_id` for instance segmentations). */
  labelOf?: (p: AnnotationPoint) => number;
  /** RGB 0-255 of a point; default white. */
  colorOf?: (p: AnnotationPoint) => [number, number, number];
  /** Names the input in errors. */
  location?: string;
}

export class PrecomputedAnnotationError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly record?: number,
  ) {
    super(`${file}${record !== undefined ? `: record ${record}` : ""}: ${message}`);
  }
}

type PropType = "uint8" | "uint16" | "uint32" | "float32" | "rgb";

interface PropSpec {
  id: string;
  type: PropType;
  enum_values?: number[];
  enum_labels?: string[];
}

const ALIGNMENT: Record<PropType, number> = { float32: 4, uint32: 4, uint16: 2, uint8: 1, rgb: 1 };
const SIZE: Record<PropType, number> = { float32: 4, uint32: 4, uint16: 2, uint8: 1, rgb: 3 };
const UINT_MAX: Partial<Record<PropType, number>> = { uint8: 0xff, uint16: 0xffff, uint32: 0xffffffff };

const fitsUint = (v: unknown, type: PropType): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= UINT_MAX[type]!;

/** Upstream's choice (uint8 below 256 names, else uint16), widened when an enum value needs it. */
function nameType(values: readonly number[], where: string): PropType {
  const bad = values.find((v) => !fitsUint(v, "uint32"));
  if (bad !== undefined) throw new PrecomputedAnnotationError(`name enum value ${bad} is not an integer in [0, 2^32)`, where);
  if (values.length < 256 && values.every((v) => fitsUint(v, "uint8"))) return "uint8";
  return values.every((v) => fitsUint(v, "uint16")) ? "uint16" : "uint32";
}

/** Encodes points to the files of one precomputed annotation directory. */
export function encodePrecomputedAnnotations(points: readonly AnnotationPoint[], options: AnnotationEncodeOptions): PrecomputedFile[] {
  const where = options.location ?? "<annotations>";
  const namesById = options.namesById ?? new Map([[0, options.objectName ?? ""]]);
  const labelOf = options.labelOf ?? (() => 0);
  const colorOf = options.colorOf ?? (() => [255, 255, 255] as [number, number, number]);
  const diameter = (options.objectDiameter ?? 100) / 10;
  const declared: PropSpec[] = [
    {
      id: "name",
      type: nameType([...namesById.keys()], where),
      enum_values: [...namesById.keys()],
      enum_labels: [...namesById.values()],
    },
    { id: "diameter", type: "float32" },
    { id: "point_index", type: "float32" },
    { id: "color", type: "rgb" },
    ...(options.isOriented ? [0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => ({ id: `rot_mat_${i}_${j}`, type: "float32" as const }))) : []),
  ];
  // Binary layout: properties by decreasing alignment (stable), as the spec decodes them.
  const layout = [...declared].sort((a, b) => ALIGNMENT[b.type] - ALIGNMENT[a.type]);
  const nameProp = declared[0]!;
  const propBytes = layout.reduce((n, p) => n + SIZE[p.type], 0);
  const recordSize = 12 + Math.ceil(propBytes / 4) * 4;

  const lower = [Infinity, Infinity, Infinity];
  const upper = [-Infinity, -Infinity, -Infinity];
  const records: Uint8Array[] = points.map((p, index) => {
    const xyz = [p.location?.x, p.location?.y, p.location?.z];
    // finite in float32 too: 1e39 would be stored as Infinity
    if (!xyz.every((v) => typeof v === "number" && Number.isFinite(Math.fround(v)))) {
      throw new PrecomputedAnnotationError("location needs finite x, y, z (float32)", where, index + 1);
    }
    const values: Record<string, number | number[]> = {
      name: labelOf(p),
      diameter,
      point_index: index,
      color: colorOf(p),
    };
    // out-of-range values would be wrapped silently by DataView
    if (!fitsUint(values.name, nameProp.type)) {
      throw new PrecomputedAnnotationError(`name value ${values.name} does not fit the ${nameProp.type} name property`, where, index + 1);
    }
    const rgb = values.color as unknown;
    if (!Array.isArray(rgb) || rgb.length !== 3 || !rgb.every((c) => fitsUint(c, "uint8"))) {
      throw new PrecomputedAnnotationError(`color ${JSON.stringify(rgb)} is not three integers 0-255`, where, index + 1);
    }
    if (options.isOriented) {
      const m = p.xyz_rotation_matrix;
      if (m?.length !== 3 || m.some((row) => row.length !== 3)) {
        throw new PrecomputedAnnotationError("oriented point needs a 3x3 xyz_rotation_matrix", where, index + 1);
      }
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) values[`rot_mat_${i}_${j}`] = m[i]![j]!;
    }
    const buf = new Uint8Array(recordSize);
    const view = new DataView(buf.buffer);
    for (let d = 0; d < 3; d++) {
      view.setFloat32(d * 4, xyz[d]!, true);
      // Bounds as float32, like the reference writer's float32 accumulators.
      const f = Math.fround(xyz[d]!);
      lower[d] = Math.min(lower[d]!, f);
      upper[d] = Math.max(upper[d]!, f);
    }
    let off = 12;
    for (const prop of layout) {
      const v = values[prop.id]!;
      switch (prop.type) {
        case "float32":
          view.setFloat32(off, v as number, true);
          break;
        case "uint32":
          view.setUint32(off, v as number, true);
          break;
        case "uint16":
          view.setUint16(off, v as number, true);
          break;
        case "uint8":
          view.setUint8(off, v as number);
          break;
        case "rgb":
          (v as number[]).forEach((c, k) => {
            view.setUint8(off + k, c);
          });
          break;
      }
      off += SIZE[prop.type];
    }
    return buf;
  });

  // An empty collection: finite bounds (JSON has no Infinity; neuroglancer rejects null).
  if (records.length === 0) {
    lower.fill(0);
    upper.fill(0);
  }
  // Info lists `name` first (upstream re-sorts after encoding); decoding groups by size anyway.
  const infoProps = [...layout].sort((a, b) => Number(a.id !== "name") - Number(b.id !== "name"));
  const info = {
    "@type": "neuroglancer_annotations_v1",
    dimensions: { x: [options.resolution, "m"], y: [options.resolution, "m"], z: [options.resolution, "m"] },
    lower_bound: lower,
    upper_bound: upper,
    annotation_type: "point",
    properties: infoProps,
    relationships: [],
    by_id: { key: "by_id" },
    spatial: [
      {
        key: "spatial0",
        grid_shape: [1, 1, 1],
        chunk_size: upper.map((u, d) => Math.max(1, u - lower[d]!)),
        limit: points.length,
      },
    ],
  };
  const spatial = new Uint8Array(8 + records.length * (recordSize + 8));
  const sview = new DataView(spatial.buffer);
  sview.setBigUint64(0, BigInt(records.length), true);
  records.forEach((r, i) => {
    spatial.set(r, 8 + i * recordSize);
  });
  const idsAt = 8 + records.length * recordSize;
  records.forEach((_, i) => {
    sview.setBigUint64(idsAt + i * 8, BigInt(i), true);
  });

  return [
    { path: "info", bytes: new TextEncoder().encode(JSON.stringify(info)) },
    { path: "spatial0/0_0_0", bytes: spatial },
    ...records.map((r, i) => ({ path: `by_id/${i}`, bytes: r })),
  ];
}
