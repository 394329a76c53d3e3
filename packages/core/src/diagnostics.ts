/**
 * Problems found in user input, collected rather than thrown (unified's vfile-message model):
 * each has a severity, a stable code, a message and where it is.
 */
export type Severity = "error" | "warning";

export interface Diagnostic {
  severity: Severity;
  code: string;
  message: string;
  file?: string;
  line?: number;
  col?: number;
  /** JSON-pointer-like path inside the config, e.g. `/runs/0/sources/0/source_glob`. */
  path?: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.file ? `${d.file}${d.line !== undefined ? `:${d.line}:${d.col ?? 1}` : ""}: ` : "";
  return `${where}${d.severity}: ${d.message} [${d.code}]`;
}
