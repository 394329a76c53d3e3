/**
 * Python `str.format(**vars)` for config templates: the replacement-field grammar, `!s/!r/!a`
 * conversions, `[key]` lookups and the format-spec mini-language for str, int, bool and float.
 *
 * Written here because configs are Python templates (`{run_name}_{voxel_spacing:.3f}`) whose output
 * becomes file paths and metadata, so it must match CPython exactly, including its error messages.
 * JS has no equivalent, and `toFixed` rounds the shortest decimal string (0.125 -> "0.13") where
 * Python rounds the exact binary value half-to-even (-> "0.12"); the float code below follows
 * CPython's Objects/stringlib/unicode_format.h, formatter_unicode.c and Python/pystrtod.c.
 */
import { PyFloat, isPlainObject, pyAscii, pyExponent, pyRepr, pyReprValue, pyStr, pyTypeName, shortestDigits } from "@ingestkit/formats/python";

export type FormatConversion = "s" | "r" | "a";

export interface FormatLiteral {
  kind: "literal";
  text: string;
}

export interface FormatField {
  kind: "field";
  /** The keyword argument: the field name up to any `[key]`. */
  name: string;
  /** `[key]` lookups applied in order (only present when used); all-digit keys are numbers, as in Python. */
  keys?: Array<string | number>;
  conversion?: FormatConversion;
  /** The format spec after `:` (absent when empty). */
  spec?: string;
  /** Offset of the `{`. */
  start: number;
  /** Offset just past the closing `}`. */
  end: number;
}

export type FormatPart = FormatLiteral | FormatField;

/** A malformed template (Python raises ValueError while parsing). */
export class FormatStringError extends Error {
  constructor(
    message: string,
    readonly index: number,
  ) {
    super(message);
    this.name = "FormatStringError";
  }
}

/** A `{name}` with no value (Python: KeyError). */
export class MissingFormatVariableError extends Error {
  /** The undefined variable. It deliberately replaces Error#name: callers read `err.name`. */
  override readonly name: string;
  /** Same as `name`, for readers who expect Error#name to be the class name. */
  readonly variable: string;

  constructor(
    name: string,
    readonly index: number,
  ) {
    super(`undefined format variable '${name}'`);
    this.name = name;
    this.variable = name;
  }
}

export type PythonExceptionType = "ValueError" | "TypeError" | "KeyError" | "IndexError" | "OverflowError";

/** A value that cannot be formatted or looked up as asked; `pythonType` is what CPython raises. */
export class FormatValueError extends Error {
  constructor(
    message: string,
    readonly pythonType: PythonExceptionType = "ValueError",
    /** Offset of the field's `{` when raised by pyFormat. */
    readonly index?: number,
  ) {
    super(message);
    this.name = "FormatValueError";
  }
}

// ---------------------------------------------------------------------------------------------
// Template parsing (MarkupIterator_next / parse_field / field_name_split)
// ---------------------------------------------------------------------------------------------

export function parseFormatString(s: string): FormatPart[] {
  const parts: FormatPart[] = [];
  let text = "";
  let i = 0;
  const braces = /[{}]/g;
  while (i < s.length) {
    braces.lastIndex = i;
    const hit = braces.exec(s);
    if (!hit) {
      text += s.slice(i);
      break;
    }
    const at = hit.index;
    const c = hit[0];
    text += s.slice(i, at);
    if (s[at + 1] === c) {
      text += c;
      i = at + 2;
      continue;
    }
    if (c === "}") throw new FormatStringError("Single '}' encountered in format string", at);
    if (at + 1 >= s.length) throw new FormatStringError("Single '{' encountered in format string", at);
    if (text) parts.push({ kind: "literal", text });
    text = "";
    const field = parseField(s, at);
    parts.push(field);
    i = field.end;
  }
  if (text) parts.push({ kind: "literal", text });
  return parts;
}

function parseField(s: string, open: number): FormatField {
  const n = s.length;
  let i = open + 1;
  let term = "";
  while (i < n) {
    const c = s[i++];
    if (c === "{") throw new FormatStringError("unexpected '{' in field name", i - 1);
    if (c === "[") {
      // Inside [...] anything goes, even '}' ':' '!' (Python scans straight to the ']').
      while (i < n && s[i] !== "]") i++;
      continue;
    }
    if (c === "}" || c === ":" || c === "!") {
      term = c;
      break;
    }
  }
  if (term === "") throw new FormatStringError("expected '}' before end of string", open);
  const fieldText = s.slice(open + 1, i - 1);

  let conversionChar: string | undefined;
  let conversionIndex = -1;
  let spec = "";
  let needSpec = term === ":";
  if (term === "!") {
    if (i >= n) throw new FormatStringError("end of string while looking for conversion specifier", i - 1);
    conversionIndex = i;
    conversionChar = s[i++];
    needSpec = true;
    if (i < n) {
      const c = s[i++];
      if (c === "}") needSpec = false;
      else if (c !== ":") throw new FormatStringError("expected ':' after conversion specifier", i - 1);
    }
  }
  if (needSpec) {
    const specStart = i;
    let depth = 1;
    let nested = -1;
    while (i < n) {
      const c = s[i++];
      if (c === "{") {
        if (nested < 0) nested = i - 1;
        depth++;
      } else if (c === "}" && --depth === 0) break;
    }
    if (depth !== 0) throw new FormatStringError("unmatched '{' in format spec", open);
    spec = s.slice(specStart, i - 1);
    // Python expands {w} inside specs from the same kwargs; configs do not need it.
    if (nested >= 0) {
      throw new FormatStringError("nested replacement fields in a format spec ({x:{w}}) are not supported", nested);
    }
  }

  let conversion: FormatConversion | undefined;
  if (conversionChar !== undefined) {
    if (conversionChar !== "s" && conversionChar !== "r" && conversionChar !== "a") {
      throw new FormatStringError(`Unknown conversion specifier ${conversionChar}`, conversionIndex);
    }
    conversion = conversionChar;
  }

  const { name, keys } = parseFieldName(fieldText, open + 1);
  const field: FormatField = { kind: "field", name, start: open, end: i };
  if (keys.length > 0) field.keys = keys;
  if (conversion) field.conversion = conversion;
  if (spec) field.spec = spec;
  return field;
}

function parseFieldName(text: string, offset: number): { name: string; keys: Array<string | number> } {
  let j = 0;
  while (j < text.length && text[j] !== "." && text[j] !== "[") j++;
  const name = text.slice(0, j);
  // Python would take these from positional arguments, which templates never get.
  if (name === "") {
    throw new FormatStringError("automatic field numbering ({}) is not supported: name the variable", offset - 1);
  }
  if (/^[0-9]+$/.test(name)) {
    throw new FormatStringError(`positional field {${name}} is not supported: name the variable`, offset - 1);
  }
  const keys: Array<string | number> = [];
  while (j < text.length) {
    if (text[j] === ".") {
      let k = j + 1;
      while (k < text.length && text[k] !== "." && text[k] !== "[") k++;
      if (k === j + 1) throw new FormatStringError("Empty attribute in format string", offset + j);
      // Attribute access needs Python objects; our values are plain data.
      throw new FormatStringError(`attribute access (.${text.slice(j + 1, k)}) is not supported in format fields`, offset + j);
    }
    const close = text.indexOf("]", j + 1);
    if (close < 0) throw new FormatStringError("Missing ']' in format string", offset + j);
    const key = text.slice(j + 1, close);
    if (key === "") throw new FormatStringError("Empty attribute in format string", offset + j);
    keys.push(/^[0-9]+$/.test(key) ? Number(key) : key);
    j = close + 1;
    if (j < text.length && text[j] !== "." && text[j] !== "[") {
      throw new FormatStringError("Only '.' or '[' may follow ']' in format field specifier", offset + j);
    }
  }
  return { name, keys };
}

/** Names of the variables a template uses, each once, in order of first use. */
export function formatFieldNames(template: string): string[] {
  const names: string[] = [];
  for (const part of parseFormatString(template)) {
    if (part.kind === "field" && !names.includes(part.name)) names.push(part.name);
  }
  return names;
}

// ---------------------------------------------------------------------------------------------
// pyFormat
// ---------------------------------------------------------------------------------------------

/** `template.format(**vars)`. Undefined names throw MissingFormatVariableError. */
export function pyFormat(template: string, vars: Record<string, unknown>): string {
  let out = "";
  for (const part of parseFormatString(template)) {
    if (part.kind === "literal") {
      out += part.text;
      continue;
    }
    if (!Object.hasOwn(vars, part.name) || vars[part.name] === undefined) {
      throw new MissingFormatVariableError(part.name, part.start);
    }
    try {
      let value = vars[part.name];
      for (const key of part.keys ?? []) value = getItem(value, key);
      out += formatValue(value, part.spec ?? "", part.conversion);
    } catch (err) {
      if (err instanceof FormatValueError && err.index === undefined) {
        throw new FormatValueError(err.message, err.pythonType, part.start);
      }
      throw err;
    }
  }
  return out;
}

/** Python `value[key]` for the `{name[key]}` syntax. */
function getItem(value: unknown, key: string | number): unknown {
  if (Array.isArray(value)) {
    if (typeof key === "string") throw new FormatValueError("list indices must be integers or slices, not str", "TypeError");
    if (key >= value.length) throw new FormatValueError("list index out of range", "IndexError");
    return value[key] as unknown;
  }
  if (typeof value === "string") {
    if (typeof key === "string") throw new FormatValueError("string indices must be integers, not 'str'", "TypeError");
    const chars = Array.from(value);
    if (key >= chars.length) throw new FormatValueError("string index out of range", "IndexError");
    return chars[key];
  }
  if (value instanceof Map) {
    if (!value.has(key)) throw new FormatValueError(pyReprValue(key), "KeyError");
    return value.get(key) as unknown;
  }
  if (isPlainObject(value)) {
    // JS object keys are strings, so a YAML int key 0 and a str key "0" are the same key here.
    const k = String(key);
    if (!Object.hasOwn(value, k) || value[k] === undefined) {
      throw new FormatValueError(pyReprValue(key), "KeyError");
    }
    return value[k];
  }
  throw new FormatValueError(`'${pyTypeName(value)}' object is not subscriptable`, "TypeError");
}

// ---------------------------------------------------------------------------------------------
// Format-spec mini-language
// ---------------------------------------------------------------------------------------------

type Align = "<" | ">" | "^" | "=";

interface Spec {
  fill: string;
  align: Align;
  sign: "" | "+" | "-" | " ";
  noNeg0: boolean;
  alternate: boolean;
  width: number;
  separator: "" | "," | "_";
  precision: number;
  type: string;
}

function valueError(message: string): FormatValueError {
  return new FormatValueError(message, "ValueError");
}

function isAlign(c: string | undefined): c is Align {
  return c === "<" || c === ">" || c === "^" || c === "=";
}

/** parse_internal_render_format_spec: `[[fill]align][sign][z][#][0][width][,|_][.precision][type]`. */
function parseSpec(specText: string, defaultAlign: Align, defaultType: string, typeName: string): Spec {
  const cps = Array.from(specText);
  const end = cps.length;
  let pos = 0;
  const spec: Spec = {
    fill: " ",
    align: defaultAlign,
    sign: "",
    noNeg0: false,
    alternate: false,
    width: -1,
    separator: "",
    precision: -1,
    type: defaultType,
  };
  let fillSpecified = false;
  let alignSpecified = false;
  const second = cps[pos + 1];
  const first = cps[pos];
  if (end - pos >= 2 && isAlign(second)) {
    spec.align = second;
    spec.fill = first ?? " ";
    fillSpecified = alignSpecified = true;
    pos += 2;
  } else if (end - pos >= 1 && isAlign(first)) {
    spec.align = first;
    alignSpecified = true;
    pos++;
  }
  const signChar = cps[pos];
  if (signChar === "+" || signChar === "-" || signChar === " ") {
    spec.sign = signChar;
    pos++;
  }
  if (cps[pos] === "z") {
    spec.noNeg0 = true;
    pos++;
  }
  if (cps[pos] === "#") {
    spec.alternate = true;
    pos++;
  }
  // The '0' flag: zero fill, and sign-aware '=' alignment only where numbers are right-aligned.
  if (!fillSpecified && cps[pos] === "0") {
    spec.fill = "0";
    if (!alignSpecified && defaultAlign === ">") spec.align = "=";
    pos++;
  }
  const widthStart = pos;
  while (pos < end && /[0-9]/.test(cps[pos] ?? "")) pos++;
  if (pos > widthStart) spec.width = Number(cps.slice(widthStart, pos).join(""));
  if (cps[pos] === ",") {
    spec.separator = ",";
    pos++;
  }
  if (cps[pos] === "_") {
    if (spec.separator !== "") throw valueError("Cannot specify both ',' and '_'.");
    spec.separator = "_";
    pos++;
  }
  if (cps[pos] === "," && spec.separator === "_") throw valueError("Cannot specify both ',' and '_'.");
  if (cps[pos] === ".") {
    pos++;
    const precisionStart = pos;
    while (pos < end && /[0-9]/.test(cps[pos] ?? "")) pos++;
    if (pos === precisionStart) throw valueError("Format specifier missing precision");
    spec.precision = Number(cps.slice(precisionStart, pos).join(""));
  }
  if (end - pos > 1) throw valueError(`Invalid format specifier '${specText}' for object of type '${typeName}'`);
  if (end - pos === 1) spec.type = cps[pos] ?? "";
  if (spec.separator) {
    // PEP 378 / PEP 515: ',' for decimal types only, '_' also for binary/octal/hex.
    const ok = spec.type === "" || "defgEG%F".includes(spec.type) || (spec.separator === "_" && "boxX".includes(spec.type));
    if (!ok) throw valueError(`Cannot specify '${spec.separator}' with ${codeText(spec.type)}.`);
  }
  return spec;
}

/** How CPython quotes a presentation type in messages: 'd', or '\x..' when not printable ASCII. */
function codeText(type: string): string {
  const cp = type.codePointAt(0) ?? 0;
  return cp > 32 && cp < 128 ? `'${type}'` : `'\\x${cp.toString(16)}'`;
}

function unknownCode(type: string, typeName: string): FormatValueError {
  return valueError(`Unknown format code ${codeText(type)} for object of type '${typeName}'`);
}

function codePointLength(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Python `format(value, spec)` after an optional `!s`/`!r`/`!a` conversion. */
export function formatValue(value: unknown, spec = "", conversion?: FormatConversion): string {
  let v = value;
  if (conversion === "s") v = pyStr(v);
  else if (conversion === "r") v = pyReprValue(v);
  else if (conversion === "a") v = pyAscii(v);

  if (typeof v === "string") return formatString(v, spec);
  // bool is an int subclass: str() without a spec, int formatting with one ('{:>5}' of True is '    1').
  if (typeof v === "boolean") return spec === "" ? (v ? "True" : "False") : formatInt(v ? 1n : 0n, spec, "bool");
  if (typeof v === "bigint") return formatInt(v, spec, "int");
  if (v instanceof PyFloat) return formatFloat(v.value, spec);
  if (typeof v === "number") return Number.isInteger(v) ? formatInt(BigInt(v), spec, "int") : formatFloat(v, spec);
  if (spec === "") return pyStr(v);
  // object.__format__ only accepts an empty spec.
  throw new FormatValueError(`unsupported format string passed to ${pyTypeName(v)}.__format__`, "TypeError");
}

function pad(text: string, spec: Spec): string {
  const len = codePointLength(text);
  const total = Math.max(spec.width, len);
  const left = spec.align === ">" ? total - len : spec.align === "^" ? Math.floor((total - len) / 2) : 0;
  const right = total - len - left;
  return spec.fill.repeat(left) + text + spec.fill.repeat(right);
}

function formatString(value: string, specText: string): string {
  if (specText === "") return value;
  const spec = parseSpec(specText, "<", "s", "str");
  if (spec.type !== "s") throw unknownCode(spec.type, "str");
  if (spec.sign === " ") throw valueError("Space not allowed in string format specifier");
  if (spec.sign !== "") throw valueError("Sign not allowed in string format specifier");
  if (spec.noNeg0) throw valueError("Negative zero coercion (z) not allowed in string format specifier");
  if (spec.alternate) throw valueError("Alternate form (#) not allowed in string format specifier");
  if (spec.align === "=") throw valueError("'=' alignment not allowed in string format specifier");
  let text = value;
  if (spec.precision >= 0) {
    const cps = Array.from(value);
    if (cps.length > spec.precision) text = cps.slice(0, spec.precision).join("");
  }
  return pad(text, spec);
}

interface NumberParts {
  negative: boolean;
  prefix: string;
  digits: string;
  hasDecimal: boolean;
  remainder: string;
}

/**
 * _PyUnicode_InsertThousandsGrouping: groups from the right and, for '0' fill with '=' alignment,
 * keeps adding zero groups until minWidth is reached ('{:010,}' of 1234 is '00,001,234').
 */
function groupDigits(digits: string, minWidth: number, size: number, separator: string): string {
  let pieces = "";
  let remaining = digits.length;
  let width = minWidth;
  let useSeparator = false;
  let end = digits.length;
  const take = (l: number): void => {
    const zeros = Math.max(0, l - remaining);
    const chars = Math.max(0, Math.min(remaining, l));
    pieces = "0".repeat(zeros) + digits.slice(end - chars, end) + (useSeparator ? separator : "") + pieces;
    end -= chars;
    remaining -= chars;
  };
  if (size > 0) {
    for (;;) {
      const l = Math.min(size, Math.max(remaining, width, 1));
      take(l);
      useSeparator = true;
      width -= l;
      if (remaining <= 0 && width <= 0) return pieces;
      width -= separator.length;
    }
  }
  take(Math.max(remaining, width, 1));
  return pieces;
}

/** calc_number_widths + fill_number: sign, prefix, padding, grouped digits, decimal point, rest. */
function fillNumber(parts: NumberParts, spec: Spec, groupSize: number): string {
  let sign = parts.negative ? "-" : "";
  if (spec.sign === "+") sign = parts.negative ? "-" : "+";
  else if (spec.sign === " ") sign = parts.negative ? "-" : " ";
  const nonDigits = sign.length + parts.prefix.length + (parts.hasDecimal ? 1 : 0) + codePointLength(parts.remainder);
  const minWidth = spec.fill === "0" && spec.align === "=" ? spec.width - nonDigits : 0;
  const separator = groupSize > 0 ? spec.separator : "";
  const grouped = parts.digits.length === 0 ? "" : groupDigits(parts.digits, minWidth, groupSize, separator);
  const padding = spec.width - (nonDigits + grouped.length);
  let left = 0;
  let inner = 0;
  let right = 0;
  if (padding > 0) {
    if (spec.align === "<") right = padding;
    else if (spec.align === "^") {
      left = Math.floor(padding / 2);
      right = padding - left;
    } else if (spec.align === "=") inner = padding;
    else left = padding;
  }
  return spec.fill.repeat(left) + sign + parts.prefix + spec.fill.repeat(inner) + grouped + (parts.hasDecimal ? "." : "") + parts.remainder + spec.fill.repeat(right);
}

function formatInt(value: bigint, specText: string, typeName: string): string {
  if (specText === "") return value.toString();
  const spec = parseSpec(specText, ">", "d", typeName);
  switch (spec.type) {
    case "b":
    case "c":
    case "d":
    case "o":
    case "x":
    case "X":
    case "n":
      return formatIntInternal(value, spec);
    case "e":
    case "E":
    case "f":
    case "F":
    case "g":
    case "G":
    case "%":
      return formatFloatInternal(Number(value), spec);
    default:
      throw unknownCode(spec.type, typeName);
  }
}

function formatIntInternal(value: bigint, spec: Spec): string {
  if (spec.precision !== -1) throw valueError("Precision not allowed in integer format specifier");
  if (spec.noNeg0) throw valueError("Negative zero coercion (z) not allowed in integer format specifier");
  if (spec.type === "c") {
    if (spec.sign !== "") throw valueError("Sign not allowed with integer format specifier 'c'");
    if (spec.alternate) throw valueError("Alternate form (#) not allowed with integer format specifier 'c'");
    if (value < 0n || value > 0x10ffffn) throw new FormatValueError("%c arg not in range(0x110000)", "OverflowError");
    // The character is "remainder": never grouped or zero-padded, as in CPython.
    const char = String.fromCodePoint(Number(value));
    return fillNumber({ negative: false, prefix: "", digits: "", hasDecimal: false, remainder: char }, spec, 0);
  }
  const base = spec.type === "b" ? 2 : spec.type === "o" ? 8 : spec.type === "x" || spec.type === "X" ? 16 : 10;
  const negative = value < 0n;
  let digits = (negative ? -value : value).toString(base);
  let prefix = spec.alternate && base !== 10 ? `0${spec.type === "X" ? "x" : spec.type}` : "";
  if (spec.type === "X") {
    digits = digits.toUpperCase();
    prefix = prefix.toUpperCase();
  }
  // 'n' uses the current locale, which is "C" here: no grouping. '_' groups hex/octal/binary by 4.
  const groupSize = spec.type === "n" || spec.separator === "" ? 0 : base === 10 ? 3 : 4;
  return fillNumber({ negative, prefix, digits, hasDecimal: false, remainder: "" }, spec, groupSize);
}

function formatFloat(value: number, specText: string): string {
  if (specText === "") return pyRepr(value, true);
  const spec = parseSpec(specText, ">", "", "float");
  if (!["", "e", "E", "f", "F", "g", "G", "n", "%"].includes(spec.type)) throw unknownCode(spec.type, "float");
  return formatFloatInternal(value, spec);
}

/** format_float_internal. */
function formatFloatInternal(value: number, spec: Spec): string {
  let type = spec.type;
  let precision = spec.precision;
  let defaultPrecision = 6;
  let addDot0 = false;
  let val = value;
  let percent = false;
  if (type === "") {
    // No type: repr() without a precision, else like 'g' but keeping a ".0".
    addDot0 = true;
    type = "r";
    defaultPrecision = 0;
  }
  if (type === "n") type = "g";
  if (type === "%") {
    type = "f";
    val *= 100;
    percent = true;
  }
  if (precision < 0) precision = defaultPrecision;
  else if (type === "r") type = "g";

  let text = doubleToString(val, type, precision, addDot0, spec.alternate, spec.noNeg0);
  if (percent) text += "%";
  const negative = text.startsWith("-");
  if (negative) text = text.slice(1);
  const digits = /^[0-9]*/.exec(text)?.[0] ?? "";
  const rest = text.slice(digits.length);
  const hasDecimal = rest.startsWith(".");
  const groupSize = spec.type === "n" || spec.separator === "" ? 0 : 3;
  return fillNumber({ negative, prefix: "", digits, hasDecimal, remainder: hasDecimal ? rest.slice(1) : rest }, spec, groupSize);
}

// ---------------------------------------------------------------------------------------------
// Exact float -> decimal (PyOS_double_to_string / format_float_short with _Py_dg_dtoa digits)
// ---------------------------------------------------------------------------------------------

/** value = mantissa * 2^exponent exactly, for a finite positive double. */
function exactBinary(x: number): { mantissa: bigint; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (biased === 0) return { mantissa, exponent: -1074 };
  mantissa |= 1n << 52n;
  return { mantissa, exponent: biased - 1075 };
}

/** Exact x * 10^k as a fraction. */
function scaled(x: number, k: number): { num: bigint; den: bigint } {
  const { mantissa, exponent } = exactBinary(x);
  let num = mantissa;
  let den = 1n;
  if (exponent >= 0) num <<= BigInt(exponent);
  else den <<= BigInt(-exponent);
  if (k >= 0) num *= 10n ** BigInt(k);
  else den *= 10n ** BigInt(-k);
  return { num, den };
}

/** round(x * 10^k) with ties to even, on the exact binary value (what dtoa does). */
function roundScaled(x: number, k: number): bigint {
  const { num, den } = scaled(x, k);
  let q = num / den;
  const twice = 2n * (num - q * den);
  if (twice > den || (twice === den && (q & 1n) === 1n)) q += 1n;
  return q;
}

/** The decimal exponent k with 10^k <= x < 10^(k+1), exactly. */
function decimalExponent(x: number): number {
  let k = Math.floor(Math.log10(x));
  const atLeast = (e: number): boolean => {
    const { num, den } = scaled(x, -e);
    return num >= den;
  };
  while (!atLeast(k)) k--;
  while (atLeast(k + 1)) k++;
  return k;
}

/** _Py_dg_dtoa for a finite non-negative x: digits without trailing zeros, value = 0.digits x 10^decpt. */
function dtoa(x: number, mode: 0 | 2 | 3, ndigits: number): { digits: string; decpt: number } {
  if (x === 0) return { digits: "0", decpt: 1 };
  if (mode === 0) return shortestDigits(x);
  if (mode === 2) {
    let k = decimalExponent(x);
    let n = roundScaled(x, ndigits - 1 - k);
    if (n === 10n ** BigInt(ndigits)) {
      n = 10n ** BigInt(ndigits - 1);
      k++;
    }
    return { digits: n.toString().replace(/0+$/, ""), decpt: k + 1 };
  }
  const n = roundScaled(x, ndigits);
  // Rounds to nothing: dtoa returns no digits with the point just past the requested position.
  if (n === 0n) return { digits: "", decpt: -ndigits };
  const all = n.toString();
  return { digits: all.replace(/0+$/, ""), decpt: all.length - ndigits };
}

function doubleToString(x: number, code: string, precisionIn: number, addDot0: boolean, alternate: boolean, noNeg0: boolean): string {
  const upper = code === "E" || code === "F" || code === "G";
  const format = code.toLowerCase();
  let precision = precisionIn;
  let mode: 0 | 2 | 3 = 0;
  if (format === "e") {
    mode = 2;
    precision++;
  } else if (format === "f") mode = 3;
  else if (format === "g") {
    mode = 2;
    if (precision === 0) precision = 1;
  }

  if (Number.isNaN(x)) return upper ? "NAN" : "nan";
  if (!Number.isFinite(x)) return (x < 0 ? "-" : "") + (upper ? "INF" : "inf");

  const { digits, decpt: decpt0 } = dtoa(Math.abs(x), mode, precision);
  let negative = x < 0 || Object.is(x, -0);
  if (noNeg0 && negative && /^0*$/.test(digits)) negative = false;

  const len = digits.length;
  let decpt = decpt0;
  let vEnd = len;
  let useExp = false;
  if (format === "e") {
    useExp = true;
    vEnd = precision;
  } else if (format === "f") vEnd = decpt + precision;
  else if (format === "g") {
    if (decpt <= -4 || decpt > (addDot0 ? precision - 1 : precision)) useExp = true;
    if (alternate) vEnd = precision;
  } else if (decpt <= -4 || decpt > 16) useExp = true; // repr switches to exponents at 1e16

  let exp = 0;
  if (useExp) {
    exp = decpt - 1;
    decpt = 1;
  }
  const vStart = decpt <= 0 ? decpt - 1 : 0;
  vEnd = !useExp && addDot0 ? Math.max(vEnd, decpt + 1) : Math.max(vEnd, decpt);

  let out = negative ? "-" : "";
  if (decpt <= 0) out += "0".repeat(decpt - vStart) + "." + "0".repeat(-decpt);
  else out += "0".repeat(-vStart);
  if (decpt > 0 && decpt <= len) out += `${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
  else out += digits;
  if (len < decpt) out += "0".repeat(decpt - len) + "." + "0".repeat(vEnd - decpt);
  else out += "0".repeat(Math.max(0, vEnd - len));
  if (out.endsWith(".") && !alternate) out = out.slice(0, -1);
  if (useExp) out += pyExponent(exp, upper ? "E" : "e");
  return out;
}
