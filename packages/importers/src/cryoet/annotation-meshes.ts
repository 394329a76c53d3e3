/**
 * Triangular meshes (reference 1.4): obj, stl, vtk and glb sources (`TriangularMesh`) and the named
 * segment of an EMDB-SFF `.hff` file (`TriangularMeshGroup`) become one GLB scaled by
 * `scale_factor` (formats/mesh). The reference's code reads the group's name from `mesh_name`,
 * its schema calls it `name`: either is accepted.
 */
import { IngestError, type ItemContext } from "@ingestkit/core";
import { convertMeshToGlb, listHffSegmentNames, MeshError, type MeshFormat } from "@ingestkit/formats";
import type { AnnotationSource } from "./annotation-finders.js";
import { sourceKey, sourceStorage } from "./common.js";

export const MESH_FORMATS = ["obj", "stl", "vtk", "glb"] as const;
export const MESH_GROUP_FORMATS = ["hff"] as const;

function meshName(s: AnnotationSource): string | undefined {
  const v = s.options.mesh_name ?? s.options.name;
  return typeof v === "string" && v !== "" ? v : undefined;
}

function scaleFactor(ctx: ItemContext, s: AnnotationSource): number {
  const v = s.options.scale_factor;
  if (v === undefined || v === null) return 1;
  const n = Number(typeof v === "object" && "value" in (v as object) ? (v as { value: unknown }).value : v);
  if (!Number.isFinite(n) || n === 0)
    throw new IngestError("CONFIG_SCHEMA", `${s.shape}.scale_factor must be a non-zero number, got ${JSON.stringify(v)}`, { entityPath: ctx.item.entityPath });
  return n;
}

export async function convertMesh(ctx: ItemContext, key: "TriangularMesh" | "TriangularMeshGroup", s: AnnotationSource, outKey: string): Promise<void> {
  const from = sourceKey(ctx);
  const location = ctx.item.pathLocation ?? from;
  const format = String(s.options.file_format) as MeshFormat;
  const name = meshName(s);
  if (key === "TriangularMeshGroup" && name === undefined) {
    throw new IngestError("CONFIG_SCHEMA", "TriangularMeshGroup needs mesh_name (the segment of the .hff file to convert)", { entityPath: ctx.item.entityPath });
  }
  let glb: Uint8Array;
  try {
    glb = await convertMeshToGlb(format, await sourceStorage(ctx).read(from), location, { scaleFactor: scaleFactor(ctx, s), ...(name !== undefined ? { meshName: name } : {}) });
  } catch (err) {
    if (err instanceof MeshError) throw new IngestError("SOURCE_INVALID", err.message, { entityPath: ctx.item.entityPath, cause: err });
    throw err;
  }
  await ctx.output.writeBytes(outKey, glb, ctx.record);
}

/** The reference's is_valid() for mesh groups: the named segment must be in the file. */
export async function meshGroupHasName(ctx: ItemContext, s: AnnotationSource): Promise<boolean> {
  const name = meshName(s);
  if (name === undefined) return true; // prepare/convert report the missing option
  const from = sourceKey(ctx);
  try {
    return (await listHffSegmentNames(await sourceStorage(ctx).read(from), ctx.item.pathLocation ?? from)).includes(name);
  } catch {
    return true; // an unreadable file fails in convert, naming the problem
  }
}
