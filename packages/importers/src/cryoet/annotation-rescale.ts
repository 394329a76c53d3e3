/**
 * The shape masks are rescaled to (`rescale: true`), as the reference's get_output_dim: the run's
 * first alignment's `volume_dimension` (ångström; from its config metadata, else the run's first
 * tomogram's source dimensions times its voxel spacing) divided by the annotation's voxel spacing,
 * rounded like Python's round().
 */
import { findItems, IngestError, type EntityItem, type ItemContext } from "@ingestkit/core";
import { roundHalfEven, type VolumeShape } from "@ingestkit/formats";
import { sourceKey } from "./common.js";
import { openVolume } from "./volume-io.js";

export interface VolumeDimension {
  x: number;
  y: number;
  z: number;
}

function dimensionOf(v: unknown): VolumeDimension | undefined {
  if (!v || typeof v !== "object") return undefined;
  const o = v as Record<string, unknown>;
  const n = (k: string) =>
    typeof o[k] === "number" ? (o[k] as number) : o[k] && typeof o[k] === "object" && "value" in (o[k] as object) ? Number((o[k] as { value: unknown }).value) : NaN;
  const d = { x: n("x"), y: n("y"), z: n("z") };
  return d.x && d.y && d.z ? d : undefined;
}

/**
 * The run's first tomogram source's dimensions × its voxel spacing (ångström), or undefined. Found
 * and read once per run item: every rescaled mask and the alignment's steps ask for it.
 */
export function tomogramVolumeDimension(ctx: ItemContext): Promise<VolumeDimension | undefined> {
  const run = ctx.item.require("run");
  const known = ctx.run.memo("cryoet.tomogramVolumeDimension", () => new WeakMap<EntityItem, Promise<VolumeDimension | undefined>>());
  let dims = known.get(run);
  if (!dims) known.set(run, (dims = firstTomogramDimension(ctx, run)));
  return dims;
}

async function firstTomogramDimension(ctx: ItemContext, run: EntityItem): Promise<VolumeDimension | undefined> {
  const types = ctx.run.profile.byKey;
  for (const vs of await findItems(ctx.run, types.get("voxel_spacing")!, run)) {
    for (const tomo of await findItems(ctx.run, types.get("tomogram")!, vs)) {
      if (tomo.found.path === null) continue;
      const storage = tomo.found.storage === "output" ? ctx.output.view : ctx.input;
      const reader = await openVolume(storage, tomo.found.path, tomo.pathLocation ?? tomo.found.path);
      try {
        const spacing = Number(vs.name);
        return { x: reader.shape.x * spacing, y: reader.shape.y * spacing, z: reader.shape.z * spacing };
      } finally {
        await reader.close();
      }
    }
  }
  return undefined;
}

/** The run's first alignment's volume dimension (ångström). */
export async function alignmentVolumeDimension(ctx: ItemContext): Promise<VolumeDimension | undefined> {
  const run = ctx.item.require("run");
  const alignment = (await findItems(ctx.run, ctx.run.profile.byKey.get("alignment")!, run))[0];
  const configured = dimensionOf(alignment?.entry.metadata?.volume_dimension);
  return configured ?? (await tomogramVolumeDimension(ctx));
}

export async function annotationVolumeShape(ctx: ItemContext): Promise<VolumeShape> {
  const dims = await alignmentVolumeDimension(ctx);
  if (!dims) {
    throw new IngestError("SOURCE_MISSING", `rescale: the run has no alignment volume_dimension and no tomogram to take the dimensions from (${sourceKey(ctx)})`, {
      entityPath: ctx.item.entityPath,
    });
  }
  const spacing = Number(ctx.item.require("voxel_spacing").name);
  return { z: roundHalfEven(dims.z / spacing), y: roundHalfEven(dims.y / spacing), x: roundHalfEven(dims.x / spacing) };
}
