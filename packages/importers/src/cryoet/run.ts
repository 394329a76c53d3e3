/**
 * `runs`: metadata only, `{dataset}/{run}/run_metadata.json` = config metadata + `run_name`.
 * A run found without a name (its `name_regex` group did not take part, or matched nothing) is
 * named by the legacy `standardization_config.run_name_regex` applied to the file's basename,
 * group 1, as the reference's RunImporter still does for old configs.
 */
import { basenameKey, compilePythonRegex, IngestError, type FoundItem, type Importer, type ItemContext } from "@ingestkit/core";
import { rawName } from "./common.js";
import { writeMetadata } from "./metadata.js";

export const runImporter: Importer = {
  describe: "metadata only",
  transformFound(found: FoundItem, ctx: ItemContext): FoundItem {
    if (found.name !== null && found.name !== undefined && found.name !== "") return found;
    const where = { ...ctx.run.config.position(["standardization_config", "run_name_regex"]), entityPath: ctx.item.parent?.entityPath ?? "" };
    const pattern = (ctx.run.config.data.standardization_config as Record<string, unknown> | undefined)?.run_name_regex;
    if (typeof pattern !== "string") {
      throw new IngestError("SOURCE_INVALID", `a run was found without a name (${found.path ?? "no path"}) and standardization_config.run_name_regex is not set to name it`, where);
    }
    if (found.path === null) throw new IngestError("SOURCE_INVALID", "a run without a name has no path for run_name_regex to name it", where);
    const base = basenameKey(found.path);
    const m = compilePythonRegex(pattern).match(base);
    const name = m?.[1];
    if (name === undefined || name === "") {
      throw new IngestError(
        "SOURCE_INVALID",
        `standardization_config.run_name_regex ${JSON.stringify(pattern)} does not name the run ${JSON.stringify(base)} (no match or empty group 1)`,
        where,
      );
    }
    return { ...found, name };
  },
  async importMetadata(ctx: ItemContext) {
    await writeMetadata(ctx, `${ctx.outputDir()}/run_metadata.json`, ctx.item.entry.metadata, { run_name: rawName(ctx.item) });
  },
};
