import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as zarr from "zarrita";
import { FileSystemChunkStore, writeOmeZarrPyramid } from "../src/zarr/index.js";
import type { SlabSource } from "../src/volume.js";

function memorySource(shape: { z: number; y: number; x: number }, voxel: number): SlabSource & { data: Float32Array } {
  const data = new Float32Array(shape.z * shape.y * shape.x).map((_, i) => Math.sin(i / 5) * 10 + (i % 3));
  const plane = shape.y * shape.x;
  return {
    data,
    shape,
    dtype: "float32",
    voxelSize: { x: voxel, y: voxel, z: voxel },
    async readSlab(z0, z1) {
      return data.slice(z0 * plane, z1 * plane);
    },
    async close() {},
  };
}

/** zarrita reading from a folder (an independent Zarr v3 reader). */
function folderStore(root: string) {
  return {
    async get(key: string): Promise<Uint8Array | undefined> {
      const p = join(root, key.replace(/^\//, ""));
      return existsSync(p) ? new Uint8Array(readFileSync(p)) : undefined;
    },
  };
}

describe("OME-NGFF 0.5 on Zarr v3 (option)", () => {
  it("writes zarr.json documents and c/ chunk keys that zarrita reads back: level 0 equals the source", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "ingestkit-v3-")), "out.zarr");
    const src = memorySource({ z: 10, y: 9, x: 7 }, 14.08);
    const store = await FileSystemChunkStore.open(dir, { overwrite: true });
    const result = await writeOmeZarrPyramid(src, store, { ngffVersion: "0.5", chunks: { z: 4, y: 4, x: 4 }, workers: 0 });
    expect(result.scales).toEqual([
      { z: 10, y: 9, x: 7 },
      { z: 5, y: 5, x: 4 },
      { z: 3, y: 3, x: 2 },
    ]);
    const group = JSON.parse(readFileSync(join(dir, "zarr.json"), "utf8"));
    expect(group.zarr_format).toBe(3);
    expect(group.node_type).toBe("group");
    expect(group.attributes.ome.version).toBe("0.5");
    const ms = group.attributes.ome.multiscales[0];
    expect(ms.version).toBeUndefined();
    expect(ms.axes.map((a: { name: string }) => a.name)).toEqual(["z", "y", "x"]);
    expect(ms.datasets.map((d: any) => d.coordinateTransformations[0].scale[0])).toEqual([14.08, 28.16, 56.32]);
    expect(existsSync(join(dir, "0", "c", "0", "0", "0"))).toBe(true);
    expect(existsSync(join(dir, ".zattrs")) || existsSync(join(dir, "0", ".zarray"))).toBe(false);

    const root = zarr.root(folderStore(dir) as never);
    const level0 = await zarr.open.v3(root.resolve("0"), { kind: "array" });
    expect(level0.shape).toEqual([10, 9, 7]);
    expect(level0.dtype).toBe("float32");
    const got = await zarr.get(level0 as never);
    expect(Array.from((got as { data: Float32Array }).data)).toEqual(Array.from(src.data));
    const meta = JSON.parse(readFileSync(join(dir, "0", "zarr.json"), "utf8"));
    expect(meta.dimension_names).toEqual(["z", "y", "x"]);
    expect(meta.codecs.map((c: { name: string }) => c.name)).toEqual(["bytes", "blosc"]);
    const level2 = await zarr.open.v3(root.resolve("2"), { kind: "array" });
    expect(level2.shape).toEqual([3, 3, 2]);
  });
});
