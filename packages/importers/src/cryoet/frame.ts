/**
 * `frames`: every file of one source is one item (the reference's MultiSourceFileFinder). Files
 * are copied to `{dataset}/{run}/Frames/`; `frames_metadata.json` lists one entry per mdoc tilt
 * section with its dose (ExposureTime x dose_rate) and the dose accumulated before it.
 * A `literal: [default]` source copies nothing and writes paths as null.
 */
import { basenameKey, IngestError, PyFloat, type Importer, type ItemContext } from "@ingestkit/core";
import { mdocNumber, mdocTilts, MdocError, parseMdoc } from "@ingestkit/formats";
import { copyToDir } from "./common.js";
import { expandedMetadata } from "./expand.js";
import { noRowNote } from "./run-data.js";
import { writeMetadata } from "./metadata.js";

function isDefault(ctx: ItemContext): boolean {
  return !ctx.item.found.paths && ctx.item.found.path === null;
}

/** Windows or POSIX path: the last component (mdoc SubFramePath is usually `X:\...\name.tif`). */
function winBasename(p: string): string {
  const parts = p.split(/[\\/]/);
  return parts[parts.length - 1] ?? p;
}

function asFloat(x: number): number | PyFloat {
  return Number.isInteger(x) ? new PyFloat(x) : x;
}

export const frameImporter: Importer = {
  describe: "copy + frames_metadata.json",
  async importItem(ctx) {
    if (isDefault(ctx)) return;
    const dir = ctx.outputDir();
    for (const p of ctx.item.found.paths ?? [ctx.item.found.path!]) await copyToDir(ctx, p, dir);
  },
  async importMetadata(ctx) {
    const md = expandedMetadata(ctx);
    const doseRate = Number(md.dose_rate);
    if (!md.dose_rate || !Number.isFinite(doseRate) || doseRate === 0) {
      const unexpanded = typeof md.dose_rate === "string" && md.dose_rate.includes("{") ? noRowNote(ctx.run, ctx.item.get("run")?.name) : "";
      throw new IngestError("SOURCE_INVALID", `invalid dose rate for frames: ${JSON.stringify(md.dose_rate ?? null)} (metadata.dose_rate must be a number > 0)${unexpanded}`, {
        entityPath: ctx.item.entityPath,
      });
    }
    const run = ctx.item.require("run");
    const dir = ctx.outputDir();
    const mdocKey = `${dir}/${run.name}.mdoc`;
    if (!(await ctx.output.stat(mdocKey))) {
      throw new IngestError("SOURCE_MISSING", `no collection metadata: ${ctx.run.outputLocation(mdocKey)} does not exist (import collection_metadata first)`, {
        entityPath: ctx.item.entityPath,
      });
    }
    let tilts;
    try {
      tilts = mdocTilts(parseMdoc(await ctx.output.readText(mdocKey)));
    } catch (err) {
      if (err instanceof MdocError) throw new IngestError("SOURCE_INVALID", `${ctx.run.outputLocation(mdocKey)}:${err.line}: ${err.message}`, { entityPath: ctx.item.entityPath });
      throw err;
    }
    const copied = new Map<string, string>();
    if (!isDefault(ctx)) for (const p of ctx.item.found.paths ?? [ctx.item.found.path!]) copied.set(basenameKey(p), `${dir}/${basenameKey(p)}`);
    const gainCorrected = isDefault(ctx) ? null : (md.is_gain_corrected ?? null);
    let accumulated: number | PyFloat = 0;
    const frames = tilts.map((s) => {
      const exposure = mdocNumber(s.fields, "ExposureTime");
      if (exposure === undefined) {
        throw new IngestError("SOURCE_INVALID", `${ctx.run.outputLocation(mdocKey)}:${s.line}: section [ZValue = ${s.index}] has no ExposureTime`, {
          entityPath: ctx.item.entityPath,
        });
      }
      const dose = exposure * doseRate;
      const sub = s.fields.SubFramePath;
      const entry = {
        acquisition_order: mdocNumber(s.fields, "ZValue") ?? s.index,
        accumulated_dose: accumulated,
        exposure_dose: asFloat(dose),
        is_gain_corrected: gainCorrected,
        path: sub ? (copied.get(winBasename(sub)) ?? null) : null,
      };
      accumulated = asFloat(Number(accumulated) + dose);
      return entry;
    });
    await writeMetadata(ctx, `${dir}/frames_metadata.json`, md, { frames, frames_acquisition_file: mdocKey });
  },
};
