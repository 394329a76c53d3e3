/**
 * Tilt-series alignment files (IMOD, AreTomo3) and their conversion to the computed fields of
 * the portal's alignment_metadata.json.
 */
export { AlignmentFileError } from "./errors.js";
export {
  imodRangeToList,
  parseNewstCom,
  parseTiltAngles,
  parseTiltCom,
  parseXf,
  type NewstCom,
  type TiltCom,
  type XfRow,
} from "./imod.js";
export { parseAln, type AlnDarkFrame, type AlnGlobalRow, type AlnLocalRow, type AreTomo3Aln } from "./aretomo3.js";
export {
  PER_SECTION_FLOAT_KEYS,
  alignmentDefaults,
  alignmentFormat,
  convertAreTomo3Alignment,
  convertImodAlignment,
  missingAlignmentDefaults,
  pickAlignmentFiles,
  rotationMatrix2d,
  type AlignmentDefaults,
  type AlignmentFields,
  type AlignmentFilePaths,
  type ImodAlignmentFiles,
  type ImodAlignmentLocations,
  type PerSectionAlignmentParameters,
} from "./convert.js";
