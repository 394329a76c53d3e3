/**
 * `source_multi_glob`: every file matching any of `list_globs`; name and path are the full path.
 */
import { IngestError, joinLocation, type FinderDefinition, type FoundItem } from "@ingestkit/core";
import { asObject, isObject } from "./options.js";

export const sourceMultiGlob: FinderDefinition<{ list_globs: string[] }> = {
  key: "source_multi_glob",
  async find(options, ctx): Promise<FoundItem[]> {
    const o = asObject(options, "source_multi_glob");
    const globs = o.list_globs;
    if (!Array.isArray(globs) || globs.some((g) => typeof g !== "string")) {
      throw new IngestError("CONFIG_FINDER", "source_multi_glob: 'list_globs' must be a list of strings", ctx.origin("list_globs"));
    }
    const byPath = new Map<string, FoundItem>();
    for (let i = 0; i < globs.length; i++) {
      const pattern = ctx.expand(globs[i] as string, `list_globs.${i}`);
      for (const hit of await ctx.glob(pattern, "input")) {
        const full = joinLocation(hit.storage === "output" ? ctx.run.output.location : ctx.run.input.location, hit.key);
        byPath.set(full, { name: full, path: hit.key, storage: hit.storage });
      }
    }
    return [...byPath.values()];
  },
  templates(options) {
    if (!isObject(options) || !Array.isArray(options.list_globs)) return [];
    return options.list_globs.flatMap((g, i) => (typeof g === "string" ? [{ option: `list_globs.${i}`, template: g }] : []));
  },
};
