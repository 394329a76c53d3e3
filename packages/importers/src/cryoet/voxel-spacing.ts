/**
 * `voxel_spacings`: no files of their own (the folder `Reconstructions/VoxelSpacing{vs}`). Names
 * are always `"{:.3f}".format(round(float(name), 3))`; literal names containing `{` are expanded
 * with the run's run-data-map row first (`float {tomo-voxel_spacing}`).
 */
import { IngestError, pyFormat, python, type FoundItem, type Importer, type ItemContext } from "@ingestkit/core";
import { noRowNote, pyFloat, runMaps } from "./run-data.js";

export function formatVoxelSpacing(value: number): string {
  return python.formatValue(value, ".3f");
}

export const voxelSpacingImporter: Importer = {
  describe: "folder only",
  transformFound(found: FoundItem, ctx: ItemContext): FoundItem {
    let name: unknown = found.name;
    if (typeof name === "string" && name.includes("{") && found.path === null) {
      const run = ctx.item.get("run");
      const row = run ? runMaps(ctx.run).runData.get(run.name) : undefined;
      if (row && Object.keys(row).length) {
        name = pyFormat(name, row);
      }
    }
    let n: number;
    if (typeof name === "number") n = name;
    else {
      const s = String(name).replace(/^float\s+/, "");
      try {
        n = pyFloat(s);
      } catch {
        throw new IngestError(
          "SOURCE_INVALID",
          `voxel spacing ${JSON.stringify(found.name)} is not a number${String(name) !== String(found.name) ? ` (expanded to ${JSON.stringify(name)})` : ""}${String(name).includes("{") ? noRowNote(ctx.run, ctx.item.get("run")?.name) : ""}`,
          {
            entityPath: ctx.item.parent?.entityPath ?? "",
          },
        );
      }
    }
    if (!Number.isFinite(n) || n <= 0) {
      throw new IngestError("SOURCE_INVALID", `voxel spacing must be a positive number, got ${String(name)}`, { entityPath: ctx.item.parent?.entityPath ?? "" });
    }
    return { ...found, name: formatVoxelSpacing(n) };
  },
};
