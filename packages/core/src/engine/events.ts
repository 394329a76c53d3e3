/**
 * Run events: a small typed hook through which a run reports what it does while it does it
 * (progress bars, JSON logs). `convert({ onEvent })` receives them; the walker emits the entity
 * events, the OutputStore one event per output, `convert` the start and the summary.
 * Events carry locations and keys, never credentials; a listener that throws is reported once
 * through the logger and never breaks the run.
 */
import type { RunEventListener } from "../contracts.js";

export type {
  EntityEndEvent,
  EntityStartEvent,
  EntityStatus,
  FoundEvent,
  OutputEvent,
  RetryLogEvent,
  RunEvent,
  RunEventListener,
  RunStartEvent,
  SummaryEvent,
} from "../contracts.js";

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
