/**
 * The progress line of `convert` on a terminal: one line on stderr, redrawn in place
 * (carriage return + erase line), e.g.
 *
 *   runs 12/50 | 34.5 MiB written | 0:12 elapsed | ETA 0:38 | 1 failed
 *
 * It counts the items of the profile's concurrent type (runs for cryoet) when there is one,
 * else every entity found so far. Redraws are throttled; log lines printed meanwhile go above
 * it through `println`; `finish` draws the last state and ends the line.
 * Only used when stderr is a TTY and neither --json, -q nor --log-format json is given.
 */
import type { RunEvent } from "@ingestkit/core";
import { formatBytes, formatDuration } from "./render.js";

/** What the renderer needs of a stream (process.stderr, or a fake in tests). */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** Milliseconds clock (default: performance.now). */
  now?: () => number;
  /** Least time between two redraws caused by events (default 100 ms). */
  minRedrawMs?: number;
  /** Redraw at least this often so that elapsed time and ETA move (default 1000 ms; 0: never). */
  tickMs?: number;
}

const CLEAR_LINE = "\r\x1b[2K";

interface Tally {
  found: number;
  done: number;
}

export class ProgressLine {
  private readonly now: () => number;
  private readonly minRedrawMs: number;
  private readonly started: number;
  private lastDraw = -Infinity;
  private drawn = false;
  private finished = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  /** Concurrent types (the unit of progress), by plural; and every entity. */
  private readonly units = new Map<string, Tally>();
  private readonly entities: Tally = { found: 0, done: 0 };
  private bytes = 0;
  private failed = 0;
  private dryRun = false;

  constructor(
    private readonly stream: ProgressStream,
    options: ProgressOptions = {},
  ) {
    this.now = options.now ?? (() => performance.now());
    this.minRedrawMs = options.minRedrawMs ?? 100;
    this.started = this.now();
    const tick = options.tickMs ?? 1000;
    if (tick > 0) {
      this.timer = setInterval(() => this.draw(), tick);
      this.timer.unref?.();
    }
  }

  /** Feeds one run event; redraws when the last redraw is old enough. */
  readonly onEvent = (e: RunEvent): void => {
    switch (e.event) {
      case "run-start":
        this.dryRun = e.dryRun;
        break;
      case "found":
        this.entities.found += e.count;
        if (e.concurrent) this.unitFor(e.type, e.plural).found += e.count;
        break;
      case "entity":
        if (e.step === "find") {
          this.failed++; // a type whose items could not be listed: no item to count
          break;
        }
        this.entities.done++;
        this.countDone(e.type);
        if (e.status === "failed") this.failed++;
        break;
      case "output":
        if (!e.upToDate && !this.dryRun) this.bytes += e.bytes;
        break;
      default:
        return;
    }
    if (this.now() - this.lastDraw >= this.minRedrawMs) this.draw();
  };

  /** Prints a whole line above the progress line (a failure, a warning). */
  println(text: string): void {
    const line = text.endsWith("\n") ? text : text + "\n";
    if (this.drawn && !this.finished) {
      this.stream.write(CLEAR_LINE + line);
      this.draw();
    } else this.stream.write(line);
  }

  /** Draws the final state and ends the line (nothing if nothing was ever drawn); later calls do nothing. */
  finish(): void {
    if (this.finished) return;
    if (this.timer) clearInterval(this.timer);
    if (this.drawn) {
      this.draw();
      this.stream.write("\n");
    }
    this.finished = true;
  }

  /** The progress line for the current state, without control characters. */
  render(): string {
    const elapsedMs = this.now() - this.started;
    const [label, t] = this.unitTally();
    const parts = [`${label} ${t.done}/${t.found}`, `${formatBytes(this.bytes)} written`, `${formatDuration(elapsedMs)} elapsed`];
    if (t.done > 0 && t.found > t.done) parts.push(`ETA ${formatDuration((elapsedMs / t.done) * (t.found - t.done))}`);
    else if (t.found > t.done) parts.push("ETA --");
    if (this.failed > 0) parts.push(`${this.failed} failed`);
    const line = parts.join(" | ");
    const width = this.stream.columns;
    return width && width > 1 && line.length > width - 1 ? line.slice(0, width - 1) : line;
  }

  private draw(): void {
    if (this.finished) return;
    this.stream.write(CLEAR_LINE + this.render());
    this.drawn = true;
    this.lastDraw = this.now();
  }

  /** The tally of a concurrent type, labelled by its plural ("runs"). */
  private unitFor(type: string, plural: string): Tally {
    const label = plural.replace(/_/g, " ");
    this.typeToUnit.set(type, label);
    let t = this.units.get(label);
    if (!t) this.units.set(label, (t = { found: 0, done: 0 }));
    return t;
  }

  private readonly typeToUnit = new Map<string, string>();

  /** One more item of `type` done, when it is a concurrent type. */
  private countDone(type: string): void {
    const label = this.typeToUnit.get(type);
    const unit = label === undefined ? undefined : this.units.get(label);
    if (unit) unit.done++;
  }

  /** The concurrent type with the most items found, else all entities. */
  private unitTally(): [string, Tally] {
    let best: [string, Tally] | undefined;
    for (const [label, t] of this.units) if (!best || t.found > best[1].found) best = [label, t];
    return best ?? ["entities", this.entities];
  }
}

/** Whether to draw a progress line: an interactive stderr that is not a dumb terminal. */
export function wantsProgress(stream: ProgressStream | undefined, env: NodeJS.ProcessEnv = process.env): stream is ProgressStream {
  return !!stream?.isTTY && env.TERM !== "dumb" && !env.CI;
}
