/**
 * Python semantics that ingestion configs rely on, reproduced in TypeScript: `re` patterns,
 * int/float `repr()`/`str()`, `json.dumps(indent=...)` and `str.format(**vars)`.
 */
export { PyFloat, isPyFloat, isPythonFloat, pyAscii, pyExponent, pyRepr, pyReprValue, pyStr, pyStringRepr, pyTypeName, shortestDigits } from "./float.js";
export type { DecimalDigits } from "./float.js";
export { pyJsonDumps, pyJsonString } from "./json.js";
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
