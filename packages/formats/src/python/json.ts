/**
 * Python `json.dumps(value, indent=..., sort_keys=..., separators=...)` with the default
 * `ensure_ascii=True`, byte for byte: the one JSON encoder of ingestkit for bytes a Python tool
 * would have written (metadata files, zarr's `.zarray`/`.zattrs`/`zarr.json`, glTF JSON chunks,
 * the portal's colour seeds).
 *
 * JSON.stringify(v, null, 4) has the same layout but differs in the details: floats lose their
 * `.0`, non-ASCII stays raw, NaN becomes null. Python holds ints and floats apart; a JS number is
 * an int when integral (below 1e21), else a float, and {@link PyFloat} marks an integral float (`1.0`).
 */
import { PyFloat, isPlainObject, pyRepr, pyTypeName } from "./float.js";

/** JSON-like values whose floats are all marked: what zarr metadata is built from. */
export type PyJson = null | boolean | number | string | PyFloat | readonly PyJson[] | { readonly [key: string]: PyJson };

export interface PyJsonOptions {
  /** `sort_keys=True`: dict keys in code point order, as Python sorts str. */
  sortKeys?: boolean;
  /** `separators=(item, key)`; Python's default is `(", ", ": ")` on one line and `(",", ": ")` with an indent. */
  separators?: readonly [string, string];
}

/**
 * Python json's float encoder: `repr(float)` (shortest round-trip digits, exponent form below
 * 1e-4 and from 1e16), with the JavaScript-style names for non-finite values.
 */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "Infinity";
  if (x === -Infinity) return "-Infinity";
  return pyRepr(x, true);
}

/**
 * An integral number is a Python int (all its digits) below 1e21; from 1e21 on, where JavaScript
 * itself writes exponents and no int of ours is exact, a float (`1.5e+300`, as JSON.parse read it).
 */
function numberText(x: number): string {
  return Number.isInteger(x) && Math.abs(x) < 1e21 ? pyRepr(x, false) : pythonFloatRepr(x);
}

/**
 * Python's py_encode_basestring_ascii. Working on UTF-16 code units gives exactly Python's output:
 * astral characters come out as their surrogate pair, and lone surrogates as themselves.
 */
export function pyJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += "\\\\";
    else if (c >= 0x20 && c <= 0x7e) out += s[i];
    else if (c === 0x0a) out += "\\n";
    else if (c === 0x0d) out += "\\r";
    else if (c === 0x09) out += "\\t";
    else if (c === 0x08) out += "\\b";
    else if (c === 0x0c) out += "\\f";
    else out += `\\u${c.toString(16).padStart(4, "0")}`;
  }
  return out + '"';
}

/** Python json converts these dict key types to strings; anything else is a TypeError. */
function keyText(key: unknown): string {
  if (typeof key === "string") return key;
  if (typeof key === "number") return numberText(key);
  if (key instanceof PyFloat) return pythonFloatRepr(key.value);
  if (typeof key === "bigint") return key.toString();
  if (typeof key === "boolean") return key ? "true" : "false";
  if (key === null) return "null";
  throw new TypeError(`keys must be str, int, float, bool or None, not ${pyTypeName(key)}`);
}

/** Python's order of str (by code point; JS sorts by UTF-16 unit, which differs past the BMP). */
function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; ) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(i)!;
    if (ca !== cb) return ca - cb;
    i += ca > 0xffff ? 2 : 1;
  }
  return a.length - b.length;
}

/** `sorted(d.items())` for the keys Python can compare: numbers numerically, str by code point. */
function compareKeys(a: unknown, b: unknown): number {
  const num = (k: unknown) => (typeof k === "number" ? k : k instanceof PyFloat ? k.value : typeof k === "bigint" ? Number(k) : undefined);
  const na = num(a);
  const nb = num(b);
  if (na !== undefined && nb !== undefined) return na - nb;
  return compareCodePoints(keyText(a), keyText(b));
}

/**
 * `json.dumps(value, indent=indent)`: with an indent, `,` at line ends, `: ` after keys, empty
 * `[]`/`{}` inline, no trailing newline; `indent` null is Python's None (one line, `, ` and `: `).
 * Plain objects keep JS property order unless `sortKeys` (note: JS lists integer-like keys such as
 * "10" first; pass a Map to keep another order). Undefined object properties are skipped and
 * undefined list items become null, as JSON.stringify does.
 */
export function pyJsonDumps(value: unknown, indent: number | string | null = 4, options: PyJsonOptions = {}): string {
  const unit = indent === null ? undefined : typeof indent === "number" ? " ".repeat(Math.max(0, indent)) : indent;
  const [itemSeparator, keySeparator] = options.separators ?? [unit === undefined ? ", " : ",", ": "];
  const stack = new Set<object>();

  const encode = (v: unknown, level: number): string => {
    if (v === null || v === undefined) return "null";
    if (v === true) return "true";
    if (v === false) return "false";
    if (typeof v === "number") return numberText(v);
    if (typeof v === "bigint") return v.toString();
    if (typeof v === "string") return pyJsonString(v);
    if (v instanceof PyFloat) return pythonFloatRepr(v.value);
    if (typeof v !== "object") throw new TypeError(`Object of type ${typeof v} is not JSON serializable`);

    const isList = Array.isArray(v);
    const isDict = v instanceof Map || isPlainObject(v);
    if (!isList && !isDict) throw new TypeError(`Object of type ${pyTypeName(v)} is not JSON serializable`);
    // Python's encoder raises on cycles instead of recursing forever.
    if (stack.has(v)) throw new Error("Circular reference detected");

    const items: string[] = [];
    stack.add(v);
    if (isList) {
      for (const item of v as unknown[]) items.push(encode(item, level + 1));
    } else {
      let pairs: Iterable<[unknown, unknown]> = v instanceof Map ? v.entries() : Object.entries(v);
      if (options.sortKeys) pairs = [...pairs].sort(([a], [b]) => compareKeys(a, b));
      for (const [k, item] of pairs) {
        if (item === undefined) continue;
        items.push(`${pyJsonString(keyText(k))}${keySeparator}${encode(item, level + 1)}`);
      }
    }
    stack.delete(v);

    const [open, close] = isList ? ["[", "]"] : ["{", "}"];
    if (items.length === 0) return open + close;
    if (unit === undefined) return `${open}${items.join(itemSeparator)}${close}`;
    const inner = "\n" + unit.repeat(level + 1);
    return `${open}${inner}${items.join(itemSeparator + inner)}\n${unit.repeat(level)}${close}`;
  };

  return encode(value, 0);
}

/**
 * What zarr-python 2 writes for `.zgroup`, `.zarray` and `.zattrs` (its `json_dumps`:
 * `indent=4, sort_keys=True, ensure_ascii=True, separators=(",", ": ")`), and zarr v3's `zarr.json`.
 */
export function pythonJson(value: PyJson): string {
  return pyJsonDumps(value, 4, { sortKeys: true });
}
