/**
 * Precomputed compressed_segmentation chunks: byte-identical to a numpy transcription of the
 * portal's encoder (create_segmentation_chunk), and decoded back to the volume by a reader
 * written from the Neuroglancer spec.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import { encodeCompressedSegmentation, encodingBits, segmentationInfo } from "../src/neuroglancer/segmentation.js";
import type { SlabSource, VolumeShape } from "../src/volume.js";

const PY = "/usr/bin/python3";

function source(shape: VolumeShape, data: Int8Array | Uint16Array): SlabSource & { reads: number[][] } {
  const reads: number[][] = [];
  return {
    shape,
    dtype: data instanceof Int8Array ? "int8" : "uint16",
    voxelSize: { x: 1, y: 1, z: 1 },
    reads,
    async readSlab(z0: number, z1: number) {
      reads.push([z0, z1]);
      return data.slice(z0 * shape.y * shape.x, z1 * shape.y * shape.x);
    },
    async close() {},
  } as unknown as SlabSource & { reads: number[][] };
}

// numpy transcription of upstream's encoder, and a decoder from the spec
const CHECK = `
import json, sys, os, struct, numpy as np
d, dtype, Z, Y, X, C, B = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:8])
vol = np.fromfile(os.path.join(d, "volume.raw"), dtype=dtype).reshape(Z, Y, X)
def bits_for(n):
    for b in (0, 1, 2, 4, 8, 16, 32):
        if (1 << b) >= n: return b
def encode(data):
    gz, gy, gx = [-(-s // B) for s in data.shape]
    buf = bytearray(gx * gy * gz * 8); tables = {}
    for z, y, x in np.ndindex((gz, gy, gx)):
        block = data[z*B:(z+1)*B, y*B:(y+1)*B, x*B:(x+1)*B]
        block = np.pad(block, [(0, B - block.shape[i]) for i in range(3)])
        u, inv = np.unique(block, return_inverse=True)
        key = u.astype(np.uint32).tobytes()
        if key not in tables:
            tables[key] = (len(buf) // 4, bits_for(len(u))); buf += key
        off, bits = tables[key]
        voff = len(buf) // 4
        if bits:
            per = 32 // bits
            v = np.pad(inv.reshape(-1).astype("<u4"), [(0, -inv.size % per)])
            packed = np.zeros(len(v) // per, dtype="<u4")
            for s in range(per): packed |= v[s::per] << np.uint32(s * bits)
            buf += packed.tobytes()
        struct.pack_into("<II", buf, 8 * (x + gx * (y + gy * z)), off | (bits << 24), voff)
    return struct.pack("<I", 1) + bytes(buf)
def decode(raw, shape):
    w = np.frombuffer(raw, dtype="<u4"); base = int(w[0]); ch = w[base:]
    gz, gy, gx = [-(-s // B) for s in shape]
    out = np.zeros(shape, dtype=np.uint32)
    for z, y, x in np.ndindex((gz, gy, gx)):
        h0, h1 = int(ch[2 * (x + gx * (y + gy * z))]), int(ch[2 * (x + gx * (y + gy * z)) + 1])
        toff, bits = h0 & 0xFFFFFF, h0 >> 24
        n = B ** 3
        if bits == 0: idx = np.zeros(n, dtype=np.int64)
        else:
            per = 32 // bits; words = ch[h1:h1 + -(-n // per)].astype(np.uint64)
            idx = np.stack([(words >> np.uint64(s * bits)) & np.uint64((1 << bits) - 1) for s in range(per)], axis=1).reshape(-1)[:n].astype(np.int64)
        blk = ch[toff + idx].reshape(B, B, B)
        sz, sy, sx = [min(B, shape[i] - [z, y, x][i] * B) for i in range(3)]
        out[z*B:z*B+sz, y*B:y*B+sy, x*B:x*B+sx] = blk[:sz, :sy, :sx]
    return out
same, decoded_ok, names = True, True, []
for z0 in range(0, Z, C):
    for y0 in range(0, Y, C):
        for x0 in range(0, X, C):
            z1, y1, x1 = min(Z, z0 + C), min(Y, y0 + C), min(X, x0 + C)
            name = f"{x0}-{x1}_{y0}-{y1}_{z0}-{z1}"; names.append(name)
            ours = open(os.path.join(d, "data", name), "rb").read()
            chunk = vol[z0:z1, y0:y1, x0:x1]
            same = same and ours == encode(chunk)
            decoded_ok = decoded_ok and np.array_equal(decode(ours, chunk.shape), chunk.astype(np.int64).astype(np.uint32))
print(json.dumps({"same": same, "decoded": decoded_ok, "names": sorted(names)}))
`;

async function check(shape: VolumeShape, data: Int8Array | Uint16Array, chunk: number, block: number) {
  const dir = mkdtempSync(join(tmpdir(), "ngseg-"));
  const names: string[] = [];
  const src = source(shape, data);
  for await (const f of encodeCompressedSegmentation(src, { resolutionNm: 1.348, chunk, block })) {
    mkdirSync(dirname(join(dir, f.path)), { recursive: true });
    writeFileSync(join(dir, f.path), f.bytes);
    names.push(f.path.replace(/^data\//, ""));
  }
  writeFileSync(join(dir, "volume.raw"), data);
  const r = spawnSync(PY, ["-c", CHECK, dir, data instanceof Int8Array ? "int8" : "<u2", String(shape.z), String(shape.y), String(shape.x), String(chunk), String(block)], {
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(r.stderr);
  return { py: JSON.parse(r.stdout), names, reads: src.reads };
}

describe("neuroglancer precomputed segmentation (compressed_segmentation)", () => {
  it("a binary mask over several chunks and partial blocks: upstream's bytes, decodes to the mask", async () => {
    const shape = { z: 21, y: 37, x: 45 };
    const data = new Int8Array(shape.z * shape.y * shape.x);
    for (let z = 0; z < shape.z; z++)
      for (let y = 0; y < shape.y; y++)
        for (let x = 0; x < shape.x; x++) {
          if ((x - 20) ** 2 + (y - 18) ** 2 + (z - 10) ** 2 < 81) data[(z * shape.y + y) * shape.x + x] = 1;
        }
    const { py, names, reads } = await check(shape, data, 16, 8);
    expect(py.decoded).toBe(true);
    expect(py.same).toBe(true);
    expect(names.sort()).toEqual(py.names);
    expect(names).toHaveLength(2 * 3 * 3);
    // streamed: one block-deep slab at a time
    expect(reads.every(([a, b]) => b! - a! <= 8)).toBe(true);
  });

  it("instance labels with many values per block (8- and 16-bit indices) and all-zero blocks (0 bits)", async () => {
    const shape = { z: 16, y: 16, x: 40 };
    const data = new Uint16Array(shape.z * shape.y * shape.x);
    for (let i = 0; i < data.length; i++) {
      const x = i % shape.x;
      data[i] = x < 16 ? (i * 7919) % 300 : x < 32 ? ((i * 31) % 200) + 1000 : 0;
    }
    const { py } = await check(shape, data, 32, 16);
    expect(py.decoded).toBe(true);
    expect(py.same).toBe(true);
  });

  it("info: uint32 segmentation, xyz sizes, nm resolution, 64³ blocks; bit widths as upstream", () => {
    const info = segmentationInfo({ z: 100, y: 300, x: 500 }, { resolutionNm: 1.348 });
    expect(info).toEqual({
      "@type": "neuroglancer_multiscale_volume",
      data_type: "uint32",
      num_channels: 1,
      scales: [
        {
          chunk_sizes: [[256, 256, 100]],
          encoding: "compressed_segmentation",
          compressed_segmentation_block_size: [64, 64, 64],
          resolution: [1.348, 1.348, 1.348],
          key: "data",
          size: [500, 300, 100],
        },
      ],
      type: "segmentation",
    });
    expect([1, 2, 3, 4, 5, 16, 17, 256, 257, 65536, 65537].map(encodingBits)).toEqual([0, 1, 2, 2, 4, 4, 8, 8, 16, 16, 32]);
  });
});
