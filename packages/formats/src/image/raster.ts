/**
 * 8-bit rasters and the geometry of the reference's `process_key_image`
 * (common/make_key_image.py), all pure:
 *
 * - rotate: for a 4:3 target, a portrait image (height > width, strictly) is turned 90°
 *   counter-clockwise first (`np.rot90`);
 * - crop: `factor = min(height, width) // 4` (the **width** ratio term, whatever the aspect),
 *   crop `4·factor` wide by `3·factor` high, centred with offsets rounded down. This is not the
 *   largest 4:3 rectangle (a 1000×500 image keeps 500×375), but it is what the reference does.
 */
import { KeyImageError } from "./errors.js";

/** Pixels C order, channels interleaved: index = (y * width + x) * channels + c. */
export interface Raster {
  width: number;
  height: number;
  /** 1 = grey, 3 = RGB, 4 = RGBA. */
  channels: 1 | 3 | 4;
  data: Uint8Array;
}

export function makeRaster(width: number, height: number, channels: Raster["channels"], data?: Uint8Array): Raster {
  const size = width * height * channels;
  if (data && data.length !== size) throw new RangeError(`raster ${width}x${height}x${channels} needs ${size} bytes, got ${data.length}`);
  return { width, height, channels, data: data ?? new Uint8Array(size) };
}

/** Grey -> RGB with R = G = B (what the reference's matplotlib `gray` render writes). */
export function greyToRgb(grey: Raster): Raster {
  if (grey.channels !== 1) throw new RangeError(`greyToRgb needs a 1-channel raster, got ${grey.channels}`);
  const out = makeRaster(grey.width, grey.height, 3);
  for (let i = 0; i < grey.data.length; i++) {
    const v = grey.data[i]!;
    out.data[3 * i] = v;
    out.data[3 * i + 1] = v;
    out.data[3 * i + 2] = v;
  }
  return out;
}

/** 90° counter-clockwise, as `np.rot90(image)`: out[i][j] = in[j][width - 1 - i]. */
export function rotate90CounterClockwise(image: Raster): Raster {
  const { width, height, channels } = image;
  const out = makeRaster(height, width, channels);
  for (let i = 0; i < width; i++) {
    for (let j = 0; j < height; j++) {
      const src = (j * width + (width - 1 - i)) * channels;
      const dst = (i * height + j) * channels;
      for (let c = 0; c < channels; c++) out.data[dst + c] = image.data[src + c]!;
    }
  }
  return out;
}

/** The rectangle `cropAspect` keeps (after rotation, if any). */
export interface AspectCrop {
  rotate: boolean;
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * Where the reference crops an image of `width` × `height` to `wRatio:hRatio`
 * (with `autoRotate`, as for every 4:3 key image).
 */
export function aspectCropBox(width: number, height: number, wRatio = 4, hRatio = 3, autoRotate = true): AspectCrop {
  // `image.shape[h_ratio > w_ratio] > image.shape[w_ratio > h_ratio]`: the long side lies across the wrong axis.
  const shape = [height, width];
  const rotate = autoRotate && shape[Number(hRatio > wRatio)]! > shape[Number(wRatio > hRatio)]!;
  const [w0, h0] = rotate ? [height, width] : [width, height];
  const factor = Math.floor(Math.min(w0, h0) / wRatio);
  if (factor < 1) throw new KeyImageError(`key image: a ${width}x${height} image is too small for a ${wRatio}:${hRatio} crop`);
  const cw = factor * wRatio;
  const ch = factor * hRatio;
  return { rotate, left: Math.floor((w0 - cw) / 2), top: Math.floor((h0 - ch) / 2), width: cw, height: ch };
}

/** Copies a rectangle out of `image`. */
export function cropRaster(image: Raster, left: number, top: number, width: number, height: number): Raster {
  if (left < 0 || top < 0 || left + width > image.width || top + height > image.height) {
    throw new RangeError(`crop ${width}x${height}+${left}+${top} outside ${image.width}x${image.height}`);
  }
  const { channels } = image;
  const out = makeRaster(width, height, channels);
  const rowBytes = width * channels;
  for (let y = 0; y < height; y++) {
    const src = ((top + y) * image.width + left) * channels;
    out.data.set(image.data.subarray(src, src + rowBytes), y * rowBytes);
  }
  return out;
}

/** The reference's rotate-then-centre-crop to `wRatio:hRatio`. */
export function cropAspect(image: Raster, wRatio = 4, hRatio = 3, autoRotate = true): Raster {
  const box = aspectCropBox(image.width, image.height, wRatio, hRatio, autoRotate);
  const turned = box.rotate ? rotate90CounterClockwise(image) : image;
  return cropRaster(turned, box.left, box.top, box.width, box.height);
}

/**
 * Height after resizing `width` × `height` to `targetWidth`, keeping the aspect ratio:
 * `height · targetWidth / width` rounded half to even (Python's `round`, as scipy's zoom does),
 * so a 4:3 thumbnail of width 134 is 100 high.
 */
export function scaledHeight(width: number, height: number, targetWidth: number): number {
  const exact = (height * targetWidth) / width;
  const floor = Math.floor(exact);
  const frac = exact - floor;
  const rounded = frac > 0.5 ? floor + 1 : frac < 0.5 ? floor : floor % 2 === 0 ? floor : floor + 1;
  return Math.max(1, rounded);
}
