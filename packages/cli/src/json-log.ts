/**
 * `--log-format json`: one JSON object per line on stderr for every run event (run-start, found,
 * entity-start, entity, output, retry, summary), an error that ends the command (`fatal`) and
 * every log message (`{"event":"log",
 * "level":"warning"|"error"|"info","message":...}`). Each line starts with `time` (ISO 8601)
 * and `event`. Every string value passes through redactSecrets, so a secret from the
 * environment never reaches the log even if some message carried it.
 */
import { redactSecrets, type RetryEvent, type RunEvent } from "@ingestkit/core";

export type LogLevel = "info" | "warning" | "error";

export interface LogMessageEvent {
  event: "log";
  level: LogLevel;
  message: string;
}

/** An error that ended the command before or outside the run (bad config, missing input). */
export interface FatalEvent {
  event: "fatal";
  code: string;
  message: string;
}

export type JsonLogEvent = RunEvent | LogMessageEvent | FatalEvent;

export class JsonLog {
  constructor(
    /** Writes one line (without its newline). */
    private readonly writeLine: (line: string) => void,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  readonly event = (e: JsonLogEvent): void => {
    this.writeLine(JSON.stringify(redactStrings({ time: this.clock().toISOString(), ...e })));
  };

  readonly log = (level: LogLevel, message: string): void => {
    this.event({ event: "log", level, message });
  };

  /** A retry of the S3 client (StorageOpener's onRetry) as a `retry` event. */
  readonly retry = (e: RetryEvent): void => {
    this.event({ event: "retry", operation: e.operation, location: e.location, attempt: e.attempt, maxAttempts: e.maxAttempts, delayMs: e.delayMs, cause: e.cause });
  };
}

/** A copy of `value` with redactSecrets applied to every string in it. */
export function redactStrings<T>(value: T): T {
  if (typeof value === "string") return redactSecrets(value) as T;
  if (Array.isArray(value)) return value.map(redactStrings) as T;
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = redactStrings(v);
    return out as T;
  }
  return value;
}

/**
 * Routes Node's process warnings (the AWS SDK warns about old Node versions, deprecations) into
 * `log` events instead of Node's own stderr text, so that stderr stays one JSON object per line.
 * Returns a function that restores the previous listeners.
 */
export function captureProcessWarnings(log: JsonLog): () => void {
  const previous = process.listeners("warning");
  process.removeAllListeners("warning");
  const onWarning = (w: Error) => log.log("warning", `${w.name}: ${w.message}`);
  process.on("warning", onWarning);
  return () => {
    process.off("warning", onWarning);
    for (const l of previous) process.on("warning", l);
  };
}
