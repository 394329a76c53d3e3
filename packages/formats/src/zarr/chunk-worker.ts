/**
 * The chunk encoder worker of ./worker.ts's pool: a node:worker_threads entry module, started as
 * `new Worker(workerUrl("./chunk-worker.js", import.meta.url))` (formats/src/worker-url.ts says where the file is under dist/,
 * in a packed install and under vitest). Loaded only in workers: importing it on a main thread throws.
 *
 * workerData: {@link ChunkWorkerData}. Blosc lz4 (no or byte shuffle, `frame` set) is encoded with ./blosc-frame.ts
 * (TypeScript LZ4, no numcodecs); any other compressor with the numcodecs JS module for `config`. Messages (one at a
 * time, in order, see {@link ChunkWorkerRequest}): an in-memory chunk (`buffer`), a chunk in a file (`file`: read piece
 * by piece into the frame builder, zero padding after `length`), or a chunk streamed into its own staged file (`op`:
 * open, push, zeros, close, abort). Replies: {@link ChunkWorkerReply}; `{ ready: true }` once the codec is loaded,
 * `{ fatal }` when it cannot be.
 */
import * as fs from "node:fs";
import { parentPort, workerData } from "node:worker_threads";
import { createBloscFrameBuilder, createChunkFileWriter, encodeBloscLz4, type BloscLz4Options, type ChunkFileWriter } from "./blosc-frame.js";
import { FILE_PIECE_BYTES, codecModule, type CompressorConfig } from "./codec.js";
import type { NumcodecsCodec } from "./numcodecs.js";

export interface ChunkWorkerData {
  config: Exclude<CompressorConfig, null>;
  /** ./codec.ts bloscFrameOptions(config): our own frame encoder; null: numcodecs JS */
  frame: BloscLz4Options | null;
}

/** A chunk in memory: `byteLength` bytes from `byteOffset` of the transferred `buffer`. */
export interface EncodeBufferRequest {
  op?: undefined;
  id: number;
  buffer: ArrayBuffer;
  byteOffset: number;
  byteLength: number;
}

/** A chunk of `nbytes` whose first `length` bytes are at `offset` in `file` (the rest zeros). */
export interface EncodeFileRequest {
  op?: undefined;
  id: number;
  file: string;
  offset: number;
  length: number;
  nbytes: number;
}

/** A chunk streamed into a new file at `path` (Blosc lz4 frames only). `open` has no reply. */
export type ChunkOpRequest =
  | { op: "open"; chunk: number; path: string; nbytes: number }
  | { op: "push"; id: number; chunk: number; buffer: ArrayBuffer; byteOffset: number; byteLength: number }
  | { op: "zeros"; id: number; chunk: number; count: number }
  | { op: "close"; id: number; chunk: number }
  | { op: "abort"; id: number; chunk: number };

export type ChunkWorkerRequest = EncodeBufferRequest | EncodeFileRequest | ChunkOpRequest;

/** The answer to a request with an `id`: `out` (encoded chunk), `back` (a pushed buffer, reusable), `length` (a closed file's), or `error`. */
export interface ChunkWorkerReply {
  id: number;
  out?: Uint8Array;
  back?: ArrayBuffer;
  length?: number;
  error?: string;
}

/** Posted once after start: `ready`, or `fatal` when the codec could not be loaded. */
export type ChunkWorkerStatus = { ready: true } | { fatal: string };

interface Encoder {
  encode(raw: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

const describe = (error: unknown): string => String((typeof error === "object" && error !== null && "stack" in error && error.stack) || error);

if (parentPort === null) throw new Error("zarr/chunk-worker.js is a worker module: start it with new Worker()");
const port = parentPort;
const { config, frame } = workerData as ChunkWorkerData;

/** Encodes the chunk of an EncodeFileRequest, reading it from its file piece by piece. */
async function encodeFile(codec: Encoder, msg: EncodeFileRequest): Promise<Uint8Array> {
  const piece = new Uint8Array(Math.max(1, Math.min(FILE_PIECE_BYTES, msg.nbytes)));
  const builder = frame ? createBloscFrameBuilder(msg.nbytes, frame) : null;
  const whole = frame ? null : new Uint8Array(msg.nbytes);
  let done = 0;
  const fd = fs.openSync(msg.file, "r");
  try {
    while (done < msg.length) {
      const want = Math.min(piece.length, msg.length - done);
      let got = 0;
      while (got < want) {
        const n = fs.readSync(fd, piece, got, want - got, msg.offset + done + got);
        if (n === 0) throw new Error(`${msg.file}: short read at ${msg.offset + done + got}`);
        got += n;
      }
      if (builder) await builder.push(piece.subarray(0, want));
      else whole!.set(piece.subarray(0, want), done);
      done += want;
    }
  } finally {
    fs.closeSync(fd);
  }
  if (!builder) return codec.encode(whole!);
  piece.fill(0);
  while (done < msg.nbytes) {
    const n = Math.min(piece.length, msg.nbytes - done);
    await builder.push(piece.subarray(0, n));
    done += n;
  }
  return builder.finish();
}

/** Chunks streamed into files (openChunk): chunk id -> its writer, or the error that broke it. */
const chunks = new Map<number, { writer?: ChunkFileWriter; error?: unknown }>();

function chunkOp(msg: ChunkOpRequest): void {
  if (msg.op === "open") {
    try {
      chunks.set(msg.chunk, { writer: createChunkFileWriter(fs, msg.path, msg.nbytes, frame!) });
    } catch (error) {
      chunks.set(msg.chunk, { error });
    }
    return;
  }
  const entry = chunks.get(msg.chunk);
  if (msg.op === "abort") {
    chunks.delete(msg.chunk);
    entry?.writer?.abort();
    port.postMessage({ id: msg.id } satisfies ChunkWorkerReply);
    return;
  }
  try {
    if (!entry) throw new Error(`chunk ${msg.chunk} is not open`);
    if (entry.error !== undefined) throw entry.error;
    const writer = entry.writer!;
    if (msg.op === "push") {
      writer.push(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength));
      port.postMessage({ id: msg.id, back: msg.buffer } satisfies ChunkWorkerReply, [msg.buffer]);
    } else if (msg.op === "zeros") {
      writer.pushZeros(msg.count);
      port.postMessage({ id: msg.id } satisfies ChunkWorkerReply);
    } else {
      chunks.delete(msg.chunk);
      port.postMessage({ id: msg.id, length: writer.finish() } satisfies ChunkWorkerReply);
    }
  } catch (error) {
    entry?.writer?.abort();
    chunks.set(msg.chunk, { error });
    port.postMessage({ id: msg.id, error: describe(error) } satisfies ChunkWorkerReply);
  }
}

async function handle(codec: Encoder, msg: ChunkWorkerRequest): Promise<void> {
  if (msg.op !== undefined) return chunkOp(msg);
  try {
    const out = "file" in msg ? await encodeFile(codec, msg) : await codec.encode(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength));
    // a view of a larger buffer is transferred as it is (the view keeps its offset and length)
    const owned = out.buffer.byteLength <= 2 * out.byteLength ? out : out.slice();
    port.postMessage({ id: msg.id, out: owned } satisfies ChunkWorkerReply, [owned.buffer as ArrayBuffer]);
  } catch (error) {
    port.postMessage({ id: msg.id, error: describe(error) } satisfies ChunkWorkerReply);
  }
}

async function loadCodec(): Promise<Encoder> {
  if (frame) return { encode: (raw) => encodeBloscLz4(raw, frame) };
  const mod = (await import(codecModule(config))) as { default: { fromConfig(config: Record<string, unknown>): NumcodecsCodec } };
  return mod.default.fromConfig({ ...config });
}

loadCodec().then(
  (codec) => {
    // one chunk at a time: the frame encoder awaits per stream, and interleaved chunks would all hold their buffers
    // and finish late
    let queue = Promise.resolve();
    port.on("message", (msg: ChunkWorkerRequest) => {
      queue = queue.then(() => handle(codec, msg));
    });
    port.postMessage({ ready: true } satisfies ChunkWorkerStatus);
  },
  (error: unknown) => port.postMessage({ fatal: describe(error) } satisfies ChunkWorkerStatus),
);
