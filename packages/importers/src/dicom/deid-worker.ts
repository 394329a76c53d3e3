/**
 * The de-identification worker of ./deid-pool.ts: a node:worker_threads entry module, started as
 * `new Worker(workerUrl("./deid-worker.js", import.meta.url))` (formats/src/worker-url.ts says where the file is under dist/, in
 * a packed install and under vitest). Loaded only in workers: importing it on a main thread throws.
 *
 * It imports formats' deidentifyLocalFile from `workerData.moduleUrl` (the pool resolves @ingestkit/formats; tests give
 * a broken or crashing module), then answers each {@link DeidJob} with a {@link DeidReply}: the new header in an
 * ArrayBuffer of its own and the read buffer, both transferred; `tooBig` for a file over `maxBytes`; any error as
 * plain fields (name, code, message, fileName) with the read buffer handed back. `{ ready: true }` once the module is
 * loaded, `{ fatal }` when it cannot be.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { DeidentifyOptions, DeidMappings, DicomHeader, Stamp, deidentifyLocalFile } from "@ingestkit/formats";

export interface DeidWorkerData {
  /** the module deidentifyLocalFile is imported from */
  moduleUrl: string;
  /** the profile and secret, the same for every file */
  options: DeidentifyOptions;
}

/** One file to de-identify; `buffer` (transferred) is a read buffer to reuse, `writeTo` where to write the output. */
export interface DeidJob {
  id: number;
  path: string;
  fileName: string;
  stamps: readonly Stamp[];
  maxBytes: number;
  buffer: ArrayBuffer | undefined;
  writeTo: string | undefined;
}

export interface DeidReply {
  id: number;
  tooBig?: true;
  error?: { name?: string; code?: string; message: string; fileName?: string };
  buffer?: ArrayBuffer;
  head?: ArrayBuffer;
  length?: number;
  tailOffset?: number;
  stat?: { size: number; mtimeMs: number };
  scanned?: DicomHeader;
  header?: DicomHeader;
  mappings?: DeidMappings;
  warnings?: string[];
  written?: number;
}

/** Posted once after start: `ready`, or `fatal` when the module could not be loaded. */
export type DeidWorkerStatus = { ready: true } | { fatal: string };

if (parentPort === null) throw new Error("dicom/deid-worker.js is a worker module: start it with new Worker()");
const port = parentPort;
const { moduleUrl, options } = workerData as DeidWorkerData;

function answer(deidentify: typeof deidentifyLocalFile, msg: DeidJob): void {
  let reply: DeidReply;
  let transfer: ArrayBuffer[] = [];
  try {
    const given = msg.buffer ? new Uint8Array(msg.buffer) : undefined;
    const r = deidentify(msg.path, { ...options, stamps: msg.stamps, fileName: msg.fileName }, given, msg.maxBytes, msg.writeTo);
    if ("tooBig" in r) {
      reply = { id: msg.id, tooBig: true, buffer: msg.buffer };
      if (msg.buffer) transfer = [msg.buffer];
    } else {
      // the new header in an ArrayBuffer of its own, so it can be transferred
      const head = r.head.byteOffset === 0 && r.head.byteLength === r.head.buffer.byteLength && r.head.buffer !== r.buffer.buffer ? r.head : r.head.slice();
      const buffer = r.buffer.buffer as ArrayBuffer;
      reply = {
        id: msg.id,
        head: head.buffer as ArrayBuffer,
        buffer,
        length: r.length,
        tailOffset: r.tailOffset,
        stat: r.stat,
        scanned: r.scanned,
        header: r.header,
        mappings: r.mappings,
        warnings: r.warnings,
        written: r.written,
      };
      transfer = [head.buffer as ArrayBuffer, buffer];
    }
  } catch (e) {
    const err = (e && typeof e === "object" ? e : { message: String(e) }) as { name?: string; code?: string; message?: unknown; fileName?: string };
    reply = { id: msg.id, error: { name: err.name, code: err.code, message: String(err.message), fileName: err.fileName }, buffer: msg.buffer };
    if (msg.buffer) transfer = [msg.buffer];
  }
  port.postMessage(reply, transfer);
}

import(moduleUrl).then(
  (mod: { deidentifyLocalFile: typeof deidentifyLocalFile }) => {
    port.on("message", (msg: DeidJob) => answer(mod.deidentifyLocalFile, msg));
    port.postMessage({ ready: true } satisfies DeidWorkerStatus);
  },
  (e: unknown) => port.postMessage({ fatal: String((e && typeof e === "object" && "stack" in e && e.stack) || e) } satisfies DeidWorkerStatus),
);
