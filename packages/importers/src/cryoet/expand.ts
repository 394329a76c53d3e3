/**
 * Metadata templating as the reference's `expand_metadata`: only for tomogram, tilt series and
 * frame metadata, only with the run's run-data-map row, recursing mappings and flat lists of
 * strings; a result starting with "int " / "float " is cast. Without a row, strings stay as written.
 */
import { IngestError, PyFloat, pyFormat, type ItemContext } from "@ingestkit/core";
import { deepClone } from "./metadata.js";
import { pyFloat, pyInt, runMaps } from "./run-data.js";

export function expandedMetadata(ctx: ItemContext): Record<string, unknown> {
  const md = deepClone(ctx.item.entry.metadata ?? {});
  const runName = ctx.item.get("run")?.name;
  const row = runName === undefined ? undefined : runMaps(ctx.run).runData.get(runName);
  if (!row || Object.keys(row).length === 0) return md;
  const expand = (v: unknown, field: string): unknown => {
    if (typeof v !== "string") return v;
    let s: string;
    try {
      s = pyFormat(v, row);
    } catch (err) {
      throw new IngestError("TEMPLATE_UNDEFINED", `metadata ${field}: cannot expand ${JSON.stringify(v)} with the run data map row of ${runName}: ${(err as Error).message}`, {
        entityPath: ctx.item.entityPath,
      });
    }
    try {
      if (s.startsWith("int ")) return pyInt(s.slice(4));
      if (s.startsWith("float ")) {
        const f = pyFloat(s.slice(6));
        return Number.isInteger(f) ? new PyFloat(f) : f;
      }
    } catch (err) {
      throw new IngestError("CONFIG_CAST", `metadata ${field}: ${JSON.stringify(v)} -> ${JSON.stringify(s)}: ${(err as Error).message}`, { entityPath: ctx.item.entityPath });
    }
    return s;
  };
  const walk = (obj: Record<string, unknown>, prefix: string): Record<string, unknown> => {
    for (const [k, v] of Object.entries(obj)) {
      const field = prefix ? `${prefix}.${k}` : k;
      if (typeof v === "string") obj[k] = expand(v, field);
      else if (Array.isArray(v))
        v.forEach((x, i) => {
          typeof x === "string" && (v[i] = expand(x, `${field}[${i}]`));
        });
      else if (v && typeof v === "object" && !(v instanceof PyFloat)) obj[k] = walk(v as Record<string, unknown>, field);
    }
    return obj;
  };
  return walk(md, "");
}
