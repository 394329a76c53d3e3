/**
 * Mask resampling against the libraries the portal uses: scikit-image's resize_local_mean and
 * SciPy's ndimage.zoom(order=0), run on the same arrays by Debian's /usr/bin/python3.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { binaryMaskSource, instanceMaskSource, maskHasLabel, resizeLocalMean, zoomNearest } from "../src/mask/index.js";
import type { SlabSource, VolumeShape, VoxelArray } from "../src/volume.js";
import { SEMANTIC_MASK } from "./support-annotations.js";

const PY = "/usr/bin/python3";

function python(code: string, input: string): any {
  const r = spawnSync(PY, ["-c", code], { input, encoding: "utf8", maxBuffer: 1 << 28 });
  if (r.error || r.status !== 0) throw new Error(`python failed (scripts/system-deps.sh installs scipy and scikit-image): ${r.stderr || r.error}`);
  return JSON.parse(r.stdout);
}

function memorySource(data: VoxelArray, shape: VolumeShape, dtype: SlabSource["dtype"] = "float32"): SlabSource & { reads: Array<[number, number]> } {
  const plane = shape.y * shape.x;
  const reads: Array<[number, number]> = [];
  return {
    shape,
    dtype,
    voxelSize: { x: 1, y: 1, z: 1 },
    reads,
    async readSlab(z0, z1) {
      reads.push([z0, z1]);
      return data.slice(z0 * plane, z1 * plane);
    },
    async close() {},
  };
}

async function readAll(s: SlabSource, step = 1): Promise<number[]> {
  const out: number[] = [];
  for (let z = 0; z < s.shape.z; z += step) out.push(...(await s.readSlab(z, Math.min(s.shape.z, z + step))));
  return out;
}

/** Deterministic pseudo-random values (xorshift) so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

const RESIZE_PY = `
import json, sys, numpy as np
from skimage.transform import resize_local_mean
from scipy.ndimage import zoom
cases = json.load(sys.stdin)
out = []
for c in cases:
    a = np.array(c["data"], dtype=np.float64).reshape(c["shape"])
    if c["op"] == "mean":
        r = resize_local_mean(a, tuple(c["to"]), preserve_range=True)
    else:
        old = a.shape; new = c["to"]
        r = zoom(a.astype(np.float32), tuple(n / o for n, o in zip(new, old)), order=0)
    out.append({"shape": list(r.shape), "data": r.ravel().tolist()})
print(json.dumps(out))
`;

describe("resizeLocalMean and zoomNearest match scikit-image and SciPy", () => {
  const shapes: Array<[VolumeShape, VolumeShape]> = [
    [
      { z: 2, y: 2, x: 2 },
      { z: 4, y: 4, x: 4 },
    ],
    [
      { z: 4, y: 4, x: 4 },
      { z: 4, y: 4, x: 4 },
    ],
    [
      { z: 5, y: 7, x: 3 },
      { z: 3, y: 4, x: 8 },
    ],
    [
      { z: 9, y: 6, x: 11 },
      { z: 4, y: 13, x: 5 },
    ],
    [
      { z: 3, y: 1, x: 4 },
      { z: 7, y: 2, x: 1 },
    ],
    [
      { z: 16, y: 5, x: 5 },
      { z: 6, y: 10, x: 3 },
    ],
  ];
  const cases = shapes.flatMap(([from, to], i) => {
    const r = rng(7 + i);
    const n = from.z * from.y * from.x;
    const data = Array.from({ length: n }, () => Math.round(r() * 40) / 8); // exact in float32
    return [
      { op: "mean", shape: [from.z, from.y, from.x], to: [to.z, to.y, to.x], data, from, toS: to },
      { op: "zoom", shape: [from.z, from.y, from.x], to: [to.z, to.y, to.x], data: data.map((v) => Math.round(v * 8)), from, toS: to },
    ];
  });
  const expected = python(RESIZE_PY, JSON.stringify(cases.map(({ op, shape, to, data }) => ({ op, shape, to, data }))));

  cases.forEach((c, i) => {
    it(`${c.op} ${c.shape.join("x")} -> ${c.to.join("x")}`, async () => {
      const src = memorySource(Float32Array.from(c.data), c.from);
      const out = c.op === "mean" ? resizeLocalMean(src, c.toS) : zoomNearest(src, c.toS);
      expect(expected[i].shape).toEqual(c.to);
      const got = await readAll(out, 2);
      expect(got.length).toBe(expected[i].data.length);
      got.forEach((v, j) => expect(v).toBeCloseTo(expected[i].data[j], 9));
      // streamed: source planes read in z order, never re-read
      const starts = src.reads.map((r) => r[0]);
      expect([...starts].sort((a, b) => a - b)).toEqual(starts);
      for (let k = 1; k < src.reads.length; k++) expect(src.reads[k]![0]).toBeGreaterThanOrEqual(src.reads[k - 1]![1]);
    });
  });
});

const SEMANTIC = SEMANTIC_MASK;
const cube = (fill: (z: number, y: number, x: number) => number) => {
  const out: number[][][] = [];
  for (let z = 0; z < 4; z++) {
    out.push([]);
    for (let y = 0; y < 4; y++) out[z]!.push([0, 1, 2, 3].map((x) => fill(z, y, x)));
  }
  return out;
};
const nest = (flat: number[]) => cube((z, y, x) => flat[(z * 4 + y) * 4 + x]!);

describe("binary masks (reference 6.3 item 12)", () => {
  const shape = { z: 4, y: 4, x: 4 };
  it("label 1, 2 and 3 are extracted as int8 0/1", async () => {
    const want: Record<number, number[][][]> = {
      1: cube((z, _y, x) => (z >= 2 && x === 3 ? 1 : 0)),
      2: cube((z, y, x) => (z <= 1 && (y === 1 || y === 2) && x === 1 ? 1 : 0)),
      3: cube((z, y) => (z === 0 && y === 0 ? 1 : 0)),
    };
    for (const label of [1, 2, 3]) {
      const m = binaryMaskSource(memorySource(Float32Array.from(SEMANTIC), shape), { label });
      expect(m.dtype).toBe("int8");
      expect(nest(await readAll(m))).toEqual(want[label]);
    }
  });

  it("label 3 rescaled to the same shape is unchanged", async () => {
    const m = binaryMaskSource(memorySource(Float32Array.from(SEMANTIC), shape), { label: 3, rescaleTo: shape });
    expect(nest(await readAll(m))).toEqual(cube((z, y) => (z === 0 && y === 0 ? 1 : 0)));
  });

  it("a 2x2x2 mask (label 2) is upscaled to the tomogram's 4x4x4", async () => {
    const small = Float32Array.from([2, 2, 0, 0, 0, 0, 0, 0]); // label 2 on z=0, y=0
    const m = binaryMaskSource(memorySource(small, { z: 2, y: 2, x: 2 }), { label: 2, rescaleTo: shape });
    expect(nest(await readAll(m))).toEqual(cube((z, y) => (z <= 1 && y <= 1 ? 1 : 0)));
  });

  it("probability maps: resized then thresholded at 0.5; thresholded at 0.7 without rescale", async () => {
    const small = Float32Array.from([0.6, 0.9, 0.1, 0.2, 0.3, 0.0, 0.4, 0.1]);
    const m = binaryMaskSource(memorySource(small, { z: 2, y: 2, x: 2 }), { threshold: 0.5, rescaleTo: shape });
    expect(nest(await readAll(m))).toEqual(cube((z, y) => (z <= 1 && y <= 1 ? 1 : 0)));
    const large = Float32Array.from(SEMANTIC.map((_, i) => (Math.floor(i / 16) <= 1 && Math.floor(i / 4) % 4 <= 1 ? 0.75 : 0.69)));
    const n = binaryMaskSource(memorySource(large, shape), { threshold: 0.7 });
    expect(nest(await readAll(n))).toEqual(cube((z, y) => (z <= 1 && y <= 1 ? 1 : 0)));
  });

  it("a label and a threshold together are refused", () => {
    expect(() => binaryMaskSource(memorySource(new Float32Array(64), shape), { label: 2, threshold: 0.5 })).toThrow(/mutually exclusive/);
  });

  it("maskHasLabel stops at the first voxel with the label", async () => {
    const src = memorySource(Float32Array.from(SEMANTIC), shape);
    expect(await maskHasLabel(src, { label: 3 })).toBe(true);
    expect(await maskHasLabel(src, { label: 4 })).toBe(false);
    expect(await maskHasLabel(src, { threshold: 2.5 })).toBe(true);
    expect(await maskHasLabel(src, { threshold: 3.5 })).toBe(false);
  });
});

describe("instance masks (reference 6.3 item 13)", () => {
  it("labels kept as uint16, listed for image-label; nearest-neighbour rescale", async () => {
    const labels = Float32Array.from([0, 5, 5, 0, 7, 7, 0, 300]);
    const same = instanceMaskSource(memorySource(labels, { z: 2, y: 2, x: 2 }));
    expect(same.dtype).toBe("uint16");
    expect(await readAll(same)).toEqual([0, 5, 5, 0, 7, 7, 0, 300]);
    expect(same.labels()).toEqual([5, 7, 300]);
    const up = instanceMaskSource(memorySource(labels, { z: 2, y: 2, x: 2 }), { z: 4, y: 4, x: 4 });
    const got = await readAll(up);
    const want = python(
      `import json, numpy as np; from scipy.ndimage import zoom; a = np.array([0,5,5,0,7,7,0,300], np.float32).reshape(2,2,2); print(json.dumps(zoom(a, (2,2,2), order=0).astype(np.uint16).ravel().tolist()))`,
      "",
    );
    expect(got).toEqual(want);
    expect(up.labels()).toEqual([5, 7, 300]);
  });
});
