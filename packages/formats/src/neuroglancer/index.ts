export * from "./annotations.js";
export * from "./colors.js";
export * from "./state.js";
export * from "./segmentation.js";
export * from "./sharding.js";
