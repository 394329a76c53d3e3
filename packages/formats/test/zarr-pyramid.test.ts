import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  FileSystemChunkStore,
  writeOmeZarrPyramid,
  type ChunkStore,
  type DownsampleMethod,
  type SlabSource,
  type VoxelArray,
  type VoxelDType,
  type WritePyramidOptions,
} from "@ingestkit/formats";
import { CONFORMANCE_PY, runPython } from "./zarr-python.js";

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "ingestkit-zarr-"));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** In-memory SlabSource over a C-order typed array; records the slabs asked for. */
function memorySource(data: VoxelArray, dtype: VoxelDType, shape: { z: number; y: number; x: number }, voxel = 1): SlabSource & { reads: [number, number][] } {
  const plane = shape.y * shape.x;
  const reads: [number, number][] = [];
  return {
    shape,
    dtype,
    voxelSize: { x: voxel, y: voxel, z: voxel },
    reads,
    async readSlab(z0, z1) {
      reads.push([z0, z1]);
      return data.slice(z0 * plane, z1 * plane);
    },
    async close() {},
  };
}

/** Deterministic pseudo-random values. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface Summary {
  levels: { shape: number[]; chunks: number[]; dtype: string; compressor: Record<string, unknown> | null; filters: null; order: string; fill_value: number }[];
  attrs: { multiscales: { version: string; name: string; axes: unknown[]; datasets: { path: string; coordinateTransformations: { scale: number[]; type: string }[] }[] }[] };
  children: string[];
}

/** Write `source` then check it with python zarr 2.13 + numpy (see zarr-python.ts). */
async function writeAndCheck(
  data: VoxelArray,
  dtype: VoxelDType,
  shape: { z: number; y: number; x: number },
  voxel: number,
  options: WritePyramidOptions,
  expectation: { factors: [number, number, number]; method: DownsampleMethod; outDtype: string },
): Promise<{ summary: Summary; root: string; result: Awaited<ReturnType<typeof writeOmeZarrPyramid>> }> {
  const dir = await tempDir();
  const root = join(dir, "out.zarr");
  const store = await FileSystemChunkStore.open(root, { overwrite: true });
  const result = await writeOmeZarrPyramid(memorySource(data, dtype, shape, voxel), store, options);
  const raw = join(dir, "source.raw");
  await writeFile(raw, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  const np = { int8: "i1", uint8: "u1", int16: "i2", uint16: "u2", int32: "i4", uint32: "u4", float32: "f4", float64: "f8", float16: "f2" }[dtype];
  const { stdout, stderr, status } = runPython(CONFORMANCE_PY, [
    root,
    raw,
    np,
    String(shape.z),
    String(shape.y),
    String(shape.x),
    String(voxel),
    ...expectation.factors.map(String),
    expectation.method,
    expectation.outDtype,
    String(options.levels ?? 3),
  ]);
  if (status !== 0) throw new Error(`python zarr check failed:\n${stderr}`);
  return { summary: JSON.parse(stdout) as Summary, root, result };
}

const PORTAL_BLOSC = { id: "blosc", cname: "lz4", clevel: 5, shuffle: 1, blocksize: 0 };
const AXES = ["z", "y", "x"].map((name) => ({ name, type: "space", unit: "angstrom" }));

describe("writeOmeZarrPyramid — reference acceptance cases", () => {
  it("4×4×4 tomogram at 14.08 Å (reference 6.3 item 1): 3 levels 4³/2³/1³, scales 14.08/28.16/56.32", async () => {
    const data = new Float32Array(64);
    for (let i = 0; i < 64; i++) data[i] = 1 + (i % 4); // values 1–4 like input_mrc.mrc
    const { summary, root, result } = await writeAndCheck(
      data,
      "float32",
      { z: 4, y: 4, x: 4 },
      14.08,
      {},
      {
        factors: [2, 2, 2],
        method: "mean",
        outDtype: "float32",
      },
    );
    expect(summary.levels.map((l) => l.shape)).toEqual([
      [4, 4, 4],
      [2, 2, 2],
      [1, 1, 1],
    ]);
    // zarr-python 2 does not clip chunks to the array: 256³ declared for a 4³ array.
    expect(summary.levels.map((l) => l.chunks)).toEqual([
      [256, 256, 256],
      [256, 256, 256],
      [256, 256, 256],
    ]);
    for (const l of summary.levels) {
      expect(l.dtype).toBe("float32");
      expect(l.compressor).toEqual(PORTAL_BLOSC);
      expect(l.order).toBe("C");
      expect(l.filters).toBeNull();
      expect(l.fill_value).toBe(0);
    }
    const ms = summary.attrs.multiscales[0]!;
    expect(summary.attrs.multiscales).toHaveLength(1);
    expect(ms.version).toBe("0.4");
    expect(ms.name).toBe("/");
    expect(ms.axes).toEqual(AXES);
    expect(ms.axes[0]).toEqual({ name: "z", unit: "angstrom", type: "space" });
    expect(ms.datasets.map((d) => d.path)).toEqual(["0", "1", "2"]);
    expect(ms.datasets.map((d) => d.coordinateTransformations)).toEqual([
      [{ scale: [14.08, 14.08, 14.08], type: "scale" }],
      [{ scale: [28.16, 28.16, 28.16], type: "scale" }],
      [{ scale: [56.32, 56.32, 56.32], type: "scale" }],
    ]);
    expect(summary.children).toEqual([".zattrs", ".zgroup", "0", "1", "2"]);
    await expect(readFile(join(root, "0/0/0/0"))).resolves.toBeInstanceOf(Buffer);
    // level 1 of values 1..4 repeating along x: mean of (1,2) and (3,4) blocks
    expect(result.levels.map((l) => l.scale)).toEqual([
      { x: 14.08, y: 14.08, z: 14.08 },
      { x: 28.16, y: 28.16, z: 28.16 },
      { x: 56.32, y: 56.32, z: 56.32 },
    ]);
  });

  it("6×8×10 tomogram (6.3 item 3): scales [{x6,y8,z10},{x3,y4,z5},{x2,y2,z3}], odd edges zero-padded", async () => {
    const shape = { z: 10, y: 8, x: 6 };
    const rnd = lcg(3);
    const data = new Float32Array(shape.z * shape.y * shape.x).map(() => Math.fround(rnd() * 200 - 100));
    const { result, summary } = await writeAndCheck(data, "float32", shape, 13.48, {}, { factors: [2, 2, 2], method: "mean", outDtype: "float32" });
    expect(result.scales).toEqual([
      { x: 6, y: 8, z: 10 },
      { x: 3, y: 4, z: 5 },
      { x: 2, y: 2, z: 3 },
    ]);
    expect(result.size).toEqual({ x: 6, y: 8, z: 10 });
    expect(summary.levels.map((l) => l.shape)).toEqual([
      [10, 8, 6],
      [5, 4, 3],
      [3, 2, 2],
    ]);
    expect(summary.attrs.multiscales[0]!.datasets[2]!.coordinateTransformations[0]!.scale).toEqual([53.92, 53.92, 53.92]);
  });

  it("4×10×20 tilt series (6.3 item 5): z kept, chunks (1,1024,1024), 1×2×2 mean", async () => {
    const shape = { z: 4, y: 10, x: 20 };
    const rnd = lcg(5);
    const data = new Int16Array(shape.z * shape.y * shape.x).map(() => Math.floor(rnd() * 60000 - 30000));
    const { result, summary } = await writeAndCheck(
      data,
      "int16",
      shape,
      3.3702,
      { kind: "tiltseries" },
      {
        factors: [1, 2, 2],
        method: "mean",
        outDtype: "float32",
      },
    );
    expect(result.scales).toEqual([
      { z: 4, y: 10, x: 20 },
      { z: 4, y: 5, x: 10 },
      { z: 4, y: 3, x: 5 },
    ]);
    expect(summary.levels.map((l) => l.chunks)).toEqual([
      [1, 1024, 1024],
      [1, 1024, 1024],
      [1, 1024, 1024],
    ]);
    expect(summary.attrs.multiscales[0]!.datasets.map((d) => d.coordinateTransformations[0]!.scale)).toEqual([
      [3.37, 3.37, 3.37],
      [3.37, 6.74, 6.74],
      [3.37, 13.48, 13.48],
    ]);
    expect(result.chunkCount).toBe(12);
  });
});

describe("writeOmeZarrPyramid — multi-chunk streaming", () => {
  const shape = { z: 37, y: 33, x: 21 };
  const rnd = lcg(42);
  const data = new Int16Array(shape.z * shape.y * shape.x).map(() => Math.floor(rnd() * 8000 - 4000));

  async function tree(root: string): Promise<Map<string, Buffer>> {
    const out = new Map<string, Buffer>();
    const walk = async (d: string): Promise<void> => {
      for (const e of await readdir(d, { withFileTypes: true })) {
        const p = join(d, e.name);
        if (e.isDirectory()) await walk(p);
        else out.set(relative(root, p), await readFile(p));
      }
    };
    await walk(root);
    return out;
  }

  it("37×33×21 int16 with 16³ chunks and a worker pool: every level and chunk matches numpy", async () => {
    const { summary, result, root } = await writeAndCheck(
      data,
      "int16",
      shape,
      7.5,
      { chunks: { z: 16, y: 16, x: 16 }, workers: 2 },
      {
        factors: [2, 2, 2],
        method: "mean",
        outDtype: "float32",
      },
    );
    expect(summary.levels.map((l) => l.shape)).toEqual([
      [37, 33, 21],
      [19, 17, 11],
      [10, 9, 6],
    ]);
    // 3*3*2 + 2*2*1 + 1*1*1 chunks
    expect(result.chunkCount).toBe(18 + 4 + 1);
    const files = await tree(root);
    expect([...files.keys()].filter((k) => k.startsWith("0/") && !k.endsWith(".zarray")).sort()).toHaveLength(18);
    expect(files.has("0/2/2/1")).toBe(true);
  });

  it("odd read depth and chunk depth (carry-over planes) give byte-identical output, inline or pooled", async () => {
    const options = { chunks: { z: 7, y: 16, x: 8 }, voxelSpacing: 7.5 };
    const a = await writeAndCheck(
      data,
      "int16",
      shape,
      7.5,
      { ...options, workers: 0, readDepth: 5 },
      {
        factors: [2, 2, 2],
        method: "mean",
        outDtype: "float32",
      },
    );
    const dirB = await tempDir();
    const sourceB = memorySource(data, "int16", shape, 7.5);
    await writeOmeZarrPyramid(sourceB, await FileSystemChunkStore.open(dirB), { ...options, workers: 2, readDepth: 3 });
    expect(sourceB.reads[0]).toEqual([0, 3]);
    expect(sourceB.reads.at(-1)).toEqual([36, 37]);
    const ta = await tree(a.root);
    const tb = await tree(dirB);
    expect([...tb.keys()].sort()).toEqual([...ta.keys()].sort());
    for (const [k, v] of ta) expect(tb.get(k)?.equals(v), k).toBe(true);
  });

  it("reads the source in bounded slabs (default min(chunk depth, 32) planes)", async () => {
    const src = memorySource(data, "int16", shape, 2);
    await writeOmeZarrPyramid(src, await FileSystemChunkStore.open(await tempDir()), { chunks: { z: 16, y: 16, x: 16 }, workers: 0 });
    expect(src.reads).toEqual([
      [0, 16],
      [16, 32],
      [32, 37],
    ]);
  });
});

describe("writeOmeZarrPyramid — masks (reference 5.6)", () => {
  const shape = { z: 19, y: 23, x: 17 };
  it("segmentation mask: int8, mean>0 (any voxel) downsampling", async () => {
    const rnd = lcg(9);
    const data = new Int8Array(shape.z * shape.y * shape.x).map(() => (rnd() < 0.05 ? 1 : 0));
    const { summary } = await writeAndCheck(
      data,
      "int8",
      shape,
      10,
      { kind: "segmentation-mask", chunks: { z: 8, y: 8, x: 8 } },
      {
        factors: [2, 2, 2],
        method: "any",
        outDtype: "int8",
      },
    );
    expect(summary.levels.map((l) => l.dtype)).toEqual(["int8", "int8", "int8"]);
    expect(summary.levels[0]!.fill_value).toBe(0);
  });

  it("instance mask: uint16 labels strided (never averaged), image-label metadata kept", async () => {
    const rnd = lcg(11);
    const data = new Uint16Array(shape.z * shape.y * shape.x).map(() => Math.floor(rnd() * 6) * 1000);
    const metadata = { "image-label": { version: "0.4", colors: [1000, 2000, 3000, 4000, 5000].map((v) => ({ "label-value": v })) } };
    const { summary } = await writeAndCheck(
      data,
      "uint16",
      shape,
      10,
      { kind: "instance-mask", chunks: { z: 8, y: 8, x: 8 }, metadata },
      { factors: [2, 2, 2], method: "nearest", outDtype: "uint16" },
    );
    expect(summary.levels.map((l) => l.dtype)).toEqual(["uint16", "uint16", "uint16"]);
    expect((summary.attrs.multiscales[0] as unknown as { metadata: unknown }).metadata).toEqual(metadata);
  });
});

describe("writeOmeZarrPyramid — compressors, write order and failures", () => {
  it("zstd compressor is declared in .zarray and decoded by python numcodecs", async () => {
    const shape = { z: 5, y: 6, x: 7 };
    const data = new Float32Array(210).map((_, i) => i * 0.5);
    const { summary } = await writeAndCheck(
      data,
      "float32",
      shape,
      1,
      { compressor: { id: "zstd", level: 1 }, chunks: { z: 4, y: 4, x: 4 } },
      {
        factors: [2, 2, 2],
        method: "mean",
        outDtype: "float32",
      },
    );
    expect(summary.levels[0]!.compressor).toEqual({ id: "zstd", level: 1 });
  });

  it("writes each array's chunks before its .zarray, then .zattrs, then .zgroup last", async () => {
    const keys: string[] = [];
    const store: ChunkStore = { set: async (key) => void keys.push(key) };
    const shape = { z: 9, y: 9, x: 9 };
    await writeOmeZarrPyramid(memorySource(new Float32Array(729), "float32", shape, 1), store, { chunks: { z: 4, y: 4, x: 4 }, workers: 2 });
    expect(keys.slice(-2)).toEqual([".zattrs", ".zgroup"]);
    for (const level of ["0", "1", "2"]) {
      const meta = keys.indexOf(`${level}/.zarray`);
      expect(meta).toBeGreaterThan(-1);
      const chunkPositions = keys.map((k, i) => (k.startsWith(`${level}/`) && k !== `${level}/.zarray` ? i : -1)).filter((i) => i >= 0);
      expect(chunkPositions.length).toBe(level === "0" ? 27 : level === "1" ? 8 : 1);
      expect(Math.max(...chunkPositions)).toBeLessThan(meta);
    }
  });

  it("streamed rows (maxRowBytes 0): rows wider than the open-file limit give the in-memory bytes, inline or pooled", async () => {
    // 9 × 9 = 81 chunks per row: more than a worker keeps open (64), so chunk files are closed and reopened
    const shape = { z: 11, y: 9 * 8, x: 9 * 8 - 3 };
    const next = lcg(7);
    const data = Float32Array.from({ length: shape.z * shape.y * shape.x }, () => Math.round(next() * 100) / 8);
    const files = async (root: string) => {
      const out = new Map<string, Buffer>();
      for (const name of (await readdir(root, { recursive: true })).sort()) if (/^\d+\/\d+\/\d+\/\d+$/.test(name)) out.set(name, await readFile(join(root, name)));
      return out;
    };
    const base = { chunks: { z: 4, y: 8, x: 8 }, readDepth: 3 };
    const memoryRoot = join(await tempDir(), "memory.zarr");
    await writeOmeZarrPyramid(memorySource(data, "float32", shape, 2), await FileSystemChunkStore.open(memoryRoot), { ...base, workers: 0 });
    const expected = await files(memoryRoot);
    expect(expected.size).toBe(3 * 9 * 9 + 2 * 5 * 5 + 1 * 3 * 3);
    for (const workers of [0, 2]) {
      const root = join(await tempDir(), `streamed-${workers}.zarr`);
      await writeOmeZarrPyramid(memorySource(data, "float32", shape, 2), await FileSystemChunkStore.open(root), { ...base, workers, maxRowBytes: 0, maxPieceBytesInFlight: 4096 });
      const got = await files(root);
      expect([...got.keys()], `workers ${workers}`).toEqual([...expected.keys()]);
      for (const [key, bytes] of expected) expect(Buffer.compare(bytes, got.get(key) as Buffer), `workers ${workers} ${key}`).toBe(0);
      expect(
        (await readdir(root, { recursive: true })).filter((n) => n.includes("ingestkit-tmp")),
        "no staged files left",
      ).toEqual([]);
    }
  });

  it("streamed rows: a failing commit or chunk file rejects the write, leaves no staged file and never writes .zgroup", async () => {
    const shape = { z: 9, y: 16, x: 16 };
    const data = Float32Array.from({ length: shape.z * shape.y * shape.x }, (_, i) => i % 97);
    for (const [name, failure] of [
      ["commit", "disk full"],
      ["open", "ENOENT"],
    ] as const) {
      for (const workers of [0, 2]) {
        const root = join(await tempDir(), `${name}-${workers}.zarr`);
        const inner = await FileSystemChunkStore.open(root);
        let commits = 0;
        const store: ChunkStore = {
          set: (key, bytes) => inner.set(key, bytes),
          async stage(key) {
            const staged = await inner.stage(key);
            if (name === "open") return { ...staged, path: join(root, "missing-folder", "chunk") }; // the file cannot be created
            return { ...staged, commit: async () => (++commits === 2 ? Promise.reject(new Error("disk full")) : staged.commit()) };
          },
        };
        await expect(
          writeOmeZarrPyramid(memorySource(data, "float32", shape, 1), store, { chunks: { z: 4, y: 8, x: 8 }, workers, maxRowBytes: 0 }),
          `${name} workers ${workers}`,
        ).rejects.toThrow(failure);
        const left = await readdir(root, { recursive: true });
        expect(left, `${name} workers ${workers}`).not.toContain(".zgroup");
        expect(
          left.filter((n) => n.includes("ingestkit-tmp")),
          `${name} workers ${workers}: staged files removed`,
        ).toEqual([]);
      }
    }
  });

  it("a failing store rejects the write and never writes .zgroup", async () => {
    const keys: string[] = [];
    let n = 0;
    const store: ChunkStore = {
      set: async (key) => {
        if (++n === 3) throw new Error("disk full");
        keys.push(key);
      },
    };
    const shape = { z: 9, y: 9, x: 9 };
    await expect(writeOmeZarrPyramid(memorySource(new Float32Array(729), "float32", shape, 1), store, { chunks: { z: 4, y: 4, x: 4 }, workers: 1 })).rejects.toThrow("disk full");
    expect(keys).not.toContain(".zgroup");
    expect(keys).not.toContain(".zattrs");
  });

  it("rejects a source whose slab has the wrong length, and a missing voxel size", async () => {
    const shape = { z: 4, y: 4, x: 4 };
    const bad: SlabSource = { ...memorySource(new Float32Array(64), "float32", shape, 1), readSlab: async () => new Float32Array(3) };
    await expect(writeOmeZarrPyramid(bad, { set: async () => {} }, { workers: 0 })).rejects.toThrow(/returned 3 voxels/);
    const noVoxel = memorySource(new Float32Array(64), "float32", shape, 0);
    await expect(writeOmeZarrPyramid(noVoxel, { set: async () => {} }, { workers: 0 })).rejects.toThrow(/voxel spacing/);
  });
});
