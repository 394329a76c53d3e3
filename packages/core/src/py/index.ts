export { PyFloat, pyRepr, pyStr } from "./float.js";
export { pyJsonDumps } from "./json.js";
export { compilePythonRegex, translatePythonRegex, PythonRegexError } from "./regex.js";
export type { PyRegex, TranslateResult } from "./regex.js";
export { parseFormatString, pyFormat, formatValue, formatFieldNames, FormatStringError, MissingFormatVariableError } from "./format.js";
export type { FormatPart } from "./format.js";
