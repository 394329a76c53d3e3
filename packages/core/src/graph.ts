/**
 * The entity graph as data. A profile is an ordered tree of entity types; the engine walks it
 * depth-first (item, children, metadata). Nothing here knows a CryoET word.
 */
import type { EntityType, EntityTypeSpec, FinderRegistry, Profile, ProfileHooks, ProfileSpec } from "./contracts.js";

export type { EntityEntry, EntityType, EntityTypeSpec, Profile, ProfileHooks, ProfileSpec, SourceSpec } from "./contracts.js";

export function defineProfile(spec: ProfileSpec): Profile;
export function defineProfile(name: string, roots: readonly EntityTypeSpec[], finders: FinderRegistry, hooks?: ProfileHooks, schema?: Record<string, unknown>): Profile;
export function defineProfile(
  nameOrSpec: string | ProfileSpec,
  rootsArg?: readonly EntityTypeSpec[],
  findersArg?: FinderRegistry,
  hooksArg?: ProfileHooks,
  schemaArg?: Record<string, unknown>,
): Profile {
  const spec: ProfileSpec =
    typeof nameOrSpec === "string"
      ? { name: nameOrSpec, roots: rootsArg!, finders: findersArg!, ...(hooksArg ? { hooks: hooksArg } : {}), ...(schemaArg ? { schema: schemaArg } : {}) }
      : nameOrSpec;
  const { name, roots, finders, hooks = {}, schema, options } = spec;
  const types: EntityType[] = [];
  const build = (spec: EntityTypeSpec, parent: EntityType | undefined): EntityType => {
    const t: EntityType = {
      ...spec,
      children: [],
      ancestors: parent ? [...parent.ancestors, parent] : [],
      flagName: spec.key.replace(/_/g, "-"),
      pluralFlagName: spec.plural.replace(/_/g, "-"),
      ...(parent ? { parent } : {}),
    };
    types.push(t);
    t.children = (spec.children ?? []).map((c) => build(c, t));
    return t;
  };
  const built = roots.map((r) => build(r, undefined));
  const byKey = new Map<string, EntityType>();
  for (const t of types) {
    if (byKey.has(t.key)) throw new Error(`profile ${name}: entity type '${t.key}' defined twice`);
    byKey.set(t.key, t);
  }
  return { name, roots: built, types, byKey, finders, hooks, ...(schema ? { schema } : {}), ...(options ? { options } : {}) };
}
