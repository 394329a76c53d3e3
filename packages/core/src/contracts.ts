/**
 * The contracts every part of ingestkit implements or calls: entity graphs and profiles, profile
 * plugins and their options, finders, importers, the contexts the engine hands them, run events,
 * diagnostics and the catalogue of error codes. Types only (plus the error catalogue, which is
 * data); this module imports nothing of ours but the Storage seam's types, so the engine, the
 * profiles and the CLI depend on it and never the reverse (the way rollup keeps its plugin
 * contract apart from its implementation).
 *
 * The engine's classes (`RunContext`, `ItemContext`, `EntityItem`, `OutputStore`, `LoadedConfig`,
 * `Selection`) implement the `*Api` interfaces below; plugin code may type its parameters with
 * either.
 */
import type { Readable } from "node:stream";
import type { Listing, StagedFile, Storage, StorageStat } from "./storage/storage.js";

export type { Listing, StagedFile, Storage, StorageStat };

// ---------------------------------------------------------------------------------------------
// Error codes: one catalogue, each with the shape of its messages and its docs anchor.

export interface ErrorCodeInfo {
  /** Short title, as the CLI's error listing shows it. */
  title: string;
  /** What its messages say, for people writing tooling around the codes. */
  shape: string;
  /** Anchor in docs/errors.md. */
  docs: string;
}

export const ERROR_CATALOG = {
  YAML_SYNTAX: { title: "Malformed YAML", shape: "file:line:col: invalid YAML: <parser message>", docs: "docs/errors.md#yaml_syntax" },
  CONFIG_SCHEMA: { title: "Config does not match the schema", shape: "file:line:col: <path>: <what is wrong>, got <value>", docs: "docs/errors.md#config_schema" },
  CONFIG_UNKNOWN_KEY: {
    title: "Unknown config key",
    shape: "file:line:col: unknown key '<key>' in <path>: did you mean '<key>'? (allowed: ...)",
    docs: "docs/errors.md#config_unknown_key",
  },
  CONFIG_TEMPLATE: { title: "Bad template", shape: "file:line:col: <field>: <template problem>", docs: "docs/errors.md#config_template" },
  CONFIG_UNDEFINED_VARIABLE: {
    title: "Template variable is never defined",
    shape: "file:line:col: {<var>} is not defined for <type> (available: ...)",
    docs: "docs/errors.md#config_undefined_variable",
  },
  CONFIG_REGEX: { title: "Regular expression does not compile", shape: "file:line:col: <option>: <regex problem>", docs: "docs/errors.md#config_regex" },
  CONFIG_CAST: { title: "Bad float/int cast", shape: "file:line:col: <field>: <cast problem>", docs: "docs/errors.md#config_cast" },
  CONFIG_GRAPH: { title: "Bad entity graph", shape: "file:line:col: entities.<type>: <problem>", docs: "docs/errors.md#config_graph" },
  CONFIG_FINDER: { title: "Bad source/finder", shape: "file:line:col: <finder>.<option>: <problem>", docs: "docs/errors.md#config_finder" },
  TEMPLATE_UNDEFINED: { title: "Undefined template variable", shape: "<entity path>: {<var>} is not defined when expanding <field>", docs: "docs/errors.md#template_undefined" },
  PATH_ESCAPE: { title: "Path escapes its root", shape: "<entity path>: {<var>} = <value> would take <what> outside the output root", docs: "docs/errors.md#path_escape" },
  SOURCE_MISSING: { title: "Source not found", shape: "<entity path>: <location> not found", docs: "docs/errors.md#source_missing" },
  SOURCE_UNREADABLE: { title: "Source unreadable", shape: "<entity path>: cannot read <location>: <cause>", docs: "docs/errors.md#source_unreadable" },
  SOURCE_INVALID: { title: "Source content invalid", shape: "<entity path>: <location>: <what is wrong, where in the file>", docs: "docs/errors.md#source_invalid" },
  NOT_SUPPORTED: { title: "Not supported yet", shape: "<entity path>: <what> is not supported", docs: "docs/errors.md#not_supported" },
  IMPORTER_FAILED: { title: "Importer failed", shape: "<entity path>: <importer step> failed: <cause>", docs: "docs/errors.md#importer_failed" },
  USAGE: { title: "Usage error", shape: "<option or argument>: <what is wrong> (exit code 2)", docs: "docs/errors.md#usage" },
  IO: { title: "I/O error", shape: "<location>: <operation> failed: <cause>", docs: "docs/errors.md#io" },
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

/** Where in a file something is (1-based line and column). */
export interface SourcePosition {
  file?: string;
  line?: number;
  col?: number;
}

// ---------------------------------------------------------------------------------------------
// Diagnostics and templates.

export type Severity = "error" | "warning";

/** A problem found in user input, collected rather than thrown (unified's vfile-message model). */
export interface Diagnostic {
  severity: Severity;
  code: string;
  message: string;
  file?: string;
  line?: number;
  col?: number;
  /** JSON-pointer-like path inside the config, e.g. `/runs/0/sources/0/source_glob`. */
  path?: string;
}

export type TemplateVars = Readonly<Record<string, unknown>>;

/** Where a template came from, for error messages. */
export interface TemplateOrigin {
  file?: string;
  line?: number;
  col?: number;
  /** e.g. `runs[0].sources[0].source_glob.list_glob` */
  field?: string;
  entityPath?: string;
}

// ---------------------------------------------------------------------------------------------
// Configs.

export type YamlPath = ReadonlyArray<string | number>;

export interface Position {
  line: number;
  col: number;
}

/** A parsed YAML document with positions. */
export interface LoadedYaml {
  file: string;
  text: string;
  /** Plain JSON-like value (integral floats are plain numbers): for schema validation. */
  value: unknown;
  /** Python-typed value: integral floats from the YAML text are PyFloat. For output metadata. */
  pyValue: unknown;
  /** Position of the node at `path` (aliases followed), or of its nearest ancestor. */
  positionOf(path: YamlPath, which?: "key" | "value"): Position | undefined;
  diagnostics: Diagnostic[];
}

export interface ConfigPosition {
  file: string;
  line?: number;
  col?: number;
}

/** A loaded config: its values, with the YAML position of every node. */
export interface LoadedConfigApi {
  readonly yaml: LoadedYaml;
  /** The config file as given. */
  readonly file: string;
  /** Its folder, absolute. */
  readonly dir: string;
  /** Plain values (numbers as JS numbers). */
  readonly data: Record<string, unknown>;
  /** Python-typed values (integral floats kept as PyFloat), as the portal's code sees them. */
  readonly py: Record<string, unknown>;
  /** The `{metadata, sources}` list under the type's YAML key (empty when absent). */
  entries(type: EntityType): EntityEntry[];
  position(path: YamlPath, which?: "key" | "value"): ConfigPosition;
  /** A top-level mapping (empty when absent or not a mapping). */
  section(key: string): Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------
// Entity graphs and profiles.

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

/** A walkable profile: the entity graph with its finders, hooks, schema and settings. */
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
  prepare?(run: RunContextApi): Promise<void>;
  /**
   * Runs once after the walk, whatever was selected and even when items failed (not when `prepare`
   * failed): saving run-wide state (re-identification mappings, tracking, notifications).
   */
  finish?(run: RunContextApi): Promise<void>;
  /** Extra template variables an item contributes (beyond `{type}_name/_path/_id`). */
  itemVars?(item: EntityItemApi, run: RunContextApi): Record<string, unknown>;
  /** Profile-specific config checks (after the schema), e.g. variables that can never be defined. */
  checkConfig?(config: LoadedConfigApi, profile: Profile): Diagnostic[];
  /**
   * Template variables an item of `type` contributes besides `{type}_name/_path/_id`, for static
   * checks. `open: true` when they cannot be known from the config alone (a map file not found).
   */
  varNames?(type: EntityType, config: LoadedConfigApi): { names: string[]; open?: boolean; why?: string };
  /** Variables usable in metadata templates of `type` (undefined: metadata is not templated). */
  metadataVarNames?(type: EntityType, config: LoadedConfigApi): { names: string[]; open?: boolean; why?: string } | undefined;
  /**
   * A folder below INPUT where this config's sources live (cryoet: `standardization_config.source_prefix`);
   * `convert` roots the input there and keeps INPUT itself as `settings.inputBase`.
   */
  inputPrefix?(config: LoadedConfigApi): string | undefined;
}

// ---------------------------------------------------------------------------------------------
// Profile plugins: what the registry holds, the CLI lists and a config's `profile:` names.

/** One typed setting of a profile and the CLI option that sets it. */
export interface ProfileOption {
  /** Settings key the importers read (`ctx.settings[key]`), camelCase: `httpsPrefix`. */
  key: string;
  /** Long option name without dashes, kebab-case: `https-prefix`. */
  flag: string;
  type: "string" | "boolean" | "number" | "choice";
  /** One line for `--help`. */
  help: string;
  /** Used when the option is not given (also by the library's `convert`). */
  default?: string | number | boolean;
  /** Allowed values of a `choice` option. */
  choices?: readonly string[];
  /** Placeholder in `--help` (`<url>`); defaults to `<value>`. */
  valueName?: string;
}

export type ProfileSettingValue = string | number | boolean;

export interface ProfilePlugin {
  /** Registry key and the value of a config's top-level `profile:`; lower-case, `a-z0-9-`. */
  name: string;
  /** One line for `standardize-dirs profiles`. */
  description: string;
  /** The settings this profile reads, each with its CLI option. */
  options?: readonly ProfileOption[];
  /**
   * True when a config without `profile:` is written for this profile. Only used for such configs;
   * exactly one registered plugin must claim each of them.
   */
  detect?(config: LoadedConfigApi): boolean;
  /** The walkable profile (entity graph, finders, hooks, schema) for one config. */
  profile(config: LoadedConfigApi): Profile;
}

export interface ResolvedProfile {
  plugin: ProfilePlugin;
  profile: Profile;
  /** How the plugin was chosen: named by the config's `profile:` key, or claimed by `detect`. */
  via: "config" | "detect";
}

// ---------------------------------------------------------------------------------------------
// Finders.

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
  run: RunContextApi;
  /** The entity type being found. */
  type: EntityType;
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

// biome-ignore lint/suspicious/noExplicitAny: a registry holds finders of every option type
export type FinderRegistry = ReadonlyMap<string, FinderDefinition<any>>;

// ---------------------------------------------------------------------------------------------
// Importers.

/**
 * Importers turn a found item into standardized output. The engine calls, per item:
 * `prepare` (ids, extra variables), `importItem` (when the type is imported), the children,
 * then `importMetadata` (when its metadata is imported). Every hook is optional.
 */
export interface Importer {
  /** Once per parent before finding, when the type is imported (e.g. clean half-written folders). */
  preImport?(ctx: ItemContextApi): Promise<void>;
  /** Normalises or drops a found item (e.g. voxel spacing names formatted to 3 decimals). */
  transformFound?(found: FoundItem, ctx: ItemContextApi): Promise<FoundItem | null> | FoundItem | null;
  /** Before importItem and before children: assign ids, set variables for children. */
  prepare?(ctx: ItemContextApi): Promise<void>;
  importItem?(ctx: ItemContextApi): Promise<void>;
  importMetadata?(ctx: ItemContextApi): Promise<void>;
  /** Short description for plans (e.g. "copy", "metadata only"). */
  describe?: string;
}

// ---------------------------------------------------------------------------------------------
// The contexts a run hands to hooks, finders and importers.

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug?(message: string): void;
}

/** One output written (or planned, or found up to date) by an item. */
export interface WriteRecord {
  key: string;
  kind: "json" | "bytes" | "copy";
  /** Source location for copies. */
  from?: string;
  /** The output already holds what this write would produce (same fingerprint): not written. */
  upToDate?: boolean;
}

export interface PlanNode {
  type: string;
  name: string;
  entityPath: string;
  /** Source locations this item reads. */
  sources: string[];
  /** What was (or would be) written. */
  writes: WriteRecord[];
  status: "planned" | "imported" | "reference" | "skipped" | "failed";
  /** Steps that ran (or would run): "item", "metadata". */
  steps: string[];
  note?: string;
  error?: { code: string; message: string };
  children: PlanNode[];
}

export interface Failure {
  entityPath: string;
  step: string;
  code: string;
  message: string;
  where?: string;
}

export interface RunSummary {
  imported: number;
  skipped: number;
  failed: number;
  failures: Failure[];
  /** Output objects written (or, in a dry run, to be written), already up to date, and bytes written. */
  outputs: { written: number; upToDate: number; bytes: number };
}

export interface RunSettings {
  /** Free-form settings importers read (https prefix, write_mrc, ...). */
  [key: string]: unknown;
}

/** Import flags and name filters of a run (`--import-runs`, `--filter-run-name RE`, ...). */
export interface SelectionFlags {
  importEverything?: boolean;
  importAllMetadata?: boolean;
  /** Plural keys (`runs`, `voxel_spacings` or `voxel-spacings`). */
  imports?: string[];
  /** Type keys (`run`, `voxel-spacing`). */
  metadata?: string[];
  /** Type key -> regexes. */
  filters?: Record<string, string[]>;
  excludes?: Record<string, string[]>;
}

export interface SelectionApi {
  /** Types whose items are imported. */
  readonly toImport: Set<string>;
  /** Types whose metadata is written. */
  readonly metadataImport: Set<string>;
  /** Types walked (imported ones and their ancestors). */
  readonly toIterate: Set<string>;
  readonly isEmpty: boolean;
  /** Whether an item of `typeKey` named `name` passes the name filters, and why not. */
  keeps(typeKey: string, name: string): { keep: boolean; why?: string };
}

/** The output side as importers see it: writes that are atomic, recorded, fingerprinted and dry-run aware. */
export interface OutputStoreApi {
  readonly dryRun: boolean;
  readonly location: string;
  /** The outputs as a Storage, including what earlier steps of a dry run would have written. */
  readonly view: Storage;
  /** The underlying storage (writes through it bypass the manifest: use the methods here). */
  readonly storage: Storage;
  /** This run may stage files written by other threads (a new OUTPUT, see docs/architecture.md). */
  readonly stages: boolean;
  upToDate(key: string, fp: string): Promise<boolean>;
  recordedFingerprint(key: string): string | undefined;
  /** An output planned (dry run) or found up to date without being written here. */
  noteUnwritten(key: string, upToDate: boolean): void;
  /** Keys matching a glob among outputs written or planned so far. */
  plannedGlob(pattern: string): Promise<string[]>;
  stageFile(key: string, record?: (r: WriteRecord) => void, from?: string, fp?: string): Promise<StagedFile>;
  /** An output some other code wrote to `key` (recorded in the manifest with its fingerprint). */
  writtenExternally(key: string, fp: string, bytes: number): Promise<void>;
  writeJson(key: string, value: unknown, record?: (r: WriteRecord) => void, volatile?: readonly string[]): Promise<void>;
  /** `fp`: what the bytes are made from (default: their SHA-256); `readBack: false`: nothing reads it again (a dry run keeps only its size). */
  writeBytes(
    key: string,
    data: Uint8Array | string | readonly Uint8Array[],
    record?: (r: WriteRecord) => void,
    kind?: "json" | "bytes",
    fp?: string,
    options?: { readBack?: boolean },
  ): Promise<void>;
  stagingPath(): string | undefined;
  adoptFile(key: string, path: string, size: number, record: ((r: WriteRecord) => void) | undefined, kind: "json" | "bytes", fp: string): Promise<void>;
  writeStream(key: string, source: AsyncIterable<Uint8Array> | Readable, record?: (r: WriteRecord) => void, from?: string, fp?: string): Promise<void>;
  copyFrom(from: Storage, fromKey: string, key: string, record?: (r: WriteRecord) => void): Promise<void>;
  stat(key: string): Promise<StorageStat | undefined>;
  read(key: string): Promise<Uint8Array>;
  readText(key: string): Promise<string>;
  list(prefix: string): Promise<Listing>;
  glob(pattern: string): Promise<string[]>;
  delete(key: string, options?: { recursive?: boolean }): Promise<void>;
}

/** One found entity (a run, a tomogram, ...) with its parents and template variables. */
export interface EntityItemApi {
  readonly type: EntityType;
  readonly name: string;
  readonly found: FoundItem;
  readonly entry: EntityEntry;
  readonly parent: EntityItemApi | undefined;
  /** Location string of the source (`/data/in/TS_01.mrc`, `s3://...`), or null. */
  readonly pathLocation: string | null;
  id: number | undefined;
  /** Variables this item adds beyond name/path/id (set by profile hooks and importers). */
  readonly extraVars: Record<string, unknown>;
  /** Importer scratch space. */
  readonly data: Map<string, unknown>;
  readonly allowImport: boolean;
  readonly entityPath: string;
  readonly displayName: string;
  /** This item and its ancestors, root first. */
  lineage(): EntityItemApi[];
  /** The nearest item of a type in this lineage (this one included). */
  get(typeKey: string): EntityItemApi | undefined;
  require(typeKey: string): EntityItemApi;
  ownVars(): Record<string, unknown>;
  /** Python `get_glob_vars()`: own variables, then every ancestor's (ancestors win, as upstream). */
  globVars(): Record<string, unknown>;
}

/** Run-wide state: the profile, the config, both storages, the selection, settings, clock, log. */
export interface RunContextApi {
  readonly profile: Profile;
  readonly config: LoadedConfigApi;
  /** Input storage, rooted at INPUT (or below it, at the profile's `inputPrefix`). */
  readonly input: Storage;
  readonly output: OutputStoreApi;
  readonly selection: SelectionApi;
  readonly settings: RunSettings;
  readonly log: Logger;
  /** Seconds since the epoch for `last_updated_at`: one clock per run. */
  readonly now: number;
  readonly emit: RunEventListener;
  readonly dryRun: boolean;
  readonly summary: RunSummary;
  readonly plan: PlanNode[];
  readonly state: Map<string, unknown>;
  /** Memoised run-wide state (caches, id helpers). */
  memo<T>(key: string, make: () => T): T;
  inputLocation(key: string): string;
  outputLocation(key: string): string;
}

/** What an importer's hooks receive for one item. */
export interface ItemContextApi {
  readonly run: RunContextApi;
  readonly item: EntityItemApi;
  readonly node: PlanNode;
  readonly type: EntityType;
  readonly input: Storage;
  readonly output: OutputStoreApi;
  readonly settings: RunSettings;
  /** Records a write on this item's plan node. */
  readonly record: (r: WriteRecord) => void;
  /** Output directory of this item (or of `type`), relative to the output root; never outside it. */
  outputDir(type?: EntityType): string;
  expand(template: string, field: string, vars?: TemplateVars): string;
  /** `volatile`: keys left out of the fingerprint (a timestamp). */
  writeJson(key: string, value: unknown, volatile?: readonly string[]): Promise<void>;
  writeBytes(key: string, data: Uint8Array | string): Promise<void>;
  copyFromInput(fromKey: string, toKey: string): Promise<void>;
  /** Throws an IngestError naming this item. */
  fail(code: ErrorCode, message: string): never;
}

// ---------------------------------------------------------------------------------------------
// Run events: what a run reports while it runs (progress lines, JSON logs).

/** How one entity ended. */
export type EntityStatus =
  /** its item and/or metadata was written (at least one output actually written) */
  | "imported"
  /** imported, but every output it makes was already up to date: nothing written */
  | "up-to-date"
  /** dry run: would be imported */
  | "planned"
  /** filtered out by the name filters, or a reference-only item that is not imported */
  | "skipped"
  /** a reference to existing data (e.g. `destination_glob`), not imported */
  | "reference"
  /** only walked through to reach selected descendants */
  | "iterated"
  | "failed";

export interface RunStartEvent {
  event: "run-start";
  /** The config file as given. */
  config: string;
  profile: string;
  /** Input and output locations: local paths or s3://bucket/prefix (never credentials). */
  input: string;
  output: string;
  dryRun: boolean;
  concurrency: number;
}

/** Items of one type found under one parent, before any of them starts. */
export interface FoundEvent {
  event: "found";
  type: string;
  /** The type's plural, for display ("runs"). */
  plural: string;
  /** Entity path of the parent ("" at the root). */
  parentPath: string;
  count: number;
  /** Items of this type are processed concurrently: the natural unit of progress. */
  concurrent: boolean;
}

export interface EntityStartEvent {
  event: "entity-start";
  type: string;
  name: string;
  entityPath: string;
}

export interface EntityEndEvent {
  event: "entity";
  type: string;
  name: string;
  entityPath: string;
  status: EntityStatus;
  /** Outputs this entity wrote and found up to date (its own, not its children's). */
  written: number;
  upToDate: number;
  /** On failure: the step ("find", "prepare", "item", "metadata"), the stable IngestError code and the message. */
  step?: string;
  code?: ErrorCode | string;
  message?: string;
}

export interface OutputEvent {
  event: "output";
  /** Key relative to the output root. */
  key: string;
  kind: WriteRecord["kind"];
  /** Bytes written (or, in a dry run or when up to date, the size it has or would have). */
  bytes: number;
  upToDate: boolean;
}

/** A storage operation is retried (its `cause` is already redacted). */
export interface RetryEvent {
  operation: string;
  location: string;
  attempt: number;
  maxAttempts: number;
  delayMs: number;
  cause: string;
}

export interface RetryLogEvent extends RetryEvent {
  event: "retry";
}

export interface SummaryEvent {
  event: "summary";
  dryRun: boolean;
  imported: number;
  skipped: number;
  failed: number;
  /** Output objects written, found up to date, and bytes written. */
  written: number;
  upToDate: number;
  bytes: number;
  elapsedSeconds: number;
}

export type RunEvent = RunStartEvent | FoundEvent | EntityStartEvent | EntityEndEvent | OutputEvent | RetryLogEvent | SummaryEvent;

export type RunEventListener = (event: RunEvent) => void;
