/**
 * Stable numeric ids (from 100) as the reference's IdentifierHelper: existing output metadata in a
 * container is scanned once per run; an entity whose hash fields match an existing one reuses its
 * id, otherwise it gets the next free id. The id is the numeric folder holding the metadata file.
 */
import type { ItemContext } from "@ingestkit/core";
import { depositionId } from "./metadata.js";

interface ContainerState {
  next: number;
  byHash: Map<string, number>;
}

export interface IdScheme {
  /** Name of the id family (`tiltseries`, `tomogram`, ...). */
  kind: string;
  /** Output key of the container (e.g. the run's output dir). */
  container(ctx: ItemContext): string;
  /** Glob (relative to the output root) of existing metadata files in the container. */
  metadataGlob(ctx: ItemContext): string;
  /** Hash of the identifying fields, from existing metadata or from the new item. */
  hash(metadata: Record<string, unknown>, ctx: ItemContext): string;
  /** Metadata of the item being imported. */
  current(ctx: ItemContext): Record<string, unknown>;
  /** Which of the globbed files are metadata files (default: all). */
  accept?(key: string): boolean;
}

export async function assignId(ctx: ItemContext, scheme: IdScheme): Promise<number> {
  const containers = ctx.run.memo(`cryoet.ids.${scheme.kind}`, () => new Map<string, ContainerState>());
  const ckey = scheme.container(ctx);
  let st = containers.get(ckey);
  if (!st) {
    st = { next: 100, byHash: new Map() };
    for (const key of await ctx.output.glob(scheme.metadataGlob(ctx))) {
      if (scheme.accept && !scheme.accept(key)) continue;
      const parts = key.split("/");
      const id = Number(parts[parts.length - 2]);
      if (!Number.isInteger(id)) continue;
      if (id >= st.next) st.next = id + 1;
      try {
        const md = JSON.parse(await ctx.output.readText(key)) as Record<string, unknown>;
        st.byHash.set(scheme.hash(md, ctx), id);
      } catch {
        ctx.run.log.warn(`${ctx.item.entityPath}: ignoring unreadable metadata ${ctx.run.outputLocation(key)} while assigning ids`);
      }
    }
    containers.set(ckey, st);
  }
  const h = scheme.hash(scheme.current(ctx), ctx);
  const existing = st.byHash.get(h);
  if (existing !== undefined) return existing;
  const id = st.next++;
  st.byHash.set(h, id);
  return id;
}

/**
 * The reference's id of an entity kept once per run and deposition (tilt series, alignments):
 * the numeric folder of `{run}/{folder}/{id}/{metadataFile}`.
 */
export function runScopedId(ctx: ItemContext, kind: string, folder: string, metadataFile: string): Promise<number> {
  const runDir = ctx.outputDir(ctx.item.require("run").type);
  return assignId(ctx, {
    kind,
    container: () => runDir,
    metadataGlob: () => `${runDir}/${folder}/*/${metadataFile}`,
    hash: (md) => `${runDir}-${String(md.deposition_id ?? depositionId(ctx))}`,
    current: () => ({ deposition_id: depositionId(ctx) }),
  });
}

export function tiltSeriesId(ctx: ItemContext): Promise<number> {
  return runScopedId(ctx, "tiltseries", "TiltSeries", "tiltseries_metadata.json");
}
