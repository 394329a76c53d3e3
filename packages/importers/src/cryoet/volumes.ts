/**
 * Tilt series and tomograms: ids are assigned here (children such as raw tilts and CTFs need the
 * tilt-series folder), but converting volumes arrives with the Volumes issue and is reported as
 * not supported rather than skipped.
 */
import type { Importer, ItemContext } from "@ingestkit/core";
import { notSupported } from "./common.js";
import { depositionId } from "./metadata.js";
import { assignId } from "./ids.js";

export const tiltSeriesImporter: Importer = {
  describe: "volume (MRC + OME-Zarr)",
  async prepare(ctx: ItemContext) {
    if (ctx.item.id !== undefined) return;
    const run = ctx.item.require("run");
    const runDir = ctx.outputDir(run.type);
    ctx.item.id = await assignId(ctx, {
      kind: "tiltseries",
      container: () => runDir,
      metadataGlob: () => `${runDir}/TiltSeries/*/tiltseries_metadata.json`,
      hash: (md) => `${runDir}-${String(md.deposition_id ?? depositionId(ctx))}`,
      current: () => ({ deposition_id: depositionId(ctx) }),
    });
  },
  async importItem() {
    notSupported("converting tilt series volumes", "Volumes");
  },
  async importMetadata() {
    notSupported("tilt series metadata", "Volumes");
  },
};

export const tomogramImporter: Importer = {
  describe: "volume (MRC + OME-Zarr)",
  async prepare() {
    notSupported("tomograms", "Volumes");
  },
};

export const keyImageImporter: Importer = {
  async importItem() {
    notSupported("key images", "Volumes");
  },
};

export const alignmentImporter: Importer = {
  async importItem(ctx) {
    if (isDefaultAlignment(ctx)) {
      // The reference synthesises a default alignment only for runs with a tomogram.
      if (!hasTomograms(ctx)) return;
    }
    notSupported("alignments", "Annotations, alignments and visualization");
  },
  async importMetadata(ctx) {
    if (isDefaultAlignment(ctx) && !hasTomograms(ctx)) return;
    notSupported("alignment metadata", "Annotations, alignments and visualization");
  },
};

function isDefaultAlignment(ctx: ItemContext): boolean {
  return ctx.item.entry.index === -1;
}

function hasTomograms(ctx: ItemContext): boolean {
  const t = ctx.run.profile.byKey.get("tomogram");
  return !!t && ctx.run.config.entries(t).length > 0;
}

export const annotationImporter: Importer = {
  async prepare() {
    notSupported("annotations", "Annotations, alignments and visualization");
  },
};

/** Neuroglancer configs are written for tomograms already standardized in this voxel spacing. */
export const vizConfigImporter: Importer = {
  async importItem(ctx) {
    const vs = ctx.item.require("voxel_spacing");
    const dir = ctx.outputDir(vs.type);
    const tomos = await ctx.output.glob(`${dir}/Tomograms/*/tomogram_metadata.json`);
    if (tomos.length === 0) return;
    notSupported("neuroglancer configs", "Annotations, alignments and visualization");
  },
};

export const annotationVizImporter: Importer = {
  async importItem() {
    notSupported("neuroglancer precomputed annotations", "Annotations, alignments and visualization");
  },
};
