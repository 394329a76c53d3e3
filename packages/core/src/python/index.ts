/**
 * Python semantics that ingestion configs rely on, reproduced in TypeScript: `re` patterns,
 * int/float `repr()`/`str()`, `json.dumps(indent=...)` and `str.format(**vars)`. Floats and JSON
 * live in @ingestkit/formats (its python/, which zarr and glTF writers share): one PyFloat class.
 */
export { PyFloat, isPyFloat, isPythonFloat, pyAscii, pyExponent, pyRepr, pyReprValue, pyStr, pyStringRepr, pyTypeName, shortestDigits } from "@ingestkit/formats/python";
export type { DecimalDigits } from "@ingestkit/formats/python";
export { pyJsonDumps, pyJsonString } from "@ingestkit/formats/python";
export {
  FormatStringError,
  FormatValueError,
  MissingFormatVariableError,
  formatFieldNames,
  formatValue,
  parseFormatString,
  pyFormat,
} from "./format.js";
export type { FormatConversion, FormatField, FormatLiteral, FormatPart, PythonExceptionType } from "./format.js";
export { PyRegex, PythonRegexError, compilePythonRegex, translatePythonRegex } from "./regex.js";
export type { PythonRegexTranslation, TranslateResult } from "./regex.js";
