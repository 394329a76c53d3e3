/**
 * The sharded by_id index of precomputed annotations, read back by a Python reader written from
 * the Neuroglancer sharded format spec (fixed index, gzipped minishard indices, gzipped records).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { encodePrecomputedAnnotations } from "../src/neuroglancer/annotations.js";
import { byIdShardingSpec, shardAnnotationsById, synthesizeShard } from "../src/neuroglancer/sharding.js";

const READ = `
import gzip, json, sys, numpy as np
raw = open(sys.argv[1], "rb").read(); bits = int(sys.argv[2]); n = 2 ** bits
fixed = np.frombuffer(raw[:16 * n], dtype="<u8").reshape(n, 2); base = 16 * n
out = {}
for m in range(n):
    s, e = int(fixed[m, 0]), int(fixed[m, 1])
    if s == e: continue
    idx = np.frombuffer(gzip.decompress(raw[base + s:base + e]), dtype="<u8").reshape(3, -1)
    ids, offs, sizes = np.cumsum(idx[0]), idx[1], idx[2]
    pos = 0
    for i in range(idx.shape[1]):
        pos += int(offs[i]); start = base + pos
        rec = gzip.decompress(raw[start:start + int(sizes[i])])
        assert int(ids[i]) % n == m, "id in the wrong minishard"
        out[int(ids[i])] = rec.hex()
        pos += int(sizes[i])
print(json.dumps(out))`;

function readShard(bytes: Uint8Array, bits: number): Record<string, string> {
  const f = join(mkdtempSync(join(tmpdir(), "ngshard-")), "0.shard");
  writeFileSync(f, bytes);
  const r = spawnSync("/usr/bin/python3", ["-c", READ, f, String(bits)], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("sharded by_id (neuroglancer_uint64_sharded_v1)", () => {
  it("every record is found under its id, in many minishards; deterministic bytes", () => {
    const records = new Map<number, Uint8Array>();
    for (let id = 0; id < 2500; id += id % 7 === 0 ? 3 : 1)
      records.set(
        id,
        Uint8Array.from({ length: 20 + (id % 13) }, (_, k) => (id * 31 + k) & 0xff),
      );
    const shard = synthesizeShard(records, byIdShardingSpec(10));
    const back = readShard(shard, 10);
    expect(Object.keys(back).length).toBe(records.size);
    for (const [id, rec] of records) expect(back[String(id)]).toBe(hex(rec));
    expect(Buffer.from(synthesizeShard(records, byIdShardingSpec(10))).equals(Buffer.from(shard))).toBe(true);
  });

  it("replaces by_id/<n> with by_id/0.shard and declares the spec in info, as upstream", () => {
    const pts = [{ location: { x: 1, y: 2, z: 3 } }, { location: { x: 4, y: 5, z: 6 } }, { location: { x: 7, y: 8, z: 9 } }];
    const files = encodePrecomputedAnnotations(pts, { resolution: 1e-9, objectName: "ribosome" });
    const { files: sharded, info } = shardAnnotationsById(files);
    expect(sharded.map((f) => f.path).sort()).toEqual(["by_id/0.shard", "spatial0/0_0_0"]);
    expect(info.by_id).toEqual({
      key: "by_id",
      sharding: {
        "@type": "neuroglancer_uint64_sharded_v1",
        preshift_bits: 0,
        hash: "identity",
        minishard_bits: 10,
        shard_bits: 0,
        minishard_index_encoding: "gzip",
        data_encoding: "gzip",
      },
    });
    const back = readShard(sharded.find((f) => f.path === "by_id/0.shard")!.bytes, 10);
    for (const f of files.filter((f) => f.path.startsWith("by_id/"))) expect(back[f.path.slice(6)]).toBe(hex(f.bytes));
  });

  it("an empty collection gives an index of empty minishards", () => {
    const shard = synthesizeShard(new Map(), byIdShardingSpec(2));
    expect(shard.length).toBe(4 * 16);
    expect(readShard(shard, 2)).toEqual({});
  });
});
