/**
 * Point-annotation readers (CSV, STAR, IMOD model, copick, tardis) and the portal's ndjson output.
 * See points.ts for the formats and conventions.
 */
export { AnnotationFormatError } from "./errors.js";
export { imodModelPoints, readImodModel, writeImodModel } from "./imod-model.js";
export type { ImodContour, ImodModel, ImodModelInput, ImodObject, ImodSlicerAngle, Vec3 } from "./imod-model.js";
export { pointNdjsonLine, pointObjectCount, pointsToNdjson } from "./ndjson.js";
export { POINT_FORMATS, readPointAnnotations } from "./points.js";
export type { AxisOrder, PointLocation, PointReadOptions, PointRecord, PointShape } from "./points.js";
export { composeQuaternions, flipMatrix, invertQuaternion, quaternionFromEuler, quaternionToMatrix, RotationError, rotationMatrixFromEuler } from "./rotation.js";
export type { EulerOptions, Matrix3, Quaternion } from "./rotation.js";
export { parseStar, starBlock, starTable } from "./star.js";
export type { StarBlock, StarLoop, StarRow, StarTable } from "./star.js";
