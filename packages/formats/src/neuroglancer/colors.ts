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
import { pyJsonDumps } from "../python/index.js";

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

/** Python `json.dumps(value, sort_keys=True)`: one line, `, ` and `: ` separators, ASCII escapes. */
export function pythonJsonDumps(value: unknown): string {
  return pyJsonDumps(value, null, { sortKeys: true });
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
    const distance = exclude.length ? Math.min(...exclude.map((e) => Math.hypot(e[0] - rgb[0], e[1] - rgb[1], e[2] - rgb[2]))) : Infinity;
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
  return (
    [
      [v, t, p],
      [q, v, p],
      [p, v, t],
      [p, q, v],
      [t, p, v],
      [v, p, q],
    ] as FloatColor[]
  )[i]!;
}

/** `#rrggbb` as upstream formats it (round(c * 255), lower-case hex). */
export function toHex(c: FloatColor): string {
  return `#${c
    .map((x) =>
      Math.round(x * 255)
        .toString(16)
        .padStart(2, "0"),
    )
    .join("")}`;
}
