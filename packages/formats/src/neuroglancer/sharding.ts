/**
 * `neuroglancer_uint64_sharded_v1` packing of a precomputed annotation collection's `by_id` index,
 * as the portal's precompute does after writing (`_shard_by_id_index`: shard_bits 0,
 * minishard_bits 10, identity hash, gzip for minishard indices and data): one file
 * `by_id/0.shard` instead of one object per annotation (a million-point annotation is one
 * object on S3, not a million).
 *
 * Shard file: the fixed index (2^minishard_bits × [start, end) uint64, byte offsets of each
 * minishard index relative to the end of the fixed index), the gzipped records of every
 * minishard in turn, then the gzipped minishard indices (3 × n uint64: id deltas, offset deltas,
 * sizes). Minishards are laid out in ascending order (upstream follows its directory listing
 * order, which is not reproducible); gzip headers carry no timestamp, so the bytes are too.
 * Our own writer: no npm package writes this format.
 */
import { gzipSync } from "node:zlib";
import type { PrecomputedFile } from "./annotations.js";

export interface ShardingSpec {
  "@type": "neuroglancer_uint64_sharded_v1";
  preshift_bits: number;
  hash: "identity";
  minishard_bits: number;
  shard_bits: number;
  minishard_index_encoding: "gzip";
  data_encoding: "gzip";
}

export function byIdShardingSpec(minishardBits = 10): ShardingSpec {
  return {
    "@type": "neuroglancer_uint64_sharded_v1",
    preshift_bits: 0,
    hash: "identity",
    minishard_bits: minishardBits,
    shard_bits: 0,
    minishard_index_encoding: "gzip",
    data_encoding: "gzip",
  };
}

const gzip = (b: Uint8Array) => new Uint8Array(gzipSync(b, { level: 9 }));

/** Packs `records` (id -> encoded annotation) into the single shard file of `spec` (shard_bits 0). */
export function synthesizeShard(records: ReadonlyMap<number, Uint8Array>, spec: ShardingSpec = byIdShardingSpec()): Uint8Array {
  if (spec.shard_bits !== 0 || spec.preshift_bits !== 0) throw new Error("only one shard (shard_bits 0, preshift_bits 0) is written");
  const minishards = 2 ** spec.minishard_bits;
  const groups = new Map<number, number[]>();
  for (const id of [...records.keys()].sort((a, b) => a - b)) {
    if (!Number.isSafeInteger(id) || id < 0) throw new Error(`annotation id must be a non-negative integer, got ${id}`);
    const m = id % minishards;
    (groups.get(m) ?? groups.set(m, []).get(m)!).push(id);
  }
  const data: Uint8Array[] = [];
  const indices: Array<{ minishard: number; bytes: Uint8Array }> = [];
  let dataLength = 0;
  for (const m of [...groups.keys()].sort((a, b) => a - b)) {
    const ids = groups.get(m)!;
    const index = new BigUint64Array(3 * ids.length);
    let last = 0;
    ids.forEach((id, i) => {
      const chunk = gzip(records.get(id)!);
      index[i] = BigInt(id - last);
      index[ids.length + i] = BigInt(i === 0 ? dataLength : 0); // contiguous: each starts where the last ended
      index[2 * ids.length + i] = BigInt(chunk.length);
      data.push(chunk);
      dataLength += chunk.length;
      last = id;
    });
    indices.push({ minishard: m, bytes: gzip(new Uint8Array(index.buffer)) });
  }
  const fixed = new BigUint64Array(2 * minishards);
  let end = dataLength;
  for (const { minishard, bytes } of indices) {
    fixed[2 * minishard] = BigInt(end);
    end += bytes.length;
    fixed[2 * minishard + 1] = BigInt(end);
  }
  const out = new Uint8Array(fixed.byteLength + end);
  out.set(new Uint8Array(fixed.buffer), 0);
  let at = fixed.byteLength;
  for (const d of data) {
    out.set(d, at);
    at += d.length;
  }
  for (const { bytes } of indices) {
    out.set(bytes, at);
    at += bytes.length;
  }
  return out;
}

/**
 * The collection with its `by_id/<id>` files replaced by `by_id/0.shard`, and the `info` document
 * (parsed, for the caller to serialise) declaring the sharding.
 */
export function shardAnnotationsById(files: readonly PrecomputedFile[], spec: ShardingSpec = byIdShardingSpec()): { files: PrecomputedFile[]; info: Record<string, unknown> } {
  const infoFile = files.find((f) => f.path === "info");
  if (!infoFile) throw new Error("precomputed annotations without an info file");
  const info = JSON.parse(new TextDecoder().decode(infoFile.bytes)) as Record<string, unknown>;
  const records = new Map<number, Uint8Array>();
  const rest: PrecomputedFile[] = [];
  for (const f of files) {
    const m = /^by_id\/(\d+)$/.exec(f.path);
    if (m) records.set(Number(m[1]), f.bytes);
    else if (f.path !== "info") rest.push(f);
  }
  info.by_id = { ...(info.by_id as Record<string, unknown>), sharding: spec };
  return { files: [...rest, { path: "by_id/0.shard", bytes: synthesizeShard(records, spec) }], info };
}
