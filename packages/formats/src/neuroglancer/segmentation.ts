/**
 * A label volume as a Neuroglancer precomputed segmentation (`compressed_segmentation`
 * encoding, uint32), laid out as the portal's precompute library writes it
 * (cryoet_data_portal_neuroglancer.precompute.segmentation_mask.encode_segmentation):
 * `info` plus `data/{x0}-{x1}_{y0}-{y1}_{z0}-{z1}` chunks of the OME-Zarr chunk size (256³, clipped
 * to the volume), each holding one channel of 64³ blocks in z, y, x order; a block stores its
 * sorted distinct values (a lookup table, shared by identical blocks of the chunk) and the
 * bit-packed indices into it (0, 1, 2, 4, 8, 16 or 32 bits, x fastest, blocks zero-padded).
 * Our own writer: no npm package writes this format. Streams 64-slice slabs of the source.
 *
 * Differences from upstream, on purpose:
 * - `chunk_sizes` are written x, y, z (upstream writes the dask chunk size z, y, x, which only
 *   matters for volumes smaller than a chunk and not cubic, where upstream's info is wrong);
 * - no meshes: upstream runs igneous for multi-resolution meshes and adds `"mesh": "mesh"`; we
 *   leave the key out so viewers do not look for meshes that are not there.
 */
import type { SlabSource, VolumeShape } from "../volume.js";
import type { PrecomputedFile } from "./annotations.js";

export interface SegmentationEncodeOptions {
  /** Voxel size in nanometres (upstream: voxel spacing in Å × 0.1). */
  resolutionNm: number;
  /** Chunk edge (default 256, the portal's OME-Zarr chunk). */
  chunk?: number;
  /** compressed_segmentation block edge (default 64, as upstream). */
  block?: number;
}

/** The `info` document (the caller serialises it; upstream writes json.dump(indent=4)). */
export function segmentationInfo(shape: VolumeShape, options: SegmentationEncodeOptions): Record<string, unknown> {
  const chunk = options.chunk ?? 256;
  const block = options.block ?? 64;
  return {
    "@type": "neuroglancer_multiscale_volume",
    data_type: "uint32",
    num_channels: 1,
    scales: [
      {
        chunk_sizes: [[Math.min(chunk, shape.x), Math.min(chunk, shape.y), Math.min(chunk, shape.z)]],
        encoding: "compressed_segmentation",
        compressed_segmentation_block_size: [block, block, block],
        resolution: [options.resolutionNm, options.resolutionNm, options.resolutionNm],
        key: "data",
        size: [shape.x, shape.y, shape.z],
      },
    ],
    type: "segmentation",
  };
}

/** Bits per index for `n` distinct values (upstream's number_of_encoding_bits). */
export function encodingBits(n: number): number {
  for (const bits of [0, 1, 2, 4, 8, 16, 32]) if (2 ** bits >= n) return bits;
  throw new Error(`too many distinct values in a block: ${n}`);
}

/** One chunk being assembled: the block headers up front, tables and values appended. */
class ChunkBuffer {
  private readonly words: number[];
  private readonly tables = new Map<string, [number, number]>();
  constructor(blocks: number) {
    this.words = new Array<number>(blocks * 2).fill(0);
  }

  addBlock(index: number, values: ArrayLike<number>): void {
    // sorted distinct values and each voxel's index into them (np.unique(return_inverse=True))
    const seen = new Set<number>();
    let last = NaN;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v !== last) seen.add((last = v)); // masks are mostly runs of one value
    }
    const distinct = [...seen].sort((a, b) => a - b);
    const at = new Map(distinct.map((v, i) => [v, i]));
    const table = distinct.map((v) => v >>> 0);
    const tkey = table.join(",");
    let entry = this.tables.get(tkey);
    if (!entry) {
      entry = [this.words.length, encodingBits(distinct.length)];
      this.tables.set(tkey, entry);
      this.words.push(...table);
    }
    const [tableOffset, bits] = entry;
    const valuesOffset = this.words.length;
    if (bits > 0) {
      const per = 32 / bits;
      let index_ = at.get((last = values[0]!))!;
      for (let w = 0; w < Math.ceil(values.length / per); w++) {
        let word = 0;
        for (let s = 0; s < per; s++) {
          const i = w * per + s;
          if (i >= values.length) break;
          const v = values[i]!;
          if (v !== last) [last, index_] = [v, at.get(v)!];
          word = (word | (index_ << (s * bits))) >>> 0;
        }
        this.words.push(word);
      }
    }
    this.words[index * 2] = (tableOffset | (bits << 24)) >>> 0;
    this.words[index * 2 + 1] = valuesOffset;
  }

  bytes(): Uint8Array {
    // file header: one channel, its data starting after this one word
    const out = new Uint8Array(4 * (this.words.length + 1));
    const view = new DataView(out.buffer);
    view.setUint32(0, 1, true);
    this.words.forEach((w, i) => {
      view.setUint32(4 * (i + 1), w, true);
    });
    return out;
  }
}

/**
 * Encodes `source` chunk by chunk, yielding `data/...` files in z, y, x chunk order.
 * Memory: one 64-slice slab of the source plus the encoded chunks of one chunk row.
 */
export async function* encodeCompressedSegmentation(source: SlabSource, options: SegmentationEncodeOptions): AsyncGenerator<PrecomputedFile> {
  const { z: Z, y: Y, x: X } = source.shape;
  const C = options.chunk ?? 256;
  const B = options.block ?? 64;
  if (C % B !== 0) throw new Error(`chunk edge ${C} must be a multiple of the block edge ${B}`);
  const block = new Float64Array(B * B * B);
  for (let cz = 0; cz < Z; cz += C) {
    const cz1 = Math.min(Z, cz + C);
    const gz = Math.ceil((cz1 - cz) / B);
    const row: Array<{ name: string; buf: ChunkBuffer; y0: number; x0: number; gy: number; gx: number }> = [];
    for (let cy = 0; cy < Y; cy += C) {
      for (let cx = 0; cx < X; cx += C) {
        const cy1 = Math.min(Y, cy + C);
        const cx1 = Math.min(X, cx + C);
        const gy = Math.ceil((cy1 - cy) / B);
        const gx = Math.ceil((cx1 - cx) / B);
        row.push({ name: `data/${cx}-${cx1}_${cy}-${cy1}_${cz}-${cz1}`, buf: new ChunkBuffer(gz * gy * gx), y0: cy, x0: cx, gy, gx });
      }
    }
    for (let bz = 0; bz < gz; bz++) {
      const z0 = cz + bz * B;
      const z1 = Math.min(cz1, z0 + B);
      const slab = await source.readSlab(z0, z1);
      try {
        for (const c of row) {
          const cy1 = Math.min(Y, c.y0 + C);
          const cx1 = Math.min(X, c.x0 + C);
          for (let by = 0; by < c.gy; by++) {
            for (let bx = 0; bx < c.gx; bx++) {
              block.fill(0); // zero padding past the volume, as upstream's pad_block
              for (let z = z0; z < z1; z++) {
                for (let y = c.y0 + by * B; y < Math.min(cy1, c.y0 + (by + 1) * B); y++) {
                  const src = ((z - z0) * Y + y) * X;
                  const dst = ((z - z0) * B + (y - c.y0 - by * B)) * B;
                  const xa = c.x0 + bx * B;
                  const xb = Math.min(cx1, xa + B);
                  for (let x = xa; x < xb; x++) block[dst + x - xa] = slab[src + x]!;
                }
              }
              c.buf.addBlock(bx + c.gx * (by + c.gy * bz), block);
            }
          }
        }
      } finally {
        source.release?.(slab);
      }
    }
    for (const c of row) yield { path: c.name, bytes: c.buf.bytes() };
  }
}
