/**
 * `source_glob`: files in the input matching `list_glob` (templated); `match_regex` is searched in
 * the full path, `name_regex` is matched at the start of the basename and its group 1 is the name.
 * `destination_glob` is the same over existing outputs, found items are references only.
 */
import { compilePythonRegex, IngestError, basenameKey, joinLocation, type FinderContext, type FinderDefinition, type FoundItem } from "@ingestkit/core";
import { asObject, isObject, optionalString, requireString } from "./options.js";

interface GlobOptions {
  list_glob: string;
  match_regex?: string;
  name_regex?: string;
}

function makeGlobFinder(key: "source_glob" | "destination_glob", base: "input" | "output"): FinderDefinition<GlobOptions> {
  return {
    key,
    async find(options, ctx: FinderContext): Promise<FoundItem[]> {
      const o = asObject(options, key);
      const pattern = ctx.expand(requireString(o, "list_glob", key), "list_glob");
      const match = compile(optionalString(o, "match_regex", key) ?? ".*", "match_regex", ctx);
      const nameRe = compile(optionalString(o, "name_regex", key) ?? "(.*)", "name_regex", ctx);
      const byName = new Map<string, FoundItem>();
      for (const hit of await ctx.glob(pattern, base)) {
        const storage = hit.storage === "output" ? ctx.run.output.location : ctx.run.input.location;
        const full = joinLocation(storage, hit.key);
        if (!match.search(full)) continue;
        const basename = basenameKey(hit.key);
        const m = nameRe.match(basename);
        if (!m) {
          throw new IngestError(
            "CONFIG_FINDER",
            `${key}.name_regex ${JSON.stringify(nameRe.pattern)} does not match the file name ${JSON.stringify(basename)} (${full})`,
            ctx.origin("name_regex"),
          );
        }
        if (m.length < 2) {
          throw new IngestError("CONFIG_FINDER", `${key}.name_regex ${JSON.stringify(nameRe.pattern)} has no group: group 1 must capture the name`, ctx.origin("name_regex"));
        }
        // an unmatched optional group is Python's None: the run importer names such runs itself
        const name = m[1] ?? null;
        // later duplicates replace earlier ones, keeping the first position (Python dict semantics);
        // nameless items are kept per path (the reference would collapse them all into one)
        byName.set(name ?? `\0${hit.key}`, { name, path: hit.key, storage: hit.storage, ...(base === "output" ? { allowImport: false } : {}) });
      }
      return [...byName.values()];
    },
    templates(options) {
      return isObject(options) && typeof options.list_glob === "string" ? [{ option: "list_glob", template: options.list_glob }] : [];
    },
    regexes(options) {
      if (!isObject(options)) return [];
      return (["match_regex", "name_regex"] as const).filter((k) => typeof options[k] === "string" && options[k] !== "").map((k) => ({ option: k, pattern: options[k] as string }));
    },
  };
}

function compile(pattern: string, option: string, ctx: FinderContext) {
  try {
    return compilePythonRegex(pattern);
  } catch (err) {
    throw new IngestError("CONFIG_REGEX", `${option}: ${(err as Error).message}`, ctx.origin(option));
  }
}

export const sourceGlob = makeGlobFinder("source_glob", "input");
export const destinationGlob = makeGlobFinder("destination_glob", "output");
