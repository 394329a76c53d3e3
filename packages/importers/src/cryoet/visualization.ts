/**
 * Visualization (reference 1.3 "VisualizationConfig", "AnnotationVisualization"):
 *
 * - `viz_config`: `{vs}/NeuroglancerPrecompute/{tomo_id}-neuroglancer_config.json` for every
 *   tomogram standardized in the voxel spacing: an image layer on the tomogram's OME-Zarr under
 *   `--https-prefix` with contrast limits, then one layer per annotation file of the run (every
 *   voxel spacing) that shares the tomogram's alignment, with the portal's colour seeds
 *   (formats/neuroglancer). `deposition_id` and `last_updated_at` are added, as the reference does.
 * - `annotation_viz`: points, oriented points and instance points as Neuroglancer precomputed
 *   annotations in `{vs}/NeuroglancerPrecompute/{anno_id}-{object}-{version}_{shape}/`, `by_id`
 *   sharded into `by_id/0.shard` as upstream.
 *   Segmentation masks become precomputed segmentation (compressed_segmentation, no meshes).
 *   Instance masks, meshes and oriented-point meshes are not precomputed yet: such sources are
 *   reported with a warning and nothing is written for them.
 */
import { fingerprint, IngestError, PyFloat, python, type EntityItem, type Importer, type ItemContext } from "@ingestkit/core";
import {
  annotationLayerColors,
  buildNeuroglancerState,
  colorFromSeed,
  colorSeed,
  encodeCompressedSegmentation,
  encodePrecomputedAnnotations,
  parseMrcHeader,
  rgbOfHex,
  PrecomputedAnnotationError,
  segmentationInfo,
  shardAnnotationsById,
  type AnnotationInput,
  type AnnotationPoint,
  type KeyImagePointLayer,
  type Rgb,
} from "@ingestkit/formats";
import { annotationFilePrefix, sourceOf } from "./annotation.js";
import { handlerFor } from "./annotation-shapes.js";
import { writeMetadata } from "./metadata.js";
import { openVolume } from "./volume-io.js";

const POINT_SHAPES = new Set(["Point", "OrientedPoint", "InstanceSegmentation"]);
const CAPTION = /caption\.json$/;

async function readJson(ctx: ItemContext, key: string): Promise<Record<string, unknown>> {
  try {
    return JSON.parse(await ctx.output.readText(key)) as Record<string, unknown>;
  } catch (err) {
    throw new IngestError("SOURCE_INVALID", `${ctx.run.outputLocation(key)}: not a JSON metadata file: ${(err as Error).message}`, { entityPath: ctx.item.entityPath, cause: err });
  }
}

/** mean and rms from the tomogram's MRC header (the generator's contrast fallback), if the MRC is there. */
async function mrcStats(ctx: ItemContext, key: unknown): Promise<{ mean?: number; rms?: number }> {
  if (typeof key !== "string" || (await ctx.output.stat(key))?.kind !== "file") return {};
  const { header } = parseMrcHeader(await ctx.output.view.readRange(key, 0, 1024), ctx.run.outputLocation(key));
  return Number.isFinite(header.dmean) && Number.isFinite(header.rms) && header.rms > 0 ? { mean: header.dmean, rms: header.rms } : {};
}

/** Annotation metadata files of the run (all voxel spacings) on the given alignment, in path order. */
export async function runAnnotations(ctx: ItemContext, runDir: string, alignment: unknown): Promise<AnnotationInput[]> {
  const keys = (await ctx.output.glob(`${runDir}/Reconstructions/VoxelSpacing*/Annotations/*/*.json`)).filter((k) => !CAPTION.test(k)).sort();
  const out: AnnotationInput[] = [];
  for (const key of keys) {
    const md = await readJson(ctx, key);
    if (!Array.isArray(md.files)) continue;
    if ((md.alignment_metadata_path ?? null) !== (alignment ?? null)) continue;
    const parts = key.split("/");
    const id = parts[parts.length - 2]!;
    const file = parts[parts.length - 1]!.replace(/\.json$/, "");
    const stem = /^\d/.test(file) ? file : `${id}-${file}`;
    const precomputeDir = `${parts.slice(0, -3).join("/")}/NeuroglancerPrecompute`;
    const hasOrientedMesh = (await ctx.output.stat(`${precomputeDir}/${stem}_orientedmesh`)) !== undefined;
    out.push({ metadata: md as AnnotationInput["metadata"], stem, precomputeDir, hasOrientedMesh });
  }
  return out;
}

export const vizConfigImporter: Importer = {
  describe: "neuroglancer state per tomogram",
  async importItem(ctx) {
    const vs = ctx.item.require("voxel_spacing");
    const run = ctx.item.require("run");
    const dir = ctx.outputDir(vs.type);
    const tomos = (await ctx.output.glob(`${dir}/Tomograms/*/tomogram_metadata.json`)).sort();
    const prefix = String(ctx.run.settings.httpsPrefix ?? "https://files.cryoetdataportal.cziscience.com");
    for (const key of tomos) {
      const md = await readJson(ctx, key);
      const tomoId = key.split("/").slice(-2)[0]!;
      const size = md.size as { x: number; y: number; z: number } | undefined;
      if (!size || typeof md.omezarr_dir !== "string") {
        throw new IngestError("SOURCE_INVALID", `${ctx.run.outputLocation(key)}: tomogram metadata without size or omezarr_dir`, { entityPath: ctx.item.entityPath });
      }
      const state = buildNeuroglancerState({
        httpsPrefix: prefix,
        tomogram: { zarrPath: md.omezarr_dir, name: run.name, voxelSpacing: Number(md.voxel_spacing ?? vs.name), size, ...(await mrcStats(ctx, md.mrc_file)) },
        annotations: await runAnnotations(ctx, ctx.outputDir(run.type), md.alignment_metadata_path),
      });
      await writeMetadata(ctx, `${dir}/NeuroglancerPrecompute/${tomoId}-neuroglancer_config.json`, state);
    }
  },
};

const rgb = (c: [number, number, number]): [number, number, number] => c.map((v) => Math.round(v * 255)) as [number, number, number];

function parseNdjson(text: string, location: string): AnnotationPoint[] {
  return text
    .split("\n")
    .map((l, i) => [l, i + 1] as const)
    .filter(([l]) => l.trim() !== "")
    .map(([l, line]) => {
      try {
        return JSON.parse(l) as AnnotationPoint;
      } catch (err) {
        throw new IngestError("SOURCE_INVALID", `${location}: line ${line}: ${(err as Error).message}`);
      }
    });
}

export const annotationVizImporter: Importer = {
  describe: "neuroglancer precomputed annotations",
  async importItem(ctx) {
    const anno: EntityItem = ctx.item.require("annotation");
    const source = sourceOf({ item: anno });
    const handler = handlerFor(source, anno.entityPath);
    const md = anno.entry.metadata ?? {};
    const name = annotationFilePrefix(md, anno.entityPath);
    const shape = handler.shape.toLowerCase();
    if (handler.shape === "SegmentationMask") return precomputeMask(ctx, anno, name);
    if (!POINT_SHAPES.has(handler.shape)) {
      if (["InstanceSegmentationMask", "TriangularMesh"].includes(handler.shape)) {
        ctx.run.log.warn(`${anno.entityPath}: no Neuroglancer precompute for ${handler.shape} yet (points and segmentation masks are precomputed)`);
      }
      return;
    }
    const ndjson = `${ctx.outputDir(anno.type)}/${name}_${shape}.ndjson`;
    if ((await ctx.output.stat(ndjson))?.kind !== "file") {
      ctx.run.log.warn(`${anno.entityPath}: no precompute: ${ctx.run.outputLocation(ndjson)} is not written (import the annotations first)`);
      return;
    }
    const points = parseNdjson(await ctx.output.readText(ndjson), ctx.run.outputLocation(ndjson));
    const vs = ctx.item.require("voxel_spacing");
    const object = (md.annotation_object ?? {}) as { name?: unknown; diameter?: unknown };
    const objectName = typeof object.name === "string" ? object.name : "";
    const withDeposition = { ...md, deposition_id: md.deposition_id ?? (await depositionOf(ctx, anno, name)) };
    const layerColor = rgb(colorFromSeed(colorSeed(withDeposition, handler.shape)));
    const instance = handler.shape === "InstanceSegmentation";
    const ids = instance ? [...new Set(points.map((p) => Number(p.instance_id)))].sort((a, b) => a - b) : [];
    let files;
    try {
      files = encodePrecomputedAnnotations(points, {
        resolution: Number(vs.name) * 1e-10,
        isOriented: handler.shape === "OrientedPoint",
        ...(typeof object.diameter === "number" ? { objectDiameter: object.diameter } : {}),
        objectName,
        ...(instance
          ? {
              namesById: new Map(ids.map((id) => [id, `${objectName} ${id}`])),
              labelOf: (p: AnnotationPoint) => Number(p.instance_id),
              colorOf: (p: AnnotationPoint) => rgb(colorFromSeed((colorSeed(withDeposition, handler.shape) + Number(p.instance_id)) >>> 0)),
            }
          : { colorOf: () => layerColor }),
        location: ctx.run.outputLocation(ndjson),
      });
    } catch (err) {
      if (err instanceof PrecomputedAnnotationError) throw new IngestError("SOURCE_INVALID", err.message, { entityPath: anno.entityPath, cause: err });
      throw err;
    }
    const out = `${ctx.outputDir()}/${anno.id}-${name}_${shape}`;
    // by_id packed into one shard as upstream does (one object per point would be millions of objects)
    const sharded = shardAnnotationsById(files);
    files = sharded.files;
    // nothing reads the precomputed files again: a dry run keeps their sizes only
    for (const f of files) await ctx.output.writeBytes(`${out}/${f.path}`, f.bytes, ctx.record, "bytes", undefined, { readBack: false });
    await ctx.output.writeBytes(`${out}/info`, python.pyJsonDumps(sharded.info, 2), ctx.record, "json");
    // a rerun with fewer points must not leave stale by_id records behind
    if ((await ctx.output.stat(`${out}/by_id`))?.kind === "dir") {
      const keep = new Set(files.map((f) => f.path));
      for (const f of (await ctx.output.list(`${out}/by_id`)).files) if (!keep.has(`by_id/${f}`)) await ctx.output.delete(`${out}/by_id/${f}`);
    }
  },
};

/** The deposition id the annotation's metadata file records (the colour seed uses it). */
async function depositionOf(ctx: ItemContext, anno: EntityItem, name: string): Promise<unknown> {
  const key = `${ctx.outputDir(anno.type)}/${name}.json`;
  if ((await ctx.output.stat(key))?.kind !== "file") return null;
  return (await readJson(ctx, key)).deposition_id ?? null;
}

/**
 * A segmentation mask as precomputed segmentation `{anno_id}-{object}-{version}_segmentationmask/`
 * from its standardized OME-Zarr (as upstream), else its MRC; skipped when the mask is unchanged.
 */
async function precomputeMask(ctx: ItemContext, anno: EntityItem, name: string): Promise<void> {
  const base = `${ctx.outputDir(anno.type)}/${name}_segmentationmask`;
  const zarr = await ctx.output.stat(`${base}.zarr/0/.zarray`);
  const key = zarr ? `${base}.zarr` : `${base}.mrc`;
  const st = zarr ?? (await ctx.output.stat(key));
  if (!st) {
    ctx.run.log.warn(`${anno.entityPath}: no precompute: ${ctx.run.outputLocation(key)} is not written (import the annotations first)`);
    return;
  }
  const vs = ctx.item.require("voxel_spacing");
  const resolutionNm = Number(vs.name) * 0.1;
  const out = `${ctx.outputDir()}/${anno.id}-${name}_segmentationmask`;
  // what the mask was made from (its manifest entry), else its stat: an S3 .zarray's etag does not change with the voxels
  const made = ctx.output.recordedFingerprint(key) ?? [st.size, st.mtimeMs ?? null, st.etag ?? null];
  const fp = fingerprint("ng-segmentation", key, made, resolutionNm);
  if (await ctx.output.upToDate(`${out}/info`, fp)) {
    ctx.output.noteUnwritten(`${out}/info`, true);
    return;
  }
  if (ctx.run.dryRun) {
    ctx.output.noteUnwritten(`${out}/info`, false);
    return;
  }
  const reader = await openVolume(ctx.output.view, key, ctx.run.outputLocation(key));
  try {
    const written = new Set<string>();
    for await (const f of encodeCompressedSegmentation(reader, { resolutionNm })) {
      await ctx.output.writeBytes(`${out}/${f.path}`, f.bytes, ctx.record, "bytes", undefined, { readBack: false });
      written.add(f.path.slice("data/".length));
    }
    // chunks of an earlier, differently shaped mask would be read as this one's
    if ((await ctx.output.stat(`${out}/data`))?.kind === "dir") {
      for (const f of (await ctx.output.list(`${out}/data`)).files) if (!written.has(f)) await ctx.output.delete(`${out}/data/${f}`);
    }
    const info = segmentationInfo(reader.shape, { resolutionNm });
    const scale = (info.scales as Array<Record<string, unknown>>)[0]!;
    scale.resolution = (scale.resolution as number[]).map((v) => new PyFloat(v));
    await ctx.output.writeBytes(`${out}/info`, python.pyJsonDumps(info, 4), ctx.record, "json", fp);
  } finally {
    await reader.close();
  }
}

/** What a tomogram's key images draw: its voxel spacing's default-visible masks and points. */
export interface KeyImageOverlayInputs {
  /** Identity of everything drawn (paths, stats, colours): part of the key images' fingerprint. */
  identity: string;
  masks: Array<{ color: Rgb; key: string }>;
  points: KeyImagePointLayer[];
}

/**
 * The reference's key-image annotations (§5.5): default-visible SegmentationMask and
 * Point / OrientedPoint files of annotations in the tomogram's voxel spacing on its alignment,
 * in the colours of their Neuroglancer layers.
 */
export async function keyImageOverlayInputs(ctx: ItemContext, tomo: EntityItem): Promise<KeyImageOverlayInputs> {
  const run = ctx.item.require("run");
  const vsDir = ctx.outputDir(ctx.item.require("voxel_spacing").type);
  const alignment = tomo.extraVars.alignment_metadata_path ?? null;
  const annos = await runAnnotations(ctx, ctx.outputDir(run.type), alignment);
  const colors = annotationLayerColors(annos);
  const out: KeyImageOverlayInputs = { identity: "", masks: [], points: [] };
  const ids: unknown[] = [];
  for (const anno of annos) {
    if (anno.precomputeDir !== `${vsDir}/NeuroglancerPrecompute`) continue;
    for (const file of anno.metadata.files ?? []) {
      if (file.is_visualization_default !== true || typeof file.path !== "string") continue;
      const hex = colors.get(`${anno.stem}_${file.shape.toLowerCase()}`);
      if (!hex) continue;
      const st = await ctx.output.stat(file.path);
      if (!st) continue;
      if (file.shape === "SegmentationMask" && file.format === "zarr") {
        out.masks.push({ color: rgbOfHex(hex), key: file.path }); // its shape is checked against the tomogram's when drawn
      } else if ((file.shape === "Point" || file.shape === "OrientedPoint") && file.format === "ndjson") {
        const points = parseNdjson(await ctx.output.readText(file.path), ctx.run.outputLocation(file.path))
          .map((p) => p.location)
          .filter((l): l is { x: number; y: number; z: number } => !!l && [l.x, l.y, l.z].every((v) => typeof v === "number"));
        out.points.push({ color: rgbOfHex(hex), points });
      } else continue;
      ids.push([file.path, st.size, ctx.output.recordedFingerprint(file.path) ?? [st.mtimeMs ?? null, st.etag ?? null], hex]);
    }
  }
  out.identity = ids.length ? fingerprint("key-image-overlay", ids) : "";
  return out;
}
