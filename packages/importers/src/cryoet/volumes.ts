/**
 * Tilt series and tomograms: ids (reused when the identifying fields match existing output
 * metadata, else the next free one from 100), MRC + OME-Zarr standardization (volume-io.ts) and
 * their metadata JSON as reference 1.3 lists it, and the tomograms' key images. Alignments are in
 * alignment.ts, annotations in annotation*.ts, Neuroglancer outputs in visualization.ts.
 */
import { findItems, fingerprint, IngestError, PyFloat, python, type EntityItem, type Importer, type ItemContext } from "@ingestkit/core";
import { annotationOverlay, KeyImageError, parseCtf, parseMdoc, parseRawTilt, renderKeyImages, type KeyImages } from "@ingestkit/formats";
import { keyImageOverlayInputs, type KeyImageOverlayInputs } from "./visualization.js";
import { sourceKey, sourceStorage } from "./common.js";
import { expandedMetadata } from "./expand.js";
import { alignmentMetadataPath } from "./alignment.js";
import { assignId, tiltSeriesId } from "./ids.js";
import { depositionId, writeMetadata } from "./metadata.js";
import { perSectionParameters } from "./per-section.js";
import { openVolume, pyramidShapes, standardizeVolume, type VolumeOutputs } from "./volume-io.js";

const pyStrOrEmpty = (v: unknown) => (v === undefined ? "" : python.pyStr(v));

function sourceLocation(ctx: ItemContext): string {
  const key = sourceKey(ctx);
  return ctx.item.found.storage === "output" ? ctx.run.outputLocation(key) : ctx.run.inputLocation(key);
}

/** Outputs as the metadata lists them, from the source header when the volume was not converted in this run. */
async function volumeOutputs(ctx: ItemContext, kind: "tomogram" | "tiltseries"): Promise<VolumeOutputs> {
  const cached = ctx.run.memo(`cryoet.volumes`, () => new Map<EntityItem, VolumeOutputs>()).get(ctx.item);
  if (cached) return cached;
  const reader = await openVolume(sourceStorage(ctx), sourceKey(ctx), sourceLocation(ctx));
  try {
    const size = { ...reader.shape };
    const dir = ctx.outputDir();
    const run = ctx.item.require("run").name;
    return { mrcFile: `${dir}/${run}.mrc`, omezarrDir: `${dir}/${run}.zarr`, scales: pyramidShapes(size, kind), size };
  } finally {
    await reader.close();
  }
}

function rememberOutputs(ctx: ItemContext, out: VolumeOutputs): void {
  ctx.run.memo(`cryoet.volumes`, () => new Map<EntityItem, VolumeOutputs>()).set(ctx.item, out);
}

// ---------------------------------------------------------------------------------------------
// Tilt series

async function pixelSpacing(ctx: ItemContext): Promise<number> {
  const given = expandedMetadata(ctx).pixel_spacing;
  const n = typeof given === "number" ? given : given instanceof PyFloat ? given.value : typeof given === "string" && given !== "" ? Number(given) : NaN;
  if (Number.isFinite(n) && n !== 0) return n;
  const reader = await openVolume(sourceStorage(ctx), sourceKey(ctx), sourceLocation(ctx));
  try {
    // mrcfile's voxel_size.y, rounded to 3 decimals as the reference does
    return Number(python.formatValue(reader.voxelSize.y, ".3f"));
  } finally {
    await reader.close();
  }
}

export const tiltSeriesImporter: Importer = {
  describe: "volume (MRC + OME-Zarr)",
  async prepare(ctx: ItemContext) {
    if (ctx.item.id !== undefined) return;
    ctx.item.id = await tiltSeriesId(ctx);
  },
  async importItem(ctx) {
    const out = await standardizeVolume(ctx, {
      kind: "tiltseries",
      sourceKey: sourceKey(ctx),
      sourceStorage: sourceStorage(ctx),
      sourceLocation: sourceLocation(ctx),
      dir: ctx.outputDir(),
      name: ctx.item.require("run").name,
      voxelSpacing: await pixelSpacing(ctx),
    });
    rememberOutputs(ctx, out);
  },
  async importMetadata(ctx) {
    const run = ctx.item.require("run");
    const dir = ctx.outputDir();
    const out = await volumeOutputs(ctx, "tiltseries");
    const types = ctx.run.profile.byKey;
    // raw tilts, CTFs (children, imported before this metadata) and the run's mdoc, from the output
    const rawtlts = (await findItems(ctx.run, types.get("rawtilt")!, ctx.item)).filter((r) => r.found.path?.endsWith(".rawtlt"));
    if (rawtlts.length === 0) throw new IngestError("SOURCE_MISSING", `no .rawtlt found for run ${run.name}: per_section_parameter needs one`, { entityPath: ctx.item.entityPath });
    const rawKey = `${dir}/${run.name}.rawtlt`;
    const ctfs = await findItems(ctx.run, types.get("ctf")!, ctx.item);
    const ctfItem = ctfs[0];
    const ctfFormat = ctfItem ? String(ctfItem.entry.metadata?.format ?? "") : "";
    const ctfKey = ctfItem ? `${dir}/${run.name}_${ctfFormat}_ctf.txt` : null;
    const mdocs = await findItems(ctx.run, types.get("collection_metadata")!, run);
    if (mdocs.length === 0)
      throw new IngestError("SOURCE_MISSING", `no collection metadata (mdoc) found for run ${run.name}: per_section_parameter needs it`, { entityPath: ctx.item.entityPath });
    const mdocKey = `${ctx.outputDir(run.type)}/Frames/${run.name}.mdoc`;
    const read = async (key: string) => {
      if (!(await ctx.output.stat(key)))
        throw new IngestError(
          "SOURCE_MISSING",
          `${ctx.run.outputLocation(key)} has not been written (import it in the same run, e.g. --import-rawtilts / --import-ctfs / --import-collection-metadata)`,
          { entityPath: ctx.item.entityPath },
        );
      return ctx.output.readText(key);
    };
    const ctfRows = ctfKey ? parseCtf(await read(ctfKey), ctfFormat, ctx.run.outputLocation(ctfKey)) : [];
    const psp = perSectionParameters(parseRawTilt(await read(rawKey), ctx.run.outputLocation(rawKey)), parseMdoc(await read(mdocKey)), ctfRows, {
      rawtlt: ctx.run.outputLocation(rawKey),
      mdoc: ctx.run.outputLocation(mdocKey),
    });
    let framesCount = 0;
    for (const f of await findItems(ctx.run, types.get("frame")!, run)) framesCount += f.found.paths?.length ?? (f.found.path ? 1 : 0);
    await writeMetadata(ctx, `${dir}/tiltseries_metadata.json`, expandedMetadata(ctx), {
      scales: out.scales,
      size: out.size,
      omezarr_dir: out.omezarrDir,
      mrc_file: out.mrcFile,
      run_name: run.name,
      frames_count: framesCount,
      pixel_spacing: new PyFloat(await pixelSpacing(ctx)),
      per_section_parameter: psp,
      raw_tlt_path: rawKey,
      ctf_path: ctfKey,
    });
  },
};

// ---------------------------------------------------------------------------------------------
// Tomograms

function normalizeFiducial(v: unknown): unknown {
  if (v === true) return "FIDUCIAL";
  if (v === false) return "NON_FIDUCIAL";
  return v;
}

export const tomogramImporter: Importer = {
  describe: "volume (MRC + OME-Zarr)",
  async prepare(ctx: ItemContext) {
    if (ctx.item.id !== undefined) return;
    const run = ctx.item.require("run");
    const vs = ctx.item.require("voxel_spacing");
    const runDir = ctx.outputDir(run.type);
    const alignment = await alignmentMetadataPath(ctx);
    ctx.item.extraVars.alignment_metadata_path = alignment;
    // voxel_spacing: a float as "%.3f", else (missing or a template) the voxel-spacing name
    const vsOf = (v: unknown) => (typeof v === "number" || v instanceof PyFloat ? python.formatValue(Number(v), ".3f") : vs.name);
    const hash = (md: Record<string, unknown>, alignmentPath: unknown) =>
      [
        vsOf(md.voxel_spacing),
        pyStrOrEmpty(alignmentPath),
        pyStrOrEmpty(md.reconstruction_method),
        pyStrOrEmpty(md.processing),
        pyStrOrEmpty(md.processing_software),
        String(md.deposition_id ?? depositionId(ctx)),
      ].join("-");
    ctx.item.id = await assignId(ctx, {
      kind: "tomogram",
      container: () => runDir,
      metadataGlob: () => `${runDir}/Reconstructions/VoxelSpacing*/Tomograms/*/tomogram_metadata.json`,
      hash: (md) => hash(md, md.alignment_metadata_path),
      current: () => ({ ...expandedMetadata(ctx), deposition_id: depositionId(ctx), alignment_metadata_path: alignment }),
    });
  },
  async importItem(ctx) {
    const out = await standardizeVolume(ctx, {
      kind: "tomogram",
      sourceKey: sourceKey(ctx),
      sourceStorage: sourceStorage(ctx),
      sourceLocation: sourceLocation(ctx),
      dir: ctx.outputDir(),
      name: ctx.item.require("run").name,
      voxelSpacing: Number(ctx.item.require("voxel_spacing").name),
    });
    rememberOutputs(ctx, out);
  },
  async importMetadata(ctx) {
    const run = ctx.item.require("run");
    const vs = ctx.item.require("voxel_spacing");
    const vsDir = ctx.outputDir(vs.type);
    const out = await volumeOutputs(ctx, "tomogram");
    const md = expandedMetadata(ctx);
    // the reference always sets it (null when the config has none)
    md.fiducial_alignment_status = normalizeFiducial(md.fiducial_alignment_status ?? null);
    const id = ctx.item.id!;
    await writeMetadata(ctx, `${ctx.outputDir()}/tomogram_metadata.json`, md, {
      scales: out.scales,
      size: out.size,
      omezarr_dir: out.omezarrDir,
      mrc_file: out.mrcFile,
      run_name: run.name,
      key_photo: { snapshot: `${vsDir}/Images/${id}/key-photo-snapshot.png`, thumbnail: `${vsDir}/Images/${id}/key-photo-thumbnail.png` },
      voxel_spacing: new PyFloat(Number(vs.name)),
      alignment_metadata_path: (ctx.item.extraVars.alignment_metadata_path as string | null | undefined) ?? null,
      neuroglancer_config_path: `${vsDir}/NeuroglancerPrecompute/${id}-neuroglancer_config.json`,
    });
  },
};

/**
 * Key images (`original`, `snapshot`, `thumbnail`, `expanded`) of a tomogram: rendered once per
 * tomogram from its level-0 voxels (the source volume, which level 0 equals) and written as
 * `{vs}/Images/{tomogram_id}/key-photo-{kind}.png`, with the default-visible masks and points of
 * the voxel spacing drawn over it (visualization.ts picks them, formats/image/overlay.ts draws).
 */
export const keyImageImporter: Importer = {
  describe: "PNG rendered from the tomogram",
  async importItem(ctx) {
    const kind = ctx.item.name;
    if (!(KEY_KINDS as readonly string[]).includes(kind)) {
      throw new IngestError("CONFIG_FINDER", `unknown key image '${kind}' (known: ${KEY_KINDS.join(", ")})`, { entityPath: ctx.item.entityPath });
    }
    const tomo = ctx.item.require("tomogram");
    const key = `${ctx.outputDir()}/key-photo-${kind}.png`;
    const tomoKey = tomo.found.path;
    if (tomoKey === null) throw new IngestError("SOURCE_MISSING", `tomogram ${tomo.name} has no source volume to render`, { entityPath: ctx.item.entityPath });
    const storage = tomo.found.storage === "output" ? ctx.output.view : ctx.input;
    const location = tomo.found.storage === "output" ? ctx.run.outputLocation(tomoKey) : ctx.run.inputLocation(tomoKey);
    const st = await storage.stat(tomoKey);
    // what is drawn over the tomogram (annotations), once per tomogram
    const overlays = ctx.run.memo("cryoet.keyImageOverlays", () => new Map<EntityItem, Promise<KeyImageOverlayInputs>>());
    let pending = overlays.get(tomo);
    if (!pending) {
      pending = keyImageOverlayInputs(ctx, tomo);
      overlays.set(tomo, pending);
    }
    const overlay = await pending;
    const fp = fingerprint("key-image", kind, tomoKey, st?.size ?? null, st?.mtimeMs ?? null, st?.etag ?? null, overlay.identity);
    const upToDate = await ctx.output.upToDate(key, fp);
    if (ctx.run.dryRun || upToDate) {
      ctx.record({ key, kind: "bytes", from: location, ...(upToDate ? { upToDate: true } : {}) });
      ctx.output.noteUnwritten(key, upToDate);
      return;
    }
    // one render per tomogram serves its four key images
    const renders = ctx.run.memo("cryoet.keyImages", () => new Map<EntityItem, Promise<KeyImages>>());
    let images = renders.get(tomo);
    if (!images) {
      images = (async () => {
        const reader = await openVolume(storage, tomoKey, location);
        const masks: Array<{ color: [number, number, number]; source: Awaited<ReturnType<typeof openVolume>> }> = [];
        try {
          for (const m of overlay.masks) {
            const source = await openVolume(ctx.output.view, m.key, ctx.run.outputLocation(m.key));
            const [a, b] = [source.shape, reader.shape];
            if (a.x === b.x && a.y === b.y && a.z === b.z) {
              masks.push({ color: m.color, source });
              continue;
            }
            // a mask not rescaled to the tomogram cannot be laid over it
            ctx.run.log.warn(
              `${ctx.item.entityPath}: not drawing ${ctx.run.outputLocation(m.key)} on the key images: it is ${a.z}x${a.y}x${a.x}, the tomogram ${b.z}x${b.y}x${b.x}`,
            );
            await source.close();
          }
          const drawn = masks.length || overlay.points.length ? { overlay: annotationOverlay(masks, overlay.points) } : {};
          return await renderKeyImages(reader, drawn);
        } catch (err) {
          if (err instanceof KeyImageError) throw new IngestError("SOURCE_INVALID", `${location}: ${err.message}`, { cause: err });
          throw err;
        } finally {
          await reader.close();
          for (const m of masks) await m.source.close();
        }
      })();
      renders.set(tomo, images);
    }
    const rendered = await images;
    await ctx.output.writeBytes(key, rendered[kind as (typeof KEY_KINDS)[number]], ctx.record, "bytes", fp);
  },
};

const KEY_KINDS = ["original", "snapshot", "thumbnail", "expanded"] as const;
