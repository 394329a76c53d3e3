/**
 * Graphs declared in YAML (`entities:`), with built-in importer kinds and no TypeScript:
 *
 *   entities:
 *     study:   { plural: studies, output: "{study_name}", importer: metadata }
 *     subject: { plural: subjects, parent: study, output: "{study_name}/sub-{subject_name}", importer: metadata }
 *     scan:    { plural: scans, parent: subject, output: "{study_name}/sub-{subject_name}/anat", importer: copy }
 *
 * Kinds: `copy` (found files copied into `output`, optionally renamed by `file_name`),
 * `metadata` (`{output}/{metadata_file}` = entry metadata + `{type}_name` + `last_updated_at`),
 * `none` (a grouping level that writes nothing).
 */
import {
  basenameKey,
  cloneConfigValue as deepClone,
  defineProfile,
  defineProfilePlugin,
  IngestError,
  pyFormat,
  type Diagnostic,
  type EntityTypeSpec,
  type Importer,
  type ItemContext,
  type LoadedConfig,
  type Profile,
} from "@ingestkit/core";
import { builtinFinders } from "@ingestkit/finders";

export function isEntitiesConfig(config: LoadedConfig): boolean {
  return config.data.entities !== undefined;
}

/** The entities profile plugin: a graph the config declares under `entities:`, built per config. */
export const entitiesPlugin = defineProfilePlugin({
  name: "entities",
  description: "a graph the config declares under 'entities:', with the built-in copy / metadata importers",
  detect: isEntitiesConfig,
  profile: (config) => createEntitiesProfile(config),
});

interface EntityDecl {
  plural?: string;
  parent?: string;
  output?: string;
  importer?: string;
  file_name?: string;
  metadata_file?: string;
  group?: boolean;
  template_metadata?: boolean;
}

const DECL_KEYS = ["plural", "parent", "output", "importer", "file_name", "metadata_file", "group", "template_metadata"];
const KINDS = ["copy", "metadata", "none"];

function copyImporter(decl: EntityDecl): Importer {
  return {
    describe: "copy",
    async importItem(ctx: ItemContext) {
      const dir = ctx.outputDir();
      const paths = ctx.item.found.paths ?? (ctx.item.found.path !== null ? [ctx.item.found.path] : []);
      if (paths.length === 0) ctx.fail("SOURCE_MISSING", `${ctx.type.key} ${ctx.item.name} has no source file to copy`);
      for (const p of paths) {
        const name = decl.file_name ? ctx.expand(decl.file_name, `entities.${ctx.type.key}.file_name`, { ...ctx.item.globVars(), basename: basenameKey(p) }) : basenameKey(p);
        const from = ctx.item.found.storage === "output" ? ctx.output.view : ctx.input;
        await ctx.output.copyFrom(from, p, `${dir}/${name}`, ctx.record);
      }
    },
  };
}

function metadataImporter(decl: EntityDecl, key: string): Importer {
  return {
    describe: "metadata",
    async importMetadata(ctx: ItemContext) {
      const vars = ctx.item.globVars();
      let md = deepClone(ctx.item.entry.metadata ?? {});
      if (decl.template_metadata) md = templated(md, vars, ctx) as Record<string, unknown>;
      const file = decl.metadata_file ? ctx.expand(decl.metadata_file, `entities.${key}.metadata_file`) : `${key}_metadata.json`;
      await ctx.writeJson(`${ctx.outputDir()}/${file}`, { ...md, [`${key}_name`]: ctx.item.name, last_updated_at: ctx.run.now }, ["last_updated_at"]);
    },
  };
}

function templated(v: unknown, vars: Record<string, unknown>, ctx: ItemContext): unknown {
  if (typeof v === "string" && v.includes("{")) {
    try {
      return pyFormat(v, vars);
    } catch (err) {
      throw new IngestError("TEMPLATE_UNDEFINED", `metadata template ${JSON.stringify(v)}: ${(err as Error).message}`, { entityPath: ctx.item.entityPath });
    }
  }
  if (Array.isArray(v)) return v.map((x) => templated(x, vars, ctx));
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, templated(x, vars, ctx)]));
  return v;
}

/** Builds a profile from the config's `entities:` section; problems name their YAML position. */
export function createEntitiesProfile(config: LoadedConfig): Profile {
  const ents = config.data.entities;
  const fail = (path: Array<string | number>, msg: string, which: "key" | "value" = "value"): never => {
    throw new IngestError("CONFIG_GRAPH", msg, config.position(["entities", ...path], which));
  };
  if (!ents || typeof ents !== "object" || Array.isArray(ents)) fail([], "entities: must be a mapping of entity type -> {plural, parent, output, importer}");
  const decls = ents as Record<string, EntityDecl>;
  const specs = new Map<string, EntityTypeSpec & { children: EntityTypeSpec[] }>();
  for (const [key, d] of Object.entries(decls)) {
    if (!/^[a-z][a-z0-9_]*$/.test(key)) fail([key], `entity type '${key}' must be lower_snake_case`, "key");
    if (!d || typeof d !== "object") fail([key], `entities.${key} must be a mapping`);
    for (const k of Object.keys(d)) if (!DECL_KEYS.includes(k)) fail([key, k], `entities.${key}: unknown key '${k}' (allowed: ${DECL_KEYS.join(", ")})`, "key");
    const kind = d.importer ?? "none";
    if (!KINDS.includes(kind)) fail([key, "importer"], `entities.${key}.importer: unknown importer kind '${kind}' (built-in kinds: ${KINDS.join(", ")})`);
    if (kind !== "none" && !d.output) fail([key], `entities.${key}: importer '${kind}' needs an 'output' template`);
    const importer = kind === "copy" ? copyImporter(d) : kind === "metadata" ? metadataImporter(d, key) : {};
    specs.set(key, {
      key,
      plural: d.plural ?? `${key}s`,
      hasMetadata: kind === "metadata",
      importer,
      ...(d.output ? { outputDir: d.output } : {}),
      ...(d.group ? { grouping: "group" as const } : {}),
      children: [],
    });
  }
  const roots: EntityTypeSpec[] = [];
  for (const [key, d] of Object.entries(decls)) {
    const spec = specs.get(key)!;
    if (d.parent === undefined) roots.push(spec);
    else {
      const parent = specs.get(d.parent);
      if (!parent) fail([key, "parent"], `entities.${key}.parent: no entity type '${d.parent}' is declared`);
      parent!.children.push(spec);
    }
  }
  // a cycle leaves types unreachable from the roots
  const reachable = new Set<string>();
  const visit = (s: EntityTypeSpec) => {
    reachable.add(s.key);
    for (const c of s.children ?? []) visit(c);
  };
  roots.forEach(visit);
  for (const key of specs.keys()) if (!reachable.has(key)) fail([key, "parent"], `entities.${key}: its parent chain is a cycle`);
  const profile = defineProfile("entities", roots, builtinFinders, {
    checkConfig(cfg: LoadedConfig, p: Profile): Diagnostic[] {
      const known = new Set(["entities", "version", "profile", ...p.types.map((t) => t.plural)]);
      const out: Diagnostic[] = [];
      for (const k of Object.keys(cfg.data)) {
        if (known.has(k)) continue;
        const pos = cfg.position([k], "key");
        out.push({
          severity: "error",
          code: "CONFIG_UNKNOWN_KEY",
          message: `unknown top-level key '${k}' (this config declares: ${[...known].join(", ")})`,
          file: pos.file,
          ...(pos.line ? { line: pos.line, col: pos.col! } : {}),
        });
      }
      return out;
    },
  });
  return profile;
}
