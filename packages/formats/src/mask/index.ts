export { localMeanWeights, resizeLocalMean, sameShape, zoomNearest, zoomNearestIndex } from "./resample.js";
export { binaryMaskSource, instanceMaskSource, maskHasLabel } from "./mask-source.js";
export type { BinaryMaskOptions, InstanceMaskSource } from "./mask-source.js";
