/**
 * The entity graph as data. A profile is an ordered tree of entity types; the engine walks it
 * depth-first (item, children, metadata). Nothing here knows a CryoET word.
 */
import type { Diagnostic } from "./diagnostics.js";
import type { FinderRegistry } from "./finder.js";
import type { Importer } from "./importer.js";
import type { ProfileOption } from "./profiles.js";

/** One `sources` entry of a config: exactly one finder key plus optional filters. */
export type SourceSpec = Record<string, unknown> & {
  parent_filters?: { include?: Record<string, string[]>; exclude?: Record<string, string[]> };
  exclude?: string[];
};

/** One list entry under an entity's YAML key: `{metadata, sources}`. */
export interface EntityEntry {
  metadata: Record<string, unknown>;
  sources: SourceSpec[];
  /** Index of this entry in the YAML list (-1 for a profile default). */
  index: number;
}

export interface EntityTypeSpec {
  /** Singular type key: `run`, `voxel_spacing`. */
  key: string;
  /** YAML key and `--import-<plural>` flag: `runs`, `voxel_spacings`. */
  plural: string;
  hasMetadata: boolean;
  importer: Importer;
  /** Finder keys allowed in `sources` (default: every registered finder). */
  finders?: readonly string[];
  /** "each": one item per found path; "group": all paths of one source entry form one item. */
  grouping?: "each" | "group";
  /**
   * Items of this type may be processed concurrently (up to `settings.concurrency`), each one's
   * own subtree in order. The cryoet profile sets it on runs.
   */
  concurrent?: boolean;
  /**
   * For a `concurrent` type: items in flight per unit of `settings.concurrency` (default 1). Small I/O-bound items
   * (one DICOM file each) keep the cores busy only with several in flight per core; the importer bounds its memory.
   */
  inFlightPerWorker?: number;
  /** Used when the config's sources find nothing. */
  defaultEntries?: readonly EntityEntry[];
  /** Output directory template, relative to the output root (Python str.format). */
  outputDir?: string;
  /**
   * Glob template of this type's existing metadata files in the output (`{x}_id` given as `*`),
   * for `destination_filter`; and how a metadata file names its item.
   */
  metadataGlob?: string;
  nameFromMetadata?(metadata: Record<string, unknown>, key: string): { name: string; path: string | null };
  children?: readonly EntityTypeSpec[];
}

export interface EntityType extends Omit<EntityTypeSpec, "children"> {
  parent?: EntityType;
  children: EntityType[];
  /** Ancestors from the root down, excluding this type. */
  ancestors: EntityType[];
  /** `voxel-spacing`: the CLI spelling of the key. */
  flagName: string;
  /** `voxel-spacings`: the CLI spelling of the plural. */
  pluralFlagName: string;
}

export interface Profile {
  name: string;
  roots: EntityType[];
  /** Every type in tree (depth-first pre-) order. */
  types: EntityType[];
  byKey: Map<string, EntityType>;
  finders: FinderRegistry;
  hooks: ProfileHooks;
  /** JSON Schema (draft 2019-09) for configs of this profile. */
  schema?: Record<string, unknown>;
  /** The settings this profile reads; `convert` fills the ones a caller leaves out with their defaults. */
  options?: readonly ProfileOption[];
}

/** Everything `defineProfile` needs, by name. */
export interface ProfileSpec {
  name: string;
  roots: readonly EntityTypeSpec[];
  finders: FinderRegistry;
  hooks?: ProfileHooks;
  schema?: Record<string, unknown>;
  options?: readonly ProfileOption[];
}

export interface ProfileHooks {
  /** Loads what every item needs before the walk (e.g. run data maps). */
  prepare?(run: import("./engine/context.js").RunContext): Promise<void>;
  /**
   * Runs once after the walk, whatever was selected and even when items failed (not when `prepare`
   * failed): saving run-wide state (re-identification mappings, tracking, notifications).
   */
  finish?(run: import("./engine/context.js").RunContext): Promise<void>;
  /** Extra template variables an item contributes (beyond `{type}_name/_path/_id`). */
  itemVars?(item: import("./engine/item.js").EntityItem, run: import("./engine/context.js").RunContext): Record<string, unknown>;
  /** Profile-specific config checks (after the schema), e.g. variables that can never be defined. */
  checkConfig?(config: import("./config/config.js").LoadedConfig, profile: Profile): Diagnostic[];
  /**
   * Template variables an item of `type` contributes besides `{type}_name/_path/_id`, for static
   * checks. `open: true` when they cannot be known from the config alone (a map file not found).
   */
  varNames?(type: EntityType, config: import("./config/config.js").LoadedConfig): { names: string[]; open?: boolean; why?: string };
  /** Variables usable in metadata templates of `type` (undefined: metadata is not templated). */
  metadataVarNames?(type: EntityType, config: import("./config/config.js").LoadedConfig): { names: string[]; open?: boolean; why?: string } | undefined;
}

export function defineProfile(spec: ProfileSpec): Profile;
export function defineProfile(name: string, roots: readonly EntityTypeSpec[], finders: FinderRegistry, hooks?: ProfileHooks, schema?: Record<string, unknown>): Profile;
export function defineProfile(
  nameOrSpec: string | ProfileSpec,
  rootsArg?: readonly EntityTypeSpec[],
  findersArg?: FinderRegistry,
  hooksArg?: ProfileHooks,
  schemaArg?: Record<string, unknown>,
): Profile {
  const spec: ProfileSpec = typeof nameOrSpec === "string" ? { name: nameOrSpec, roots: rootsArg!, finders: findersArg!, ...(hooksArg ? { hooks: hooksArg } : {}), ...(schemaArg ? { schema: schemaArg } : {}) } : nameOrSpec;
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
