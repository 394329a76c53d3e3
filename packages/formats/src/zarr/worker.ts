/**
 * A node:worker_threads pool that compresses chunks off the main thread, so encoding overlaps
 * reading and downsampling (numcodecs' WASM Blosc is single-threaded).
 *
 * The worker is an `eval` worker whose source is the string below, and it imports the numcodecs
 * module by the absolute URL resolved here: that works the same from the TypeScript sources under
 * vitest and from the compiled `dist/` (a separate `worker.js` file would not exist under vitest,
 * and Node 20 cannot run `.ts` workers). Chunk buffers are transferred, not copied.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { codecModule, createInlineEncoder, type ChunkEncoder, type CompressorConfig } from "./codec.js";

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
import(workerData.moduleUrl).then((mod) => {
  const codec = mod.default.fromConfig(workerData.config);
  parentPort.on("message", async (msg) => {
    try {
      const out = await codec.encode(new Uint8Array(msg.buffer, msg.byteOffset, msg.byteLength));
      const owned = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength ? out : out.slice();
      parentPort.postMessage({ id: msg.id, out: owned }, [owned.buffer]);
    } catch (error) {
      parentPort.postMessage({ id: msg.id, error: String((error && error.stack) || error) });
    }
  });
  parentPort.postMessage({ ready: true });
}, (error) => parentPort.postMessage({ fatal: String((error && error.stack) || error) }));
`;

interface Job {
  resolve(out: Uint8Array): void;
  reject(error: Error): void;
}

interface PoolWorker {
  worker: Worker;
  busy: number;
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
export async function createWorkerPoolEncoder(config: CompressorConfig, size: number = defaultPoolSize()): Promise<ChunkEncoder> {
  if (config === null) return createInlineEncoder(null);
  const moduleUrl = import.meta.resolve(codecModule(config));
  let nextId = 0;
  let closed = false;
  let broken: Error | null = null;
  const workers: PoolWorker[] = [];

  const start = (): Promise<PoolWorker> =>
    new Promise((resolve, reject) => {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { moduleUrl, config } });
      const entry: PoolWorker = { worker, busy: 0, jobs: new Map() };
      const failAll = (error: Error) => {
        broken ??= error;
        for (const job of entry.jobs.values()) job.reject(error);
        entry.jobs.clear();
        reject(error);
      };
      worker.on("message", (msg: { ready?: true; fatal?: string; id?: number; out?: Uint8Array; error?: string }) => {
        if (msg.ready) return resolve(entry);
        if (msg.fatal !== undefined) return failAll(new Error(`chunk encoder worker failed to start: ${msg.fatal}`));
        const job = entry.jobs.get(msg.id as number);
        if (job === undefined) return;
        entry.jobs.delete(msg.id as number);
        entry.busy--;
        if (msg.error !== undefined) job.reject(new Error(`chunk encoding failed: ${msg.error}`));
        else job.resolve(msg.out as Uint8Array);
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

  return {
    encode(raw: Uint8Array): Promise<Uint8Array> {
      if (closed) return Promise.reject(new Error("chunk encoder pool is closed"));
      if (broken !== null) return Promise.reject(broken);
      let target = workers[0] as PoolWorker;
      for (const w of workers) if (w.busy < target.busy) target = w;
      const id = nextId++;
      return new Promise((resolve, reject) => {
        target.jobs.set(id, { resolve, reject });
        target.busy++;
        const transferable = raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength ? raw : raw.slice();
        target.worker.postMessage(
          { id, buffer: transferable.buffer, byteOffset: 0, byteLength: transferable.byteLength },
          [transferable.buffer as ArrayBuffer],
        );
      });
    },
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
