/**
 * A node:worker_threads pool that compresses chunks off the main thread, so encoding overlaps
 * reading and downsampling.
 *
 * The worker is an `eval` worker whose source is the string below, and it imports the numcodecs
 * module by the absolute URL resolved here: that works the same from the TypeScript sources under
 * vitest and from the compiled `dist/` (a separate `worker.js` file would not exist under vitest,
 * and Node 20 cannot run `.ts` workers). For Blosc lz4 (the portal's compressor) the worker gets
 * our frame encoder (./blosc-frame.ts, with its TypeScript LZ4) as source text
 * (`bloscFrameImpl.toString()`, a self-contained function) and needs no numcodecs. Chunk buffers
 * are transferred, not copied; chunks in a spill file are read by the worker itself (encodeFile).
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { bloscFrameImpl } from "./blosc-frame.js";
import {
  FILE_PIECE_BYTES,
  bloscFrameOptions,
  codecModule,
  createInlineEncoder,
  type ChunkEncoder,
  type ChunkStream,
  type CompressorConfig,
  type EncoderOptions,
} from "./codec.js";

// esbuild (vitest) may wrap functions in __name(); harmless stand-in inside the worker. Dynamic imports only: the
// source runs as CommonJS, or as a module when the parent process runs with --input-type=module.
const WORKER_SOURCE = `
Promise.all([import("node:worker_threads"), import("node:fs")]).then(([{ parentPort, workerData }, fsModule]) => {
const fs = fsModule.default;
var __name = (target) => target;
const bloscFrame = (${bloscFrameImpl.toString()})();
const frame = workerData.frame;
(frame ? Promise.resolve(null) : import(workerData.moduleUrl)).then((mod) => {
  const codec = frame
    ? { encode: (raw) => bloscFrame.encodeBloscLz4(raw, frame) }
    : mod.default.fromConfig(workerData.config);
  // one chunk at a time: the frame encoder awaits per stream, and interleaved chunks would all
  // hold their buffers and finish late
  let queue = Promise.resolve();
  parentPort.on("message", (msg) => {
    queue = queue.then(() => handle(msg));
  });
  // a chunk from a file: read piece by piece into the frame builder (zero padding after length)
  async function encodeFile(msg) {
    const piece = new Uint8Array(Math.max(1, Math.min(${FILE_PIECE_BYTES}, msg.nbytes)));
    const builder = frame ? bloscFrame.createBloscFrameBuilder(msg.nbytes, frame) : null;
    const whole = frame ? null : new Uint8Array(msg.nbytes);
    let done = 0;
    const fd = fs.openSync(msg.file, "r");
    try {
      while (done < msg.length) {
        const want = Math.min(piece.length, msg.length - done);
        let got = 0;
        while (got < want) {
          const n = fs.readSync(fd, piece, got, want - got, msg.offset + done + got);
          if (n === 0) throw new Error(msg.file + ": short read at " + (msg.offset + done + got));
          got += n;
        }
        if (builder) await builder.push(piece.subarray(0, want));
        else whole.set(piece.subarray(0, want), done);
        done += want;
      }
    } finally {
      fs.closeSync(fd);
    }
    if (!builder) return codec.encode(whole);
    piece.fill(0);
    while (done < msg.nbytes) {
      const n = Math.min(piece.length, msg.nbytes - done);
      await builder.push(piece.subarray(0, n));
      done += n;
    }
    return builder.finish();
  }
  // chunks streamed into files (openChunk): chunk id -> writer, or the error that broke it
  const chunks = new Map();
  function chunkOp(msg) {
    if (msg.op === "open") {
      try {
        chunks.set(msg.chunk, { writer: bloscFrame.createChunkFileWriter(fs, msg.path, msg.nbytes, frame) });
      } catch (error) {
        chunks.set(msg.chunk, { error });
      }
      return;
    }
    const entry = chunks.get(msg.chunk);
    if (msg.op === "abort") {
      chunks.delete(msg.chunk);
      if (entry && entry.writer) entry.writer.abort();
      parentPort.postMessage({ id: msg.id });
      return;
    }
    try {
      if (!entry) throw new Error("chunk " + msg.chunk + " is not open");
      if (entry.error) throw entry.error;
      if (msg.op === "push") {
        entry.writer.push(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength));
        parentPort.postMessage({ id: msg.id, back: msg.buffer }, [msg.buffer]);
      } else if (msg.op === "zeros") {
        entry.writer.pushZeros(msg.count);
        parentPort.postMessage({ id: msg.id });
      } else if (msg.op === "close") {
        chunks.delete(msg.chunk);
        parentPort.postMessage({ id: msg.id, length: entry.writer.finish() });
      }
    } catch (error) {
      if (entry && entry.writer) entry.writer.abort();
      chunks.set(msg.chunk, { error });
      parentPort.postMessage({ id: msg.id, error: String((error && error.stack) || error) });
    }
  }
  async function handle(msg) {
    if (msg.op !== undefined) return chunkOp(msg);
    try {
      const out = msg.file !== undefined
        ? await encodeFile(msg)
        : await codec.encode(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength));
      // a view of a larger buffer is transferred as it is (the view keeps its offset and length)
      const owned = out.buffer.byteLength <= 2 * out.byteLength ? out : out.slice();
      parentPort.postMessage({ id: msg.id, out: owned }, [owned.buffer]);
    } catch (error) {
      parentPort.postMessage({ id: msg.id, error: String((error && error.stack) || error) });
    }
  }
  parentPort.postMessage({ ready: true });
}, (error) => parentPort.postMessage({ fatal: String((error && error.stack) || error) }));
});
`;

/** A worker's reply to a job. */
interface Reply {
  id: number;
  out?: Uint8Array;
  back?: ArrayBuffer;
  length?: number;
  error?: string;
}

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
export async function createWorkerPoolEncoder(
  config: CompressorConfig,
  size: number = defaultPoolSize(),
  options: EncoderOptions = {},
): Promise<ChunkEncoder> {
  if (config === null) return createInlineEncoder(null);
  const frame = bloscFrameOptions(config, options);
  const moduleUrl = frame !== null ? null : import.meta.resolve(codecModule(config));
  let nextId = 0;
  let closed = false;
  let broken: Error | null = null;
  const workers: PoolWorker[] = [];

  const start = (): Promise<PoolWorker> =>
    new Promise((resolve, reject) => {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { moduleUrl, config, frame } });
      const entry: PoolWorker = { worker, busy: 0, openChunks: 0, jobs: new Map() };
      const failAll = (error: Error) => {
        broken ??= error;
        for (const job of entry.jobs.values()) job.reject(error);
        entry.jobs.clear();
        reject(error);
      };
      worker.on("message", (msg: Reply & { ready?: true; fatal?: string }) => {
        if (msg.ready) return resolve(entry);
        if (msg.fatal !== undefined) return failAll(new Error(`chunk encoder worker failed to start: ${msg.fatal}`));
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
  const post = (message: (id: number) => [Record<string, unknown>, ArrayBuffer[]], target = leastBusy()): Promise<Reply> => {
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
    if (!closed && broken === null) target.worker.postMessage({ op: "open", chunk, path, nbytes });
    return {
      async push(piece) {
        const reply = await post((id) => {
          const bytes = owned(piece);
          return [{ op: "push", id, chunk, buffer: bytes.buffer, byteOffset: 0, byteLength: bytes.byteLength }, [bytes.buffer as ArrayBuffer]];
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
        const transferable = owned(raw);
        return [{ id, buffer: transferable.buffer, byteOffset: 0, byteLength: transferable.byteLength }, [transferable.buffer as ArrayBuffer]];
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
