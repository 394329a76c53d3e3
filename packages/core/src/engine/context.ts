/**
 * Run-wide and per-item state handed to finders and importers.
 */
import type {
  EntityItemApi,
  EntityType,
  ErrorCode,
  ItemContextApi,
  LoadedConfigApi,
  Logger,
  OutputStoreApi,
  PlanNode,
  Profile,
  RunContextApi,
  RunEventListener,
  RunSettings,
  RunSummary,
  SelectionApi,
  Storage,
  TemplateVars,
  WriteRecord,
} from "../contracts.js";
import { IngestError } from "../errors.js";
import { expandTemplate, templateFields } from "../template.js";
import { noEvents } from "./events.js";
import { joinLocation } from "./output.js";

export type { Failure, Logger, PlanNode, RunSettings, RunSummary } from "../contracts.js";

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

export class RunContext implements RunContextApi {
  readonly state = new Map<string, unknown>();
  readonly summary: RunSummary = { imported: 0, skipped: 0, failed: 0, failures: [], outputs: { written: 0, upToDate: 0, bytes: 0 } };
  readonly plan: PlanNode[] = [];

  constructor(
    readonly profile: Profile,
    readonly config: LoadedConfigApi,
    /** Input storage, rooted at INPUT (or at the profile's inputPrefix below it). */
    readonly input: Storage,
    readonly output: OutputStoreApi,
    readonly selection: SelectionApi,
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

export class ItemContext implements ItemContextApi {
  constructor(
    readonly run: RunContextApi,
    readonly item: EntityItemApi,
    readonly node: PlanNode,
  ) {}

  get type(): EntityType {
    return this.item.type;
  }

  get input(): Storage {
    return this.run.input;
  }

  get output(): OutputStoreApi {
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

  fail(code: ErrorCode, message: string): never {
    throw new IngestError(code, message, { entityPath: this.item.entityPath });
  }
}
