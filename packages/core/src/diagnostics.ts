/**
 * Problems found in user input, collected rather than thrown (unified's vfile-message model):
 * each has a severity, a stable code, a message and where it is.
 */
import type { Diagnostic } from "./contracts.js";

export type { Diagnostic, Severity } from "./contracts.js";

export function formatDiagnostic(d: Diagnostic): string {
  const where = d.file ? `${d.file}${d.line !== undefined ? `:${d.line}:${d.col ?? 1}` : ""}: ` : "";
  return `${where}${d.severity}: ${d.message} [${d.code}]`;
}
