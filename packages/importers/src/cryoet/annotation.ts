/**
 * Annotations (reference 1.3 "Annotation", 1.4): one folder per annotation under the voxel
 * spacing, `Annotations/{id}/`, with the converted files `{object}-{version}_{shape}.{ext}` of every
 * source of that annotation and one metadata file `{object}-{version}.json` listing them.
 *
 * - ids: the reference's hash of the voxel-spacing folder, deposition id, `annotation_ingest_id`
 *   and alignment metadata path; several sources of one config entry share one id;
 * - pre-import: numeric folders without a `*[0-9].json` (half-written by an interrupted run) are
 *   deleted before ids are seeded, so they cannot shift the ids;
 * - the metadata is written once per annotation, by the first of its sources whose metadata step
 *   finds every source's output written (as the reference), with `files`, `object_count` (the
 *   largest of its sources') and `alignment_metadata_path`.
 * A source that cannot be converted fails on its own (naming the file and record); the other
 * annotations still import, and its annotation's metadata is not written over missing files.
 */
import { findItems, IngestError, python, type EntityItem, type Importer, type ItemContext } from "@ingestkit/core";
import { alignmentMetadataPath } from "./alignment.js";
import { annotationSourceOf, type AnnotationSource } from "./annotation-finders.js";
import { handlerFor, type AnnotationFile } from "./annotation-shapes.js";
import { assignId } from "./ids.js";
import { depositionId, writeMetadata } from "./metadata.js";

export function sourceOf(ctx: ItemContext | { item: EntityItem }): AnnotationSource {
  const s = annotationSourceOf(ctx.item.found);
  if (!s) throw new IngestError("CONFIG_FINDER", `annotation ${ctx.item.name} was not found by an annotation shape source`, { entityPath: ctx.item.entityPath });
  return s;
}

/** `{object}-{version}` as the reference names annotation files (object: description unless missing or over 50 characters, then name). */
export function annotationFilePrefix(metadata: Record<string, unknown>, entityPath: string): string {
  const object = (metadata.annotation_object ?? {}) as Record<string, unknown>;
  const description = object.description;
  let obj = typeof description === "string" && description !== "" && description.length <= 50 ? description : object.name;
  if (typeof obj !== "string" || obj === "") {
    throw new IngestError("CONFIG_SCHEMA", "annotation metadata needs annotation_object.name (or a description) to name its files", { entityPath });
  }
  const version = metadata.version;
  if (version === undefined || version === null) throw new IngestError("CONFIG_SCHEMA", "annotation metadata needs a version to name its files", { entityPath });
  obj = obj.toLowerCase().replace(/[^0-9a-z]/g, "_");
  return `${obj}-${python
    .pyStr(version)
    .toLowerCase()
    .replace(/[^0-9a-z.]/g, "_")}`;
}

const pyStrOrEmpty = (v: unknown) => (v === undefined || v === null ? "" : python.pyStr(v));

function idHash(md: Record<string, unknown>, ctx: ItemContext, alignment: unknown): string {
  return [String(md.deposition_id ?? depositionId(ctx)), pyStrOrEmpty(md.annotation_ingest_id), pyStrOrEmpty(alignment)].join("-");
}

const METADATA_NAME = /[0-9]\.json$/;
const isCaptionOutput = (key: string) => /caption\.json$/.test(key);

function vsDirOf(ctx: ItemContext): string {
  return ctx.outputDir(ctx.item.require("voxel_spacing").type);
}

/** The annotation's output folder and file prefix: `{vs}/Annotations/{id}/{object}-{version}`. */
function prefixOf(ctx: ItemContext): { dir: string; name: string; prefix: string } {
  const dir = ctx.outputDir();
  const name = annotationFilePrefix(ctx.item.entry.metadata ?? {}, ctx.item.entityPath);
  return { dir, name, prefix: `${dir}/${name}` };
}

export const annotationImporter: Importer = {
  describe: "annotation (ndjson / mask / mesh / caption + metadata)",

  /** Removes numeric annotation folders an interrupted run left without a metadata file. */
  async preImport(ctx) {
    const vs = ctx.item;
    if (vs.type.key !== "voxel_spacing" || !vs.allowImport) return;
    const root = `${ctx.outputDir(vs.type)}/Annotations`;
    const st = await ctx.output.stat(root);
    if (st?.kind !== "dir") return;
    const { dirs } = await ctx.output.list(root);
    for (const d of dirs) {
      if (!/^\d+$/.test(d)) continue;
      const { files } = await ctx.output.list(`${root}/${d}`);
      if (files.some((f) => METADATA_NAME.test(f) && !isCaptionOutput(f))) continue;
      const where = ctx.run.outputLocation(`${root}/${d}`);
      if (ctx.run.dryRun) {
        ctx.run.log.warn(`${vs.entityPath}: would delete ${where}: an annotation folder without a metadata file (left by an interrupted run)`);
        continue;
      }
      ctx.run.log.warn(`${vs.entityPath}: deleting ${where}: an annotation folder without a metadata file (left by an interrupted run)`);
      await ctx.output.delete(`${root}/${d}`, { recursive: true });
    }
  },

  /** Drops sources the reference's is_valid() rejects (a mask without its label, a mesh group without the named mesh). */
  async transformFound(found, ctx) {
    const source = annotationSourceOf(found);
    if (!source) return found;
    let handler;
    try {
      handler = handlerFor(source, ctx.item.entityPath);
    } catch {
      return found; // a bad shape or format fails this item alone, in prepare
    }
    if (handler.isValid && !(await handler.isValid(ctx, source))) {
      // importMetadata finds the sources once more: say it once
      const warned = ctx.run.memo("cryoet.annotationSkipWarned", () => new Set<string>());
      const why = `${ctx.item.entityPath}: skipping ${ctx.item.pathLocation ?? ctx.item.name}: ${handler.invalidWhy?.(source) ?? "not valid for this shape"}`;
      if (!warned.has(why)) {
        warned.add(why);
        ctx.run.log.warn(why);
      }
      return null;
    }
    return found;
  },

  async prepare(ctx) {
    if (ctx.item.id !== undefined) return;
    const source = sourceOf(ctx);
    handlerFor(source, ctx.item.entityPath); // unknown shapes and formats fail before anything is written
    const alignment = await alignmentMetadataPath(ctx);
    ctx.item.extraVars.alignment_metadata_path = alignment;
    const vsDir = vsDirOf(ctx);
    ctx.item.id = await assignId(ctx, {
      kind: "annotation",
      container: () => vsDir,
      metadataGlob: () => `${vsDir}/Annotations/*/*.json`,
      accept: (key) => !isCaptionOutput(key),
      hash: (md) => idHash(md, ctx, md.alignment_metadata_path),
      current: () => ({ ...(ctx.item.entry.metadata ?? {}), alignment_metadata_path: alignment }),
    });
  },

  async importItem(ctx) {
    const source = sourceOf(ctx);
    const handler = handlerFor(source, ctx.item.entityPath);
    const { prefix } = prefixOf(ctx);
    await handler.convert(ctx, source, prefix);
  },

  async importMetadata(ctx) {
    const { prefix } = prefixOf(ctx);
    const key = `${prefix}.json`;
    const written = ctx.run.memo("cryoet.annotationMetadataWritten", () => new Set<string>());
    if (written.has(key)) return;
    const vs = ctx.item.require("voxel_spacing");
    const type = ctx.item.type;
    const alignment = ctx.item.extraVars.alignment_metadata_path ?? null;
    const own = idHash(ctx.item.entry.metadata ?? {}, ctx, alignment);
    // every source of this annotation (same hash, hence the same id and folder), in found order; the
    // voxel spacing's sources are found once for all its annotations, not again per source
    const byVs = ctx.run.memo("cryoet.annotationItems", () => new WeakMap<EntityItem, Promise<EntityItem[]>>());
    let all = byVs.get(vs);
    if (!all) byVs.set(vs, (all = findItems(ctx.run, type, vs)));
    const siblings = (await all).filter((it) => idHash(it.entry.metadata ?? {}, ctx, alignment) === own);
    const files: AnnotationFile[] = [];
    let objectCount = 0;
    for (const it of siblings) {
      const source = annotationSourceOf(it.found);
      if (!source) continue;
      let handler;
      try {
        handler = handlerFor(source, it.entityPath);
      } catch {
        // that source fails on its own; its annotation's metadata would list a file never written
        ctx.run.log.info(`${ctx.item.entityPath}: metadata ${ctx.run.outputLocation(key)} not written: ${it.pathLocation ?? it.name} cannot be imported`);
        return;
      }
      files.push(...handler.files(source, prefix));
      const count = await handler.objectCount(ctx, source, prefix);
      if (count === undefined) {
        ctx.run.log.info(`${ctx.item.entityPath}: metadata ${ctx.run.outputLocation(key)} waits for the outputs of ${it.pathLocation ?? it.name}`);
        return;
      }
      objectCount = Math.max(objectCount, count);
    }
    written.add(key);
    await writeMetadata(ctx, key, ctx.item.entry.metadata ?? {}, { object_count: objectCount, files, alignment_metadata_path: alignment });
  },
};
