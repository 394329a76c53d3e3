/**
 * Key images (src/image): projection, contrast, crop geometry and PNG output, checked against
 * hand-computed values, against sharp's decoder, a small PNG reader below (zlib + PNG filters),
 * and Pillow (/usr/bin/python3) as an independent decoder.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inflateSync } from "node:zlib";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { float32ToFloat16Bits } from "../src/mrc/float16.js";
import type { SlabSource, VoxelArray, VoxelDType } from "../src/volume.js";
import {
  aspectCropBox,
  centralProjection,
  centralSlabRange,
  clipRange,
  cropAspect,
  KeyImageError,
  makeRaster,
  NonFiniteVoxelError,
  renderKeyImages,
  rotate90CounterClockwise,
  scaledHeight,
  scaleToUint8,
  toUint8Clipped,
  type Raster,
} from "../src/image/index.js";

// ---------------------------------------------------------------------------------------------
// helpers

type Shape = { z: number; y: number; x: number };

/** In-memory SlabSource over a C-order typed array; records the slabs asked for. */
function memorySource(data: VoxelArray, dtype: VoxelDType, shape: Shape): SlabSource & { reads: [number, number][] } {
  const plane = shape.y * shape.x;
  const reads: [number, number][] = [];
  return {
    shape,
    dtype,
    voxelSize: { x: 1, y: 1, z: 1 },
    reads,
    async readSlab(z0: number, z1: number) {
      if (z0 < 0 || z1 > shape.z || z0 >= z1) throw new Error(`bad slab ${z0}..${z1}`);
      reads.push([z0, z1]);
      return data.slice(z0 * plane, z1 * plane);
    },
    async close() {},
  };
}

/** Float32 volume from f(z, y, x). */
function volume(shape: Shape, f: (z: number, y: number, x: number) => number): Float32Array {
  const out = new Float32Array(shape.z * shape.y * shape.x);
  let i = 0;
  for (let z = 0; z < shape.z; z++) for (let y = 0; y < shape.y; y++) for (let x = 0; x < shape.x; x++) out[i++] = f(z, y, x);
  return out;
}

/** Deterministic small integers in [-range, range] (LCG), so float32 sums are exact. */
function noise(seed: number, range: number): (z: number, y: number, x: number) => number {
  return (z, y, x) => {
    let h = (seed ^ (z * 73856093) ^ (y * 19349663) ^ (x * 83492791)) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0x5bd1e995) >>> 0;
    h = (h ^ (h >>> 15)) >>> 0;
    return (h % (2 * range + 1)) - range;
  };
}

/** Independent expected key-image pixels: float64 sum of z0..z1-1, then clip ±3σ and truncate. */
function expectedPixels(shape: Shape, f: (z: number, y: number, x: number) => number, z0: number, z1: number): Uint8Array {
  const n = shape.y * shape.x;
  const sum = new Float64Array(n);
  for (let z = z0; z < z1; z++) for (let y = 0; y < shape.y; y++) for (let x = 0; x < shape.x; x++) sum[y * shape.x + x]! += f(z, y, x);
  const mean = sum.reduce((a, b) => a + b, 0) / n;
  const std = Math.sqrt(sum.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  const lo = Math.fround(mean - Math.fround(3 * Math.fround(std)));
  const hi = Math.fround(mean + Math.fround(3 * Math.fround(std)));
  return Uint8Array.from(sum, (v) => (hi <= lo ? 255 : v <= lo ? 0 : v >= hi ? 255 : Math.floor((255 * (v - lo)) / (hi - lo))));
}

/** A minimal PNG reader: chunks, IHDR, inflate IDAT, undo the five filter types (8-bit only). */
function readPng(bytes: Uint8Array): { width: number; height: number; bitDepth: number; colourType: number; channels: number; pixels: Uint8Array; chunks: string[] } {
  const b = Buffer.from(bytes);
  expect(b.subarray(0, 8).toString("hex")).toBe("89504e470d0a1a0a");
  const chunks: string[] = [];
  const idat: Buffer[] = [];
  let width = 0,
    height = 0,
    bitDepth = 0,
    colourType = -1,
    interlace = -1;
  for (let o = 8; o < b.length; ) {
    const len = b.readUInt32BE(o);
    const type = b.toString("latin1", o + 4, o + 8);
    const body = b.subarray(o + 8, o + 8 + len);
    chunks.push(type);
    if (type === "IHDR") {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      bitDepth = body[8]!;
      colourType = body[9]!;
      interlace = body[12]!;
    } else if (type === "IDAT") idat.push(body);
    o += 12 + len;
  }
  expect(bitDepth).toBe(8);
  expect(interlace).toBe(0);
  const channels = ({ 0: 1, 2: 3, 4: 2, 6: 4 } as Record<number, number>)[colourType]!;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  expect(raw.length).toBe(height * (stride + 1));
  const pixels = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    if (filter > 4) throw new Error(`row ${y}: unknown PNG filter ${filter}`);
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i]!;
      const a = i >= channels ? pixels[y * stride + i - channels]! : 0;
      const up = y > 0 ? pixels[(y - 1) * stride + i]! : 0;
      const c = y > 0 && i >= channels ? pixels[(y - 1) * stride + i - channels]! : 0;
      let pred = 0;
      if (filter === 1) pred = a;
      else if (filter === 2) pred = up;
      else if (filter === 3) pred = (a + up) >> 1;
      else if (filter === 4) {
        const p = a + up - c;
        const pa = Math.abs(p - a),
          pb = Math.abs(p - up),
          pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? up : c;
      }
      pixels[y * stride + i] = (x + pred) & 0xff;
    }
  }
  return { width, height, bitDepth, colourType, channels, pixels, chunks };
}

/** Pillow's view of PNG files: mode, size and sha256 of the pixel bytes. */
const PIL_PY = String.raw`
import hashlib, json, sys
from PIL import Image
out = []
for path in sys.argv[1:]:
    im = Image.open(path); im.load()
    out.append({"mode": im.mode, "size": list(im.size), "sha256": hashlib.sha256(im.tobytes()).hexdigest()})
print(json.dumps(out))
`;
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function pillow(pngs: Uint8Array[]): Promise<{ mode: string; size: [number, number]; sha256: string }[]> {
  const dir = await mkdtemp(join(tmpdir(), "ingestkit-keyimage-"));
  dirs.push(dir);
  const paths = await Promise.all(
    pngs.map(async (p, i) => {
      const path = join(dir, `${i}.png`);
      await writeFile(path, p);
      return path;
    }),
  );
  const r = spawnSync("/usr/bin/python3", ["-c", PIL_PY, ...paths], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`Pillow failed (install python3-pil): ${r.stderr || r.error}`);
  return JSON.parse(r.stdout);
}

const sha256 = (a: Uint8Array) => createHash("sha256").update(a).digest("hex");

async function sharpRaw(png: Uint8Array) {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), info };
}

/** Only channel 0 of an interleaved buffer, after asserting all channels are equal (grey). */
function greyOf(pixels: Uint8Array, channels: number): Uint8Array {
  const out = new Uint8Array(pixels.length / channels);
  for (let i = 0; i < out.length; i++) {
    for (let c = 1; c < channels; c++) if (pixels[i * channels + c] !== pixels[i * channels]) throw new Error(`pixel ${i} is not grey`);
    out[i] = pixels[i * channels]!;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

describe("centralSlabRange", () => {
  it("is z_center - 20 .. z_center + 20 as the reference's project_slab", () => {
    expect(centralSlabRange(100)).toEqual([30, 70]);
    expect(centralSlabRange(101)).toEqual([30, 70]);
    expect(centralSlabRange(50)).toEqual([5, 45]);
    expect(centralSlabRange(41)).toEqual([0, 40]);
    expect(centralSlabRange(40)).toEqual([0, 40]);
    expect(centralSlabRange(10, 5)).toEqual([3, 8]);
  });
  it("takes the whole volume when it is thinner than the depth (the reference would wrap a negative index)", () => {
    expect(centralSlabRange(39)).toEqual([0, 39]);
    expect(centralSlabRange(30)).toEqual([0, 30]);
    expect(centralSlabRange(1)).toEqual([0, 1]);
  });
  it("rejects an empty volume", () => {
    expect(() => centralSlabRange(0)).toThrow(KeyImageError);
    expect(() => centralSlabRange(0)).toThrow(/0 sections/);
  });
});

describe("centralProjection", () => {
  const shape = { z: 50, y: 6, x: 8 };
  const f = (z: number, y: number, x: number) => z * 1000 + y * 10 + x;

  it("sums sections 5..44 of a 50-section volume (hand-computed), reading only those", async () => {
    const src = memorySource(volume(shape, f), "float32", shape);
    const p = await centralProjection(src);
    expect(p.zRange).toEqual([5, 45]);
    expect([p.width, p.height]).toEqual([8, 6]);
    // sum_{z=5}^{44} z = 980; 40 sections of y*10 + x
    for (let y = 0; y < 6; y++) for (let x = 0; x < 8; x++) expect(p.data[y * 8 + x]).toBe(980_000 + 400 * y + 40 * x);
    expect(src.reads).toEqual([[5, 45]]);
  });

  it("reads in bounded slabs when maxReadBytes is small", async () => {
    const src = memorySource(volume(shape, f), "float32", shape);
    const p = await centralProjection(src, { maxReadBytes: 3 * 6 * 8 * 4 });
    expect(p.data[0]).toBe(980_000);
    expect(src.reads.every(([a, b]) => b - a <= 3 && a >= 5 && b <= 45)).toBe(true);
    expect(src.reads.reduce((n, [a, b]) => n + b - a, 0)).toBe(40);
    expect(src.reads[0]![0]).toBe(5);
  });

  it("projects a volume thinner than 40 sections whole", async () => {
    const thin = { z: 10, y: 6, x: 8 };
    const src = memorySource(volume(thin, f), "float32", thin);
    const p = await centralProjection(src);
    expect(p.zRange).toEqual([0, 10]);
    expect(p.data[6 * 8 - 1]).toBe(45_000 + 10 * (50 + 7)); // sum z 0..9 = 45
  });

  it("sums in float32 like numpy (1e8 + 40 × 1 stays 1e8)", async () => {
    const s = { z: 41, y: 1, x: 2 };
    const src = memorySource(
      volume(s, (z, _y, x) => (z === 0 && x === 0 ? 1e8 : 1)),
      "float32",
      s,
    );
    const p = await centralProjection(src);
    expect(p.data[0]).toBe(1e8); // 1e8 + 1 rounds back to 1e8 in float32, 39 times
    expect(p.data[1]).toBe(40);
  });
});

describe("contrast (toUint8Clipped)", () => {
  it("clips to mean ± 3σ and truncates (hand-computed)", () => {
    // 99 zeros and one 1000: mean 10, σ = sqrt(10000 - 100) = 99.4987, window [-288.496, 308.496]
    const data = new Float32Array(100);
    data[99] = 1000;
    const { pixels, range } = toUint8Clipped({ data });
    expect(range.mean).toBe(10);
    expect(range.std).toBeCloseTo(99.49874, 4);
    expect(range.low).toBeCloseTo(-288.4962, 3);
    expect(range.high).toBeCloseTo(308.4962, 3);
    expect(pixels[0]).toBe(123); // 255 * 288.4962 / 596.9925 = 123.23
    expect(pixels[99]).toBe(255); // clipped to the top
    expect(new Set(pixels.subarray(0, 99))).toEqual(new Set([123]));
  });

  it("maps a symmetric ramp by truncation", () => {
    // [1, 2, 3, 4]: mean 2.5, σ = sqrt(1.25); window 2.5 ± 3.3541
    const { pixels } = toUint8Clipped({ data: Float32Array.of(1, 2, 3, 4) });
    // 255 * (v - (2.5 - 3.3541)) / 6.7082: 70.48, 108.49, 146.51, 184.52
    expect(Array.from(pixels)).toEqual([70, 108, 146, 184]);
  });

  it("gives 255 everywhere for a constant image (the reference's NaN renders white) without dividing by zero", () => {
    const { pixels, range } = toUint8Clipped({ data: new Float32Array(12).fill(7) });
    expect(range.std).toBe(0);
    expect(Array.from(pixels)).toEqual(new Array(12).fill(255));
    expect(scaleToUint8(7, 7, 7)).toBe(255);
  });

  it("clipRange rounds to float32", () => {
    const r = clipRange(Float32Array.of(0.1, 0.2, 0.3));
    expect(r.mean).toBe(Math.fround(r.mean));
    expect(r.low).toBe(Math.fround(r.low));
  });
});

describe("crop geometry (process_key_image)", () => {
  it("rotates like np.rot90 (counter-clockwise)", () => {
    const img = makeRaster(3, 2, 1, Uint8Array.of(1, 2, 3, 4, 5, 6)); // [[1,2,3],[4,5,6]]
    const r = rotate90CounterClockwise(img);
    expect([r.width, r.height]).toEqual([2, 3]);
    expect(Array.from(r.data)).toEqual([3, 6, 2, 5, 1, 4]); // [[3,6],[2,5],[1,4]]
  });

  it("crops 4·(min//4) × 3·(min//4), centred, rotating portrait images", () => {
    expect(aspectCropBox(400, 300)).toEqual({ rotate: false, left: 50, top: 37, width: 300, height: 225 });
    expect(aspectCropBox(300, 400)).toEqual({ rotate: true, left: 50, top: 37, width: 300, height: 225 });
    expect(aspectCropBox(1000, 500)).toEqual({ rotate: false, left: 250, top: 62, width: 500, height: 375 });
    expect(aspectCropBox(8, 8)).toEqual({ rotate: false, left: 0, top: 1, width: 8, height: 6 });
    expect(aspectCropBox(683, 512)).toEqual({ rotate: false, left: 85, top: 64, width: 512, height: 384 });
  });

  it("crops pixels from the right place", () => {
    const img = makeRaster(
      6,
      5,
      1,
      Uint8Array.from({ length: 30 }, (_, i) => i),
    );
    const c = cropAspect(img); // factor 1: 4 × 3 at (1, 1)
    expect([c.width, c.height]).toEqual([4, 3]);
    expect(Array.from(c.data)).toEqual([7, 8, 9, 10, 13, 14, 15, 16, 19, 20, 21, 22]);
  });

  it("refuses an image too small for 4:3", () => {
    expect(() => aspectCropBox(3, 10)).toThrow(/too small/);
  });

  it("resized heights follow Python round-half-even (134 -> 100)", () => {
    expect(scaledHeight(4, 3, 134)).toBe(100);
    expect(scaledHeight(400, 300, 512)).toBe(384);
    expect(scaledHeight(400, 300, 1024)).toBe(768);
    expect(scaledHeight(4, 3, 130)).toBe(98); // 97.5 -> 98
  });
});

describe("renderKeyImages", () => {
  const shape = { z: 50, y: 300, x: 400 };
  const f = noise(1, 20);
  const data = volume(shape, f);

  it("writes the four PNGs with the reference's sizes, RGB with R = G = B, original = normalised projection", async () => {
    const src = memorySource(data, "float32", shape);
    const r = await renderKeyImages(src);
    expect(r.projection).toMatchObject({ width: 400, height: 300, zRange: [5, 45] });
    const expected = expectedPixels(shape, f, 5, 45);
    const sizes = { original: [400, 300], thumbnail: [134, 100], snapshot: [512, 384], expanded: [1024, 768] } as const;
    const kinds = ["original", "thumbnail", "snapshot", "expanded"] as const;
    const pil = await pillow(kinds.map((k) => r[k]));
    for (const [i, kind] of kinds.entries()) {
      const png = readPng(r[kind]);
      expect([png.width, png.height], kind).toEqual(sizes[kind]);
      expect(png.colourType, kind).toBe(2);
      expect(png.chunks[0]).toBe("IHDR");
      // no metadata: no tIME / tEXt / iCCP / eXIf; libvips' constant pHYs (72 dpi) only
      expect(new Set(png.chunks), kind).toEqual(new Set(["IHDR", "pHYs", "IDAT", "IEND"]));
      const viaSharp = await sharpRaw(r[kind]);
      expect([viaSharp.info.width, viaSharp.info.height, viaSharp.info.channels]).toEqual([...sizes[kind], 3]);
      expect(sha256(viaSharp.data), kind).toBe(sha256(png.pixels));
      expect(pil[i], kind).toEqual({ mode: "RGB", size: sizes[kind], sha256: sha256(png.pixels) });
      greyOf(png.pixels, 3);
    }
    const original = greyOf(readPng(r.original).pixels, 3);
    expect(sha256(original)).toBe(sha256(expected));
    expect(Array.from(original.subarray(0, 16))).toEqual(Array.from(expected.subarray(0, 16)));
    expect(new Set(original).size).toBeGreaterThan(50);
  });

  it("is reproducible: same input, identical bytes", async () => {
    const a = await renderKeyImages(memorySource(data, "float32", shape));
    const b = await renderKeyImages(memorySource(data, "float32", shape));
    for (const k of ["original", "thumbnail", "snapshot", "expanded"] as const) expect(Buffer.compare(a[k], b[k]), k).toBe(0);
  });

  it("writes 8-bit grey PNGs with channels: 1", async () => {
    const r = await renderKeyImages(memorySource(data, "float32", shape), { channels: 1 });
    const png = readPng(r.original);
    expect([png.colourType, png.channels]).toEqual([0, 1]);
    expect(sha256(png.pixels)).toBe(sha256(expectedPixels(shape, f, 5, 45)));
    const thumb = readPng(r.thumbnail);
    expect([thumb.width, thumb.height, thumb.colourType]).toEqual([134, 100, 0]);
    const pil = await pillow([r.original, r.thumbnail]);
    expect(pil.map((p) => p.mode)).toEqual(["L", "L"]);
    expect(pil[0]!.sha256).toBe(sha256(png.pixels));
  });

  it("rotates a portrait tomogram and crops the centre (pixel-exact: the 512-wide crop needs no resize)", async () => {
    const s = { z: 3, y: 683, x: 512 };
    const g = noise(7, 50);
    const r = await renderKeyImages(memorySource(volume(s, g), "float32", s), { channels: 1 });
    const original = readPng(r.original);
    expect([original.width, original.height]).toEqual([512, 683]);
    const snap = readPng(r.snapshot);
    expect([snap.width, snap.height]).toEqual([512, 384]);
    // rotated = np.rot90(original) is 683 × 512; crop 512 × 384 at left 85, top 64;
    // rotated[i][j] = original[j][511 - i]  =>  snapshot[row][col] = original[85 + col][511 - (64 + row)]
    for (const [row, col] of [
      [0, 0],
      [0, 511],
      [383, 0],
      [383, 511],
      [200, 300],
      [17, 401],
    ] as const) {
      expect(snap.pixels[row * 512 + col], `${row},${col}`).toBe(original.pixels[(85 + col) * 512 + (511 - (64 + row))]);
    }
    let same = 0;
    for (let row = 0; row < 384; row++) for (let col = 0; col < 512; col++) same += Number(snap.pixels[row * 512 + col] === original.pixels[(85 + col) * 512 + (447 - row)]);
    expect(same).toBe(512 * 384);
    expect([readPng(r.thumbnail).width, readPng(r.thumbnail).height]).toEqual([134, 100]);
  });

  it("crops a landscape tomogram centred without rotating (pixel-exact)", async () => {
    const s = { z: 2, y: 512, x: 683 };
    const r = await renderKeyImages(memorySource(volume(s, noise(11, 50)), "float32", s), { channels: 1 });
    const original = readPng(r.original);
    const snap = readPng(r.snapshot);
    expect([original.width, original.height, snap.width, snap.height]).toEqual([683, 512, 512, 384]);
    let same = 0;
    for (let row = 0; row < 384; row++) for (let col = 0; col < 512; col++) same += Number(snap.pixels[row * 512 + col] === original.pixels[(64 + row) * 683 + 85 + col]);
    expect(same).toBe(512 * 384);
  });

  it("resized images keep orientation: a left-to-right ramp stays a left-to-right ramp", async () => {
    const s = { z: 5, y: 90, x: 120 };
    const r = await renderKeyImages(
      memorySource(
        volume(s, (_z, _y, x) => x),
        "float32",
        s,
      ),
      { channels: 1 },
    );
    for (const kind of ["thumbnail", "snapshot", "expanded"] as const) {
      const png = readPng(r[kind]);
      const mid = png.pixels.subarray((png.height >> 1) * png.width, ((png.height >> 1) + 1) * png.width);
      for (let x = 1; x < png.width; x++) expect(mid[x]!, `${kind} x=${x}`).toBeGreaterThanOrEqual(mid[x - 1]!);
      // the 88-wide centre crop spans x = 16..103 of the ramp: grey 74..180 in the original
      expect(mid[0]!, kind).toBeGreaterThanOrEqual(73);
      expect(mid[0]!, kind).toBeLessThanOrEqual(76);
      expect(mid[png.width - 1]!, kind).toBeGreaterThanOrEqual(178);
      expect(mid[png.width - 1]!, kind).toBeLessThanOrEqual(181);
      for (let y = 0; y < png.height; y++) expect(png.pixels[y * png.width + 7], kind).toBe(png.pixels[7]); // columns are constant
    }
  });

  const dtypeCases: { dtype: VoxelDType; make: (v: Float32Array) => VoxelArray }[] = [
    { dtype: "float32", make: (v) => v },
    { dtype: "int8", make: (v) => Int8Array.from(v) },
    { dtype: "int16", make: (v) => Int16Array.from(v, (x) => x * 100) },
    { dtype: "uint16", make: (v) => Uint16Array.from(v, (x) => x + 40_000) },
    { dtype: "float16", make: (v) => float32ToFloat16Bits(Float32Array.from(v, (x) => x / 4)) },
  ];
  for (const { dtype, make } of dtypeCases) {
    it(`renders a ${dtype} source (values converted to float32 like the reference)`, async () => {
      const s = { z: 44, y: 30, x: 40 };
      const base = volume(s, noise(3, 20));
      const scale = dtype === "int16" ? 100 : dtype === "float16" ? 0.25 : 1;
      const offset = dtype === "uint16" ? 40_000 : 0;
      const r = await renderKeyImages(memorySource(make(base), dtype, s), { channels: 1 });
      const got = readPng(r.original);
      expect([got.width, got.height]).toEqual([40, 30]);
      const expected = expectedPixels(s, (z, y, x) => base[(z * 30 + y) * 40 + x]! * scale + offset, 2, 42);
      expect(Array.from(got.pixels)).toEqual(Array.from(expected));
      expect(readPng(r.expanded).width).toBe(1024);
    });
  }

  it("renders a constant volume as all white (σ = 0), no NaN", async () => {
    const s = { z: 8, y: 12, x: 16 };
    const r = await renderKeyImages(memorySource(new Float32Array(8 * 12 * 16).fill(3.5), "float32", s));
    expect(r.projection.clip.std).toBe(0);
    const png = readPng(r.original);
    expect(new Set(png.pixels)).toEqual(new Set([255]));
    expect(new Set(readPng(r.thumbnail).pixels)).toEqual(new Set([255]));
  });

  it("passes the full-size image to an overlay before cropping", async () => {
    const s = { z: 4, y: 30, x: 40 };
    let seen: { zRange: [number, number]; width: number; channels: number } | undefined;
    const r = await renderKeyImages(memorySource(volume(s, noise(5, 9)), "float32", s), {
      overlay: (image: Raster, ctx) => {
        seen = { zRange: ctx.zRange, width: ctx.width, channels: image.channels };
        const out = makeRaster(image.width, image.height, 3, image.data.slice());
        out.data.set([255, 0, 0], (15 * 40 + 20) * 3); // a red pixel at the centre
        return out;
      },
    });
    expect(seen).toEqual({ zRange: [0, 4], width: 40, channels: 3 });
    const png = readPng(r.original);
    expect(Array.from(png.pixels.subarray((15 * 40 + 20) * 3, (15 * 40 + 20) * 3 + 3))).toEqual([255, 0, 0]);
    await expect(renderKeyImages(memorySource(volume(s, noise(5, 9)), "float32", s), { overlay: () => makeRaster(2, 2, 3) })).rejects.toThrow(
      /overlay returned 2x2, expected 40x30/,
    );
  });
});

describe("against the reference's numpy project_slab", () => {
  it("float noise: the original key image matches numpy's sum/clip/scale + astype(uint8)", async () => {
    const s = { z: 61, y: 70, x: 90 };
    const f = (z: number, y: number, x: number) => Math.fround((Math.sin(z * 12.9898 + y * 78.233 + x * 37.719) * 43758.5453) % 1) * 3 + (x === 5 ? 40 : 0);
    const data = volume(s, f);
    const r = await renderKeyImages(memorySource(data, "float32", s), { channels: 1 });
    const dir = await mkdtemp(join(tmpdir(), "ingestkit-keyimage-"));
    dirs.push(dir);
    await writeFile(join(dir, "v.f32"), data);
    await writeFile(join(dir, "k.png"), r.original);
    const py = String.raw`
import sys, numpy as np
from PIL import Image
d = sys.argv[1]
v = np.fromfile(d + "/v.f32", dtype="<f4").reshape(61, 70, 90)
z_center = v.shape[0] // 2; z_min = z_center - 20; z_max = z_min + 40
p = np.sum(v[z_min:z_max], axis=0)
delta = p.std(); mean = p.mean(); lo = mean - 3 * delta; hi = mean + 3 * delta
p[p < lo] = lo; p[p > hi] = hi
p = (255 * (p - lo) / (hi - lo)).astype(np.uint8)
ours = np.asarray(Image.open(d + "/k.png"))
diff = np.abs(ours.astype(int) - p.astype(int))
print(ours.shape[0], ours.shape[1], int(diff.max()), int((diff > 0).sum()), int(p.min()), int(p.max()))
`;
    const out = spawnSync("/usr/bin/python3", ["-c", py, dir], { encoding: "utf8" });
    expect(out.stderr).toBe("");
    const [h, w, maxDiff, nDiff, min, max] = out.stdout.trim().split(" ").map(Number);
    expect([h, w]).toEqual([70, 90]);
    expect(max).toBe(255); // the bright x = 5 column is clipped to the top
    expect(min).toBeGreaterThan(0);
    // numpy's float32 pairwise mean/std vs float64 here could move a pixel lying exactly on a
    // truncation boundary by one level; on this (fixed) data there is none.
    expect([maxDiff, nDiff]).toEqual([0, 0]);
  });
});

describe("bad input", () => {
  it("a source with 0 sections", async () => {
    const s = { z: 0, y: 4, x: 4 };
    await expect(renderKeyImages(memorySource(new Float32Array(0), "float32", s))).rejects.toThrow(KeyImageError);
    await expect(renderKeyImages(memorySource(new Float32Array(0), "float32", s))).rejects.toThrow(/0 sections/);
  });

  it("a NaN voxel inside the slab, with its position", async () => {
    const s = { z: 50, y: 6, x: 8 };
    const data = volume(s, () => 1);
    data[(20 * 6 + 2) * 8 + 3] = Number.NaN;
    const err = await renderKeyImages(memorySource(data, "float32", s)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NonFiniteVoxelError);
    expect(err).toMatchObject({ z: 20, y: 2, x: 3 });
    expect(String(err)).toMatch(/non-finite value NaN at z=20 y=2 x=3/);
  });

  it("an infinite float16 voxel", async () => {
    const s = { z: 2, y: 2, x: 2 };
    const bits = new Uint16Array(8);
    bits[5] = 0x7c00; // +Inf
    await expect(renderKeyImages(memorySource(bits, "float16", s))).rejects.toThrow(/non-finite value Infinity at z=1 y=0 x=1/);
  });

  it("a projection that overflows float32", async () => {
    const s = { z: 2, y: 1, x: 4 };
    await expect(renderKeyImages(memorySource(new Float32Array(8).fill(3e38), "float32", s))).rejects.toThrow(/overflows float32/);
  });

  it("an image too small for a 4:3 crop", async () => {
    const s = { z: 1, y: 3, x: 40 };
    await expect(renderKeyImages(memorySource(volume(s, noise(2, 3)), "float32", s))).rejects.toThrow(/too small for a 4:3 crop/);
  });
});
