/**
 * AlignmentFileError: every problem with a tilt-series alignment file (IMOD .xf/.tlt/.xtilt,
 * tilt.com, newst.com, AreTomo3 .aln) names the file (the caller's `location`) and, when one
 * line is at fault, its 1-based line number.
 */
export class AlignmentFileError extends Error {
  override readonly name = "AlignmentFileError";
  constructor(
    /** Where the file came from (path or URL), as the caller named it. */
    readonly file: string,
    message: string,
    /** 1-based line in the file, when one line is at fault. */
    readonly line?: number,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ""}: ${message}`);
  }
}
