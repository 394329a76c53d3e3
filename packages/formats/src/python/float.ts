/**
 * Python's int/float distinction and its `repr()` / `str()` of numbers and JSON-like values.
 *
 * Written here because JavaScript has a single number type (YAML `1.0` and `1` both load as 1)
 * and lays numbers out differently (`1e21`, `1.5e-7`, no `.0`), while the Python tools whose
 * bytes we reproduce write `str(x)` into paths and metadata and `repr(float)` into JSON (zarr,
 * trimesh, the portal's seeds). No npm package reproduces CPython's layout. The one PyFloat of
 * ingestkit: core re-exports it, so `instanceof` holds across packages.
 */

/** A number that Python holds as `float` although it is integral (YAML `1.0`, `version: 1.0`). */
export class PyFloat {
  constructor(readonly value: number) {}

  valueOf(): number {
    return this.value;
  }

  /** Python `str()` of the float, so template code that stringifies it gets `1.0`. */
  toString(): string {
    return pyRepr(this.value, true);
  }

  /** Plain JSON.stringify sees a number; use pyJsonDumps to keep the `.0`. */
  toJSON(): number {
    return this.value;
  }
}

export function isPyFloat(value: unknown): value is PyFloat {
  return value instanceof PyFloat;
}

/** Python's shortest round-trip digits of a finite non-negative double: value = 0.DIGITS x 10^decpt. */
export interface DecimalDigits {
  digits: string;
  decpt: number;
}

/**
 * Shortest round-trip digits. JS `Number#toString` picks the same digits as Python's repr (both are
 * the shortest string that round-trips, ties resolved toward the closer value); only the layout differs.
 */
export function shortestDigits(abs: number): DecimalDigits {
  const text = String(abs);
  const e = text.indexOf("e");
  const mantissa = e < 0 ? text : text.slice(0, e);
  const exponent = e < 0 ? 0 : Number(text.slice(e + 1));
  const dot = mantissa.indexOf(".");
  const intPart = dot < 0 ? mantissa : mantissa.slice(0, dot);
  const fracPart = dot < 0 ? "" : mantissa.slice(dot + 1);
  let digits = intPart + fracPart;
  let decpt = intPart.length + exponent;
  const lead = /^0*/.exec(digits)?.[0].length ?? 0;
  if (lead === digits.length) return { digits: "0", decpt: 1 };
  digits = digits.slice(lead);
  decpt -= lead;
  return { digits: digits.replace(/0+$/, ""), decpt };
}

/** Python's exponent suffix: explicit sign, at least two digits (`e-05`, `e+16`, `e+100`). */
export function pyExponent(exp: number, letter = "e"): string {
  const sign = exp < 0 ? "-" : "+";
  return `${letter}${sign}${String(Math.abs(exp)).padStart(2, "0")}`;
}

/** Python `repr()` (= `str()`) of an int (`isFloat` false and integral) or a float. */
export function pyRepr(x: number, isFloat: boolean): string {
  if (!isFloat && Number.isInteger(x)) {
    // BigInt gives all digits of large integers (JS would write 1e+21); -0 as an int is 0.
    return BigInt(x).toString();
  }
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  const sign = x < 0 || Object.is(x, -0) ? "-" : "";
  const { digits, decpt } = shortestDigits(Math.abs(x));
  // CPython float_repr_style 'short': exponent form when decpt <= -4 or decpt > 16.
  if (decpt <= -4 || decpt > 16) {
    const rest = digits.slice(1);
    return `${sign}${digits[0]}${rest ? `.${rest}` : ""}${pyExponent(decpt - 1)}`;
  }
  if (decpt <= 0) return `${sign}0.${"0".repeat(-decpt)}${digits}`;
  if (decpt >= digits.length) return `${sign}${digits}${"0".repeat(decpt - digits.length)}.0`;
  return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`;
}

/** Is this a JS number/PyFloat that Python would hold as a float? */
export function isPythonFloat(value: unknown): boolean {
  if (value instanceof PyFloat) return true;
  return typeof value === "number" && !Number.isInteger(value);
}

/** Objects we treat as Python dicts: `{...}` literals and `Object.create(null)`. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Python type name of a JSON-like value, for error messages that match CPython's. */
export function pyTypeName(value: unknown): string {
  if (value === null || value === undefined) return "NoneType";
  if (typeof value === "boolean") return "bool";
  if (typeof value === "bigint") return "int";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float";
  if (value instanceof PyFloat) return "float";
  if (typeof value === "string") return "str";
  if (Array.isArray(value)) return "list";
  if (value instanceof Map || isPlainObject(value)) return "dict";
  return (value as object).constructor?.name ?? "object";
}

// Python's str.isprintable(): categories Other (Cc Cf Cs Co Cn) and Separator (Zl Zp Zs) are not
// printable, except the ASCII space.
const NON_PRINTABLE = /^[\p{C}\p{Z}]$/u;

function escapeCodePoint(cp: number): string {
  if (cp < 0x100) return `\\x${cp.toString(16).padStart(2, "0")}`;
  if (cp < 0x10000) return `\\u${cp.toString(16).padStart(4, "0")}`;
  return `\\U${cp.toString(16).padStart(8, "0")}`;
}

/** Python `repr()` of a str: quote choice, `\n \r \t \\` escapes, `\xNN` for non-printables. */
export function pyStringRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  // for..of walks code points; a lone surrogate comes out on its own, as Python sees it.
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === quote || ch === "\\") out += `\\${ch}`;
    else if (ch === "\t") out += "\\t";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (cp < 0x20 || cp === 0x7f) out += escapeCodePoint(cp);
    else if (cp < 0x7f) out += ch;
    else if (NON_PRINTABLE.test(ch)) out += escapeCodePoint(cp);
    else out += ch;
  }
  return out + quote;
}

/** Python `repr()` of a JSON-like value (None/True/False, int, float, str, list, dict). */
export function pyReprValue(value: unknown): string {
  return reprInner(value, new Set());
}

function reprInner(value: unknown, seen: Set<object>): string {
  if (value === null || value === undefined) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") return pyRepr(value, !Number.isInteger(value));
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "string") return pyStringRepr(value);
  if (value instanceof PyFloat) return pyRepr(value.value, true);
  if (typeof value !== "object") return String(value);
  if (Array.isArray(value)) {
    // Python prints a list that contains itself as [...].
    if (seen.has(value)) return "[...]";
    seen.add(value);
    const items = value.map((item: unknown) => reprInner(item, seen));
    seen.delete(value);
    return `[${items.join(", ")}]`;
  }
  if (value instanceof Map || isPlainObject(value)) {
    if (seen.has(value)) return "{...}";
    seen.add(value);
    const entries: string[] = [];
    const pairs: Iterable<[unknown, unknown]> = value instanceof Map ? value.entries() : Object.entries(value);
    for (const [k, v] of pairs) {
      // An undefined property is an absent key (JSON.stringify agrees).
      if (v === undefined && !(value instanceof Map)) continue;
      entries.push(`${reprInner(k, seen)}: ${reprInner(v, seen)}`);
    }
    seen.delete(value);
    return `{${entries.join(", ")}}`;
  }
  return String(value);
}

/** Python `str()` of a JSON-like value: strings as they are, everything else as repr. */
export function pyStr(value: unknown): string {
  if (typeof value === "string") return value;
  return pyReprValue(value);
}

/** Python `ascii()`: repr with every non-ASCII code point escaped (`\xe9`, `\u2028`, `\U0001f600`). */
export function pyAscii(value: unknown): string {
  let out = "";
  for (const ch of pyReprValue(value)) {
    const cp = ch.codePointAt(0) ?? 0;
    out += cp < 0x80 ? ch : escapeCodePoint(cp);
  }
  return out;
}
