/**
 * The terminal progress line, driven by run events against a fake TTY stream and a fake clock:
 * what the line says (runs done/total, bytes, elapsed, ETA, failures), that redraws are
 * throttled, that log lines go above it, and that it ends with a newline. Also the JSON log's
 * redaction and the summary's elapsed time.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { RunEvent } from "@ingestkit/core";
// @ts-expect-error plain ESM helper shared with the demo script
import { writeDemoDeposition } from "../scripts/lib/demo-deposition.mjs";
import { run } from "../packages/cli/src/main.js";
import { ROOT, tempDir } from "./helpers.js";
import { JsonLog, redactStrings } from "../packages/cli/src/json-log.js";
import { ProgressLine, wantsProgress } from "../packages/cli/src/progress.js";
import { formatDuration, formatElapsed, renderSummary } from "../packages/cli/src/render.js";

class FakeTty {
  readonly isTTY = true;
  columns = 200;
  readonly writes: string[] = [];
  write(text: string): boolean {
    this.writes.push(text);
    return true;
  }
  /** What the terminal shows: carriage return + erase-line start a line over. */
  get screen(): string[] {
    const lines: string[] = [];
    let current = "";
    for (const ch of this.writes.join("").replace(/\r\x1b\[2K/g, "\r")) {
      if (ch === "\r") current = "";
      else if (ch === "\n") {
        lines.push(current);
        current = "";
      } else current += ch;
    }
    return current ? [...lines, current] : lines;
  }
}

function clock(start = 1000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

const found = (type: string, plural: string, count: number, concurrent: boolean): RunEvent => ({ event: "found", type, plural, parentPath: "", count, concurrent });
const entity = (type: string, name: string, status: "imported" | "failed" = "imported"): RunEvent => ({
  event: "entity",
  type,
  name,
  entityPath: `${type} ${name}`,
  status,
  written: 1,
  upToDate: 0,
  ...(status === "failed" ? { step: "item", code: "SOURCE_MISSING", message: "gone" } : {}),
});
const output = (bytes: number, upToDate = false): RunEvent => ({ event: "output", key: "k", kind: "bytes", bytes, upToDate });

describe("ProgressLine", () => {
  it("counts the concurrent type's items, bytes written, elapsed time and the ETA", () => {
    const tty = new FakeTty();
    const c = clock();
    const p = new ProgressLine(tty, { now: c.now, minRedrawMs: 0, tickMs: 0 });
    p.onEvent(found("dataset", "datasets", 1, false));
    expect(p.render()).toBe("entities 0/1 | 0 B written | 0:00 elapsed | ETA --");
    p.onEvent(found("run", "runs", 4, true));
    p.onEvent(found("frame", "frames", 1, false));
    p.onEvent(entity("frame", "a")); // not a run: does not move the run count
    c.advance(10_000);
    p.onEvent(output(3 * 1024 * 1024));
    p.onEvent(output(999, true)); // up to date: nothing written
    p.onEvent(entity("run", "TS_01"));
    expect(p.render()).toBe("runs 1/4 | 3.0 MiB written | 0:10 elapsed | ETA 0:30");
    c.advance(10_000);
    p.onEvent(entity("run", "TS_02", "failed"));
    expect(p.render()).toBe("runs 2/4 | 3.0 MiB written | 0:20 elapsed | ETA 0:20 | 1 failed");
    p.onEvent(entity("run", "TS_03"));
    p.onEvent(entity("run", "TS_04"));
    expect(p.render()).toBe("runs 4/4 | 3.0 MiB written | 0:20 elapsed | 1 failed");
  });

  it("redraws in place, at most once per interval, and ends with a newline", () => {
    const tty = new FakeTty();
    const c = clock();
    const p = new ProgressLine(tty, { now: c.now, minRedrawMs: 100, tickMs: 0 });
    p.onEvent(found("run", "runs", 50, true));
    expect(tty.writes).toHaveLength(1);
    for (let i = 0; i < 10; i++) {
      c.advance(5);
      p.onEvent(entity("run", `TS_${i}`));
    }
    expect(tty.writes).toHaveLength(1); // 50 ms of events: throttled
    c.advance(100);
    p.onEvent(entity("run", "TS_10"));
    expect(tty.writes).toHaveLength(2);
    expect(tty.writes.every((w) => w.startsWith("\r\x1b[2K") && !w.includes("\n"))).toBe(true);
    p.finish();
    expect(tty.writes.at(-1)).toBe("\n");
    // 150 ms for 11 runs: 39 more take ~0.5 s
    expect(tty.screen).toEqual(["runs 11/50 | 0 B written | 0:00 elapsed | ETA 0:01"]);
    p.finish(); // idempotent
    p.onEvent(entity("run", "TS_11")); // after finish: nothing drawn
    expect(tty.writes.at(-1)).toBe("\n");
    expect(tty.writes.join("").endsWith("\n")).toBe(true);
  });

  it("prints log lines above the progress line and redraws it below", () => {
    const tty = new FakeTty();
    const c = clock();
    const p = new ProgressLine(tty, { now: c.now, minRedrawMs: 0, tickMs: 0 });
    p.onEvent(found("run", "runs", 2, true));
    p.println("error: run TS_01: import failed: gone [SOURCE_MISSING]");
    p.onEvent(entity("run", "TS_01", "failed"));
    p.finish();
    expect(tty.screen).toEqual(["error: run TS_01: import failed: gone [SOURCE_MISSING]", "runs 1/2 | 0 B written | 0:00 elapsed | ETA 0:00 | 1 failed"]);
    p.println("after the end"); // plain line once finished
    expect(tty.writes.at(-1)).toBe("after the end\n");
  });

  it("leaves no trace when nothing was drawn (a run that fails before its first event)", () => {
    const tty = new FakeTty();
    const p = new ProgressLine(tty, { now: clock().now, tickMs: 0 });
    p.finish();
    expect(tty.writes).toEqual([]);
  });

  it("fits the terminal width", () => {
    const tty = new FakeTty();
    tty.columns = 20;
    const p = new ProgressLine(tty, { now: clock().now, minRedrawMs: 0, tickMs: 0 });
    p.onEvent(found("run", "runs", 2, true));
    expect(p.render()).toHaveLength(19);
  });

  it("ticks on a timer so that elapsed time moves without events", async () => {
    const tty = new FakeTty();
    const p = new ProgressLine(tty, { tickMs: 10 });
    await new Promise((r) => setTimeout(r, 60));
    p.finish();
    expect(tty.writes.length).toBeGreaterThanOrEqual(3);
  });

  it("is only wanted on an interactive, non-dumb terminal outside CI", () => {
    expect(wantsProgress(new FakeTty(), {})).toBe(true);
    expect(wantsProgress({ write: () => true, isTTY: false }, {})).toBe(false);
    expect(wantsProgress(undefined, {})).toBe(false);
    expect(wantsProgress(new FakeTty(), { TERM: "dumb" })).toBe(false);
    expect(wantsProgress(new FakeTty(), { CI: "true" })).toBe(false);
  });
});

describe("convert on a terminal", () => {
  async function convertOn(tty: FakeTty | undefined, ...extra: string[]) {
    const input = join(tempDir(), "cryoetportal-rawdatasets-dev");
    writeDemoDeposition(input, { runs: ["TS_01", "TS_02", "TS_03"] });
    const stdout: string[] = [];
    const stderr: string[] = [];
    const io = {
      stdout: (t: string) => stdout.push(t),
      stderr: (t: string) => (tty ? tty.write(t.endsWith("\n") ? t : t + "\n") : stderr.push(t)),
      ...(tty ? { stderrStream: tty } : {}),
    };
    // as on a developer's terminal: CI=true (set by .ci/run) and TERM=dumb turn the line off
    const saved = { CI: process.env.CI, TERM: process.env.TERM };
    delete process.env.CI;
    process.env.TERM = "xterm-256color";
    try {
      const code = await run(["convert", join(ROOT, "dataset_configs", "demo.yaml"), input, join(tempDir(), "out"), "--concurrency", "2", ...extra], io);
      return { code, stdout, stderr };
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  }

  it("draws the progress line, ends it, then prints the summary with the elapsed time", async () => {
    const tty = new FakeTty();
    const r = await convertOn(tty);
    expect(r.code).toBe(0);
    const screen = tty.screen;
    expect(screen).toHaveLength(2);
    expect(screen[0]).toMatch(/^runs 3\/3 \| [\d.]+ KiB written \| 0:0\d elapsed$/);
    expect(screen[1]).toMatch(/^27 imported, 0 skipped, 0 failed; 33 files written \([\d.]+ KiB\), 0 up to date in \d+\.\d s$/);
    expect(tty.writes.filter((w) => w.startsWith("\r")).length).toBeGreaterThanOrEqual(2);
  });

  it("draws nothing with -q, --json, --log-format json or --dry-run", async () => {
    for (const flag of ["-q", "--json", "--dry-run"]) {
      const tty = new FakeTty();
      await convertOn(tty, flag);
      expect(
        tty.writes.some((w) => w.startsWith("\r")),
        flag,
      ).toBe(false);
    }
    const tty = new FakeTty();
    await convertOn(tty, "--log-format", "json");
    expect(tty.writes.some((w) => w.startsWith("\r"))).toBe(false);
    expect(tty.screen.every((l) => JSON.parse(l).event)).toBe(true);
  });

  it("without a terminal prints the plain summary only", async () => {
    const r = await convertOn(undefined);
    expect(r.stderr).toHaveLength(1);
    expect(r.stderr[0]).toMatch(/^27 imported, 0 skipped, 0 failed; 33 files written \(.*\), 0 up to date in \d+\.\d s$/);
  });
});

describe("JsonLog", () => {
  it("writes one JSON line per event with time first, secrets redacted", () => {
    const lines: string[] = [];
    const saved = process.env.AWS_SECRET_ACCESS_KEY;
    process.env.AWS_SECRET_ACCESS_KEY = "planted-secret-xyz";
    try {
      const log = new JsonLog(
        (l) => lines.push(l),
        () => new Date("2026-11-22T00:00:00Z"),
      );
      log.retry({ operation: "GetObject", location: "s3://b/k", attempt: 2, maxAttempts: 8, delayMs: 40, cause: "503 SlowDown planted-secret-xyz" });
      log.log("warning", "url?X-Amz-Signature=abcdef");
    } finally {
      if (saved === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
      else process.env.AWS_SECRET_ACCESS_KEY = saved;
    }
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { time: "2026-11-22T00:00:00.000Z", event: "retry", operation: "GetObject", location: "s3://b/k", attempt: 2, maxAttempts: 8, delayMs: 40, cause: "503 SlowDown <redacted>" },
      { time: "2026-11-22T00:00:00.000Z", event: "log", level: "warning", message: "url?X-Amz-Signature=<redacted>" },
    ]);
    expect(Object.keys(JSON.parse(lines[0]!))[0]).toBe("time");
  });

  it("redacts nested strings and keeps other values", () => {
    expect(redactStrings({ a: ["Signature=zzz"], n: 3, b: true, z: null })).toEqual({ a: ["Signature=<redacted>"], n: 3, b: true, z: null });
  });
});

describe("summary and durations", () => {
  const summary = { imported: 3, skipped: 0, failed: 0, failures: [], outputs: { written: 2, upToDate: 1, bytes: 2048 } };
  it("ends the text summary with the elapsed time", () => {
    expect(renderSummary(summary, false, 2345)).toBe("3 imported, 0 skipped, 0 failed; 2 files written (2.0 KiB), 1 up to date in 2.3 s");
    expect(renderSummary(summary, false)).toBe("3 imported, 0 skipped, 0 failed; 2 files written (2.0 KiB), 1 up to date");
  });
  it("formats durations", () => {
    expect(formatDuration(7_400)).toBe("0:07");
    expect(formatDuration(750_000)).toBe("12:30");
    expect(formatDuration(3_723_000)).toBe("1:02:03");
    expect(formatElapsed(400)).toBe("0.4 s");
    expect(formatElapsed(125_000)).toBe("2:05");
  });
});
