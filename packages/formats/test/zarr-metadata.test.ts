import { describe, expect, it } from "vitest";
import { downsampleSlab, pythonFloatRepr, pythonRound, zarrayJson } from "@ingestkit/formats";
import { runPython } from "./zarr-python.js";

describe("Python-compatible JSON numbers", () => {
  const values = [14.08, 28.16, 56.32, 14, 0.1, 1e-5, 0.0001, 123456.789, 1e16, 1.5e16, 9999999999999998, 3.3702, -2.5, 1 / 3, 5e-324, 1.7976931348623157e308];
  it("pythonFloatRepr equals CPython repr(float)", () => {
    const { stdout, status, stderr } = runPython("import sys, json; print(json.dumps([repr(float(v)) for v in json.loads(sys.argv[1])]))", [JSON.stringify(values)]);
    expect(status, stderr).toBe(0);
    expect(values.map(pythonFloatRepr)).toEqual(JSON.parse(stdout));
  });

  it("pythonRound(x, 3) equals CPython round(x, 3), including exact ties (half-even)", () => {
    const xs = [1.0625, 1.0635, 2.0005, 0.0005, 0.0015, 13.4795, 3.3702, 14.0800000001, 2.675, -1.0625, 1234.5675];
    let s = 7;
    for (let i = 0; i < 300; i++) {
      s = (s * 48271) % 2147483647;
      xs.push((s / 2147483647) * 50);
    }
    const { stdout, status, stderr } = runPython("import sys, json; print(json.dumps([round(v, 3) for v in json.loads(sys.argv[1])]))", [JSON.stringify(xs)]);
    expect(status, stderr).toBe(0);
    expect(xs.map((x) => pythonRound(x, 3))).toEqual(JSON.parse(stdout));
  });

  it(".zarray text: float fill 0.0, int fill 0, sorted keys, 4-space indent", () => {
    const f = zarrayJson({ shape: [4, 4, 4], chunks: [256, 256, 256], dtype: "float32", compressor: null });
    expect(f).toContain('"fill_value": 0.0,');
    expect(f).toContain('"dtype": "<f4",');
    expect(f.startsWith('{\n    "chunks": [\n        256,')).toBe(true);
    expect(zarrayJson({ shape: [1], chunks: [1], dtype: "uint16", compressor: null })).toContain('"fill_value": 0,');
  });
});

describe("downsampleSlab kernels (hand-computed)", () => {
  it("mean zero-pads odd edges and divides by the full block", () => {
    // shape z1 y1 x3, factors 1,1,2: [(1+2)/2, (3+0)/2]
    const out = new Float32Array(2);
    downsampleSlab([1, 2, 3], { z: 1, y: 1, x: 3 }, { z: 1, y: 1, x: 2 }, "mean", out);
    expect([...out]).toEqual([1.5, 1.5]);
    // 3×1×1 along z with factor 2: [(1+2)/2, 4/2]; and a 2×2×2 block of 1..8 -> 4.5
    const z = new Float32Array(2);
    downsampleSlab([1, 2, 4], { z: 3, y: 1, x: 1 }, { z: 2, y: 1, x: 1 }, "mean", z);
    expect([...z]).toEqual([1.5, 2]);
    const cube = new Float32Array(1);
    downsampleSlab([1, 2, 3, 4, 5, 6, 7, 8], { z: 2, y: 2, x: 2 }, { z: 2, y: 2, x: 2 }, "mean", cube);
    expect(cube[0]).toBe(4.5);
  });

  it("any = mean > 0; nearest = data[::2, ::2, ::2]", () => {
    const anyOut = new Int8Array(2);
    downsampleSlab([0, 0, 0, 1, 0, 0, 0, 0], { z: 2, y: 2, x: 2 }, { z: 2, y: 1, x: 2 }, "any", anyOut);
    expect([...anyOut]).toEqual([0, 1]);
    const near = new Uint16Array(4);
    downsampleSlab([10, 11, 12, 20, 21, 22, 30, 31, 32], { z: 1, y: 3, x: 3 }, { z: 2, y: 2, x: 2 }, "nearest", near);
    expect([...near]).toEqual([10, 12, 30, 32]);
  });
});

describe("downsampleSlab halving kernels (2×2×2, 1×2×2) against a plain block sum", () => {
  /** Zero-padded block mean / any, summed in float64 in z, y, x order from 0. */
  function plain(src: Float32Array, shape: { z: number; y: number; x: number }, f: { z: number; y: number; x: number }, method: "mean" | "any"): Float32Array {
    const o = { z: Math.ceil(shape.z / f.z), y: Math.ceil(shape.y / f.y), x: Math.ceil(shape.x / f.x) };
    const out = new Float32Array(o.z * o.y * o.x);
    for (let z = 0; z < o.z; z++)
      for (let y = 0; y < o.y; y++)
        for (let x = 0; x < o.x; x++) {
          let sum = 0;
          for (let dz = 0; dz < f.z; dz++)
            for (let dy = 0; dy < f.y; dy++)
              for (let dx = 0; dx < f.x; dx++) {
                const [sz, sy, sx] = [z * f.z + dz, y * f.y + dy, x * f.x + dx];
                if (sz < shape.z && sy < shape.y && sx < shape.x) sum += src[(sz * shape.y + sy) * shape.x + sx] as number;
              }
          out[(z * o.y + y) * o.x + x] = method === "any" ? (sum > 0 ? 1 : 0) : sum / (f.z * f.y * f.x);
        }
    return out;
  }

  it("gives the same bits for odd and even shapes, both methods", () => {
    let seed = 12345;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2e3 - 1e3;
    for (const shape of [
      { z: 1, y: 1, x: 1 },
      { z: 3, y: 5, x: 7 },
      { z: 4, y: 6, x: 8 },
      { z: 5, y: 2, x: 9 },
      { z: 2, y: 7, x: 2 },
    ]) {
      const src = Float32Array.from({ length: shape.z * shape.y * shape.x }, () => Math.fround(rnd()) * (rnd() > 900 ? 1e30 : 1));
      for (const f of [
        { z: 2, y: 2, x: 2 },
        { z: 1, y: 2, x: 2 },
      ]) {
        for (const method of ["mean", "any"] as const) {
          const expected = plain(src, shape, f, method);
          const out = new Float32Array(expected.length);
          downsampleSlab(src, shape, f, method, out);
          expect(Buffer.from(out.buffer).equals(Buffer.from(expected.buffer)), `${JSON.stringify(shape)} ${JSON.stringify(f)} ${method}`).toBe(true);
        }
      }
    }
  });
});
