/**
 * One error type for everything a user can cause, with a stable code and a "where":
 * a config position (file:line:col) or an entity path (dataset 10001 / run TS_01 / frames).
 * Library code throws IngestError; only the CLI turns it into an exit code.
 */

export const ErrorCodes = {
  YAML_SYNTAX: "Malformed YAML",
  CONFIG_SCHEMA: "Config does not match the schema",
  CONFIG_UNKNOWN_KEY: "Unknown config key",
  CONFIG_TEMPLATE: "Bad template",
  CONFIG_UNDEFINED_VARIABLE: "Template variable is never defined",
  CONFIG_REGEX: "Regular expression does not compile",
  CONFIG_CAST: "Bad float/int cast",
  CONFIG_GRAPH: "Bad entity graph",
  CONFIG_FINDER: "Bad source/finder",
  TEMPLATE_UNDEFINED: "Undefined template variable",
  PATH_ESCAPE: "Path escapes its root",
  SOURCE_MISSING: "Source not found",
  SOURCE_UNREADABLE: "Source unreadable",
  SOURCE_INVALID: "Source content invalid",
  NOT_SUPPORTED: "Not supported yet",
  IMPORTER_FAILED: "Importer failed",
  USAGE: "Usage error",
  IO: "I/O error",
} as const;

export type ErrorCode = keyof typeof ErrorCodes;

export interface SourcePosition {
  file?: string;
  line?: number;
  col?: number;
}

export interface IngestErrorOptions extends SourcePosition {
  entityPath?: string;
  cause?: unknown;
  hint?: string;
}

export class IngestError extends Error {
  readonly code: ErrorCode;
  readonly file?: string;
  readonly line?: number;
  readonly col?: number;
  readonly entityPath?: string;
  readonly hint?: string;

  constructor(code: ErrorCode, message: string, options: IngestErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "IngestError";
    this.code = code;
    if (options.file !== undefined) this.file = options.file;
    if (options.line !== undefined) this.line = options.line;
    if (options.col !== undefined) this.col = options.col;
    if (options.entityPath !== undefined) this.entityPath = options.entityPath;
    if (options.hint !== undefined) this.hint = options.hint;
  }

  /** `file:line:col`, or the entity path, or nothing. */
  get where(): string {
    return formatWhere(this);
  }

  /** One line for a terminal: `where: message [CODE]`. */
  format(): string {
    const where = this.where;
    return `${where ? `${where}: ` : ""}${this.message} [${this.code}]${this.hint ? ` (${this.hint})` : ""}`;
  }
}

export function formatWhere(p: SourcePosition & { entityPath?: string }): string {
  const parts: string[] = [];
  if (p.file) parts.push(p.line !== undefined ? `${p.file}:${p.line}:${p.col ?? 1}` : p.file);
  if (p.entityPath) parts.push(p.entityPath);
  return parts.join(" ");
}

/** Re-throws anything as an IngestError that names where it happened. */
export function wrapError(err: unknown, code: ErrorCode, context: IngestErrorOptions): IngestError {
  if (err instanceof IngestError) {
    if (context.entityPath && !err.entityPath) {
      return new IngestError(err.code, err.message, {
        ...context,
        file: err.file ?? context.file,
        line: err.line ?? context.line,
        col: err.col ?? context.col,
        hint: err.hint ?? context.hint,
        cause: err,
      });
    }
    return err;
  }
  const message = describeCause(err);
  return new IngestError(code, message, { ...context, cause: err });
}

export function describeCause(err: unknown): string {
  if (err instanceof Error) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === "ENOENT") return `no such file or directory: ${e.path ?? ""}`.trim();
    if (e.code === "EACCES") return `permission denied: ${e.path ?? ""}`.trim();
    if (e.code === "EISDIR") return `is a directory: ${e.path ?? ""}`.trim();
    return err.message;
  }
  return String(err);
}
