/**
 * A node:worker_threads pool that compresses chunks off the main thread, so encoding overlaps
 * reading and downsampling.
 *
 * Each worker runs the typed module ./chunk-worker.ts (compiled to dist/zarr/chunk-worker.js), started with
 * `new Worker(workerUrl("./chunk-worker.js", import.meta.url))` (and the parent's Node options but `--input-type`,
 * which Node refuses for a file entry point): the sibling file in the built package and in a packed
 * install; under vitest, where this module is the TypeScript source, the same file in the package's dist/
 * (formats/src/worker-url.ts). For Blosc lz4 (the portal's compressor) the worker encodes with our frame encoder
 * (./blosc-frame.ts, with its TypeScript LZ4) and loads no numcodecs; other compressors use the numcodecs JS module.
 * Chunk buffers are transferred, not copied; chunks in a spill file are read by the worker itself (encodeFile).
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { ChunkWorkerData, ChunkWorkerReply, ChunkWorkerRequest, ChunkWorkerStatus } from "./chunk-worker.js";
import { bloscFrameOptions, createInlineEncoder, type ChunkEncoder, type ChunkStream, type CompressorConfig, type EncoderOptions } from "./codec.js";
import { workerExecArgv, workerUrl } from "../worker-url.js";

/** A worker's reply to a job. */
type Reply = ChunkWorkerReply;

interface Job {
  resolve(reply: Reply): void;
  reject(error: Error): void;
}

interface PoolWorker {
  worker: Worker;
  busy: number;
  /** Chunks streamed by this worker (openChunk), for affinity. */
  openChunks: number;
  jobs: Map<number, Job>;
}

/** Default pool size: one worker per core. */
export function defaultPoolSize(): number {
  return Math.max(1, availableParallelism());
}

/**
 * Start `size` workers encoding with `config`. Resolves once every worker has loaded its codec.
 * `encode` takes ownership of the chunk's ArrayBuffer (it is transferred to a worker).
 */
export async function createWorkerPoolEncoder(config: CompressorConfig, size: number = defaultPoolSize(), options: EncoderOptions = {}): Promise<ChunkEncoder> {
  if (config === null) return createInlineEncoder(null);
  const frame = bloscFrameOptions(config, options);
  const url = workerUrl("./chunk-worker.js", import.meta.url);
  const workerData: ChunkWorkerData = { config, frame };
  const execArgv = workerExecArgv();
  let nextId = 0;
  let closed = false;
  let broken: Error | null = null;
  const workers: PoolWorker[] = [];

  const start = (): Promise<PoolWorker> =>
    new Promise((resolve, reject) => {
      const worker = new Worker(url, { workerData, execArgv });
      const entry: PoolWorker = { worker, busy: 0, openChunks: 0, jobs: new Map() };
      const failAll = (error: Error) => {
        broken ??= error;
        for (const job of entry.jobs.values()) job.reject(error);
        entry.jobs.clear();
        reject(error);
      };
      worker.on("message", (msg: Reply | ChunkWorkerStatus) => {
        if ("ready" in msg) return resolve(entry);
        if ("fatal" in msg) return failAll(new Error(`chunk encoder worker failed to start: ${msg.fatal}`));
        const job = entry.jobs.get(msg.id);
        if (job === undefined) return;
        entry.jobs.delete(msg.id);
        entry.busy--;
        if (msg.error !== undefined) job.reject(new Error(`chunk encoding failed: ${msg.error}`));
        else job.resolve(msg);
      });
      worker.on("error", (error) => failAll(error));
      worker.on("exit", (code) => {
        if (!closed) failAll(new Error(`chunk encoder worker exited with code ${code}`));
      });
    });

  try {
    for (let i = 0; i < Math.max(1, size); i++) workers.push(await start());
  } catch (error) {
    closed = true;
    await Promise.all(workers.map((w) => w.worker.terminate()));
    throw error;
  }

  const leastBusy = (): PoolWorker => {
    let target = workers[0] as PoolWorker;
    for (const w of workers) if (w.busy < target.busy) target = w;
    return target;
  };

  /** Posts one job to `target` (default: the least busy worker). */
  const post = (message: (id: number) => [ChunkWorkerRequest, ArrayBuffer[]], target = leastBusy()): Promise<Reply> => {
    if (closed) return Promise.reject(new Error("chunk encoder pool is closed"));
    if (broken !== null) return Promise.reject(broken);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      target.jobs.set(id, { resolve, reject });
      target.busy++;
      const [body, transfer] = message(id);
      target.worker.postMessage(body, transfer);
    });
  };

  const owned = (raw: Uint8Array) => (raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength ? raw : raw.slice());
  let nextChunk = 0;

  /** A chunk streamed by one worker (every call of a chunk goes to the same worker, in order). */
  const openChunk = (path: string, nbytes: number): ChunkStream => {
    let target = workers[0] as PoolWorker;
    for (const w of workers) if (w.openChunks < target.openChunks) target = w;
    target.openChunks++;
    const chunk = nextChunk++;
    let open = true;
    const finished = () => {
      if (open) target.openChunks--;
      open = false;
    };
    // open has no reply: its failure is reported by the chunk's next call
    if (!closed && broken === null) target.worker.postMessage({ op: "open", chunk, path, nbytes } satisfies ChunkWorkerRequest);
    return {
      async push(piece) {
        const reply = await post((id) => {
          const buffer = owned(piece).buffer as ArrayBuffer;
          return [{ op: "push", id, chunk, buffer, byteOffset: 0, byteLength: buffer.byteLength }, [buffer]];
        }, target);
        return reply.back === undefined ? undefined : new Uint8Array(reply.back);
      },
      async pushZeros(count) {
        await post((id) => [{ op: "zeros", id, chunk, count }, []], target);
      },
      async close() {
        try {
          return (await post((id) => [{ op: "close", id, chunk }, []], target)).length as number;
        } finally {
          finished();
        }
      },
      async abort() {
        finished();
        // acknowledged: the worker has handled the chunk's open (messages are handled in order), so a staged file
        // removed after this resolves cannot be created again behind the caller's back
        if (!closed && broken === null) await post((id) => [{ op: "abort", id, chunk }, []], target).catch(() => undefined);
      },
    };
  };

  return {
    async encode(raw: Uint8Array): Promise<Uint8Array> {
      const reply = await post((id) => {
        const buffer = owned(raw).buffer as ArrayBuffer;
        return [{ id, buffer, byteOffset: 0, byteLength: buffer.byteLength }, [buffer]];
      });
      return reply.out as Uint8Array;
    },
    async encodeFile(path: string, offset: number, length: number, nbytes: number): Promise<Uint8Array> {
      return (await post((id) => [{ id, file: path, offset, length, nbytes }, []])).out as Uint8Array;
    },
    ...(frame !== null ? { openChunk } : {}),
    async close(): Promise<void> {
      closed = true;
      await Promise.all(workers.map((w) => w.worker.terminate()));
      for (const w of workers) {
        for (const job of w.jobs.values()) job.reject(new Error("chunk encoder pool closed before the chunk was encoded"));
        w.jobs.clear();
      }
    },
  };
}
