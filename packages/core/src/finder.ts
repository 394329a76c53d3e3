/**
 * Finders locate the items of an entity type. Each is registered under the single YAML key that
 * selects it in a `sources` entry (`source_glob`, `literal`, ...). Only the engine calls them.
 */
import type { FinderDefinition, FinderRegistry } from "./contracts.js";

export type { FinderContext, FinderDefinition, FinderRegistry, FoundItem } from "./contracts.js";

// biome-ignore lint/suspicious/noExplicitAny: a registry holds finders of every option type
export function finderRegistry(defs: ReadonlyArray<FinderDefinition<any>>): FinderRegistry {
  // biome-ignore lint/suspicious/noExplicitAny: as above
  const m = new Map<string, FinderDefinition<any>>();
  for (const d of defs) {
    if (m.has(d.key)) throw new Error(`finder '${d.key}' registered twice`);
    m.set(d.key, d);
  }
  return m;
}
