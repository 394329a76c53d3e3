/**
 * Run-wide and per-item state handed to finders and importers.
 */
import type { LoadedConfig } from "../config/config.js";
import { IngestError } from "../errors.js";
import type { EntityType, Profile } from "../graph.js";
import type { Storage } from "../storage/storage.js";
import { expandTemplate, templateFields, type TemplateVars } from "../template.js";
import { noEvents, type RunEventListener } from "./events.js";
import type { EntityItem } from "./item.js";
import { joinLocation, type OutputStore, type WriteRecord } from "./output.js";
import type { Selection } from "./selection.js";

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug?(message: string): void;
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

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

export class RunContext {
  readonly state = new Map<string, unknown>();
  readonly summary: RunSummary = { imported: 0, skipped: 0, failed: 0, failures: [], outputs: { written: 0, upToDate: 0, bytes: 0 } };
  readonly plan: PlanNode[] = [];

  constructor(
    readonly profile: Profile,
    readonly config: LoadedConfig,
    /** Input storage, rooted at INPUT/source_prefix. */
    readonly input: Storage,
    readonly output: OutputStore,
    readonly selection: Selection,
    readonly settings: RunSettings,
    readonly log: Logger,
    /** Seconds since the epoch for `last_updated_at`: one clock per run, pinnable by tests. */
    readonly now: number,
    /** Progress and log events (see events.ts). */
    readonly emit: RunEventListener = noEvents,
  ) {}

  get dryRun(): boolean {
    return this.output.dryRun;
  }

  /** Memoised run-wide state (caches, id helpers). */
  memo<T>(key: string, make: () => T): T {
    if (!this.state.has(key)) this.state.set(key, make());
    return this.state.get(key) as T;
  }

  inputLocation(key: string): string {
    return joinLocation(this.input.location, key);
  }

  outputLocation(key: string): string {
    return joinLocation(this.output.location, key);
  }
}

export class ItemContext {
  constructor(
    readonly run: RunContext,
    readonly item: EntityItem,
    readonly node: PlanNode,
  ) {}

  get type(): EntityType {
    return this.item.type;
  }

  get input(): Storage {
    return this.run.input;
  }

  get output(): OutputStore {
    return this.run.output;
  }

  get settings(): RunSettings {
    return this.run.settings;
  }

  /** Records writes on this item's plan node. */
  readonly record = (r: WriteRecord): void => {
    this.node.writes.push(r);
  };

  /** Output directory of this item (its type's `outputDir` template), relative to the output root. */
  outputDir(type: EntityType = this.item.type): string {
    if (type.outputDir === undefined) throw new IngestError("CONFIG_GRAPH", `entity type '${type.key}' has no output directory`);
    const vars = this.item.globVars();
    // A name is one path segment or a relative path below its parent, never a way out: an
    // absolute value or a `..` segment is refused here, naming the variable, before any write.
    for (const field of templateFields(type.outputDir)) {
      const value = vars[field];
      if (typeof value !== "string") continue;
      if (/^([\\/]|[A-Za-z]:[\\/])/.test(value) || value.split(/[\\/]/).includes("..")) {
        throw new IngestError("PATH_ESCAPE", `{${field}} = ${JSON.stringify(value)} would take the ${type.key.replace(/_/g, " ")} output directory outside the output root`, {
          entityPath: this.item.entityPath,
        });
      }
    }
    return this.expand(type.outputDir, `${type.key} output directory`, vars);
  }

  expand(template: string, field: string, vars: TemplateVars = this.item.globVars()): string {
    return expandTemplate(template, vars, { field, entityPath: this.item.entityPath });
  }

  /** `volatile`: keys left out of the fingerprint (a timestamp), see OutputStore.writeJson. */
  writeJson(key: string, value: unknown, volatile: readonly string[] = []): Promise<void> {
    return this.output.writeJson(key, value, this.record, volatile);
  }

  writeBytes(key: string, data: Uint8Array | string): Promise<void> {
    return this.output.writeBytes(key, data, this.record);
  }

  copyFromInput(fromKey: string, toKey: string): Promise<void> {
    return this.output.copyFrom(this.input, fromKey, toKey, this.record);
  }

  fail(code: ConstructorParameters<typeof IngestError>[0], message: string): never {
    throw new IngestError(code, message, { entityPath: this.item.entityPath });
  }
}
