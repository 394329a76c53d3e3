/**
 * Worker threads that de-identify local DICOM files by path (formats' deidentifyLocalFile: blocking read, header
 * scan, de-identification, scan of the new header). The instance importer names and writes the outputs on the main
 * thread as before; only the per-file CPU work and the read move here, so a run uses every core and a file costs no
 * thread-pool round trips for its read. Read buffers travel with the tasks and come back with the results
 * (transferred, never copied) and are handed out again once the output is written.
 *
 * Each worker runs the typed module ./deid-worker.ts (compiled to dist/dicom/deid-worker.js), started with
 * `new Worker(workerUrl("./deid-worker.js", import.meta.url))` (and the parent's Node options but `--input-type`,
 * which Node refuses for a file entry point): the sibling file in the built package and in a packed
 * install; under vitest, where this module is the TypeScript source, the same file in the package's dist/
 * (formats/src/worker-url.ts). The worker imports @ingestkit/formats by the URL resolved here. Workers are unref'd while idle: a
 * run that stops early is never kept alive by them. Whatever a worker cannot do (a file over the size limit, an I/O
 * error, a worker that failed to start) the caller does on the main thread, so outcomes and error codes stay those of
 * that path.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { IngestError } from "@ingestkit/core";
import { DicomError, type DeidentifyOptions, type DeidMappings, type DicomErrorCode, type DicomHeader, type Stamp, workerExecArgv, workerUrl } from "@ingestkit/formats";
import type { DeidJob, DeidReply, DeidWorkerData, DeidWorkerStatus } from "./deid-worker.js";

/** Read buffers kept for later files, in bytes (one per file in flight at 512 KiB; a few when files are large). */
const FREE_BYTES = 64 * 1024 * 1024;

export interface PoolDone {
  kind: "done";
  head: Uint8Array;
  /** the read buffer; the file's bytes are [0, length) */
  buffer: ArrayBuffer;
  length: number;
  tailOffset: number;
  stat: { size: number; mtimeMs: number };
  scanned: DicomHeader;
  header: DicomHeader;
  mappings: DeidMappings;
  warnings: string[];
  /** bytes written to the job's `writeTo` path; undefined when it had none */
  written?: number;
}

/** Not done by the worker: the caller takes the main-thread path (`reason` for the debug log). */
export interface PoolDeclined {
  kind: "declined";
  reason: string;
}

type Reply = DeidReply;

interface PoolWorker {
  worker: Worker;
  ready: Promise<boolean>;
  busy: number;
}

/**
 * The default's ceiling: a worker does ~0.5 ms of CPU per 512 KiB file and the main thread names and writes every
 * file (a comparable cost, measured on 2 cores), so beyond a handful of workers the main thread is the limit; and
 * each worker costs ~60 MiB.
 */
const MAX_DEFAULT_WORKERS = 8;

/**
 * Worker threads for a run: INGESTKIT_DICOM_WORKERS when set (0: none, the main thread de-identifies), else at least
 * one, at most `concurrency` and 8, and: one per core when the workers also write the outputs (`workersWrite`: the
 * main thread then only names and renames them), one per core but one when the main thread writes. On the 2-core
 * machine of docs/performance.md, with the main thread writing, one worker was ~10 % faster than none and than two;
 * with the workers writing, two were 20–25 % faster than one worker and the main thread writing.
 */
export function deidWorkerCount(concurrency: number, env: NodeJS.ProcessEnv = process.env, workersWrite = false): number {
  const set = env.INGESTKIT_DICOM_WORKERS;
  if (set !== undefined && set.trim() !== "") {
    const n = Number(set);
    if (!Number.isInteger(n) || n < 0) throw new IngestError("USAGE", `INGESTKIT_DICOM_WORKERS must be a whole number ≥ 0, got ${JSON.stringify(set)}`);
    return n;
  }
  return Math.max(1, Math.min(MAX_DEFAULT_WORKERS, availableParallelism() - (workersWrite ? 0 : 1), Math.floor(concurrency) || 1));
}

export class DeidPool {
  private readonly workers: PoolWorker[] = [];
  /** jobs sent and not answered: id -> the worker's entry and the promise's resolve */
  private readonly jobs = new Map<number, { entry: PoolWorker; resolve: (r: Reply) => void }>();
  private readonly free: ArrayBuffer[] = [];
  private freeBytes = 0;
  private nextId = 0;
  private closed = false;
  /** why the pool stopped taking work (a worker failed to start or died) */
  broken: string | undefined;

  /**
   * `options`: the profile and secret, the same for every file (sent once, to each worker). `moduleUrl`: where the
   * workers import deidentifyLocalFile from (tests give a broken one).
   */
  constructor(size: number, options: DeidentifyOptions, moduleUrl = import.meta.resolve("@ingestkit/formats")) {
    const url = workerUrl("./deid-worker.js", import.meta.url);
    const workerData: DeidWorkerData = { moduleUrl, options };
    const execArgv = workerExecArgv();
    for (let i = 0; i < size; i++) {
      const worker = new Worker(url, { workerData, execArgv });
      let ready!: (ok: boolean) => void;
      const entry: PoolWorker = { worker, busy: 0, ready: new Promise<boolean>((r) => (ready = r)) };
      worker.on("message", (msg: Reply | DeidWorkerStatus) => {
        if ("ready" in msg) return ready(true);
        if ("fatal" in msg) {
          this.broken ??= `a de-identification worker failed to start: ${msg.fatal}`;
          return ready(false);
        }
        this.settle(msg.id, msg);
      });
      const fail = (why: string) => {
        this.broken ??= why;
        ready(false);
        // every job of a dead worker goes back to the main thread
        for (const [id, job] of this.jobs) if (job.entry === entry) this.settle(id, { id, error: { message: why } });
      };
      worker.on("error", (e) => fail(`a de-identification worker failed: ${e.message}`));
      worker.on("exit", (code) => {
        if (!this.closed) fail(`a de-identification worker exited with code ${code}`);
      });
      // after the listeners: attaching them refs the worker again
      worker.unref();
      this.workers.push(entry);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /** Answers job `id` (once): its worker has one job less, and is unref'd when it has none. */
  private settle(id: number, reply: Reply): void {
    const job = this.jobs.get(id);
    if (!job) return;
    this.jobs.delete(id);
    if (--job.entry.busy === 0) job.entry.worker.unref();
    job.resolve(reply);
  }

  /**
   * De-identify the file at `path` (absolute) in a worker; files over `maxBytes` and non-DICOM failures are declined.
   * With `writeTo`, the worker also writes the output there (`written` tells its size); a failed write is declined.
   */
  async run(path: string, fileName: string, stamps: readonly Stamp[], maxBytes: number, writeTo?: string): Promise<PoolDone | PoolDeclined> {
    if (this.closed || this.broken) return { kind: "declined", reason: this.broken ?? "pool closed" };
    // the least busy worker
    let entry = this.workers[0]!;
    for (const w of this.workers) if (w.busy < entry.busy) entry = w;
    const id = this.nextId++;
    if (entry.busy++ === 0) entry.worker.ref();
    const reply = await new Promise<Reply>((resolve) => {
      this.jobs.set(id, { entry, resolve });
      void entry.ready.then((ok) => {
        if (!ok || this.broken) return this.settle(id, { id, error: { message: this.broken ?? "worker not started" } });
        const buffer = this.takeFree();
        entry.worker.postMessage({ id, path, fileName, stamps, maxBytes, buffer, writeTo } satisfies DeidJob, buffer ? [buffer] : []);
      });
    });
    if (reply.buffer && !reply.head) this.recycle(reply.buffer);
    if (reply.tooBig) return { kind: "declined", reason: `over ${maxBytes} bytes` };
    if (reply.error) {
      const e = reply.error;
      if (e.name === "DicomError" && e.code) {
        const err = new DicomError(e.code as DicomErrorCode, e.fileName, "");
        Object.defineProperty(err, "message", { value: e.message, configurable: true, writable: true });
        throw err;
      }
      return { kind: "declined", reason: e.message };
    }
    return {
      kind: "done",
      head: new Uint8Array(reply.head!),
      buffer: reply.buffer!,
      length: reply.length!,
      tailOffset: reply.tailOffset!,
      stat: reply.stat!,
      scanned: reply.scanned!,
      header: reply.header!,
      mappings: reply.mappings!,
      warnings: reply.warnings!,
      ...(reply.written !== undefined ? { written: reply.written } : {}),
    };
  }

  /** A read buffer nothing refers to any more, for a later file (kept up to FREE_BYTES in all). */
  recycle(buffer: ArrayBuffer): void {
    if (this.closed || buffer.byteLength === 0 || this.freeBytes + buffer.byteLength > FREE_BYTES) return;
    this.free.push(buffer);
    this.freeBytes += buffer.byteLength;
  }

  private takeFree(): ArrayBuffer | undefined {
    const b = this.free.pop();
    if (b) this.freeBytes -= b.byteLength;
    return b;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.free.length = 0;
    this.freeBytes = 0;
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }
}
