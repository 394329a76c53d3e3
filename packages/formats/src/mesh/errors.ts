/**
 * MeshError: every problem with a mesh annotation file (malformed line, truncated record, bad
 * index, missing segment) names the file and the line, record or field at fault. Part of our
 * own mesh readers — see ./index.ts for why we wrote them.
 */
export class MeshError extends Error {
  override readonly name = "MeshError";
  constructor(
    /** Path or name of the file (or byte source) the error is about. */
    readonly file: string,
    /** Where in the file: `line 12`, `triangle 3`, `byte 84`, `accessor 1`, an HDF5 dataset path... */
    readonly where: string,
    message: string,
  ) {
    super(`${file}: ${where}: ${message}`);
  }
}
