/**
 * What to import, what metadata to write, which names to keep: the reference's flag semantics.
 * `--import-<plural>`, `--import-<type>-metadata`, `--import-everything`, `--import-all-metadata`,
 * `--filter-<type>-name RE` / `--exclude-<type>-name RE` (Python re.match: anchored at the start).
 */
import { IngestError } from "../errors.js";
import type { EntityType, Profile, SelectionApi, SelectionFlags } from "../contracts.js";
import { compilePythonRegex, type PyRegex } from "../python/index.js";
import { closest } from "../template.js";

export type { SelectionFlags } from "../contracts.js";

export class Selection implements SelectionApi {
  readonly toImport: Set<string>;
  readonly metadataImport: Set<string>;
  readonly toIterate: Set<string>;
  private readonly filters = new Map<string, PyRegex[]>();
  private readonly excludes = new Map<string, PyRegex[]>();

  constructor(profile: Profile, flags: SelectionFlags) {
    const byPlural = new Map(profile.types.map((t) => [norm(t.plural), t]));
    const byKey = new Map(profile.types.map((t) => [norm(t.key), t]));
    const pick = (m: Map<string, EntityType>, name: string, what: string): EntityType => {
      const t = m.get(norm(name));
      if (!t) {
        const cands = [...m.keys()].map((k) => k.replace(/_/g, "-"));
        const c = closest(name.replace(/_/g, "-"), cands);
        throw new IngestError("USAGE", `unknown ${what} '${name}'${c ? `: did you mean '${c}'?` : ""} (known: ${cands.join(", ")})`);
      }
      return t;
    };
    this.toImport = new Set();
    this.metadataImport = new Set();
    if (flags.importEverything) for (const t of profile.types) this.toImport.add(t.key);
    if (flags.importEverything || flags.importAllMetadata) for (const t of profile.types) if (t.hasMetadata) this.metadataImport.add(t.key);
    for (const p of flags.imports ?? []) this.toImport.add(pick(byPlural, p, "entity plural for --import-<plural>").key);
    for (const k of flags.metadata ?? []) {
      // `--import-collection-metadata` reads as "<type>-metadata" but names the plural
      // `collection_metadata`: a plural wins when no type of that name exists.
      const asPlural = byPlural.get(norm(`${k}_metadata`));
      if (!byKey.has(norm(k)) && asPlural) {
        this.toImport.add(asPlural.key);
        continue;
      }
      const t = pick(byKey, k, "entity type for --import-<type>-metadata");
      if (!t.hasMetadata) throw new IngestError("USAGE", `--import-${t.flagName}-metadata: ${t.key} has no metadata file`);
      this.metadataImport.add(t.key);
    }
    this.toIterate = new Set();
    for (const key of [...this.toImport, ...this.metadataImport]) {
      const t = profile.byKey.get(key)!;
      this.toIterate.add(t.key);
      for (const a of t.ancestors) this.toIterate.add(a.key);
    }
    const compile = (m: Map<string, PyRegex[]>, src: Record<string, string[]> | undefined, flag: string) => {
      for (const [k, res] of Object.entries(src ?? {})) {
        const t = pick(byKey, k, `entity type for --${flag}-<type>-name`);
        const list = m.get(t.key) ?? [];
        for (const re of res) {
          try {
            list.push(compilePythonRegex(re));
          } catch (err) {
            throw new IngestError("USAGE", `--${flag}-${t.flagName}-name ${JSON.stringify(re)}: ${(err as Error).message}`);
          }
        }
        m.set(t.key, list);
      }
    };
    compile(this.filters, flags.filters, "filter");
    compile(this.excludes, flags.excludes, "exclude");
  }

  get isEmpty(): boolean {
    return this.toIterate.size === 0;
  }

  /** Exclusions are checked first, then filters (any filter must match). */
  keeps(typeKey: string, name: string): { keep: boolean; why?: string } {
    const ex = this.excludes.get(typeKey)?.find((r) => r.match(name));
    if (ex) return { keep: false, why: `excluded by --exclude-${typeKey.replace(/_/g, "-")}-name ${ex.pattern}` };
    const fs = this.filters.get(typeKey);
    if (fs?.length && !fs.some((r) => r.match(name))) return { keep: false, why: `not matched by --filter-${typeKey.replace(/_/g, "-")}-name` };
    return { keep: true };
  }
}

function norm(s: string): string {
  return s.replace(/-/g, "_").toLowerCase();
}
