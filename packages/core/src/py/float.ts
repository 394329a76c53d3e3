/**
 * Python number semantics the outputs depend on: integral floats (`1.0`) stay floats, and
 * `repr()` layout (exponent below 1e-4 and from 1e16, `1e-05`, `.0` suffix).
 */
export class PyFloat {
  constructor(readonly value: number) {}
  valueOf(): number {
    return this.value;
  }
  toString(): string {
    return pyRepr(this.value, true);
  }
  toJSON(): number {
    return this.value;
  }
}

export function pyRepr(x: number, isFloat = !Number.isInteger(x)): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (!isFloat && Number.isInteger(x)) return Math.abs(x) < 1e21 ? BigInt(x).toString() : String(x);
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  // shortest round-trip digits, as both JS and Python produce them
  const [mant, expPart] = x.toExponential().split("e") as [string, string];
  const exp = Number(expPart);
  const neg = mant.startsWith("-");
  const digits = mant.replace("-", "").replace(".", "");
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${neg ? "-" : ""}${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  let s: string;
  if (exp >= 0) {
    s = digits.length <= exp + 1 ? digits + "0".repeat(exp + 1 - digits.length) + ".0" : `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  } else {
    s = `0.${"0".repeat(-exp - 1)}${digits}`;
  }
  return (neg ? "-" : "") + s;
}

function pyQuote(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = "";
  for (const c of s) {
    if (c === "\\") out += "\\\\";
    else if (c === q) out += "\\" + q;
    else if (c === "\n") out += "\\n";
    else if (c === "\r") out += "\\r";
    else if (c === "\t") out += "\\t";
    else if (c < " " || c === "\x7f") out += `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
    else out += c;
  }
  return q + out + q;
}

function pyReprValue(v: unknown): string {
  if (typeof v === "string") return pyQuote(v);
  return pyStr(v);
}

/** Python `str()` of JSON-like values. */
export function pyStr(v: unknown): string {
  if (v === null || v === undefined) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  if (v instanceof PyFloat) return pyRepr(v.value, true);
  if (typeof v === "number") return pyRepr(v);
  if (typeof v === "string") return v;
  if (Array.isArray(v)) return `[${v.map(pyReprValue).join(", ")}]`;
  if (typeof v === "object") return `{${Object.entries(v).map(([k, x]) => `${pyQuote(k)}: ${pyReprValue(x)}`).join(", ")}}`;
  return String(v);
}
