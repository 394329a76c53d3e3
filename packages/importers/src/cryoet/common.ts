/** Helpers shared by the cryoet importers. */
import { basenameKey, LocalStorage, type EntityItem, type ItemContext, type Storage } from "@ingestkit/core";

/** The name as the finder yielded it: Python keeps literal ints as ints (e.g. deposition ids). */
export function rawName(item: EntityItem): unknown {
  const n = item.found.name;
  return typeof n === "number" || typeof n === "string" ? n : item.name;
}

/** The single source key of an item found by a path finder. */
export function sourceKey(ctx: ItemContext): string {
  const p = ctx.item.found.path;
  if (p === null) ctx.fail("SOURCE_MISSING", `${ctx.item.type.key} ${ctx.item.name} has no source file`);
  return p;
}

export function sourceStorage(ctx: ItemContext): Storage {
  return ctx.item.found.storage === "output" ? ctx.output.view : ctx.input;
}

export async function copyToDir(ctx: ItemContext, fromKey: string, dir: string, name = basenameKey(fromKey)): Promise<string> {
  const to = `${dir}/${name}`;
  if (ctx.item.found.storage === "output") await ctx.output.copyFrom(ctx.output.view, fromKey, to, ctx.record);
  else await ctx.copyFromInput(fromKey, to);
  return to;
}

/**
 * Resolves a path written in the config that is not relative to the source prefix (key photos):
 * an absolute local path, a path relative to the input root, or a bucket-qualified path
 * (`<input bucket>/<key>`, as the reference writes them).
 */
export async function resolveConfigPath(ctx: ItemContext, path: string): Promise<{ storage: Storage; key: string } | undefined> {
  if (path.startsWith("/")) {
    const st = new LocalStorage("/");
    const key = path.slice(1);
    return (await st.stat(key)) ? { storage: st, key } : undefined;
  }
  const candidates: Array<{ storage: Storage; key: string }> = [{ storage: ctx.input, key: path }];
  const base = ctx.settings.inputBase as Storage | undefined;
  if (base) {
    candidates.push({ storage: base, key: path });
    const baseName = basenameKey(base.location.replace(/\/+$/, ""));
    if (path.startsWith(baseName + "/")) candidates.push({ storage: base, key: path.slice(baseName.length + 1) });
  }
  for (const c of candidates) {
    try {
      const s = await c.storage.stat(c.key);
      if (s?.kind === "file") return c;
    } catch {
      // a candidate that cannot exist (e.g. escapes its root) is simply not it
    }
  }
  return undefined;
}
