/**
 * Alignments (reference 1.3 "Alignment"): every file of one source (IMOD .xf/.tlt/.xtilt and
 * command files, or an AreTomo3 .aln) is copied to `{run}/Alignments/{id}/` and
 * `alignment_metadata.json` lists them with the per-section parameters converted from the
 * copies (formats/alignment), the paths, the tilt series, the volume dimension and the
 * reference's defaults for keys the config leaves out.
 *
 * A run without alignment sources gets the default alignment (metadata only), written only when
 * the run has a tomogram; a configured alignment with neither `volume_dimension` nor a tomogram is
 * not imported, as the reference's is_valid(). `destination_glob` sources reference alignments
 * already in the output and are never rewritten.
 */
import { basenameKey, findItems, IngestError, PyFloat, type Importer, type ItemContext } from "@ingestkit/core";
import {
  AlignmentFileError,
  alignmentFormat,
  convertAreTomo3Alignment,
  convertImodAlignment,
  missingAlignmentDefaults,
  pickAlignmentFiles,
  PER_SECTION_FLOAT_KEYS,
  type AlignmentFields,
} from "@ingestkit/formats";
import { tomogramVolumeDimension } from "./annotation-rescale.js";
import { copyToDir } from "./common.js";
import { runScopedId, tiltSeriesId } from "./ids.js";
import { writeMetadata } from "./metadata.js";

/** Names the reference gives the copies: the tilt-series files as `{run}{ext}`, command files as they are. */
function outputName(path: string, run: string): string {
  const base = basenameKey(path);
  const m = /\.(xf|tlt|xtilt|tltx|aln)$/i.exec(base);
  return m ? `${run}${m[0]}` : base;
}

function isDefault(ctx: ItemContext): boolean {
  return ctx.item.entry.index === -1 || (ctx.item.found.path === null && !ctx.item.found.paths && ctx.item.name === "default");
}

function configDimension(md: Record<string, unknown>): boolean {
  const v = md.volume_dimension as Record<string, unknown> | undefined;
  return !!v && typeof v === "object" && ["x", "y", "z"].every((k) => Number(v[k] as number) > 0);
}

async function hasTomogram(ctx: ItemContext): Promise<boolean> {
  return (await tomogramVolumeDimension(ctx)) !== undefined;
}

/** The reference's alignment id: one per run and deposition (every alignment of a run shares it). */
export function alignmentId(ctx: ItemContext): Promise<number> {
  return runScopedId(ctx, "alignment", "Alignments", "alignment_metadata.json");
}

/**
 * The run's first alignment (configured, else the default one) as the reference's
 * get_alignment_metadata_path: a referenced existing alignment (destination_glob) by the path it
 * was found at, else `{run}/Alignments/{id}/alignment_metadata.json`.
 */
export async function alignmentMetadataPath(ctx: ItemContext): Promise<string | null> {
  const run = ctx.item.require("run");
  const type = ctx.run.profile.byKey.get("alignment");
  if (!type) return null;
  const found = await findItems(ctx.run, type, run);
  const first = found[0];
  if (!first) return null;
  const existing =
    first.found.storage === "output" ? (first.found.paths ?? (first.found.path ? [first.found.path] : [])).find((p) => p.endsWith("alignment_metadata.json")) : undefined;
  if (existing) return existing;
  const id = await alignmentId(ctx);
  return `${ctx.outputDir(run.type)}/Alignments/${id}/alignment_metadata.json`;
}

/** The run's first tilt series metadata path (`{run}/TiltSeries/{id}/tiltseries_metadata.json`), or null. */
async function tiltSeriesMetadataPath(ctx: ItemContext): Promise<string | null> {
  const run = ctx.item.require("run");
  const ts = (await findItems(ctx.run, ctx.run.profile.byKey.get("tiltseries")!, run))[0];
  if (!ts) return null;
  if (ts.found.storage === "output" && ts.found.path?.endsWith("tiltseries_metadata.json")) return ts.found.path;
  return `${ctx.outputDir(run.type)}/TiltSeries/${await tiltSeriesId(ctx)}/tiltseries_metadata.json`;
}

/** Floats as Python writes them (`-5.0`, `[[1.0, 0.0], ...]`), z_index an int. */
function pythonFloats(fields: AlignmentFields): unknown[] {
  return fields.per_section_alignment_parameters.map((p) => {
    const out: Record<string, unknown> = { ...p };
    for (const k of PER_SECTION_FLOAT_KEYS) {
      const v = out[k];
      out[k] = Array.isArray(v) ? v.map((row: number[]) => row.map((x) => new PyFloat(x))) : new PyFloat(v as number);
    }
    return out;
  });
}

export const alignmentImporter: Importer = {
  describe: "copy + alignment_metadata.json",
  async prepare(ctx) {
    if (ctx.item.id === undefined) ctx.item.id = await alignmentId(ctx);
  },
  async importItem(ctx) {
    if (isDefault(ctx)) return; // metadata only
    const paths = ctx.item.found.paths ?? (ctx.item.found.path !== null ? [ctx.item.found.path] : []);
    if (!configDimension(ctx.item.entry.metadata ?? {}) && !(await hasTomogram(ctx))) {
      ctx.run.log.warn(`${ctx.item.entityPath}: not importing the alignment: the config gives no volume_dimension and the run has no tomogram`);
      return;
    }
    const run = ctx.item.require("run").name;
    for (const p of paths) await copyToDir(ctx, p, ctx.outputDir(), outputName(p, run));
  },
  async importMetadata(ctx) {
    const md = ctx.item.entry.metadata ?? {};
    const run = ctx.item.require("run").name;
    const dir = ctx.outputDir();
    const volumeDimension = configDimension(md) ? undefined : await tomogramVolumeDimension(ctx);
    if (!configDimension(md) && !volumeDimension) {
      // the reference skips the metadata of an alignment (default or not) with no dimensions to give; for the
      // synthesized default of a run without tomograms that is the normal case, not news
      const why = `${ctx.item.entityPath}: no alignment metadata: the run has no tomogram and the config no volume_dimension`;
      if (isDefault(ctx)) ctx.run.log.debug?.(why);
      else ctx.run.log.warn(why);
      return;
    }
    const sources = isDefault(ctx) ? [] : (ctx.item.found.paths ?? (ctx.item.found.path !== null ? [ctx.item.found.path] : []));
    const copies = sources.map((p) => `${dir}/${outputName(p, run)}`);
    const picked = pickAlignmentFiles(copies);
    const format = alignmentFormat(md.format);
    // the converters read the copies in the output, as the reference does
    const read = async (key: string | undefined) => {
      if (key === undefined) return undefined;
      if (!(await ctx.output.stat(key))) {
        throw new IngestError("SOURCE_MISSING", `${ctx.run.outputLocation(key)} has not been written: import the alignment files in the same run (--import-alignments)`, {
          entityPath: ctx.item.entityPath,
        });
      }
      return ctx.output.readText(key);
    };
    let fields: AlignmentFields = { per_section_alignment_parameters: [] };
    try {
      if (format === "IMOD" && picked.xf && picked.tlt) {
        const files = { xf: (await read(picked.xf))!, tlt: (await read(picked.tlt))! };
        const extra = {
          ...(picked.xtilt ? { xtilt: (await read(picked.xtilt))! } : {}),
          ...(picked.tiltCom ? { tiltCom: (await read(picked.tiltCom))! } : {}),
          ...(picked.newstCom ? { newstCom: (await read(picked.newstCom))! } : {}),
        };
        const loc = (k: string | undefined) => (k ? ctx.run.outputLocation(k) : undefined);
        fields = convertImodAlignment(
          { ...files, ...extra },
          {
            xf: loc(picked.xf)!,
            tlt: loc(picked.tlt)!,
            ...(picked.xtilt ? { xtilt: loc(picked.xtilt)! } : {}),
            ...(picked.tiltCom ? { tiltCom: loc(picked.tiltCom)! } : {}),
            ...(picked.newstCom ? { newstCom: loc(picked.newstCom)! } : {}),
          },
        );
      } else if (format === "ARETOMO3" && picked.aln) {
        fields = convertAreTomo3Alignment((await read(picked.aln))!, ctx.run.outputLocation(picked.aln));
      }
    } catch (err) {
      if (err instanceof AlignmentFileError) throw new IngestError("SOURCE_INVALID", err.message, { entityPath: ctx.item.entityPath, cause: err });
      throw err;
    }
    const alignmentPath = format === "ARETOMO3" ? picked.aln : picked.xf;
    const extra: Record<string, unknown> = {
      per_section_alignment_parameters: pythonFloats(fields),
      alignment_path: alignmentPath ?? null,
      tilt_path: picked.tlt ?? null,
      tiltx_path: picked.xtilt ?? null,
      tiltseries_path: await tiltSeriesMetadataPath(ctx),
      files: copies,
    };
    if (volumeDimension) extra.volume_dimension = { x: new PyFloat(volumeDimension.x), y: new PyFloat(volumeDimension.y), z: new PyFloat(volumeDimension.z) };
    Object.assign(extra, missingAlignmentDefaults(md));
    await writeMetadata(ctx, `${dir}/alignment_metadata.json`, md, extra);
  },
};
