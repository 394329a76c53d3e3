/** `runs`: metadata only, `{dataset}/{run}/run_metadata.json` = config metadata + `run_name`. */
import type { Importer, ItemContext } from "@ingestkit/core";
import { rawName } from "./common.js";
import { writeMetadata } from "./metadata.js";

export const runImporter: Importer = {
  describe: "metadata only",
  async importMetadata(ctx: ItemContext) {
    await writeMetadata(ctx, `${ctx.outputDir()}/run_metadata.json`, ctx.item.entry.metadata, { run_name: rawName(ctx.item) });
  },
};
