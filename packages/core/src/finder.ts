/**
 * Finders locate the items of an entity type. Each is registered under the single YAML key that
 * selects it in a `sources` entry (`source_glob`, `literal`, ...). Only the engine calls them.
 */
import type { Diagnostic } from "./diagnostics.js";
import type { RunContext } from "./engine/context.js";
import type { TemplateOrigin, TemplateVars } from "./template.js";

export interface FoundItem {
  /** Entity name as found (a literal may yield numbers); the engine uses `String(name)`. */
  name: unknown;
  /** Key of the found object in `storage`, or null (literal values). */
  path: string | null;
  storage?: "input" | "output";
  /** Literal mapping value when it is not a path (e.g. a key photo URL). */
  value?: unknown;
  /** False for references to existing outputs (destination finders): never imported. */
  allowImport?: boolean;
  /** For grouped types (all files of one source form one item): every path found. */
  paths?: string[];
}

export interface FinderContext {
  run: RunContext;
  /** The entity type being found. */
  type: import("./graph.js").EntityType;
  vars: TemplateVars;
  /** Expands a template option of this finder; errors name the option and its YAML position. */
  expand(template: string, option: string): string;
  /** Glob a pattern: relative patterns resolve against `base`; absolute ones must lie under a root. */
  glob(pattern: string, base: "input" | "output"): Promise<Array<{ storage: "input" | "output"; key: string }>>;
  origin(option: string): TemplateOrigin;
}

export interface FinderDefinition<Options = unknown> {
  key: string;
  /** Runs the finder for one set of parent variables. */
  find(options: Options, ctx: FinderContext): Promise<FoundItem[]>;
  /** Template options (option path -> template) for static checks. */
  templates?(options: Options): Array<{ option: string; template: string }>;
  /** Regex options (option path -> Python pattern) for static checks. */
  regexes?(options: Options): Array<{ option: string; pattern: string }>;
  /** Extra static checks of the options. */
  check?(options: Options): Diagnostic[];
}

export type FinderRegistry = ReadonlyMap<string, FinderDefinition<any>>;

export function finderRegistry(defs: ReadonlyArray<FinderDefinition<any>>): FinderRegistry {
  const m = new Map<string, FinderDefinition<any>>();
  for (const d of defs) {
    if (m.has(d.key)) throw new Error(`finder '${d.key}' registered twice`);
    m.set(d.key, d);
  }
  return m;
}
