/**
 * `tomogram_header` (a cryoet finder): voxel spacings read from the headers of MRC files matching
 * `list_glob` (voxel size along y = CELLA.y / MY, as mrcfile's `voxel_size.y`). Only the first
 * 1024 bytes of each file are read, by the MRC codec's header reader.
 */
import { compilePythonRegex, IngestError, joinLocation, type FinderDefinition, type FoundItem } from "@ingestkit/core";
import { asObject, isObject, optionalString, requireString } from "@ingestkit/finders";
import { MRC_HEADER_BYTES, parseMrcHeader } from "@ingestkit/formats";

export const tomogramHeader: FinderDefinition<{ list_glob: string; match_regex?: string; header_key?: string }> = {
  key: "tomogram_header",
  async find(options, ctx): Promise<FoundItem[]> {
    const o = asObject(options, "tomogram_header");
    const headerKey = optionalString(o, "header_key", "tomogram_header") ?? "voxel_size";
    if (headerKey !== "voxel_size") {
      throw new IngestError("CONFIG_FINDER", `tomogram_header: header_key '${headerKey}' is not supported (only voxel_size)`, ctx.origin("header_key"));
    }
    const match = compilePythonRegex(optionalString(o, "match_regex", "tomogram_header") ?? ".*");
    const pattern = ctx.expand(requireString(o, "list_glob", "tomogram_header"), "list_glob");
    const out = new Map<string, FoundItem>();
    for (const hit of await ctx.glob(pattern, "input")) {
      const full = joinLocation(ctx.run.input.location, hit.key);
      if (!match.search(full)) continue;
      const header = await ctx.run.input.readRange(hit.key, 0, MRC_HEADER_BYTES);
      const size = voxelSizeY(header, full);
      out.set(String(size), { name: size, path: hit.key, storage: hit.storage });
    }
    return [...out.values()];
  },
  templates(options) {
    return isObject(options) && typeof options.list_glob === "string" ? [{ option: "list_glob", template: options.list_glob }] : [];
  },
  regexes(options) {
    return isObject(options) && typeof options.match_regex === "string" ? [{ option: "match_regex", pattern: options.match_regex }] : [];
  },
};

function voxelSizeY(bytes: Uint8Array, where: string): number {
  if (bytes.length < MRC_HEADER_BYTES) throw new IngestError("SOURCE_INVALID", `${where}: not an MRC file (only ${bytes.length} bytes, a header needs ${MRC_HEADER_BYTES})`);
  const { header } = parseMrcHeader(bytes, where);
  if (!(header.my > 0)) throw new IngestError("SOURCE_INVALID", `${where}: MRC header field MY is ${header.my}; cannot compute the voxel size`);
  // mrcfile computes in float32 and the reference rounds the name to 3 decimals afterwards
  return Math.fround(header.cella.y / header.my);
}
