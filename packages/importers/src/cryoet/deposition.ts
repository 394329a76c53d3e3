/** `depositions`: metadata only, `depositions_metadata/{deposition}/deposition_metadata.json`. */
import type { Importer, ItemContext } from "@ingestkit/core";
import { keyPhotoPaths } from "./key-photo.js";
import { writeMetadata } from "./metadata.js";

export const depositionImporter: Importer = {
  describe: "metadata only",
  async importMetadata(ctx: ItemContext) {
    // The reference skips depositions whose config carries no metadata.
    if (Object.keys(ctx.item.entry.metadata ?? {}).length === 0) return;
    const dir = ctx.outputDir();
    await writeMetadata(ctx, `${dir}/deposition_metadata.json`, ctx.item.entry.metadata, { key_photos: await keyPhotoPaths(ctx, `${dir}/Images`) });
  },
};
