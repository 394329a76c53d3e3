/**
 * Python `str.format(**vars)` for config templates: `{name}` (names may contain `-`), `{{`/`}}`
 * escapes, `{name[key]}` indexing, `!s`/`!r` conversions and the format-spec mini-language for
 * strings and numbers (with Python's round-half-even on the exact binary value for `f`/`e`).
 */
import { PyFloat, pyRepr, pyStr } from "./float.js";

export class FormatStringError extends Error {
  constructor(
    message: string,
    readonly index: number,
  ) {
    super(message);
  }
}

export class MissingFormatVariableError extends Error {
  constructor(
    override readonly name: string,
    readonly index: number,
  ) {
    super(`'${name}'`);
  }
}

export type FormatPart =
  | { kind: "literal"; text: string }
  | { kind: "field"; name: string; conversion?: "s" | "r" | "a"; spec?: string; start: number; end: number };

export function parseFormatString(s: string): FormatPart[] {
  const parts: FormatPart[] = [];
  let lit = "";
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "{") {
      if (s[i + 1] === "{") {
        lit += "{";
        i++;
        continue;
      }
      const start = i;
      let depth = 1;
      let j = i + 1;
      for (; j < s.length; j++) {
        if (s[j] === "{") depth++;
        else if (s[j] === "}" && --depth === 0) break;
      }
      if (j >= s.length) throw new FormatStringError("expected '}' before end of string", start);
      const body = s.slice(i + 1, j);
      let name = body;
      let conversion: "s" | "r" | "a" | undefined;
      let spec: string | undefined;
      const colon = findTop(body, ":");
      if (colon >= 0) {
        spec = body.slice(colon + 1);
        name = body.slice(0, colon);
      }
      const bang = name.indexOf("!");
      if (bang >= 0) {
        const conv = name.slice(bang + 1);
        if (conv !== "s" && conv !== "r" && conv !== "a") throw new FormatStringError(`unknown conversion specifier ${conv}`, start + 1 + bang);
        conversion = conv;
        name = name.slice(0, bang);
      }
      if (name === "" || /^\d+$/.test(name)) throw new FormatStringError("positional fields ({} or {0}) are not supported: name the variable", start);
      if (spec?.includes("{")) throw new FormatStringError("nested replacement fields in a format spec are not supported", start);
      const dot = name.search(/\.(?![^[]*\])/);
      if (dot >= 0) throw new FormatStringError(`attribute access '${name.slice(dot)}' is not supported`, start + 1 + dot);
      if (lit) parts.push({ kind: "literal", text: lit });
      lit = "";
      parts.push({ kind: "field", name, ...(conversion ? { conversion } : {}), ...(spec !== undefined ? { spec } : {}), start, end: j + 1 });
      i = j;
    } else if (c === "}") {
      if (s[i + 1] === "}") {
        lit += "}";
        i++;
        continue;
      }
      throw new FormatStringError("Single '}' encountered in format string", i);
    } else lit += c;
  }
  if (lit) parts.push({ kind: "literal", text: lit });
  return parts;
}

function findTop(body: string, ch: string): number {
  let inBracket = false;
  for (let i = 0; i < body.length; i++) {
    if (body[i] === "[") inBracket = true;
    else if (body[i] === "]") inBracket = false;
    else if (!inBracket && body[i] === ch) return i;
  }
  return -1;
}

export function formatFieldNames(template: string): string[] {
  return parseFormatString(template).flatMap((p) => (p.kind === "field" ? [p.name] : []));
}

function lookup(name: string, vars: Record<string, unknown>, index: number): unknown {
  const m = /^([^[]+)((?:\[[^\]]*\])*)$/.exec(name);
  if (!m) throw new FormatStringError(`bad field name '${name}'`, index);
  if (!Object.prototype.hasOwnProperty.call(vars, m[1]!)) throw new MissingFormatVariableError(m[1]!, index);
  let v: unknown = vars[m[1]!];
  for (const [, key] of m[2]!.matchAll(/\[([^\]]*)\]/g)) {
    if (Array.isArray(v) && /^\d+$/.test(key!)) v = v[Number(key)];
    else if (v && typeof v === "object" && key! in (v as object)) v = (v as Record<string, unknown>)[key!];
    else throw new MissingFormatVariableError(`${m[1]}[${key}]`, index);
  }
  return v;
}

export function pyFormat(template: string, vars: Record<string, unknown>): string {
  let out = "";
  for (const p of parseFormatString(template)) {
    if (p.kind === "literal") out += p.text;
    else {
      let v = lookup(p.name, vars, p.start);
      if (p.conversion === "r" || p.conversion === "a") v = typeof v === "string" ? `'${v}'` : pyStr(v);
      else if (p.conversion === "s") v = pyStr(v);
      out += formatValue(v, p.spec ?? "");
    }
  }
  return out;
}

const SPEC = /^(?:(.)?([<>=^]))?([-+ ])?(#)?(0)?(\d+)?([,_])?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/s;

/** Python `format(value, spec)` for strings, ints and floats. */
export function formatValue(value: unknown, spec: string): string {
  if (spec === "") return pyStr(value);
  const m = SPEC.exec(spec);
  if (!m) throw new Error(`Invalid format specifier '${spec}'`);
  const [, fillRaw, alignRaw, sign, , zero, widthRaw, grouping, precRaw, type] = m;
  const width = widthRaw ? Number(widthRaw) : 0;
  const prec = precRaw !== undefined ? Number(precRaw) : undefined;
  let fill = fillRaw ?? (zero && !alignRaw ? "0" : " ");
  let align = alignRaw ?? (zero ? "=" : undefined);
  const isFloat = value instanceof PyFloat || (typeof value === "number" && !Number.isInteger(value));
  const num = value instanceof PyFloat ? value.value : value;
  let body: string;
  let neg = false;
  if (typeof num === "number" || typeof num === "boolean") {
    const x = Number(num);
    align ??= ">";
    let t = type;
    if (t === undefined) t = isFloat ? (prec !== undefined ? "g" : "r") : "d";
    if ((t === "d" || t === "b" || t === "o" || t === "x" || t === "X" || t === "c") && isFloat) {
      throw new Error(`Unknown format code '${t}' for object of type 'float'`);
    }
    neg = x < 0 || Object.is(x, -0);
    const ax = Math.abs(x);
    switch (t) {
      case "r":
        body = pyRepr(ax, true);
        break;
      case "d":
      case "n":
        body = BigInt(Math.trunc(ax)).toString();
        break;
      case "b":
        body = Math.trunc(ax).toString(2);
        break;
      case "o":
        body = Math.trunc(ax).toString(8);
        break;
      case "x":
        body = Math.trunc(ax).toString(16);
        break;
      case "X":
        body = Math.trunc(ax).toString(16).toUpperCase();
        break;
      case "f":
      case "F":
        body = fixedPy(ax, prec ?? 6);
        break;
      case "%":
        body = fixedPy(ax * 100, prec ?? 6) + "%";
        break;
      case "e":
      case "E":
        body = expPy(ax, prec ?? 6);
        if (t === "E") body = body.toUpperCase();
        break;
      case "g":
      case "G":
        body = generalPy(ax, prec ?? 6);
        if (t === "G") body = body.toUpperCase();
        break;
      default:
        throw new Error(`Unknown format code '${t}' for a number`);
    }
    if (!Number.isFinite(x)) body = Number.isNaN(x) ? "nan" : "inf";
    if (grouping) body = group(body, grouping);
    const signStr = neg && !Number.isNaN(x) ? "-" : sign === "+" ? "+" : sign === " " ? " " : "";
    return pad(signStr, body, width, fill, align);
  }
  if (type !== undefined && type !== "s") throw new Error(`Unknown format code '${type}' for object of type 'str'`);
  let s = typeof value === "string" ? value : pyStr(value);
  if (prec !== undefined) s = s.slice(0, prec);
  if (align === "=") throw new Error("'=' alignment not allowed in string format specifier");
  fill = fill ?? " ";
  return pad("", s, width, fill, align ?? "<");
}

function pad(sign: string, body: string, width: number, fill: string, align: string): string {
  const len = sign.length + body.length;
  if (len >= width) return sign + body;
  const n = width - len;
  if (align === "<") return sign + body + fill.repeat(n);
  if (align === "^") return fill.repeat(Math.floor(n / 2)) + sign + body + fill.repeat(n - Math.floor(n / 2));
  if (align === "=") return sign + fill.repeat(n) + body;
  return fill.repeat(n) + sign + body;
}

function group(body: string, sep: string): string {
  const [int, frac] = body.split(".") as [string, string | undefined];
  const g = int.replace(/\B(?=(\d{3})+(?!\d))/g, sep);
  return frac !== undefined ? `${g}.${frac}` : g;
}

/** x = mant * 2^exp exactly. */
function decompose(x: number): { mant: bigint; exp: number } {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x);
  const hi = dv.getUint32(0);
  const lo = dv.getUint32(4);
  const e = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (e === 0) return { mant, exp: -1074 };
  mant |= 1n << 52n;
  return { mant, exp: e - 1075 };
}

/** `'{:.Nf}'.format(x)` for x >= 0: exact value, ties to even. */
function fixedPy(x: number, digits: number): string {
  if (!Number.isFinite(x)) return String(x);
  const { mant, exp } = decompose(x);
  const scale = 10n ** BigInt(digits);
  let q: bigint;
  if (exp >= 0) q = (mant << BigInt(exp)) * scale;
  else {
    const num = mant * scale;
    const den = 1n << BigInt(-exp);
    q = num / den;
    const r = num % den;
    if (r * 2n > den || (r * 2n === den && q % 2n === 1n)) q += 1n;
  }
  const s = q.toString().padStart(digits + 1, "0");
  return digits === 0 ? s : `${s.slice(0, -digits)}.${s.slice(-digits)}`;
}

/** `'{:.Ne}'.format(x)` for x >= 0. */
function expPy(x: number, digits: number): string {
  if (x === 0) return `${fixedPy(0, digits)}e+00`;
  let e = Math.floor(Math.log10(x));
  let m = fixedPy(x / 10 ** e, digits);
  // correct the estimate (and carries like 9.99 -> 10.0)
  for (let k = 0; k < 3; k++) {
    const mv = Number(m);
    if (mv >= 10) {
      e++;
      m = fixedPy(x / 10 ** e, digits);
    } else if (mv < 1) {
      e--;
      m = fixedPy(x / 10 ** e, digits);
    } else break;
  }
  return `${m}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
}

function generalPy(x: number, precision: number): string {
  const p = precision === 0 ? 1 : precision;
  if (x === 0) return "0";
  const exp = Number(expPy(x, p - 1).split("e")[1]);
  let s: string;
  if (exp >= -4 && exp < p) s = fixedPy(x, p - 1 - exp);
  else {
    const [mm, ee] = expPy(x, p - 1).split("e") as [string, string];
    return `${mm.includes(".") ? mm.replace(/\.?0+$/, "") : mm}e${ee}`;
  }
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
}
