/**
 * AnnotationFormatError: a point-annotation source file (CSV, STAR, IMOD model, copick JSON) that
 * cannot be read. The message names the file (the `location` the caller passed in) and, where
 * there is one, the line (text formats) or record (binary chunk / JSON point) at fault.
 */
export class AnnotationFormatError extends Error {
  override readonly name = "AnnotationFormatError";
  constructor(
    /** Path, URL or name of the file, as given by the caller. */
    readonly location: string,
    message: string,
    /** Where in the file: `line 3`, `point 2`, `chunk CONT at byte 412`, ... */
    readonly where?: string,
  ) {
    super(where ? `${location}: ${where}: ${message}` : `${location}: ${message}`);
  }
}
