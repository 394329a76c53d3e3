/**
 * MrcError: every problem with an MRC2014 file (bad header field, truncated data, unknown mode)
 * names the file and the header field at fault. Part of our own MRC2014 codec — npm has no
 * MRC2014 library, so ingestkit reads and writes MRC itself (mrcfile is the test oracle).
 */
export class MrcError extends Error {
  override readonly name = "MrcError";
  constructor(
    /** Path or name of the file (or byte source) the error is about. */
    readonly file: string,
    /** Header field at fault (`mode`, `nx`, `nsymbt`, ...) or `header` / `data` for the blocks. */
    readonly field: string,
    message: string,
  ) {
    super(`${file}: MRC ${field}: ${message}`);
  }
}
