/**
 * Our own Blosc lz4 frames (src/zarr/blosc-frame.ts) must decode to exactly the input with Debian's
 * Python numcodecs 0.11 (c-blosc 1.21, what zarr-python 2 / the portal readers use) and with
 * numcodecs JS.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Blosc from "numcodecs/blosc";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createBloscFrameBuilder,
  createBloscStreamEncoder,
  decodeBloscFrame,
  decodeBloscBlockRange,
  bloscBlockSpan,
  memcpyedHeader,
  bloscBlocksize,
  byteShuffle,
  byteUnshuffle,
  createWasmLz4,
  encodeBloscLz4,
  lz4CompressBlock,
  lz4DecompressBlock,
  type BloscLz4Options,
  type Lz4BlockCompressor,
} from "../src/zarr/blosc-frame.js";
import { createInlineEncoder, type ChunkEncoder } from "../src/zarr/codec.js";
import { FileSystemChunkStore } from "../src/zarr/store.js";
import { writeOmeZarrPyramid } from "../src/zarr/writer.js";
import { createWorkerPoolEncoder } from "../src/zarr/worker.js";
import { PYTHON } from "./zarr-python.js";

let dir = "";
let lz4: Lz4BlockCompressor;
beforeAll(async () => {
  const probe = spawnSync(PYTHON, ["-c", "import numcodecs, numpy"], { encoding: "utf8" });
  if (probe.status !== 0) {
    throw new Error(`${PYTHON} cannot import numcodecs/numpy (${probe.stderr || String(probe.error)}); run scripts/system-deps.sh`);
  }
  dir = await mkdtemp(join(tmpdir(), "ingestkit-blosc-"));
  lz4 = await createWasmLz4();
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Deterministic xorshift bytes. */
function noise(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = s & 255;
  }
  return out;
}

function bytes(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

interface Case {
  name: string;
  raw: Uint8Array;
  typesize: number;
}

function cases(): Case[] {
  const out: Case[] = [];
  const smooth = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.01) + ((i * 7919) % 13) * 1e-3);
  out.push({ name: "f32-tiny-3", raw: bytes(Float32Array.of(1.5, -2, 3e9)), typesize: 4 });
  out.push({ name: "f32-tiny-31", raw: bytes(smooth(31)), typesize: 4 }); // 124 bytes < 128: memcpyed
  out.push({ name: "f32-32", raw: bytes(smooth(32)), typesize: 4 }); // exactly 128 bytes
  out.push({ name: "f32-1000", raw: bytes(smooth(1000)), typesize: 4 });
  out.push({ name: "f32-odd-leftover", raw: bytes(smooth(3 * 131072 + 777)), typesize: 4 }); // 1.5 MiB + 3108 bytes
  out.push({ name: "f32-8MiB", raw: bytes(smooth(2 * 1024 * 1024)), typesize: 4 });
  out.push({ name: "f32-constant", raw: bytes(new Float32Array(300_001).fill(7.25)), typesize: 4 });
  out.push({ name: "f32-zeros", raw: new Uint8Array(4 * 65536), typesize: 4 });
  out.push({ name: "f32-random", raw: noise(4 * 262_144 + 12, 7), typesize: 4 }); // incompressible → memcpyed
  out.push({
    name: "f32-half-random",
    raw: (() => {
      const r = noise(2 * 1048576, 3);
      r.fill(0, 0, 1048576);
      return r;
    })(),
    typesize: 4,
  });
  out.push({ name: "i16-ramp", raw: bytes(Int16Array.from({ length: 500_003 }, (_, i) => (i % 3000) - 1500)), typesize: 2 });
  out.push({ name: "i16-random", raw: noise(2 * 70_000, 11), typesize: 2 });
  out.push({ name: "i8-mask", raw: bytes(Int8Array.from({ length: 1_000_000 }, (_, i) => ((i >> 10) % 3 === 0 ? 1 : 0))), typesize: 1 });
  out.push({ name: "i8-tiny", raw: bytes(Int8Array.of(1, 0, -1)), typesize: 1 });
  out.push({ name: "u16-labels", raw: bytes(Uint16Array.from({ length: 256 * 256 * 9 + 5 }, (_, i) => (i >> 12) % 40)), typesize: 2 });
  out.push({ name: "u16-odd-bytes", raw: noise(2 * 1000 + 1, 5).map((v, i) => (i % 5 === 0 ? v : 0)), typesize: 2 }); // nbytes not a multiple of typesize
  return out;
}

const DECODE_PY = String.raw`
import json, sys, numcodecs
from numcodecs import blosc
results = {}
for name in sys.argv[2:]:
    frame = open(f"{sys.argv[1]}/{name}.blosc", "rb").read()
    raw = open(f"{sys.argv[1]}/{name}.raw", "rb").read()
    try:
        nbytes, cbytes, blocksize = blosc.cbuffer_sizes(frame)
        out = bytes(numcodecs.Blosc().decode(frame))
        results[name] = {"ok": out == raw, "nbytes": nbytes, "cbytes": cbytes, "len": len(frame)}
    except Exception as e:
        results[name] = {"ok": False, "error": repr(e)}
print(json.dumps(results))
`;

/** Walks a non-memcpyed frame: how its streams are stored. */
function streamKinds(frame: Uint8Array): { memcpyed: boolean; raw: number; compressed: number; blocks: number } {
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const flags = frame[2] as number;
  const typesize = frame[3] as number;
  const nbytes = view.getInt32(4, true);
  const blocksize = view.getInt32(8, true);
  if (flags & 2) return { memcpyed: true, raw: 0, compressed: 0, blocks: 0 };
  const nblocks = Math.ceil(nbytes / blocksize);
  let raw = 0;
  let compressed = 0;
  for (let b = 0; b < nblocks; b++) {
    const leftover = b === nblocks - 1 && nbytes % blocksize > 0;
    const bsize = leftover ? nbytes % blocksize : blocksize;
    const nsplits = !(flags & 0x10) && !leftover ? typesize : 1;
    let at = view.getInt32(16 + 4 * b, true);
    for (let j = 0; j < nsplits; j++) {
      const csize = view.getInt32(at, true);
      if (csize === bsize / nsplits) raw++;
      else compressed++;
      at += 4 + csize;
    }
  }
  return { memcpyed: false, raw, compressed, blocks: nblocks };
}

const LZ4_DECODE_PY = String.raw`
import sys, numcodecs
for n in sys.argv[2:]:
    raw = open(f"{sys.argv[1]}/{n}.raw", "rb").read()
    try:
        print(n, bytes(numcodecs.LZ4().decode(open(f"{sys.argv[1]}/{n}.lz4", "rb").read())) == raw)
    except Exception as e:
        print(n, len(raw), repr(e))
`;

const PORTAL: Omit<BloscLz4Options, "typesize"> = { clevel: 5, shuffle: 1 };

describe("Blosc lz4 frames built from small pieces", () => {
  it("decode with Python numcodecs 0.11 (c-blosc 1.21) and numcodecs JS to exactly the input", async () => {
    const all = cases();
    const js = Blosc.fromConfig({ id: "blosc", clevel: 5, cname: "lz4", shuffle: 1, blocksize: 0 } as never);
    const names: string[] = [];
    const kinds = new Map<string, ReturnType<typeof streamKinds>>();
    const variants: [string, Omit<BloscLz4Options, "typesize">, Lz4BlockCompressor?][] = [
      ["portal", PORTAL],
      ["portal-wasm-lz4", PORTAL, lz4], // numcodecs' LZ4 WASM instead of our TypeScript LZ4
      ["noshuffle", { clevel: 5, shuffle: 0 }],
      ["clevel1", { clevel: 1, shuffle: 1 }],
      ["clevel9", { clevel: 9, shuffle: 1 }],
      ["clevel0", { clevel: 0, shuffle: 1 }],
      ["forced-blocksize", { clevel: 5, shuffle: 1, blocksize: 5000 }],
    ];
    for (const c of all) {
      for (const [vname, variant, compressor] of variants) {
        if (vname !== "portal" && c.raw.length > 2 ** 21) continue; // the big cases once
        const frame = await encodeBloscLz4(c.raw, { ...variant, typesize: c.typesize }, compressor);
        const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
        expect(view.getInt32(12, true), `${c.name}/${vname} cbytes`).toBe(frame.length);
        expect(view.getInt32(4, true)).toBe(c.raw.length);
        expect(frame.length).toBeLessThanOrEqual(c.raw.length + 16);
        // numcodecs JS (its WASM c-blosc) decodes it
        const decoded = (await js.decode(frame)) as Uint8Array;
        expect(Buffer.compare(Buffer.from(decoded), Buffer.from(c.raw)), `${c.name}/${vname} numcodecs JS`).toBe(0);
        const name = `${c.name}--${vname}`;
        kinds.set(name, streamKinds(frame));
        await writeFile(join(dir, `${name}.blosc`), frame);
        await writeFile(join(dir, `${name}.raw`), c.raw);
        names.push(name);
      }
    }
    const run = spawnSync(PYTHON, ["-c", DECODE_PY, dir, ...names], { encoding: "utf8", maxBuffer: 16 << 20 });
    expect(run.status, run.stderr).toBe(0);
    const results = JSON.parse(run.stdout) as Record<string, { ok: boolean; error?: string; cbytes?: number; len?: number }>;
    for (const name of names) {
      expect(results[name], `${name}: ${JSON.stringify(results[name])}`).toMatchObject({ ok: true });
      expect(results[name]?.cbytes, name).toBe(results[name]?.len);
    }
    expect(names.length).toBeGreaterThan(90);
    // the cases cover every storage path
    expect(kinds.get("f32-random--portal")).toMatchObject({ memcpyed: true }); // does not fit nbytes + 16
    expect(kinds.get("f32-tiny-31--portal")).toMatchObject({ memcpyed: true }); // < 128 bytes
    expect(kinds.get("f32-1000--clevel0")).toMatchObject({ memcpyed: true });
    const half = kinds.get("f32-half-random--portal");
    expect(half?.memcpyed).toBe(false);
    expect(half?.raw).toBeGreaterThan(0); // random streams stored raw inside a compressed frame
    expect(half?.compressed).toBeGreaterThan(0);
    const big = kinds.get("f32-8MiB--portal"); // 512 KiB blocks of 4 streams; the noisy low mantissa bytes stay raw
    expect(big).toMatchObject({ memcpyed: false, blocks: 16 });
    expect((big?.raw ?? 0) + (big?.compressed ?? 0)).toBe(64);
    expect(big?.compressed).toBeGreaterThanOrEqual(32);
    const odd = kinds.get("f32-odd-leftover--portal"); // 3 split blocks + an unsplit leftover
    expect((odd?.raw ?? 0) + (odd?.compressed ?? 0)).toBe(3 * 4 + 1);
  });

  it("an empty buffer gives c-blosc's own 16-byte frame (which numcodecs 0.11 itself cannot decode)", async () => {
    // numcodecs.Blosc().encode(np.zeros(0, "f4")) == bytes([2, 1, 51, 4, 0,0,0,0, 1,0,0,0, 16,0,0,0])
    const frame = await encodeBloscLz4(new Uint8Array(0), { ...PORTAL, typesize: 4 });
    expect([...frame]).toEqual([2, 1, 0x33, 4, 0, 0, 0, 0, 1, 0, 0, 0, 16, 0, 0, 0]);
  });

  it("uses c-blosc 1.21's header layout, block size and split rules (what Python numcodecs 0.11 writes)", async () => {
    // header fields numcodecs 0.11 writes for the same inputs (checked in Python below)
    const probe = spawnSync(
      PYTHON,
      [
        "-c",
        `import numcodecs, numpy as np, struct, json
r = []
for n, dt in [(16777216, "f4"), (262144, "f4"), (1000, "f4"), (16777216, "i2"), (16777216, "i1"), (300000, "u2"), (20, "f4")]:
    a = (np.arange(n) % 1000).astype(dt)
    e = numcodecs.Blosc(cname="lz4", clevel=5, shuffle=1).encode(a)
    r.append([n * a.itemsize, a.itemsize, e[0], e[1], e[2] & ~2, e[3], struct.unpack("<i", e[8:12])[0]])
print(json.dumps(r))`,
      ],
      { encoding: "utf8" },
    );
    expect(probe.status, probe.stderr).toBe(0);
    for (const [nbytes, typesize, version, versionlz, flags, ts, blocksize] of JSON.parse(probe.stdout) as number[][]) {
      expect(bloscBlocksize(5, typesize as number, nbytes as number)).toBe(blocksize);
      const frame = await encodeBloscLz4(
        new Uint8Array(nbytes as number).map((_, i) => i % 7),
        { ...PORTAL, typesize: typesize as number },
      );
      expect([frame[0], frame[1], (frame[2] as number) & ~2, frame[3]]).toEqual([version, versionlz, flags, ts]);
      expect(new DataView(frame.buffer).getInt32(8, true)).toBe(blocksize);
    }
  });

  it("streams: pieces of any size give the same frame as one buffer", async () => {
    const raw = bytes(Float32Array.from({ length: 256 * 256 * 5 + 3 }, (_, i) => Math.cos(i * 0.003) * 100));
    const whole = await encodeBloscLz4(raw, { ...PORTAL, typesize: 4 });
    for (const piece of [1000, 4 * 65536, 1 << 20, 777_777]) {
      const builder = createBloscFrameBuilder(raw.length, { ...PORTAL, typesize: 4 });
      for (let at = 0; at < raw.length; at += piece) await builder.push(raw.subarray(at, Math.min(raw.length, at + piece)));
      expect(Buffer.compare(Buffer.from(builder.finish()), Buffer.from(whole)), `piece ${piece}`).toBe(0);
    }
    // incompressible data pushed in pieces falls back to memcpyed frame with the exact input
    const random = noise(3 << 20, 9);
    const builder = createBloscFrameBuilder(random.length, { ...PORTAL, typesize: 4 });
    for (let at = 0; at < random.length; at += 300_001) await builder.push(random.subarray(at, at + 300_001));
    const frame = builder.finish();
    expect(frame[2]! & 2).toBe(2);
    expect(Buffer.compare(Buffer.from(frame.subarray(16)), Buffer.from(random))).toBe(0);
    await expect(builder.push(new Uint8Array(1))).rejects.toThrow(/more than/);
    expect(() => createBloscFrameBuilder(10, { ...PORTAL, typesize: 4 }).finish()).toThrow(/got 0 of 10/);
  });

  it("stream encoder: prefix + emitted blocks (zero padding included) are exactly the whole-buffer frame", async () => {
    /** Streams `raw` then `zeros` zero bytes in pieces of `piece`; returns the assembled frame. */
    const stream = (raw: Uint8Array, zeros: number, typesize: number, piece: number) => {
      const enc = createBloscStreamEncoder(raw.length + zeros, { ...PORTAL, typesize });
      const parts: Uint8Array[] = [];
      const emit = (segments: Uint8Array[]) => parts.push(...segments.map((p) => p.slice()));
      for (let at = 0; at < raw.length; at += piece) enc.push(raw.subarray(at, Math.min(raw.length, at + piece)), emit);
      // zeros in two calls, the first one ending mid-block
      const firstZeros = Math.min(zeros, 1234);
      enc.pushZeros(firstZeros, emit);
      enc.pushZeros(zeros - firstZeros, emit);
      const done = enc.finish();
      expect(done.prefix.length).toBe(enc.prefixBytes);
      const frame = Buffer.concat([done.prefix, ...parts]);
      expect(frame.length).toBe(done.cbytes);
      return { frame, overflow: done.overflow };
    };
    let overflows = 0;
    for (const c of cases()) {
      for (const zeros of [0, 3 * 262_144 + 100]) {
        const padded = new Uint8Array(c.raw.length + zeros);
        padded.set(c.raw);
        const whole = Buffer.from(await encodeBloscLz4(padded, { ...PORTAL, typesize: c.typesize }));
        for (const piece of [4096, 131_072, 1 << 20, 777_777]) {
          const { frame, overflow } = stream(c.raw, zeros, c.typesize, piece);
          if (overflow) {
            // c-blosc would not fit it in nbytes + 16: the caller rewrites it memcpyed from the decoded bytes
            overflows++;
            const rewritten = Buffer.concat([memcpyedHeader(padded.length, { ...PORTAL, typesize: c.typesize }), decodeBloscFrame(frame)]);
            expect(Buffer.compare(rewritten, whole), `${c.name} +${zeros} zeros, pieces of ${piece} (memcpyed)`).toBe(0);
          } else expect(Buffer.compare(frame, whole), `${c.name} +${zeros} zeros, pieces of ${piece}`).toBe(0);
          expect(Buffer.compare(Buffer.from(decodeBloscFrame(whole)), Buffer.from(padded)), `${c.name} decodes`).toBe(0);
        }
      }
    }
    expect(overflows).toBeGreaterThan(0); // the random cases took the memcpyed rewrite
    const enc = createBloscStreamEncoder(10, { ...PORTAL, typesize: 4 });
    expect(() => enc.pushZeros(11, () => {})).toThrow(/more than 10/);
    expect(() => enc.finish()).toThrow(/got 0 of 10/);
  });

  it("block ranges decode from partial bytes, also with blocks stored out of order (as threaded c-blosc writes them)", async () => {
    const raw = bytes(Float32Array.from({ length: 3 * 131072 + 1000 }, (_, i) => Math.sin(i * 0.002) * 10 + (i % 5)));
    const frame = await encodeBloscLz4(raw, { ...PORTAL, typesize: 4 });
    const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    const nblocks = Math.ceil(raw.length / view.getInt32(8, true));
    expect(nblocks).toBe(4);
    const starts = Array.from({ length: nblocks }, (_, b) => view.getInt32(16 + 4 * b, true));
    const cbytes = view.getInt32(12, true);
    // the same frame with its blocks stored in reverse order
    const body = starts.map((at, b) => frame.slice(at, b + 1 < nblocks ? (starts[b + 1] as number) : cbytes));
    const reversed = new Uint8Array(cbytes);
    reversed.set(frame.subarray(0, 16));
    let at = 16 + 4 * nblocks;
    const newStarts = new Int32Array(nblocks);
    for (let b = nblocks - 1; b >= 0; b--) {
      newStarts[b] = at;
      reversed.set(body[b] as Uint8Array, at);
      at += (body[b] as Uint8Array).length;
    }
    new Uint8Array(reversed.buffer, 16, 4 * nblocks).set(new Uint8Array(newStarts.buffer));
    expect(Buffer.from(decodeBloscFrame(reversed)).equals(Buffer.from(raw))).toBe(true);
    const blocksize = view.getInt32(8, true);
    for (const bstarts of [Int32Array.from(starts), newStarts]) {
      const source = bstarts === newStarts ? reversed : frame;
      for (const [first, last] of [
        [0, 0],
        [1, 2],
        [3, 3],
        [0, 3],
      ] as const) {
        const span = bloscBlockSpan(bstarts, cbytes, first, last);
        const out = new Uint8Array((last - first + 1) * blocksize);
        decodeBloscBlockRange(source.subarray(0, 16), bstarts, source.slice(span.start, span.end), span.start, first, last, out);
        const want = raw.subarray(first * blocksize, Math.min(raw.length, (last + 1) * blocksize));
        expect(Buffer.from(out.subarray(0, want.length)).equals(Buffer.from(want)), `blocks ${first}-${last}${bstarts === newStarts ? " reversed" : ""}`).toBe(true);
      }
    }
  });

  it("our TypeScript LZ4 blocks decode with Python numcodecs' LZ4 (liblz4) and our decoder", async () => {
    // (no empty input: liblz4 via numcodecs rejects even its own 1-byte encoding of b""; Blosc never has empty streams)
    const inputs: Uint8Array[] = [
      Uint8Array.of(1, 2, 3),
      new Uint8Array(12),
      new Uint8Array(13),
      new Uint8Array(65536 * 3 + 1), // long match, length > 255 * n
      new TextEncoder().encode("abcd".repeat(1000) + "x".repeat(300) + "tail"),
      noise(100_000, 4), // incompressible: long literal runs
      (() => {
        const r = noise(200_000, 8);
        for (let i = 0; i < r.length; i += 97) r.fill(i & 255, i, i + 40);
        return r;
      })(), // mixed, offsets near 64 KiB
      (() => {
        const r = new Uint8Array(150_000);
        const n = noise(70_000, 6);
        r.set(n, 0);
        r.set(n, 70_000);
        r.set(n.subarray(0, 10_000), 140_000);
        return r;
      })(), // repeats at distance 70 000 > 65535
    ];
    for (let k = 0; k < 20; k++) inputs.push(Uint8Array.from(noise(5000 + k * 777, 100 + k), (v) => v & (k % 2 ? 3 : 15))); // low entropy
    const table = new Int32Array(4096);
    const names: string[] = [];
    for (const [i, input] of inputs.entries()) {
      for (const acceleration of [1, 5, 9]) {
        const dst = new Uint8Array(input.length + Math.ceil(input.length / 255) + 16);
        const n = lz4CompressBlock(input, dst, 0, dst.length, acceleration, table);
        expect(n, `input ${i}`).toBeGreaterThan(0);
        // one byte less than it needs is reported as 0, and nothing is written past the budget
        const tight = new Uint8Array(n + 64).fill(0xee);
        expect(lz4CompressBlock(input, tight, 10, n - 1, acceleration, table)).toBe(0);
        expect(tight.subarray(10 + n - 1).every((v) => v === 0xee)).toBe(true);
        const back = new Uint8Array(input.length);
        expect(lz4DecompressBlock(dst.subarray(0, n), back)).toBe(input.length);
        expect(Buffer.compare(Buffer.from(back), Buffer.from(input)), `input ${i} acceleration ${acceleration}`).toBe(0);
        // Python numcodecs' LZ4 codec: 4-byte little-endian size prefix + the raw block
        const framed = new Uint8Array(4 + n);
        new DataView(framed.buffer).setUint32(0, input.length, true);
        framed.set(dst.subarray(0, n), 4);
        const name = `lz4-${i}-${acceleration}`;
        await writeFile(join(dir, `${name}.lz4`), framed);
        await writeFile(join(dir, `${name}.raw`), input);
        names.push(name);
      }
    }
    const run = spawnSync(PYTHON, ["-c", LZ4_DECODE_PY, dir, ...names], { encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout.trim().split("\n")).toEqual(names.map((n) => `${n} True`));
  });

  it("shuffle matches c-blosc (trailing bytes copied) and LZ4 blocks round-trip", async () => {
    const src = Uint8Array.from({ length: 23 }, (_, i) => i);
    const dest = new Uint8Array(23);
    byteShuffle(4, src, dest);
    expect([...dest.subarray(0, 5)]).toEqual([0, 4, 8, 12, 16]);
    expect([...dest.subarray(20)]).toEqual([20, 21, 22]);
    const back = new Uint8Array(23);
    byteUnshuffle(4, dest, back);
    expect(back).toEqual(src);
    // unaligned views take the generic path and agree with the aligned one
    const buf = new Uint8Array(4 * 1000 + 1);
    buf.set(noise(4000, 2), 1);
    const a = new Uint8Array(4000);
    const b = new Uint8Array(4000);
    byteShuffle(4, buf.subarray(1), a);
    byteShuffle(4, buf.slice(1), b);
    expect(a).toEqual(b);
    const text = new TextEncoder().encode("abcabcabcabcabcabcabc".repeat(500) + "xyz");
    const c = await lz4.compress(text, 5);
    expect(c.length).toBeLessThan(text.length / 10);
    const out = new Uint8Array(text.length);
    expect(lz4DecompressBlock(c, out)).toBe(text.length);
    expect(out).toEqual(text);
  });

  it("is the default portal encoder inline and in the worker pool, with the dtype's typesize", async () => {
    const raw = bytes(Int16Array.from({ length: 256 * 256 * 3 }, (_, i) => (i % 512) - 256));
    const inline = await createInlineEncoder({ id: "blosc", cname: "lz4", clevel: 5, shuffle: 1, blocksize: 0 }, { typesize: 2 });
    const pool = await createWorkerPoolEncoder({ id: "blosc", cname: "lz4", clevel: 5, shuffle: 1, blocksize: 0 }, 2, { typesize: 2 });
    try {
      const expected = await encodeBloscLz4(raw, { ...PORTAL, typesize: 2 });
      const a = await inline.encode(raw.slice());
      const [b, c] = await Promise.all([pool.encode(raw.slice()), pool.encode(raw.slice())]);
      for (const f of [a, b, c]) {
        expect(f[3]).toBe(2);
        expect(Buffer.compare(Buffer.from(f), Buffer.from(expected))).toBe(0);
      }
    } finally {
      await inline.close();
      await pool.close();
    }
  });

  it("starts its workers in a process run with --input-type=module (the eval source must not use require)", () => {
    const mod = new URL("../dist/zarr/worker.js", import.meta.url).href;
    const script = `
      import { createWorkerPoolEncoder } from ${JSON.stringify(mod)};
      const pool = await createWorkerPoolEncoder({ id: "blosc", cname: "lz4", clevel: 5, shuffle: 1, blocksize: 0 }, 1, { typesize: 2 });
      const out = await pool.encode(new Uint8Array(8192).fill(7));
      console.log(out[0], out[3]);
      await pool.close();
    `;
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 20_000 });
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("2 2"); // blosc format version 2, typesize 2
    expect(r.status).toBe(0);
  });

  it("spilled rows: encoders reading chunks from the spill file never see the next row's data", async () => {
    const shape = { z: 13, y: 40, x: 37 };
    const data = Float32Array.from({ length: shape.z * shape.y * shape.x }, (_, i) => Math.sin(i * 0.01) * 50 + (i % 7));
    const source = () => ({
      shape,
      dtype: "float32" as const,
      voxelSize: { x: 2, y: 2, z: 2 },
      async readSlab(z0: number, z1: number) {
        return data.slice(z0 * shape.y * shape.x, z1 * shape.y * shape.x);
      },
      async close() {},
    });
    const base = { levels: 2, chunks: { z: 4, y: 16, x: 16 }, readDepth: 3 };
    const files = async (root: string) => {
      const out = new Map<string, Buffer>();
      for (const name of await readdir(root, { recursive: true })) {
        if (/^\d+\/\d+\/\d+\/\d+$/.test(name)) out.set(name, await readFile(join(root, name))); // chunk keys level/z/y/x
      }
      return out;
    };
    const memory = join(dir, "rows-in-memory.zarr");
    await writeOmeZarrPyramid(source(), await FileSystemChunkStore.open(memory, { overwrite: true }), { ...base, workers: 0 });
    // a pool whose file reads start late, with every chunk of a row in flight at once
    const pool = await createWorkerPoolEncoder({ id: "blosc", cname: "lz4", clevel: 5, shuffle: 1, blocksize: 0 }, 2, { typesize: 4 });
    let fileJobs = 0;
    const slow: ChunkEncoder = {
      encode: (raw) => pool.encode(raw),
      encodeFile: async (path, offset, length, nbytes) => {
        fileJobs++;
        await new Promise((resolve) => setTimeout(resolve, 15));
        return (pool.encodeFile as NonNullable<ChunkEncoder["encodeFile"]>)(path, offset, length, nbytes);
      },
      close: () => pool.close(),
    };
    try {
      const spilled = join(dir, "rows-spilled.zarr");
      await writeOmeZarrPyramid(source(), await FileSystemChunkStore.open(spilled, { overwrite: true }), {
        ...base,
        encoder: slow,
        maxRowBytes: 0,
        maxBytesInFlight: 1 << 30,
        maxChunksInFlight: 100,
        tmpDir: dir,
      });
      expect(fileJobs).toBe(4 * 3 * 3 + 2 * 2 * 2); // every chunk of both levels went through encodeFile
      const a = await files(memory);
      const b = await files(spilled);
      expect(a.size).toBe(4 * 3 * 3 + 2 * 2 * 2);
      expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
      for (const [key, bytes] of a) expect(Buffer.compare(bytes, b.get(key) as Buffer), key).toBe(0);
    } finally {
      await slow.close();
    }
  });
});
