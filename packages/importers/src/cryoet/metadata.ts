/**
 * Metadata JSON as the reference writes it: config metadata deep-merged with computed fields,
 * then `deposition_id` (the deposition's name unless the metadata sets it) and `last_updated_at`
 * (the run clock), serialised like Python's `json.dumps(indent=4)`.
 */
import { cloneConfigValue as deepClone, isPlainMapping as isPlainObject, type ItemContext } from "@ingestkit/core";

export { deepClone, isPlainObject };

/** `extra` merged into a copy of `base`; nested mappings merge, everything else is replaced. */
export function deepMerge(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const out = deepClone(base);
  for (const [k, v] of Object.entries(extra)) {
    const cur = out[k];
    out[k] = isPlainObject(cur) && isPlainObject(v) ? deepMerge(cur, v) : deepClone(v);
  }
  return out;
}

export function depositionId(ctx: ItemContext): string | undefined {
  return ctx.item.get("deposition")?.name;
}

export async function writeMetadata(ctx: ItemContext, key: string, base: Record<string, unknown>, computed: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const md = deepMerge(base, computed);
  if (md.deposition_id === undefined) {
    const dep = depositionId(ctx);
    if (dep !== undefined) md.deposition_id = dep;
  }
  md.last_updated_at = ctx.run.now;
  await ctx.writeJson(key, md, ["last_updated_at"]);
  return md;
}

/** Output path relative to the output root, as the reference's `to_formatted_path`. */
export function relOutput(key: string): string {
  return key;
}
