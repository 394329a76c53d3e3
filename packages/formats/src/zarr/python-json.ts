/**
 * JSON text byte-identical to what Python zarr 2.x writes for `.zgroup`, `.zarray` and `.zattrs`
 * (`json.dumps(o, indent=4, sort_keys=True, ensure_ascii=True, separators=(",", ": "))`).
 * Python distinguishes ints from floats (`0` vs `0.0`, `14` vs `14.0`); JavaScript does not, so
 * floats are wrapped in {@link PyFloat}. Plain numbers must be integers.
 */

/** A number that Python holds as a float (printed with `repr`, e.g. `14.0`, `1e-05`). */
export class PyFloat {
  constructor(readonly value: number) {}
}

export type PyJson = null | boolean | number | string | PyFloat | readonly PyJson[] | { readonly [key: string]: PyJson };

/** Python's `repr(float)`: shortest round-trip digits, exponent form below 1e-4 and from 1e16. */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "Infinity";
  if (x === -Infinity) return "-Infinity";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mantissa = "", expText = "0"] = x.toExponential().split("e");
  const exp = Number.parseInt(expText, 10);
  const sign = mantissa.startsWith("-") ? "-" : "";
  const digits = mantissa.replace("-", "").replace(".", "");
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return `${sign}${digits}${"0".repeat(exp + 1 - digits.length)}.0`;
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

function pythonString(s: string): string {
  return JSON.stringify(s).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function dump(value: PyJson, indent: string): string {
  if (value === null) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "string") return pythonString(value);
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new Error(`pythonJson: ${value} is not an integer; wrap floats in PyFloat`);
    return String(value);
  }
  if (value instanceof PyFloat) return pythonFloatRepr(value.value);
  const inner = `${indent}    `;
  if (Array.isArray(value)) {
    const items = value as readonly PyJson[];
    if (items.length === 0) return "[]";
    return `[\n${items.map((v) => inner + dump(v, inner)).join(",\n")}\n${indent}]`;
  }
  const record = value as { readonly [key: string]: PyJson };
  const keys = Object.keys(record).sort();
  if (keys.length === 0) return "{}";
  return `{\n${keys.map((k) => `${inner}${pythonString(k)}: ${dump(record[k] as PyJson, inner)}`).join(",\n")}\n${indent}}`;
}

/** Serialise like zarr-python 2's `json_dumps` (no trailing newline). */
export function pythonJson(value: PyJson): string {
  return dump(value, "");
}

/**
 * Python's `round(x, ndigits)` for ndigits ≥ 0: correctly rounded on the exact binary value, ties to
 * even (JavaScript's `toFixed` rounds ties up, `Math.round(x*1000)/1000` is not correctly rounded).
 */
export function pythonRound(x: number, ndigits: number): number {
  if (!Number.isFinite(x) || Math.abs(x) >= 1e21) return x;
  const exact = Math.abs(x).toFixed(100); // exact decimal expansion of the double
  const [intPart = "0", frac = ""] = exact.split(".");
  const kept = frac.slice(0, ndigits);
  const rest = frac.slice(ndigits);
  let roundUp: boolean;
  if (rest[0] === undefined || rest[0] < "5") roundUp = false;
  else if (rest[0] > "5" || /[1-9]/.test(rest.slice(1))) roundUp = true;
  else {
    const lastDigit = Number((kept.length > 0 ? kept : intPart).slice(-1));
    roundUp = lastDigit % 2 === 1;
  }
  let scaled = BigInt(intPart + kept);
  if (roundUp) scaled += 1n;
  const text = scaled.toString().padStart(ndigits + 1, "0");
  const result = Number(ndigits > 0 ? `${text.slice(0, -ndigits)}.${text.slice(-ndigits)}` : text);
  return x < 0 ? -result : result;
}
