/**
 * Byte-compatible `json.dumps(value, indent=4)` (ensure_ascii on, Python float repr), so our
 * metadata files equal the reference's.
 */
import { PyFloat, pyRepr } from "./float.js";

function str(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i]!;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (c < 0x20 || c > 0x7e) out += `\\u${c.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return out + '"';
}

function num(x: number, isFloat: boolean): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "Infinity";
  if (x === -Infinity) return "-Infinity";
  return pyRepr(x, isFloat);
}

export function pyJsonDumps(value: unknown, indent = 4): string {
  const pad = (n: number) => " ".repeat(n * indent);
  const enc = (v: unknown, depth: number): string | undefined => {
    if (v === null) return "null";
    if (v === true) return "true";
    if (v === false) return "false";
    if (v instanceof PyFloat) return num(v.value, true);
    if (typeof v === "number") return num(v, !Number.isInteger(v));
    if (typeof v === "string") return str(v);
    if (v === undefined || typeof v === "function") return undefined;
    if (Array.isArray(v)) {
      if (v.length === 0) return "[]";
      const items = v.map((x) => pad(depth + 1) + (enc(x, depth + 1) ?? "null"));
      return `[\n${items.join(",\n")}\n${pad(depth)}]`;
    }
    if (typeof v === "object") {
      const entries = Object.entries(v as Record<string, unknown>).flatMap(([k, x]) => {
        const e = enc(x, depth + 1);
        return e === undefined ? [] : [`${pad(depth + 1)}${str(k)}: ${e}`];
      });
      if (entries.length === 0) return "{}";
      return `{\n${entries.join(",\n")}\n${pad(depth)}}`;
    }
    return str(String(v));
  };
  return enc(value, 0) ?? "null";
}
