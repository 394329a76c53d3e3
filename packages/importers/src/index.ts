export { createCryoetProfile, cryoetSchema, CRYOET_SCHEMA_PATH, ANNOTATION_SHAPES } from "./cryoet/profile.js";
export { datasetDefaults } from "./cryoet/dataset.js";
export { deepMerge, writeMetadata } from "./cryoet/metadata.js";
export { formatVoxelSpacing } from "./cryoet/voxel-spacing.js";
export { loadRunMaps, runMaps, pyInt, pyFloat } from "./cryoet/run-data.js";
export type { RunMaps } from "./cryoet/run-data.js";
export { createGenericProfile, isGenericConfig } from "./generic/profile.js";
export { profileForConfig } from "./select.js";
export { validateConfigFile } from "./validate-file.js";
