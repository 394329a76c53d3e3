/**
 * One found entity (a run, a tomogram, ...) with its parents and template variables.
 */
import type { EntityEntry, EntityItemApi, EntityType, FoundItem } from "../contracts.js";
import { basenameKey } from "../storage/paths.js";

export class EntityItem implements EntityItemApi {
  readonly type: EntityType;
  readonly name: string;
  readonly found: FoundItem;
  readonly entry: EntityEntry;
  readonly parent: EntityItemApi | undefined;
  /** Location string of the source (`/data/in/TS_01.mrc`, `s3://...`), or null. */
  readonly pathLocation: string | null;
  id: number | undefined;
  /** Variables this item adds beyond name/path/id (set by profile hooks and importers). */
  readonly extraVars: Record<string, unknown> = {};
  /** Importer scratch space. */
  readonly data = new Map<string, unknown>();

  constructor(init: { type: EntityType; name: string; found: FoundItem; entry: EntityEntry; parent: EntityItemApi | undefined; pathLocation: string | null }) {
    this.type = init.type;
    this.name = init.name;
    this.found = init.found;
    this.entry = init.entry;
    this.parent = init.parent;
    this.pathLocation = init.pathLocation;
  }

  get allowImport(): boolean {
    return this.found.allowImport !== false;
  }

  /** This item and its ancestors, root first. */
  lineage(): EntityItem[] {
    const out: EntityItem[] = [];
    for (let it: EntityItem | undefined = this; it; it = it.parent) out.unshift(it);
    return out;
  }

  /** The nearest item of a type in this lineage (this one included). */
  get(typeKey: string): EntityItem | undefined {
    for (let it: EntityItem | undefined = this; it; it = it.parent) if (it.type.key === typeKey) return it;
    return undefined;
  }

  require(typeKey: string): EntityItem {
    const it = this.get(typeKey);
    if (!it) throw new Error(`${this.entityPath}: no ${typeKey} above this item`);
    return it;
  }

  /** `{type}_name`, `{type}_path`, `int_{type}_name`, `{type}_id` and extras of this item only. */
  ownVars(): Record<string, unknown> {
    const k = this.type.key;
    const v: Record<string, unknown> = {
      [`${k}_path`]: this.pathLocation,
      [`${k}_name`]: this.name,
    };
    if (/^\s*[-+]?\d+\s*$/.test(this.name)) v[`int_${k}_name`] = Number.parseInt(this.name, 10);
    Object.assign(v, this.extraVars);
    if (this.id !== undefined) v[`${k}_id`] = this.id;
    return v;
  }

  /** Python `get_glob_vars()`: own variables, then every ancestor's (ancestors win, as upstream). */
  globVars(): Record<string, unknown> {
    const v = this.ownVars();
    for (let p = this.parent; p; p = p.parent) Object.assign(v, p.ownVars());
    return v;
  }

  /** How logs and errors name the item: a grouped item of many files (frames) by its first and last file. */
  get displayName(): string {
    const paths = this.found.paths;
    if (!paths || paths.length <= 3) return this.name;
    // from the paths, not by splitting the name: a file name may hold a comma
    return `${basenameKey(paths[0]!)} … ${basenameKey(paths[paths.length - 1]!)} (${paths.length} files)`;
  }

  /** `dataset 10001 / run TS_01 / frame TS_01_001.tif … TS_01_040.tif (40 files)` */
  get entityPath(): string {
    const parts = this.lineage().map((it) => `${it.type.key.replace(/_/g, " ")} ${it.displayName}`);
    // The single root (the deposition) adds nothing a reader needs once deeper levels are named.
    return (parts.length > 1 && !this.lineage()[0]!.type.parent ? parts.slice(1) : parts).join(" / ");
  }
}
