/**
 * Plain file importers: gains, collection metadata (mdoc), raw tilts and CTF files. Each copies
 * its source into the run's standardized folder under the reference's names.
 */
import { basenameKey, IngestError, type Importer, type ItemContext } from "@ingestkit/core";
import { copyToDir, sourceKey } from "./common.js";

export const gainImporter: Importer = {
  describe: "copy",
  async importItem(ctx) {
    const key = sourceKey(ctx);
    if (key.toLowerCase().endsWith(".dm4")) {
      throw new IngestError("NOT_SUPPORTED", `the .dm4 gain ${basenameKey(key)} is not converted to MRC by ingestkit`, {
        hint: "convert it with IMOD's dm2mrc and point the gains source at the .mrc",
      });
    }
    await copyToDir(ctx, key, ctx.outputDir());
  },
};

/** `{dataset}/{run}/Frames/{run}.mdoc`; the last one found wins, as upstream. */
export const collectionMetadataImporter: Importer = {
  describe: "copy (renamed to {run}.mdoc)",
  async importItem(ctx) {
    const run = ctx.item.require("run");
    await copyToDir(ctx, sourceKey(ctx), ctx.outputDir(), `${run.name}.mdoc`);
  },
};

/** `…/TiltSeries/{ts_id}/{run}.rawtlt`: every matched file is written to that one name. */
export const rawTiltImporter: Importer = {
  describe: "copy (renamed to {run}.rawtlt)",
  async importItem(ctx) {
    const run = ctx.item.require("run");
    await copyToDir(ctx, sourceKey(ctx), ctx.outputDir(), `${run.name}.rawtlt`);
  },
};

/** `…/TiltSeries/{ts_id}/{run}_{format}_ctf.txt`. */
export const ctfImporter: Importer = {
  describe: "copy (renamed to {run}_{format}_ctf.txt)",
  async importItem(ctx: ItemContext) {
    const run = ctx.item.require("run");
    const format = ctx.item.entry.metadata?.format;
    if (typeof format !== "string" || !format) {
      throw new IngestError("CONFIG_SCHEMA", `ctfs: metadata.format is required (CTFFIND, Gctf or IMOD) to name the output file`, { entityPath: ctx.item.entityPath });
    }
    await copyToDir(ctx, sourceKey(ctx), ctx.outputDir(), `${run.name}_${format}_ctf.txt`);
  },
};
