/**
 * Dataset and deposition key photos: `{snapshot, thumbnail}` copied from a path or an http(s)
 * URL to `<dir>/Images/{key}{ext}`. A dataset whose photo source is missing falls back to the
 * first tomogram key photo already written under the dataset, as the reference does.
 */
import { extnameKey, IngestError, type Importer, type ItemContext } from "@ingestkit/core";
import { resolveConfigPath } from "./common.js";

const KEYS = ["snapshot", "thumbnail"] as const;

/** `key_photos` for metadata: output-relative path of `{dir}/{key}*`, or null. */
export async function keyPhotoPaths(ctx: ItemContext, dir: string): Promise<Record<string, string | null>> {
  // in a dry run, also the key photos it plans without staging (see below)
  const files = [...(await ctx.output.glob(`${dir}/*`)), ...(await ctx.output.plannedGlob(`${dir}/*`))].sort();
  const out: Record<string, string | null> = {};
  for (const k of KEYS) out[k] = files.find((f) => f.startsWith(`${dir}/${k}`)) ?? null;
  return out;
}

async function fetchImage(url: string): Promise<Uint8Array | undefined> {
  const res = await fetch(url, { signal: AbortSignal.timeout(60_000) }).catch((err: unknown) => {
    throw new IngestError("SOURCE_UNREADABLE", `cannot download ${url}: ${(err as Error).message}`);
  });
  if (res.status !== 200) return undefined;
  return new Uint8Array(await res.arrayBuffer());
}

function keyPhotoImporter(fallbackToTomogram: boolean): Importer {
  return {
    describe: "copy",
    async importItem(ctx) {
      const key = ctx.item.name;
      const src = ctx.item.found.value ?? ctx.item.found.path;
      const dir = ctx.outputDir();
      if (typeof src === "string" && src !== "") {
        ctx.node.sources = [src];
        // URL path or file name decides the extension, as os.path.splitext(src)
        const ext = extnameKey(src.replace(/[?#].*$/, ""));
        if (/^https?:\/\//i.test(src)) {
          const data = await fetchImage(src);
          if (data) return ctx.writeBytes(`${dir}/${key}${ext}`, data);
        } else {
          const hit = await resolveConfigPath(ctx, src);
          if (hit) return ctx.output.copyFrom(hit.storage, hit.key, `${dir}/${key}${ext}`, ctx.record);
        }
      }
      if (fallbackToTomogram) {
        const dataset = ctx.item.require("dataset");
        const pattern = `${dataset.name}/*/Reconstructions/VoxelSpacing*/Images/*/key-photo-${key}.png`;
        const candidates = await ctx.output.glob(pattern);
        const first = candidates[0];
        if (first) return ctx.output.copyFrom(ctx.output.view, first, `${dir}/${key}.png`, ctx.record);
        // a dry run plans tomogram key images without rendering them: plan the copy of the first one
        const planned = ctx.run.dryRun ? (await ctx.output.plannedGlob(pattern))[0] : undefined;
        if (planned) {
          ctx.record({ key: `${dir}/${key}.png`, kind: "copy", from: ctx.run.outputLocation(planned) });
          ctx.output.noteUnwritten(`${dir}/${key}.png`, false);
          return;
        }
      }
      ctx.fail("SOURCE_MISSING", `image source file not found for key photo '${key}'${typeof src === "string" ? `: ${src}` : ""}`);
    },
  };
}

export const datasetKeyPhotoImporter = keyPhotoImporter(true);
export const depositionKeyPhotoImporter = keyPhotoImporter(false);
