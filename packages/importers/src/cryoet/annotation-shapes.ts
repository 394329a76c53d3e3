/**
 * What each annotation shape writes (reference 1.4): points as ndjson, masks as MRC + OME-Zarr
 * (int8 binary or uint16 labels), meshes as GLB, captions copied verbatim; the `files[]` entries
 * the annotation metadata lists, and the object count read back from the written outputs.
 */
import { IngestError, type ItemContext } from "@ingestkit/core";
import { binaryMaskSource, instanceMaskSource, maskHasLabel, type VolumeShape } from "@ingestkit/formats";
import type { AnnotationShapeKey, AnnotationSource } from "./annotation-finders.js";
import { annotationVolumeShape } from "./annotation-rescale.js";
import { convertMesh, meshGroupHasName, MESH_FORMATS, MESH_GROUP_FORMATS } from "./annotation-meshes.js";
import { convertPoints, POINT_FORMATS, countInstances, countLines } from "./annotation-points.js";
import { sourceKey, sourceStorage } from "./common.js";
import { openVolume, standardizeVolume } from "./volume-io.js";

export interface AnnotationFile {
  format: string;
  path: string;
  shape: string;
  is_visualization_default: boolean;
}

export interface ShapeHandler {
  /** The shape the outputs and metadata report (SemanticSegmentationMask reports SegmentationMask). */
  shape: string;
  formats: readonly string[];
  convert(ctx: ItemContext, source: AnnotationSource, prefix: string): Promise<void>;
  files(source: AnnotationSource, prefix: string): AnnotationFile[];
  /** From the written outputs; undefined when they are not written yet. */
  objectCount(ctx: ItemContext, source: AnnotationSource, prefix: string): Promise<number | undefined>;
  isValid?(ctx: ItemContext, source: AnnotationSource): Promise<boolean>;
  invalidWhy?(source: AnnotationSource): string;
}

const visualizationDefault = (s: AnnotationSource) => s.options.is_visualization_default === true;

function fileOf(shape: string, format: string, path: string, s: AnnotationSource): AnnotationFile {
  return { format, path, shape, is_visualization_default: visualizationDefault(s) };
}

async function exists(ctx: ItemContext, key: string): Promise<boolean> {
  return (await ctx.output.stat(key)) !== undefined;
}

function numberOption(s: AnnotationSource, key: string, entityPath: string): number | undefined {
  const v = s.options[key];
  if (v === undefined || v === null || v === "") return undefined;
  const n = typeof v === "number" ? v : typeof v === "object" && v !== null && "value" in v ? Number((v as { value: unknown }).value) : Number(v);
  if (!Number.isFinite(n)) throw new IngestError("CONFIG_SCHEMA", `${s.shape}.${key} must be a number, got ${JSON.stringify(v)}`, { entityPath });
  return n;
}

// ---------------------------------------------------------------------------------------------
// Points, oriented points, instance points: `{prefix}_{shape}.ndjson`

function pointHandler(shape: "Point" | "OrientedPoint" | "InstanceSegmentation"): ShapeHandler {
  const out = (prefix: string) => `${prefix}_${shape.toLowerCase()}.ndjson`;
  return {
    shape,
    formats: POINT_FORMATS[shape],
    async convert(ctx, s, prefix) {
      await convertPoints(ctx, shape, s, out(prefix));
    },
    files: (s, prefix) => [fileOf(shape, "ndjson", out(prefix), s)],
    async objectCount(ctx, _s, prefix) {
      if (!(await exists(ctx, out(prefix)))) return undefined;
      const text = await ctx.output.readText(out(prefix));
      return shape === "InstanceSegmentation" ? countInstances(text) : countLines(text);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Masks: `{prefix}_{shape}.zarr` + `.mrc`

function maskOptions(ctx: ItemContext, s: AnnotationSource): { label: number; threshold: number | undefined; rescale: boolean } {
  const rawLabel = numberOption(s, "mask_label", ctx.item.entityPath);
  const label = rawLabel ? rawLabel : 1; // the reference: `if not mask_label: mask_label = 1`
  const threshold = numberOption(s, "threshold", ctx.item.entityPath);
  if (label !== 1 && threshold !== undefined) {
    throw new IngestError("CONFIG_SCHEMA", `${s.shape}: thresholding and selecting by label are mutually exclusive (mask_label ${label}, threshold ${threshold})`, {
      entityPath: ctx.item.entityPath,
    });
  }
  return { label, threshold, rescale: s.options.rescale === true };
}

const shapeText = (v: VolumeShape) => `${v.z}x${v.y}x${v.x}`;

function maskHandler(key: AnnotationShapeKey, shape: "SegmentationMask" | "InstanceSegmentationMask"): ShapeHandler {
  const base = (prefix: string) => `${prefix}_${shape.toLowerCase()}`;
  const instance = shape === "InstanceSegmentationMask";
  const labelsSeen = new WeakMap<ItemContext["run"], Map<string, number>>();
  return {
    shape,
    formats: ["mrc", "zarr"],
    async convert(ctx, s, prefix) {
      const vs = ctx.item.require("voxel_spacing");
      const target = s.options.rescale === true ? await annotationVolumeShape(ctx) : undefined;
      const name = base(prefix).split("/").pop()!;
      // where the mask comes from and goes to, for either kind
      const io = {
        sourceKey: sourceKey(ctx),
        sourceStorage: sourceStorage(ctx),
        sourceLocation: ctx.item.pathLocation ?? sourceKey(ctx),
        dir: ctx.outputDir(),
        name,
        voxelSpacing: Number(vs.name),
      };
      if (instance) {
        let labels: (() => number[]) | undefined;
        await standardizeVolume(ctx, {
          kind: "instance-mask",
          transform: {
            id: `instance rescale=${target ? shapeText(target) : "no"}`,
            apply(src) {
              const m = instanceMaskSource(src, target);
              labels = () => m.labels();
              return m;
            },
            zarrMetadata: () => ({ "image-label": { version: "0.4", colors: (labels?.() ?? []).map((v) => ({ "label-value": v })) } }),
          },
          ...io,
        });
        if (labels) {
          const seen = labelsSeen.get(ctx.run) ?? new Map<string, number>();
          labelsSeen.set(ctx.run, seen);
          seen.set(base(prefix), labels().length);
        }
        return;
      }
      const o = maskOptions(ctx, s);
      await standardizeVolume(ctx, {
        kind: "segmentation-mask",
        transform: {
          id: `binary label=${o.label} threshold=${o.threshold ?? "none"} rescale=${target ? shapeText(target) : "no"}`,
          apply: (src) => binaryMaskSource(src, { label: o.label, ...(o.threshold !== undefined ? { threshold: o.threshold } : {}), ...(target ? { rescaleTo: target } : {}) }),
        },
        ...io,
      });
    },
    files: (s, prefix) => ["zarr", "mrc"].map((fmt) => fileOf(shape, fmt, `${base(prefix)}.${fmt}`, s)),
    async objectCount(ctx, _s, prefix) {
      const written = (await exists(ctx, `${base(prefix)}.mrc`)) || (await exists(ctx, `${base(prefix)}.zarr`));
      if (!written) return undefined;
      if (!instance) return 0;
      const known = labelsSeen.get(ctx.run)?.get(base(prefix));
      if (known !== undefined) return known;
      // written by an earlier run: the labels are listed in the OME-Zarr image-label metadata
      const zattrs = `${base(prefix)}.zarr/.zattrs`;
      if (await exists(ctx, zattrs)) {
        try {
          const attrs = JSON.parse(await ctx.output.readText(zattrs)) as { multiscales?: Array<{ metadata?: { "image-label"?: { colors?: unknown[] } } }> };
          const colors = attrs.multiscales?.[0]?.metadata?.["image-label"]?.colors;
          if (Array.isArray(colors)) return colors.length;
        } catch {
          // fall through to counting the MRC
        }
      }
      const reader = await openVolume(ctx.output.view, `${base(prefix)}.mrc`, ctx.run.outputLocation(`${base(prefix)}.mrc`));
      try {
        const m = instanceMaskSource(reader);
        for (let z = 0; z < m.shape.z; z += 16) await m.readSlab(z, Math.min(m.shape.z, z + 16));
        return m.labels().length;
      } finally {
        await reader.close();
      }
    },
    ...(key === "SemanticSegmentationMask"
      ? {
          async isValid(ctx: ItemContext, s: AnnotationSource) {
            const o = maskOptions(ctx, s);
            const cache = ctx.run.memo("cryoet.maskHasLabel", () => new Map<string, Promise<boolean>>());
            const k = `${ctx.item.pathLocation}\0${o.label}\0${o.threshold}`;
            let p = cache.get(k);
            if (!p) {
              p = (async () => {
                const reader = await openVolume(sourceStorage(ctx), sourceKey(ctx), ctx.item.pathLocation ?? sourceKey(ctx));
                try {
                  return await maskHasLabel(reader, o.threshold !== undefined ? { threshold: o.threshold } : { label: o.label });
                } finally {
                  await reader.close();
                }
              })();
              cache.set(k, p);
            }
            return p;
          },
          invalidWhy: (s: AnnotationSource) =>
            s.options.threshold !== undefined && s.options.threshold !== null
              ? `no voxel reaches the threshold ${String(s.options.threshold)}`
              : `no voxel has the label ${String(s.options.mask_label ?? 1)}`,
        }
      : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Meshes: `{prefix}_triangularmesh.glb`

function meshHandler(key: "TriangularMesh" | "TriangularMeshGroup"): ShapeHandler {
  const out = (prefix: string) => `${prefix}_triangularmesh.glb`;
  return {
    shape: "TriangularMesh",
    formats: key === "TriangularMesh" ? MESH_FORMATS : MESH_GROUP_FORMATS,
    async convert(ctx, s, prefix) {
      await convertMesh(ctx, key, s, out(prefix));
    },
    files: (s, prefix) => [fileOf("TriangularMesh", "glb", out(prefix), s)],
    async objectCount(ctx, _s, prefix) {
      return (await exists(ctx, out(prefix))) ? 1 : undefined;
    },
    ...(key === "TriangularMeshGroup"
      ? {
          isValid: (ctx: ItemContext, s: AnnotationSource) => meshGroupHasName(ctx, s),
          invalidWhy: (s: AnnotationSource) => `it has no mesh named ${JSON.stringify(s.options.mesh_name ?? s.options.name)}`,
        }
      : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Captions (saber JSON, copied verbatim)

function captionHandler(key: "GlobalCaption" | "AnnotationCaption"): ShapeHandler {
  const out = (s: AnnotationSource, prefix: string) => {
    if (key === "GlobalCaption") return `${prefix}_globalcaption.json`;
    const companion = s.options.companion_shape;
    if (typeof companion !== "string" || companion === "") throw new IngestError("CONFIG_SCHEMA", "AnnotationCaption needs companion_shape (the shape the captions describe)");
    return `${prefix}_${companion.toLowerCase()}_caption.json`;
  };
  const listKey = key === "GlobalCaption" ? "captions" : "objects";
  return {
    shape: key,
    formats: ["saber"],
    async convert(ctx, s, prefix) {
      const from = sourceKey(ctx);
      const bytes = await sourceStorage(ctx).read(from);
      captionCount(bytes, listKey, ctx.item.pathLocation ?? from); // refuse what is not a caption file before writing
      await ctx.output.writeBytes(out(s, prefix), bytes, ctx.record);
    },
    files: (s, prefix) => [fileOf(key, "json", out(s, prefix), s)],
    async objectCount(ctx, s, prefix) {
      const key2 = out(s, prefix);
      if (!(await exists(ctx, key2))) return undefined;
      return captionCount(await ctx.output.read(key2), listKey, ctx.run.outputLocation(key2));
    },
  };
}

function captionCount(bytes: Uint8Array, listKey: string, location: string): number {
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (err) {
    throw new IngestError("SOURCE_INVALID", `${location}: not a JSON caption file: ${(err as Error).message}`);
  }
  const list = doc && typeof doc === "object" ? (doc as Record<string, unknown>)[listKey] : undefined;
  if (!Array.isArray(list)) throw new IngestError("SOURCE_INVALID", `${location}: a caption file needs a "${listKey}" list`);
  return list.length;
}

// ---------------------------------------------------------------------------------------------

const HANDLERS: Record<AnnotationShapeKey, ShapeHandler> = {
  Point: pointHandler("Point"),
  OrientedPoint: pointHandler("OrientedPoint"),
  InstanceSegmentation: pointHandler("InstanceSegmentation"),
  SegmentationMask: maskHandler("SegmentationMask", "SegmentationMask"),
  SemanticSegmentationMask: maskHandler("SemanticSegmentationMask", "SegmentationMask"),
  InstanceSegmentationMask: maskHandler("InstanceSegmentationMask", "InstanceSegmentationMask"),
  TriangularMesh: meshHandler("TriangularMesh"),
  TriangularMeshGroup: meshHandler("TriangularMeshGroup"),
  GlobalCaption: captionHandler("GlobalCaption"),
  AnnotationCaption: captionHandler("AnnotationCaption"),
};

/** The shape's handler; an unknown shape or a file_format the shape does not read is a config error. */
export function handlerFor(source: AnnotationSource, entityPath: string): ShapeHandler {
  const h = HANDLERS[source.shape];
  if (!h) throw new IngestError("CONFIG_FINDER", `unknown annotation shape ${source.shape}`, { entityPath });
  const format = source.options.file_format;
  if (typeof format !== "string" || !h.formats.includes(format)) {
    throw new IngestError("CONFIG_SCHEMA", `${source.shape}: invalid file format ${JSON.stringify(format ?? null)} (this shape reads ${h.formats.join(", ")})`, { entityPath });
  }
  return h;
}
