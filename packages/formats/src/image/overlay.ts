/**
 * Annotation overlays on the full-size key image, as the reference's `generate_preview`
 * (common/make_key_image.py) draws them with matplotlib at one pixel per voxel:
 *
 * - masks: the mask's central slab (the tomogram's sections) binarised (`sum > 0`) and drawn in
 *   its layer colour with alpha 0.1 where set;
 * - points whose `z` lies in [z0, z1] (inclusive, as the reference): filled circles in the layer
 *   colour with a white edge, alpha 0.8, marker area `width / 10` pt² (diameter
 *   `sqrt(width / 10) · 100 / 72` px at matplotlib's 100 dpi), edge `width / 1000` pt; points
 *   with a larger z are drawn over smaller ones, each annotation over the previous ones.
 *
 * matplotlib's anti-aliasing is not reproduced: a pixel takes the colour of what its centre
 * falls in, so edges differ from the reference's by a pixel.
 */
import type { SlabSource } from "../volume.js";
import type { KeyImageOverlay } from "./key-images.js";
import { greyToRgb, type Raster } from "./raster.js";

export type Rgb = [number, number, number];

export interface KeyImageMaskLayer {
  color: Rgb;
  /** width × height, non-zero where the mask's projection is set. */
  mask: Uint8Array;
}

export interface KeyImagePointLayer {
  color: Rgb;
  points: ReadonlyArray<{ x: number; y: number; z: number }>;
}

export const KEY_IMAGE_MASK_ALPHA = 0.1;
export const KEY_IMAGE_POINT_ALPHA = 0.8;
const DPI = 100;

/** `#rrggbb` -> RGB 0-255. */
export function rgbOfHex(hex: string): Rgb {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new RangeError(`not a #rrggbb colour: ${JSON.stringify(hex)}`);
  return [parseInt(m[1]!, 16), parseInt(m[2]!, 16), parseInt(m[3]!, 16)];
}

/** The binarised projection of sections [z0, z1) of a mask: 1 where any voxel is above 0. */
export async function maskProjection(source: SlabSource, zRange: [number, number], maxReadBytes = 64 * 1024 * 1024): Promise<Uint8Array> {
  const { x: w, y: h, z: nz } = source.shape;
  const out = new Uint8Array(w * h);
  const [z0, z1] = [Math.max(0, zRange[0]), Math.min(nz, zRange[1])];
  const step = Math.max(1, Math.floor(maxReadBytes / Math.max(1, w * h * 4)));
  for (let z = z0; z < z1; z += step) {
    const slab = await source.readSlab(z, Math.min(z1, z + step));
    try {
      for (let i = 0; i < slab.length; i++) if (slab[i]! > 0) out[i % (w * h)] = 1;
    } finally {
      source.release?.(slab);
    }
  }
  return out;
}

function blend(data: Uint8Array, at: number, c: Rgb, alpha: number): void {
  for (let k = 0; k < 3; k++) data[at + k] = Math.round(data[at + k]! * (1 - alpha) + c[k]! * alpha);
}

/** Draws the layers on a copy of `image` (RGB; a grey image is expanded to RGB first). */
export function drawAnnotationOverlays(image: Raster, zRange: [number, number], masks: readonly KeyImageMaskLayer[], points: readonly KeyImagePointLayer[]): Raster {
  const out: Raster = image.channels === 1 ? greyToRgb(image) : { ...image, data: image.data.slice() };
  const { width: w, height: h, channels: ch } = out;
  for (const m of masks) {
    if (m.mask.length !== w * h) throw new RangeError(`mask projection has ${m.mask.length} pixels, the key image ${w * h}`);
    for (let i = 0; i < w * h; i++) if (m.mask[i]) blend(out.data, i * ch, m.color, KEY_IMAGE_MASK_ALPHA);
  }
  const area = w / 10; // pt²
  const radius = (Math.sqrt(area) * DPI) / 72 / 2;
  const halfEdge = ((area / 100) * DPI) / 72 / 2;
  // matplotlib zorder: annotation index + z; stable for equal keys
  const drawn = points
    .flatMap((layer, li) => layer.points.map((p) => ({ p, color: layer.color, order: li + 1 + p.z })))
    .filter(({ p }) => Number.isFinite(p.x) && Number.isFinite(p.y) && p.z >= zRange[0] && p.z <= zRange[1])
    .map((d, i) => ({ ...d, i }))
    .sort((a, b) => a.order - b.order || a.i - b.i);
  const outer = radius + halfEdge;
  for (const { p, color } of drawn) {
    for (let y = Math.max(0, Math.ceil(p.y - outer)); y <= Math.min(h - 1, Math.floor(p.y + outer)); y++) {
      for (let x = Math.max(0, Math.ceil(p.x - outer)); x <= Math.min(w - 1, Math.floor(p.x + outer)); x++) {
        const d = Math.hypot(x - p.x, y - p.y);
        if (d > outer) continue;
        blend(out.data, (y * w + x) * ch, d < radius - halfEdge ? color : [255, 255, 255], KEY_IMAGE_POINT_ALPHA);
      }
    }
  }
  return out;
}

/** The overlay hook for renderKeyImages; masks are given as sources and projected on the tomogram's slab. */
export function annotationOverlay(masks: ReadonlyArray<{ color: Rgb; source: SlabSource }>, points: readonly KeyImagePointLayer[]): KeyImageOverlay {
  return async (image, context) => {
    const layers: KeyImageMaskLayer[] = [];
    for (const m of masks) {
      if (m.source.shape.x !== context.width || m.source.shape.y !== context.height) {
        throw new RangeError(`mask is ${m.source.shape.x}x${m.source.shape.y}, the tomogram ${context.width}x${context.height}`);
      }
      layers.push({ color: m.color, mask: await maskProjection(m.source, context.zRange) });
    }
    return drawAnnotationOverlays(image, context.zRange, layers, points);
  };
}
