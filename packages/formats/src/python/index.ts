/**
 * Python semantics whose bytes ingestkit reproduces: int/float `repr()`/`str()`, PyFloat (an
 * integral float), `json.dumps` and `round()`. @ingestkit/core re-exports them (its `python`).
 */
export { PyFloat, isPlainObject, isPyFloat, isPythonFloat, pyAscii, pyExponent, pyRepr, pyReprValue, pyStr, pyStringRepr, pyTypeName, shortestDigits } from "./float.js";
export type { DecimalDigits } from "./float.js";
export { pyJsonDumps, pyJsonString, pythonFloatRepr, pythonJson } from "./json.js";
export type { PyJson, PyJsonOptions } from "./json.js";
export { pythonRound, roundHalfEven } from "./round.js";
