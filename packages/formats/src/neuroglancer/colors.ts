/**
 * Layer colour seeds as the portal computes them: the seed is
 * `int(md5(json.dumps(hash_input, sort_keys=True)).hexdigest(), 16) % (2**32 - 1)` where
 * `hash_input` keeps `annotation_method`, `annotation_object` ({id, name} only), `deposition_id`,
 * `ground_truth_status` of the annotation metadata plus the file's `shape`. We reproduce Python's
 * `json.dumps` text (", " / ": " separators, ASCII escapes) so the seed is identical.
 *
 * Difference from upstream: the colour itself comes from `distinctipy.get_colors(n, exclude,
 * rng=seed)` (Python's Mersenne Twister plus an iterative optimiser). We do not reproduce that;
 * `colorFromSeed` maps the same seed deterministically to a colour that passes upstream's
 * visibility filter (HSV s > 0.15, v > 0.25) and stays away from already used colours.
 */
import { createHash } from "node:crypto";
import { pythonFloatRepr } from "../zarr/python-json.js";

const SEED_KEYS = ["annotation_method", "annotation_object", "deposition_id", "ground_truth_status"];

export function baseHashInput(metadata: Record<string, unknown>): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const key of SEED_KEYS) input[key] = metadata[key] ?? null;
  const obj = input.annotation_object as Record<string, unknown> | null;
  if (obj && typeof obj === "object" && Object.keys(obj).length > 0) {
    input.annotation_object = { id: obj.id ?? null, name: obj.name ?? null };
  }
  return input;
}

/** Python `json.dumps(value, sort_keys=True)` for JSON-like values (integral numbers print as ints). */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (value === true) return "true";
  if (value === false) return "false";
  if (typeof value === "number") {
    if (Number.isNaN(value)) return "NaN";
    if (!Number.isFinite(value)) return value > 0 ? "Infinity" : "-Infinity";
    // non-integral numbers are Python floats: repr spells exponents as 1e-07, 3.5e-05
    return Number.isInteger(value) ? String(value) : pythonFloatRepr(value);
  }
  if (typeof value === "string") return pythonString(value);
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(", ")}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort(comparePythonStrings);
  return `{${keys.map((k) => `${pythonString(k)}: ${pythonJsonDumps(obj[k])}`).join(", ")}}`;
}

// Python sorts str keys by code point, JS by UTF-16 unit; they differ only past the BMP.
function comparePythonStrings(a: string, b: string): number {
  const ca = [...a].map((c) => c.codePointAt(0)!);
  const cb = [...b].map((c) => c.codePointAt(0)!);
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) if (ca[i] !== cb[i]) return ca[i]! - cb[i]!;
  return ca.length - cb.length;
}

function pythonString(s: string): string {
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
  return `${out}"`;
}

/** The portal's colour seed for one annotation file of `shape`. */
export function colorSeed(metadata: Record<string, unknown>, shape: string): number {
  const text = pythonJsonDumps({ ...baseHashInput(metadata), shape });
  const hex = createHash("md5").update(text, "utf8").digest("hex");
  return Number(BigInt(`0x${hex}`) % 4294967295n);
}

export type FloatColor = [number, number, number];

/** Deterministic colour for a seed, avoiding `exclude` (see module header for the difference). */
export function colorFromSeed(seed: number, exclude: readonly FloatColor[] = []): FloatColor {
  let state = seed >>> 0 || 1;
  const next = () => {
    // xorshift32: small, fixed and deterministic.
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 4294967296;
  };
  let best: FloatColor = [1, 1, 1];
  let bestDistance = -1;
  for (let i = 0; i < 64; i++) {
    const rgb = hsvToRgb(next(), 0.35 + 0.65 * next(), 0.45 + 0.55 * next());
    const distance = exclude.length
      ? Math.min(...exclude.map((e) => Math.hypot(e[0] - rgb[0], e[1] - rgb[1], e[2] - rgb[2])))
      : Infinity;
    if (distance > 0.35) return rgb;
    if (distance > bestDistance) [best, bestDistance] = [rgb, distance];
  }
  return best;
}

function hsvToRgb(h: number, s: number, v: number): FloatColor {
  const i = Math.floor(h * 6) % 6;
  const f = h * 6 - Math.floor(h * 6);
  const p = v * (1 - s);
  const q = v * (1 - s * f);
  const t = v * (1 - s * (1 - f));
  return ([[v, t, p], [q, v, p], [p, v, t], [p, q, v], [t, p, v], [v, p, q]] as FloatColor[])[i]!;
}

/** `#rrggbb` as upstream formats it (round(c * 255), lower-case hex). */
export function toHex(c: FloatColor): string {
  return `#${c.map((x) => Math.round(x * 255).toString(16).padStart(2, "0")).join("")}`;
}
