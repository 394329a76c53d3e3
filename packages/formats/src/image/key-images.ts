/**
 * The four key images of a tomogram, as the reference's KeyImageImporter
 * (importers/key_image.py + common/make_key_image.py):
 *
 *   original   the normalised central projection, full size, no crop
 *   thumbnail  4:3 crop (auto-rotated), resized to width 134 (height 100)
 *   snapshot   4:3 crop, width 512 (height 384)
 *   expanded   4:3 crop, width 1024 (height 768)
 *
 * Pipeline: central 40-section sum (central-projection.ts) -> clip to mean ± 3σ and scale to
 * 8 bits (normalise.ts) -> RGB with R = G = B (the reference always writes RGB PNGs, since its
 * matplotlib canvas is RGB even without annotations; `channels: 1` writes grey instead) ->
 * optional `overlay` on the full-size image -> crop/rotate (raster.ts) -> resize and PNG (png.ts).
 *
 * Annotation overlays (points, masks coloured from neuroglancer layers, overlay.ts) come in
 * through the `overlay` hook, on the full-size image before cropping, as in the reference.
 */
import type { SlabSource } from "../volume.js";
import { centralProjection, KEY_IMAGE_PROJECTION_DEPTH } from "./central-projection.js";
import { KeyImageError } from "./errors.js";
import { toUint8Clipped, type ClipRange } from "./normalise.js";
import { encodePng, resizeRaster } from "./png.js";
import { cropAspect, greyToRgb, makeRaster, scaledHeight, type Raster } from "./raster.js";

export type KeyImageKind = "original" | "thumbnail" | "snapshot" | "expanded";

/** Output widths of the cropped key images (importers/key_image.py `width_sizes`). */
export const KEY_IMAGE_WIDTHS = { thumbnail: 134, snapshot: 512, expanded: 1024 } as const;

/** The reference's file name: `key-photo-{kind}.png`. */
export function keyImageFileName(kind: KeyImageKind): string {
  return `key-photo-${kind}.png`;
}

/** What an overlay gets besides the image: where the slab was taken and how it was scaled. */
export interface KeyImageOverlayContext {
  /** Sections summed, [z0, z1), level-0 voxel indices. */
  zRange: [number, number];
  /** Width and height of the image (= tomogram x and y). */
  width: number;
  height: number;
  clip: ClipRange;
}

/**
 * Draws on the full-size key image (before cropping) and returns an image of the same width
 * and height (any channel count; RGB or RGBA for coloured annotations).
 */
export type KeyImageOverlay = (image: Raster, context: KeyImageOverlayContext) => Raster | Promise<Raster>;

export interface RenderKeyImagesOptions {
  /** Sections in the central projection (default 40). */
  projectionDepth?: number;
  /** 3 (default, as the reference writes) = RGB PNGs with R = G = B; 1 = 8-bit grey PNGs. */
  channels?: 1 | 3;
  /** Annotation layer(s), drawn before cropping. */
  overlay?: KeyImageOverlay;
  /** Upper bound on the bytes of one readSlab call (default 64 MiB). */
  maxReadBytes?: number;
}

export interface KeyImages {
  /** PNG bytes per kind. */
  original: Uint8Array;
  snapshot: Uint8Array;
  thumbnail: Uint8Array;
  expanded: Uint8Array;
  projection: { width: number; height: number; zRange: [number, number]; clip: ClipRange };
}

/** The full-size 8-bit key image (before overlay, crop and encoding). */
export async function renderKeyImageRaster(
  source: SlabSource,
  options: Pick<RenderKeyImagesOptions, "projectionDepth" | "channels" | "maxReadBytes"> = {},
): Promise<{ image: Raster; zRange: [number, number]; clip: ClipRange }> {
  const projection = await centralProjection(source, {
    depth: options.projectionDepth ?? KEY_IMAGE_PROJECTION_DEPTH,
    ...(options.maxReadBytes !== undefined ? { maxReadBytes: options.maxReadBytes } : {}),
  });
  const { pixels, range } = toUint8Clipped(projection);
  const grey = makeRaster(projection.width, projection.height, 1, pixels);
  const image = (options.channels ?? 3) === 3 ? greyToRgb(grey) : grey;
  return { image, zRange: projection.zRange, clip: range };
}

/** Renders the four key images of `source` (the tomogram at level 0) as PNG bytes. */
export async function renderKeyImages(source: SlabSource, options: RenderKeyImagesOptions = {}): Promise<KeyImages> {
  const channels = options.channels ?? 3;
  if (channels !== 1 && channels !== 3) throw new KeyImageError(`key image: channels must be 1 or 3, got ${String(channels)}`);
  const { image: base, zRange, clip } = await renderKeyImageRaster(source, options);
  let image = base;
  if (options.overlay) {
    image = await options.overlay(base, { zRange, width: base.width, height: base.height, clip });
    if (image.width !== base.width || image.height !== base.height) {
      throw new KeyImageError(`key image: overlay returned ${image.width}x${image.height}, expected ${base.width}x${base.height}`);
    }
  }
  const cropped = cropAspect(image, 4, 3, true);
  const sized = async (width: number) => encodePng(await resizeRaster(cropped, width, scaledHeight(cropped.width, cropped.height, width)));
  const original = await encodePng(image);
  const thumbnail = await sized(KEY_IMAGE_WIDTHS.thumbnail);
  const snapshot = await sized(KEY_IMAGE_WIDTHS.snapshot);
  const expanded = await sized(KEY_IMAGE_WIDTHS.expanded);
  return { original, snapshot, thumbnail, expanded, projection: { width: base.width, height: base.height, zRange, clip } };
}
