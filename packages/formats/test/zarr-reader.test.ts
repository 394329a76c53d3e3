/**
 * OME-Zarr input reader: inputs written by Debian's python3-zarr 2.13 / numcodecs 0.11 (the
 * independent writer), compared voxel for voxel with numpy; round trip through our own pyramid
 * writer; clear errors for bad inputs.
 */
import { mkdtemp, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  FileSystemChunkReader,
  FileSystemChunkStore,
  ZarrReadError,
  openOmeZarr,
  openOmeZarrDirectory,
  writeOmeZarrPyramid,
  type ChunkReader,
  type SlabSource,
  type VoxelArray,
} from "@ingestkit/formats";
import { runPython } from "./zarr-python.js";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ingestkit-zarr-reader-"));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/**
 * Writes each case with python zarr (argv: output dir) and prints a manifest; `raw` is the whole
 * array as little-endian C-order bytes of `np` (numpy's own values, the expectation).
 */
const MAKE_INPUTS_PY = String.raw`
import json, os, sys
import numpy as np, zarr, numcodecs
out = sys.argv[1]
rng = np.random.default_rng(7)
cases = []

def ngff_group(name, levels, dimension_separator, compressor, dtype, shape, chunks, scale, unit="angstrom", fill_value=0, writer=None):
    root = os.path.join(out, name)
    store = zarr.storage.DirectoryStore(root, dimension_separator=dimension_separator)
    g = zarr.group(store, overwrite=True)
    datasets = []
    arrays = []
    for i in range(levels):
        s = tuple(-(-n // 2 ** i) for n in shape)
        a = g.create_dataset(str(i), shape=s, chunks=chunks, dtype=dtype, compressor=compressor, fill_value=fill_value)
        data = writer(s, a) if writer else None
        if data is None:
            if np.dtype(dtype).kind == "f":
                data = (rng.standard_normal(s) * 100).astype(dtype)
            else:
                info = np.iinfo(np.dtype(dtype))
                data = rng.integers(info.min, info.max, size=s, endpoint=True).astype(dtype)
            a[...] = data
        arrays.append(a)
        datasets.append({"path": str(i), "coordinateTransformations": [{"scale": [scale[0] * 2 ** i, scale[1] * 2 ** i, scale[2] * 2 ** i], "type": "scale"}]})
    g.attrs["multiscales"] = [{"axes": [{"name": n, "type": "space", "unit": unit} for n in "zyx"], "datasets": datasets, "name": "/", "version": "0.4"}]
    for i, a in enumerate(arrays):
        raw = os.path.join(out, "%s-%d.raw" % (name, i))
        v = a[...]
        v.astype(v.dtype.newbyteorder("<")).tofile(raw)
        cases.append({"name": name, "root": root, "level": str(i), "raw": raw, "np": v.dtype.newbyteorder("<").str, "shape": list(v.shape),
                      "scale": datasets[i]["coordinateTransformations"][0]["scale"], "zarray": json.load(open(os.path.join(root, str(i), ".zarray")))})

ngff_group("blosc-lz4", 2, "/", numcodecs.Blosc(cname="lz4", clevel=5, shuffle=numcodecs.Blosc.SHUFFLE), "<f4", (21, 33, 40), (8, 16, 16), (4.2, 4.2, 4.2))
ngff_group("zstd-be-i2", 1, "/", numcodecs.Zstd(level=3), ">i2", (9, 17, 12), (4, 8, 5), (1.5, 2.5, 3.5), unit="nanometer")
ngff_group("raw-dot-u2", 1, ".", None, "<u2", (10, 11, 12), (3, 4, 5), (2.0, 2.0, 2.0))
def partial(s, a):
    a[2:5, 1:3, 0:4] = np.arange(24, dtype="<f8").reshape(3, 2, 4) - 5.5
    return None if False else a[...]
ngff_group("sparse-fill-f8", 1, "/", numcodecs.Blosc(cname="zstd", clevel=1, shuffle=numcodecs.Blosc.BITSHUFFLE), "<f8", (12, 9, 10), (3, 3, 3), (1.0, 1.0, 1.0), fill_value=float("nan"), writer=partial)
def partial_u1(s, a):
    a[0:2, :, :] = 200
    return a[...]
ngff_group("gzip-u1-fill", 1, "/", numcodecs.GZip(level=5), "|u1", (6, 7, 8), (4, 4, 4), (1.0, 1.0, 1.0), fill_value=9, writer=partial_u1)
ngff_group("zlib-i1", 1, ".", numcodecs.Zlib(level=1), "|i1", (5, 6, 7), (2, 3, 4), (1.0, 1.0, 1.0))
ngff_group("lz4-be-f4", 1, "/", numcodecs.LZ4(), ">f4", (7, 8, 9), (7, 8, 9), (0.5, 0.5, 0.5))

# F order and an unknown codec (bz2 is a real numcodecs codec our reader does not decode)
for name, kw in (("order-f", dict(order="F", compressor=None)), ("bz2", dict(compressor=numcodecs.BZ2()))):
    root = os.path.join(out, name)
    g = zarr.group(zarr.storage.DirectoryStore(root, dimension_separator="/"), overwrite=True)
    a = g.create_dataset("0", shape=(4, 4, 4), chunks=(2, 2, 2), dtype="<f4", **kw)
    a[...] = 1
    g.attrs["multiscales"] = [{"axes": [{"name": n, "type": "space", "unit": "angstrom"} for n in "zyx"], "datasets": [{"path": "0", "coordinateTransformations": [{"scale": [1.0, 1.0, 1.0], "type": "scale"}]}], "name": "/", "version": "0.4"}]

# a bare array (no group)
bare = zarr.open(os.path.join(out, "bare"), mode="w", shape=(5, 4, 3), chunks=(2, 2, 2), dtype="<i4")
bare[...] = np.arange(60, dtype="<i4").reshape(5, 4, 3) * -3
print(json.dumps(cases))
`;

interface Case {
  name: string;
  root: string;
  level: string;
  raw: string;
  np: string;
  shape: [number, number, number];
  scale: [number, number, number];
  zarray: { dtype: string; compressor: { id: string } | null };
}

let cases: Case[] = [];
beforeAll(() => {
  const { stdout, stderr, status } = runPython(MAKE_INPUTS_PY, [dir]);
  if (status !== 0) throw new Error(`python zarr failed to write the inputs:\n${stderr}`);
  cases = JSON.parse(stdout) as Case[];
});

function typed(np: string, bytes: Uint8Array): VoxelArray {
  const copy = bytes.slice();
  const b = copy.buffer;
  switch (np) {
    case "<f4":
      return new Float32Array(b);
    case "<f8":
      return new Float64Array(b);
    case "<i2":
      return new Int16Array(b);
    case "<u2":
      return new Uint16Array(b);
    case "<i4":
      return new Int32Array(b);
    case "|u1":
      return new Uint8Array(b);
    case "|i1":
      return new Int8Array(b);
    default:
      throw new Error(`test: no typed array for ${np}`);
  }
}

/** Exact comparison that treats NaN as equal to NaN (fill values). */
function expectSameVoxels(got: VoxelArray, want: VoxelArray, what: string): void {
  expect(got.constructor.name, what).toBe(want.constructor.name);
  expect(got.length, what).toBe(want.length);
  let bad = 0;
  let first = -1;
  for (let i = 0; i < got.length; i++) {
    if (!Object.is(got[i], want[i])) {
      bad++;
      if (first < 0) first = i;
    }
  }
  expect(bad, `${what}: ${bad} voxels differ, first at ${first}: ${got[first]} vs ${want[first]}`).toBe(0);
}

/** A store that records the keys asked for. */
function counting(inner: ChunkReader): ChunkReader & { keys: string[] } {
  const keys: string[] = [];
  return { name: inner.name, keys, get: (key) => (keys.push(key), inner.get(key)) };
}

describe("openOmeZarr on inputs written by python zarr 2.13", () => {
  it("reads every case voxel for voxel like numpy, whole and in uneven slabs", async () => {
    expect(cases.length).toBe(8);
    for (const c of cases) {
      const source = await openOmeZarr(new FileSystemChunkReader(c.root), { level: c.level });
      const what = `${c.name} level ${c.level} (${c.zarray.dtype}, ${c.zarray.compressor?.id ?? "no compressor"})`;
      expect(source.shape, what).toEqual({ z: c.shape[0], y: c.shape[1], x: c.shape[2] });
      const unit = c.name === "zstd-be-i2" ? 10 : 1; // nanometer → Å
      expect(source.voxelSize.z, what).toBeCloseTo(c.scale[0] * unit, 12);
      expect(source.voxelSize.y, what).toBeCloseTo(c.scale[1] * unit, 12);
      expect(source.voxelSize.x, what).toBeCloseTo(c.scale[2] * unit, 12);
      const want = typed(c.np, await readFile(c.raw));
      expectSameVoxels(await source.readSlab(0, source.shape.z), want, `${what} whole`);
      const plane = source.shape.y * source.shape.x;
      for (const [z0, z1] of [
        [0, 1],
        [1, 4],
        [3, Math.min(source.shape.z, 8)],
        [source.shape.z - 1, source.shape.z],
        [2, 2],
      ] as [number, number][]) {
        expectSameVoxels(await source.readSlab(z0, z1), want.slice(z0 * plane, z1 * plane) as VoxelArray, `${what} [${z0}, ${z1})`);
      }
      await source.close();
    }
  });

  it("maps numpy dtypes (big-endian included) and fill values", async () => {
    const byName = async (name: string) => openOmeZarrDirectory(join(dir, name));
    expect((await byName("zstd-be-i2")).dtype).toBe("int16");
    expect((await byName("lz4-be-f4")).dtype).toBe("float32");
    const sparse = await byName("sparse-fill-f8");
    expect(sparse.dtype).toBe("float64");
    expect(sparse.fillValue).toBeNaN();
    const slab = await sparse.readSlab(0, 12);
    expect(slab[0]).toBeNaN(); // a chunk never written
    expect(slab[(2 * 9 + 1) * 10]).toBe(-5.5);
    const gz = await byName("gzip-u1-fill");
    expect(gz.fillValue).toBe(9);
    expect(Array.from((await gz.readSlab(5, 6)).slice(0, 3))).toEqual([9, 9, 9]);
    expect((await byName("raw-dot-u2")).chunks).toEqual({ z: 3, y: 4, x: 5 });
  });

  it("selects a level by dataset path and lists the levels", async () => {
    const level1 = await openOmeZarrDirectory(join(dir, "blosc-lz4"), { level: "1" });
    expect(level1.path).toBe("1");
    expect(level1.levels).toEqual(["0", "1"]);
    expect(level1.shape).toEqual({ z: 11, y: 17, x: 20 });
    expect(level1.voxelSize).toEqual({ z: 8.4, y: 8.4, x: 8.4 });
    await expect(openOmeZarrDirectory(join(dir, "blosc-lz4"), { level: "7" })).rejects.toThrow(/\.zattrs: Zarr multiscales\.datasets: no dataset with path "7"; levels: 0, 1/);
  });

  it("reads a bare array at the root (voxel size 0)", async () => {
    const bare = await openOmeZarrDirectory(join(dir, "bare"));
    expect(bare.dtype).toBe("int32");
    expect(bare.voxelSize).toEqual({ x: 0, y: 0, z: 0 });
    expect(Array.from(await bare.readSlab(4, 5))).toEqual(Array.from({ length: 12 }, (_, i) => (48 + i) * -3));
  });

  it("fetches only the chunks a slab needs, and decodes each chunk once for consecutive thin slabs", async () => {
    const store = counting(new FileSystemChunkReader(join(dir, "blosc-lz4")));
    const source = await openOmeZarr(store);
    store.keys.length = 0;
    await source.readSlab(9, 12); // chunk z-index 1 only (chunks of 8 planes)
    const chunkKeys = store.keys.filter((k) => !k.includes(".z"));
    expect(chunkKeys.length).toBe(3 * 3); // ceil(33/16) × ceil(40/16)
    expect(chunkKeys.every((k) => k.startsWith("0/1/"))).toBe(true);
    store.keys.length = 0;
    await source.readSlab(12, 16);
    expect(store.keys).toEqual([]); // same chunk row, from the cache
    const nocache = counting(new FileSystemChunkReader(join(dir, "blosc-lz4")));
    const uncached = await openOmeZarr(nocache, { cacheBytes: 0 });
    nocache.keys.length = 0;
    await uncached.readSlab(12, 16);
    expect(nocache.keys.length).toBe(9);
  });
});

describe("Blosc lz4 chunks read block by block (ranged reads)", () => {
  it("thin slabs of multi-block chunks equal numpy and read only part of each chunk; memcpyed and unshuffled chunks too", async () => {
    const root = join(dir, "multiblock");
    // 64³ float32 chunks are 1 MiB: two 512 KiB Blosc blocks of 32 planes each (c-blosc 1.21, clevel 5)
    const made = runPython(
      String.raw`
import sys, numpy as np, zarr, numcodecs
root = sys.argv[1]
rng = np.random.default_rng(5)
shape = (70, 64, 70)
smooth = (np.sin(np.arange(np.prod(shape)) * 0.001) * 100).astype("<f4").reshape(shape)
noise = rng.integers(0, 2**32, size=shape, dtype=np.uint32).view("<f4")  # incompressible: memcpyed chunks
for name, data, shuffle in [("smooth", smooth, numcodecs.Blosc.SHUFFLE), ("noise", noise, numcodecs.Blosc.SHUFFLE), ("noshuffle", smooth, numcodecs.Blosc.NOSHUFFLE)]:
    g = zarr.open_group(root + "/" + name, mode="w")
    g.create_dataset("0", data=data, chunks=(64, 64, 64), compressor=numcodecs.Blosc(cname="lz4", clevel=5, shuffle=shuffle), dimension_separator="/")
    g.attrs["multiscales"] = [{"version": "0.4", "axes": [{"name": n, "type": "space", "unit": "angstrom"} for n in "zyx"], "datasets": [{"path": "0", "coordinateTransformations": [{"type": "scale", "scale": [1.0, 1.0, 1.0]}]}]}]
    data.tofile(root + "/" + name + ".raw")
`,
      [root],
    );
    expect(made.status, made.stderr).toBe(0);
    for (const name of ["smooth", "noise", "noshuffle"]) {
      const raw = new Float32Array(new Uint8Array(await readFile(join(root, `${name}.raw`))).buffer);
      const inner = new FileSystemChunkReader(join(root, name));
      let rangedBytes = 0;
      let wholeReads = 0;
      const store: ChunkReader = {
        name: inner.name,
        get: (key) => (/\d$/.test(key) && wholeReads++, inner.get(key)),
        getRange: async (key, start, end) => {
          const got = await inner.getRange(key, start, end);
          rangedBytes += got?.length ?? 0;
          return got;
        },
      };
      const source = await openOmeZarr(store);
      const plane = 64 * 70;
      for (const [z0, z1] of [
        [0, 1],
        [1, 3],
        [31, 33],
        [33, 64],
        [63, 66],
        [66, 70],
        [0, 70],
      ] as const) {
        const slab = await source.readSlab(z0, z1);
        expect(Buffer.from(slab.buffer, slab.byteOffset, slab.byteLength).equals(Buffer.from(raw.buffer, z0 * plane * 4, (z1 - z0) * plane * 4)), `${name} [${z0}, ${z1})`).toBe(
          true,
        );
      }
      expect(wholeReads, `${name}: no chunk read whole`).toBe(0);
      // one plane of the first chunk row: at most one 512 KiB block per chunk (+ headers), not the 1 MiB chunks
      rangedBytes = 0;
      const fresh = await openOmeZarr(store);
      await fresh.readSlab(5, 6);
      expect(rangedBytes, name).toBeLessThan(2 * (512 * 1024 + 1024)); // two chunks (x: 64 + 6) in the row
    }
  });
});

describe("round trip through our pyramid writer", () => {
  it("reads back level 0 equal to the source, and the levels' shapes and voxel sizes", async () => {
    const shape = { z: 37, y: 50, x: 29 };
    const data = new Float32Array(shape.z * shape.y * shape.x);
    let s = 12345;
    for (let i = 0; i < data.length; i++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      data[i] = (s / 2 ** 32) * 1000 - 500;
    }
    const plane = shape.y * shape.x;
    const source: SlabSource = {
      shape,
      dtype: "float32",
      voxelSize: { x: 3.1, y: 3.1, z: 3.1 },
      readSlab: async (z0, z1) => data.slice(z0 * plane, z1 * plane),
      close: async () => {},
    };
    const root = join(dir, "roundtrip.zarr");
    const store = await FileSystemChunkStore.open(root, { overwrite: true });
    await writeOmeZarrPyramid(source, store, { chunks: { z: 16, y: 16, x: 16 }, workers: 0 });
    const back = await openOmeZarrDirectory(root);
    expect(back.levels).toEqual(["0", "1", "2"]);
    expect(back.dtype).toBe("float32");
    expect(back.shape).toEqual(shape);
    expect(back.voxelSize).toEqual({ x: 3.1, y: 3.1, z: 3.1 });
    expectSameVoxels(await back.readSlab(0, shape.z), data, "level 0");
    let joined = new Float32Array(0);
    for (let z0 = 0; z0 < shape.z; z0 += 5) {
      const part = await back.readSlab(z0, Math.min(shape.z, z0 + 5));
      const next = new Float32Array(joined.length + part.length);
      next.set(joined);
      next.set(part as Float32Array, joined.length);
      joined = next;
    }
    expectSameVoxels(joined, data, "level 0 in 5-plane slabs");
    const l2 = await openOmeZarrDirectory(root, { level: "2" });
    expect(l2.shape).toEqual({ z: 10, y: 13, x: 8 });
    expect(l2.voxelSize).toEqual({ x: 12.4, y: 12.4, z: 12.4 });
  });
});

describe("pyramid writer with spilled chunk rows (maxRowBytes)", () => {
  it("writes byte-identical chunks whether rows are kept in memory or spilled to a temp file, inline or pooled", async () => {
    const shape = { z: 45, y: 37, x: 50 };
    const data = new Int16Array(shape.z * shape.y * shape.x);
    for (let i = 0; i < data.length; i++) data[i] = ((i * 7919) % 2001) - 1000;
    const plane = shape.y * shape.x;
    const source = (): SlabSource => ({
      shape,
      dtype: "int16",
      voxelSize: { x: 2, y: 2, z: 2 },
      readSlab: async (z0, z1) => data.slice(z0 * plane, z1 * plane),
      close: async () => {},
    });
    const base = { chunks: { z: 8, y: 16, x: 16 }, readDepth: 3 };
    const spillDir = join(dir, "spill-tmp");
    const { mkdir, readdir } = await import("node:fs/promises");
    await mkdir(spillDir);
    const memory = join(dir, "memory.zarr");
    await writeOmeZarrPyramid(source(), await FileSystemChunkStore.open(memory, { overwrite: true }), { ...base, workers: 0 });
    for (const [name, extra] of [
      ["spilled-inline", { workers: 0, maxRowBytes: 0, tmpDir: spillDir }],
      ["spilled-pool", { workers: 2, maxRowBytes: 20_000, maxBytesInFlight: 1, tmpDir: spillDir }],
    ] as const) {
      const root = join(dir, `${name}.zarr`);
      await writeOmeZarrPyramid(source(), await FileSystemChunkStore.open(root, { overwrite: true }), { ...base, ...extra });
      const files = (await readdir(memory, { recursive: true })).sort();
      expect((await readdir(root, { recursive: true })).sort(), name).toEqual(files);
      for (const f of files) {
        const a = join(memory, f);
        if ((await stat(a)).isFile()) expect(Buffer.compare(await readFile(a), await readFile(join(root, f))), `${name} ${f}`).toBe(0);
      }
      expect(await readdir(spillDir), `${name}: spill files removed`).toEqual([]);
    }
    const back = await openOmeZarrDirectory(join(dir, "spilled-inline.zarr"));
    expectSameVoxels(await back.readSlab(0, shape.z), Float32Array.from(data), "spilled level 0 (float32 output)");
  });
});

describe("bad inputs fail clearly, naming the file and the field", () => {
  it("missing .zarray of the selected dataset", async () => {
    const root = join(dir, "no-zarray");
    await runPyCopy(join(dir, "raw-dot-u2"), root);
    await rm(join(root, "0", ".zarray"));
    await expect(openOmeZarrDirectory(root)).rejects.toThrow(`${join(root, "0", ".zarray")}: Zarr .zarray: missing`);
  });

  it("order F", async () => {
    const err = await openOmeZarrDirectory(join(dir, "order-f")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZarrReadError);
    expect((err as ZarrReadError).file).toBe(join(dir, "order-f", "0", ".zarray"));
    expect((err as ZarrReadError).field).toBe("order");
    expect(String(err)).toMatch(/only C order is supported, got "F"/);
  });

  it("a compressor we cannot decode", async () => {
    await expect(openOmeZarrDirectory(join(dir, "bz2"))).rejects.toThrow(`${join(dir, "bz2", "0", ".zarray")}: Zarr compressor: unsupported compressor {"id":"bz2","level":1}`);
  });

  it("a truncated chunk (compressed, and uncompressed)", async () => {
    const root = join(dir, "truncated");
    await runPyCopy(join(dir, "blosc-lz4"), root);
    const chunk = join(root, "0", "1", "0", "1");
    await truncate(chunk, 100);
    const source = await openOmeZarrDirectory(root);
    await expect(source.readSlab(0, 8)).resolves.toBeDefined(); // other chunk rows are fine
    const err = await source.readSlab(8, 9).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZarrReadError);
    expect((err as ZarrReadError).file).toBe(chunk);
    expect((err as ZarrReadError).field).toBe("chunk");
    expect(String(err)).toMatch(/truncated or corrupt chunk/);

    // every other compressor: truncated to half its length
    for (const name of ["zstd-be-i2", "gzip-u1-fill", "zlib-i1", "lz4-be-f4", "sparse-fill-f8"]) {
      const copy = join(dir, `truncated-${name}`);
      await runPyCopy(join(dir, name), copy);
      const sep = name === "zlib-i1" ? "." : "/";
      const key = name === "sparse-fill-f8" ? ["1", "0", "0"] : ["0", "0", "0"];
      const file = join(copy, "0", key.join(sep));
      const { size } = await stat(file);
      await truncate(file, Math.floor(size / 2));
      const z0 = Number(key[0]) * (name === "sparse-fill-f8" ? 3 : 1);
      const e = await (await openOmeZarrDirectory(copy)).readSlab(z0, z0 + 1).catch((x: unknown) => x);
      expect(e, name).toBeInstanceOf(ZarrReadError);
      expect((e as ZarrReadError).file, name).toBe(file);
      expect((e as ZarrReadError).field, name).toBe("chunk");
    }

    const rawRoot = join(dir, "truncated-raw");
    await runPyCopy(join(dir, "raw-dot-u2"), rawRoot);
    await truncate(join(rawRoot, "0", "0.0.1"), 7);
    const raw = await openOmeZarrDirectory(rawRoot);
    await expect(raw.readSlab(0, 1)).rejects.toThrow(`${join(rawRoot, "0", "0.0.1")}: Zarr chunk: decoded to 7 bytes, expected 120`);
  });

  it("not 3-D spatial axes, bad dtype, not a zarr store, Zarr v3", async () => {
    const root = join(dir, "axes");
    await runPyCopy(join(dir, "raw-dot-u2"), root);
    const attrs = JSON.parse(await readFile(join(root, ".zattrs"), "utf8"));
    attrs.multiscales[0].axes = [{ name: "c", type: "channel" }, ...attrs.multiscales[0].axes];
    await writeFile(join(root, ".zattrs"), JSON.stringify(attrs));
    await expect(openOmeZarrDirectory(root)).rejects.toThrow(`${join(root, ".zattrs")}: Zarr multiscales.axes: expected exactly the 3 spatial axes z, y, x`);

    const dt = join(dir, "dtype");
    await runPyCopy(join(dir, "raw-dot-u2"), dt);
    const zarray = JSON.parse(await readFile(join(dt, "0", ".zarray"), "utf8"));
    zarray.dtype = "<c8";
    await writeFile(join(dt, "0", ".zarray"), JSON.stringify(zarray));
    await expect(openOmeZarrDirectory(dt)).rejects.toThrow(`${join(dt, "0", ".zarray")}: Zarr dtype: unsupported dtype "<c8"`);

    await expect(openOmeZarrDirectory(join(dir, "nothing-here"))).rejects.toThrow(/Zarr multiscales: no \.zattrs, \.zgroup or \.zarray: not a Zarr v2 store/);
    const v3 = join(dir, "v3");
    await runPyCopy(join(dir, "bare"), v3);
    await rm(join(v3, ".zarray"));
    await writeFile(join(v3, "zarr.json"), '{"zarr_format": 3, "node_type": "group"}');
    await expect(openOmeZarrDirectory(v3)).rejects.toThrow(/zarr\.json: Zarr zarr_format: Zarr v3 .* not supported yet/);
  });
});

async function runPyCopy(from: string, to: string): Promise<void> {
  const { cp } = await import("node:fs/promises");
  await cp(from, to, { recursive: true });
}
