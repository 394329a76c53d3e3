/**
 * Python `json.dumps(value, indent=N)` with the default `ensure_ascii=True`, byte for byte.
 *
 * Written here because the Python tool writes metadata files with json.dumps and we must produce
 * identical bytes. JSON.stringify(v, null, 4) has the same layout but differs in the details: floats
 * lose their `.0`, non-ASCII stays raw, NaN becomes null, large numbers come out as `1e+21`.
 */
import { PyFloat, isPlainObject, pyRepr, pyTypeName } from "./float.js";

/** Python json's float encoder: repr(), with the JavaScript-style names for non-finite values. */
function floatText(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "Infinity";
  if (x === -Infinity) return "-Infinity";
  return pyRepr(x, true);
}

function numberText(x: number): string {
  return Number.isInteger(x) ? pyRepr(x, false) : floatText(x);
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
  if (key instanceof PyFloat) return floatText(key.value);
  if (typeof key === "bigint") return key.toString();
  if (typeof key === "boolean") return key ? "true" : "false";
  if (key === null) return "null";
  throw new TypeError(`keys must be str, int, float, bool or None, not ${pyTypeName(key)}`);
}

/**
 * `json.dumps(value, indent=indent)`: `,` at line ends, `: ` after keys, empty `[]`/`{}` inline, no
 * trailing newline. Plain objects keep JS property order (note: JS lists integer-like keys such as
 * "10" first; pass a Map to keep another order). Undefined object properties are skipped and
 * undefined list items become null, as JSON.stringify does.
 */
export function pyJsonDumps(value: unknown, indent: number | string = 4): string {
  const unit = typeof indent === "number" ? " ".repeat(Math.max(0, indent)) : indent;
  const stack = new Set<object>();

  const encode = (v: unknown, level: number): string => {
    if (v === null || v === undefined) return "null";
    if (v === true) return "true";
    if (v === false) return "false";
    if (typeof v === "number") return numberText(v);
    if (typeof v === "bigint") return v.toString();
    if (typeof v === "string") return pyJsonString(v);
    if (v instanceof PyFloat) return floatText(v.value);
    if (typeof v !== "object") throw new TypeError(`Object of type ${typeof v} is not JSON serializable`);

    const isList = Array.isArray(v);
    const isDict = v instanceof Map || isPlainObject(v);
    if (!isList && !isDict) throw new TypeError(`Object of type ${pyTypeName(v)} is not JSON serializable`);
    // Python's encoder raises on cycles instead of recursing forever.
    if (stack.has(v)) throw new Error("Circular reference detected");

    const inner = "\n" + unit.repeat(level + 1);
    const items: string[] = [];
    stack.add(v);
    if (isList) {
      for (const item of v as unknown[]) items.push(encode(item, level + 1));
    } else {
      const pairs: Iterable<[unknown, unknown]> = v instanceof Map ? v.entries() : Object.entries(v);
      for (const [k, item] of pairs) {
        if (item === undefined) continue;
        items.push(`${pyJsonString(keyText(k))}: ${encode(item, level + 1)}`);
      }
    }
    stack.delete(v);

    const [open, close] = isList ? ["[", "]"] : ["{", "}"];
    if (items.length === 0) return open + close;
    return `${open}${inner}${items.join("," + inner)}\n${unit.repeat(level)}${close}`;
  };

  return encode(value, 0);
}
