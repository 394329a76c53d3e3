/**
 * Run events: a small typed hook through which a run reports what it does while it does it
 * (progress bars, JSON logs). `convert({ onEvent })` receives them; the walker emits the entity
 * events, the OutputStore one event per output, `convert` the start and the summary.
 * Events carry locations and keys, never credentials; a listener that throws is reported once
 * through the logger and never breaks the run.
 */
import type { RetryEvent } from "../storage/retry.js";
import type { ErrorCode } from "../errors.js";
import type { WriteRecord } from "./output.js";

/** How one entity ended. */
export type EntityStatus =
  /** its item and/or metadata was written (at least one output actually written) */
  | "imported"
  /** imported, but every output it makes was already up to date: nothing written */
  | "up-to-date"
  /** dry run: would be imported */
  | "planned"
  /** filtered out by the name filters, or a reference-only item that is not imported */
  | "skipped"
  /** a reference to existing data (e.g. `destination_glob`), not imported */
  | "reference"
  /** only walked through to reach selected descendants */
  | "iterated"
  | "failed";

export interface RunStartEvent {
  event: "run-start";
  /** The config file as given. */
  config: string;
  profile: string;
  /** Input and output locations: local paths or s3://bucket/prefix (never credentials). */
  input: string;
  output: string;
  dryRun: boolean;
  concurrency: number;
}

/** Items of one type found under one parent, before any of them starts. */
export interface FoundEvent {
  event: "found";
  type: string;
  /** The type's plural, for display ("runs"). */
  plural: string;
  /** Entity path of the parent ("" at the root). */
  parentPath: string;
  count: number;
  /** Items of this type are processed concurrently: the natural unit of progress. */
  concurrent: boolean;
}

export interface EntityStartEvent {
  event: "entity-start";
  type: string;
  name: string;
  entityPath: string;
}

export interface EntityEndEvent {
  event: "entity";
  type: string;
  name: string;
  entityPath: string;
  status: EntityStatus;
  /** Outputs this entity wrote and found up to date (its own, not its children's). */
  written: number;
  upToDate: number;
  /** On failure: the step ("find", "prepare", "item", "metadata"), the stable IngestError code and the message. */
  step?: string;
  code?: ErrorCode | string;
  message?: string;
}

export interface OutputEvent {
  event: "output";
  /** Key relative to the output root. */
  key: string;
  kind: WriteRecord["kind"];
  /** Bytes written (or, in a dry run or when up to date, the size it has or would have). */
  bytes: number;
  upToDate: boolean;
}

/** A storage retry (its `cause` is already redacted, see describeRetryCause). */
export interface RetryLogEvent extends RetryEvent {
  event: "retry";
}

export interface SummaryEvent {
  event: "summary";
  dryRun: boolean;
  imported: number;
  skipped: number;
  failed: number;
  /** Output objects written, found up to date, and bytes written. */
  written: number;
  upToDate: number;
  bytes: number;
  elapsedSeconds: number;
}

export type RunEvent = RunStartEvent | FoundEvent | EntityStartEvent | EntityEndEvent | OutputEvent | RetryLogEvent | SummaryEvent;

export type RunEventListener = (event: RunEvent) => void;

/** Emits nothing. */
export const noEvents: RunEventListener = () => {};

/**
 * Wraps a listener so that its failure cannot break the run: the first error is handed to
 * `onListenerError` and the listener is then dropped.
 */
export function safeListener(listener: RunEventListener | undefined, onListenerError: (err: unknown) => void): RunEventListener {
  if (!listener) return noEvents;
  let broken = false;
  return (event) => {
    if (broken) return;
    try {
      listener(event);
    } catch (err) {
      broken = true;
      onListenerError(err);
    }
  };
}
