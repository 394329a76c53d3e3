/** Key images of tomograms: central projection, contrast, 4:3 crops, reproducible PNGs. */
export { KeyImageError, NonFiniteVoxelError } from "./errors.js";
export { centralProjection, centralSlabRange, KEY_IMAGE_PROJECTION_DEPTH } from "./central-projection.js";
export type { CentralProjectionOptions, Projection } from "./central-projection.js";
export { clipRange, scaleToUint8, toUint8Clipped } from "./normalise.js";
export type { ClipRange } from "./normalise.js";
export { aspectCropBox, cropAspect, cropRaster, greyToRgb, makeRaster, rotate90CounterClockwise, scaledHeight } from "./raster.js";
export type { AspectCrop, Raster } from "./raster.js";
export { encodePng, resizeRaster, KEY_IMAGE_PNG_OPTIONS, KEY_IMAGE_RESIZE_KERNEL } from "./png.js";
export { keyImageFileName, renderKeyImageRaster, renderKeyImages, KEY_IMAGE_WIDTHS } from "./key-images.js";
export type { KeyImageKind, KeyImageOverlay, KeyImageOverlayContext, KeyImages, RenderKeyImagesOptions } from "./key-images.js";
export { annotationOverlay, drawAnnotationOverlays, maskProjection, rgbOfHex, KEY_IMAGE_MASK_ALPHA, KEY_IMAGE_POINT_ALPHA } from "./overlay.js";
export type { KeyImageMaskLayer, KeyImagePointLayer, Rgb } from "./overlay.js";
