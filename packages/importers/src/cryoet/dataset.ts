/**
 * `datasets`: metadata only, `{dataset}/dataset_metadata.json`, with the reference's defaults for
 * missing ontology fields (`format_data`).
 */
import type { Importer, ItemContext } from "@ingestkit/core";
import { keyPhotoPaths } from "./key-photo.js";
import { writeMetadata } from "./metadata.js";

const NOT_REPORTED = () => ({ name: "not_reported", id: "not_reported" });

/** Fills absent ontology fields the way the reference's `format_data` does. */
export function datasetDefaults(metadata: Record<string, unknown>): Record<string, unknown> {
  const md = { ...metadata };
  for (const key of ["assay", "cell_component", "cell_strain", "cell_type", "disease", "tissue"]) {
    if (md[key] === undefined || md[key] === null) md[key] = NOT_REPORTED();
  }
  if (md.development_stage === undefined || md.development_stage === null) md.development_stage = { name: "unknown", id: "unknown" };
  if (md.organism === undefined || md.organism === null) md.organism = { name: "not_reported", taxonomy_id: null };
  return md;
}

export const datasetImporter: Importer = {
  describe: "metadata only",
  async importMetadata(ctx: ItemContext) {
    const dir = ctx.outputDir();
    await writeMetadata(ctx, `${dir}/dataset_metadata.json`, datasetDefaults(ctx.item.entry.metadata), { key_photos: await keyPhotoPaths(ctx, `${dir}/Images`) });
  },
};
