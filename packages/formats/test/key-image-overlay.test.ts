/** Annotation overlays on key images: mask blending, point discs with a white edge, the z window. */
import { describe, expect, it } from "vitest";
import { annotationOverlay, drawAnnotationOverlays, maskProjection, rgbOfHex } from "../src/image/overlay.js";
import { makeRaster } from "../src/image/raster.js";
import type { SlabSource } from "../src/volume.js";

function volume(shape: { z: number; y: number; x: number }, at: (z: number, y: number, x: number) => number): SlabSource {
  return {
    shape,
    dtype: "int8",
    voxelSize: { x: 1, y: 1, z: 1 },
    async readSlab(z0: number, z1: number) {
      const out = new Int8Array((z1 - z0) * shape.y * shape.x);
      for (let z = z0; z < z1; z++) for (let y = 0; y < shape.y; y++) for (let x = 0; x < shape.x; x++) out[((z - z0) * shape.y + y) * shape.x + x] = at(z, y, x);
      return out;
    },
    async close() {},
  } as unknown as SlabSource;
}

const px = (r: { data: Uint8Array; width: number; channels: number }, x: number, y: number) =>
  Array.from(r.data.subarray((y * r.width + x) * r.channels, (y * r.width + x) * r.channels + 3));

describe("key image overlays", () => {
  it("a mask is blended at alpha 0.1 where its slab projection is set, only there", async () => {
    const img = makeRaster(8, 6, 3, new Uint8Array(8 * 6 * 3).fill(100));
    // set only inside the slab [2, 4) at x = 1; a voxel outside the slab (z = 5) must not show
    const src = volume({ z: 6, y: 6, x: 8 }, (z, _y, x) => ((z === 2 || z === 3) && x === 1 ? 1 : z === 5 && x === 6 ? 1 : 0));
    const mask = await maskProjection(src, [2, 4]);
    expect(Array.from(mask).reduce((a, b) => a + b, 0)).toBe(6);
    const out = drawAnnotationOverlays(img, [2, 4], [{ color: [255, 0, 0], mask }], []);
    expect(px(out, 1, 3)).toEqual([Math.round(100 * 0.9 + 25.5), 90, 90]);
    expect(px(out, 6, 3)).toEqual([100, 100, 100]);
    expect(px(img, 1, 3)).toEqual([100, 100, 100]); // the input is not changed
  });

  it("points: a disc in the layer colour with a white edge, alpha 0.8, radius sqrt(width/10)·100/72/2; outside the z window not drawn", () => {
    const w = 1000;
    const img = makeRaster(w, 60, 1, new Uint8Array(w * 60)); // grey input becomes RGB
    const out = drawAnnotationOverlays(
      img,
      [10, 50],
      [],
      [
        {
          color: rgbOfHex("#00ff00"),
          points: [
            { x: 100, y: 30, z: 50 },
            { x: 300, y: 30, z: 51 },
            { x: 500, y: 30, z: 9.5 },
          ],
        },
      ],
    );
    expect(out.channels).toBe(3);
    const radius = (Math.sqrt(100) * 100) / 72 / 2; // 6.94 px
    const edge = (1 * 100) / 72 / 2; // half of a 1 pt edge
    expect(px(out, 100, 30)).toEqual([0, 204, 0]);
    expect(px(out, 100 + Math.floor(radius - edge - 0.01), 30)).toEqual([0, 204, 0]);
    expect(px(out, 100 + Math.round(radius), 30)).toEqual([204, 204, 204]); // on the edge ring
    expect(px(out, 100 + Math.ceil(radius + edge + 0.01), 30)).toEqual([0, 0, 0]);
    expect(px(out, 300, 30)).toEqual([0, 0, 0]); // z 51 > z1 = 50
    expect(px(out, 500, 30)).toEqual([0, 0, 0]); // z below the window
  });

  it("higher z is drawn on top; the overlay hook refuses a mask of another size", async () => {
    const img = makeRaster(200, 40, 3);
    const out = drawAnnotationOverlays(
      img,
      [0, 40],
      [],
      [
        { color: [255, 0, 0], points: [{ x: 50, y: 20, z: 30 }] },
        { color: [0, 0, 255], points: [{ x: 50, y: 20, z: 10 }] },
      ],
    );
    expect(px(out, 50, 20)[0]).toBeGreaterThan(px(out, 50, 20)[2]!); // red (z 30) over blue (z 10)
    const hook = annotationOverlay([{ color: [1, 2, 3], source: volume({ z: 4, y: 4, x: 4 }, () => 1) }], []);
    await expect(hook(img, { zRange: [0, 4], width: 200, height: 40, clip: { low: 0, high: 1 } as never })).rejects.toThrow(/mask is 4x4, the tomogram 200x40/);
  });
});
