/**
 * `destination_filter`: existing output metadata files of this entity type whose values match
 * every filter `{key: [path, ...], value: X}`. A key path walks mappings and, through lists,
 * collects every element's value; a list value matches when it contains X. References only.
 */
import { IngestError, basenameKey, dirnameKey, type FinderDefinition, type FoundItem } from "@ingestkit/core";
import { asObject } from "./options.js";

interface Filter {
  key: string[] | string;
  value: unknown;
}

export const destinationFilter: FinderDefinition<{ filters?: Filter[] }> = {
  key: "destination_filter",
  async find(options, ctx): Promise<FoundItem[]> {
    const o = asObject(options, "destination_filter");
    const filters = (o.filters ?? []) as Filter[];
    if (!Array.isArray(filters)) throw new IngestError("CONFIG_FINDER", "destination_filter: 'filters' must be a list", ctx.origin("filters"));
    const glob = ctx.type.metadataGlob;
    if (!glob) throw new IngestError("CONFIG_FINDER", `destination_filter cannot be used for ${ctx.type.plural}: they have no metadata files to filter`, ctx.origin("filters"));
    const pattern = ctx.expand(glob, "filters");
    const out: FoundItem[] = [];
    for (const hit of await ctx.glob(pattern, "output")) {
      const text = await ctx.run.output.readText(hit.key);
      let md: Record<string, unknown>;
      try {
        md = JSON.parse(text) as Record<string, unknown>;
      } catch (err) {
        throw new IngestError("SOURCE_INVALID", `destination_filter: ${ctx.run.outputLocation(hit.key)} is not valid JSON: ${(err as Error).message}`);
      }
      if (!filters.every((f) => matches(md, f))) continue;
      const np = ctx.type.nameFromMetadata?.(md, hit.key) ?? { name: basenameKey(dirnameKey(hit.key)), path: hit.key };
      out.push({ name: np.name, path: np.path, storage: "output", allowImport: false });
    }
    return out;
  },
};

export function valuesAt(value: unknown, path: readonly string[]): unknown[] {
  if (path.length === 0) return [value];
  if (Array.isArray(value)) return value.flatMap((v) => valuesAt(v, path));
  if (value && typeof value === "object") {
    const next = (value as Record<string, unknown>)[path[0]!];
    return next === undefined ? [] : valuesAt(next, path.slice(1));
  }
  return [];
}

function matches(md: Record<string, unknown>, f: Filter): boolean {
  const path = Array.isArray(f.key) ? f.key.map(String) : [String(f.key)];
  return valuesAt(md, path).some((v) => (Array.isArray(v) ? v.some((x) => same(x, f.value)) : same(v, f.value)));
}

function same(a: unknown, b: unknown): boolean {
  return a === b || (typeof a === "number" && typeof b === "number" && a === b) || JSON.stringify(a) === JSON.stringify(b);
}
