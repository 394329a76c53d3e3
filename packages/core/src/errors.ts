/**
 * One error type for everything a user can cause, with a stable code and a "where":
 * a config position (file:line:col) or an entity path (dataset 10001 / run TS_01 / frames).
 * Library code throws IngestError; only the CLI turns it into an exit code.
 */
import { ERROR_CATALOG, type ErrorCode, type ErrorCodeInfo, type SourcePosition } from "./contracts.js";

/** Code -> title, from the one catalogue in contracts.ts (which also has each code's message shape and docs anchor). */
export const ErrorCodes = Object.fromEntries(Object.entries(ERROR_CATALOG).map(([code, info]) => [code, info.title])) as {
  readonly [C in ErrorCode]: (typeof ERROR_CATALOG)[C]["title"];
};

export { ERROR_CATALOG };
export type { ErrorCode, ErrorCodeInfo, SourcePosition };

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
