/**
 * Resize and PNG-encode 8-bit rasters with sharp (libvips). sharp is loaded on first use, so
 * importing @ingestkit/formats for MRC or Zarr never loads the native image library.
 *
 * Reproducible bytes: fixed zlib level and filter choice, no palette, no interlace, and no
 * metadata (sharp adds none unless asked: no tIME, no text, no ICC, no EXIF; libvips always
 * writes a constant pHYs chunk, 72 dpi). The same raster always gives the same file.
 */
import type { Raster } from "./raster.js";

type SharpModule = typeof import("sharp");
let sharpModule: Promise<SharpModule> | undefined;

async function loadSharp(): Promise<SharpModule["default"]> {
  sharpModule ??= import("sharp");
  return (await sharpModule).default;
}

/** The PNG settings; changing any of them changes the bytes of every key image. */
export const KEY_IMAGE_PNG_OPTIONS = {
  compressionLevel: 9,
  adaptiveFiltering: false,
  palette: false,
  progressive: false,
} as const;

/**
 * Resampling kernel. The reference uses skimage `resize(order=1, anti_aliasing=True)`: bilinear,
 * Gaussian-prefiltered when shrinking; libvips' linear kernel widens with the scale when shrinking,
 * the nearest equivalent.
 */
export const KEY_IMAGE_RESIZE_KERNEL = "linear" as const;

function rawInput(image: Raster) {
  return { raw: { width: image.width, height: image.height, channels: image.channels } };
}

/** `image` resized to exactly `width` × `height` (no-op copy when the size already matches). */
export async function resizeRaster(image: Raster, width: number, height: number): Promise<Raster> {
  if (width === image.width && height === image.height) return { ...image, data: image.data.slice() };
  const sharp = await loadSharp();
  const { data, info } = await sharp(image.data, rawInput(image))
    .resize(width, height, { fit: "fill", kernel: KEY_IMAGE_RESIZE_KERNEL })
    // sharp would hand back 1-band input as 3 bands; keep the channel count.
    .toColourspace(image.channels === 1 ? "b-w" : "srgb")
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.width !== width || info.height !== height || info.channels !== image.channels) {
    throw new Error(`sharp resized to ${info.width}x${info.height}x${info.channels}, expected ${width}x${height}x${image.channels}`);
  }
  return { width, height, channels: image.channels, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

/** 8-bit PNG of `image`: grey (colour type 0), RGB (2) or RGBA (6) by its channel count. */
export async function encodePng(image: Raster): Promise<Uint8Array> {
  const sharp = await loadSharp();
  const png = await sharp(image.data, rawInput(image))
    .toColourspace(image.channels === 1 ? "b-w" : "srgb")
    .png(KEY_IMAGE_PNG_OPTIONS)
    .toBuffer();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}
