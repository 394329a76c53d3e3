/**
 * Contrast of the key image, as the reference's `project_slab(normalize=True)`: clip the
 * projection to mean ± 3·std (population std, numpy's default ddof=0) and scale linearly to
 * 0..255; then the 8-bit cast truncates like numpy's `astype(np.uint8)` (the reference's last
 * step before `imageio.imsave`).
 *
 * Mean and std are computed in float64 (two passes) and then rounded to float32, the type of
 * numpy's scalars here; numpy itself sums float32 pairwise, so a pixel lying exactly on a
 * truncation boundary may differ by one level from the reference. Not reproduced (on purpose):
 * the reference draws the result with matplotlib, whose imshow re-stretches to the data's
 * min..max and resamples; we write the normalised projection pixel for pixel.
 *
 * Constant projection (std 0): the reference computes 0/0 = NaN, which matplotlib draws as
 * transparent over the white axes, so its key image is all white. We return 255 everywhere,
 * without dividing by zero.
 */
import type { Projection } from "./central-projection.js";

export interface ClipRange {
  mean: number;
  std: number;
  /** mean - 3·std, float32. */
  low: number;
  /** mean + 3·std, float32. */
  high: number;
}

/** Mean, population std and the ±3σ window of `values` (float64 sums, float32 results). */
export function clipRange(values: Float32Array, sigmas = 3): ClipRange {
  const n = values.length;
  if (n === 0) throw new RangeError("clipRange of an empty image");
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i]!;
  const mean64 = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const d = values[i]! - mean64;
    squares += d * d;
  }
  const mean = Math.fround(mean64);
  const std = Math.fround(Math.sqrt(squares / n));
  const spread = Math.fround(sigmas * std);
  return { mean, std, low: Math.fround(mean - spread), high: Math.fround(mean + spread) };
}

/** One value -> 0..255: clip to [low, high], scale, truncate. `low === high` gives 255 (see header). */
export function scaleToUint8(value: number, low: number, high: number): number {
  if (!(high > low)) return 255;
  if (value <= low) return 0;
  if (value >= high) return 255;
  return Math.min(255, Math.floor((255 * (value - low)) / (high - low)));
}

/** The projection clipped to mean ± 3σ and scaled to 8-bit grey, same layout as the input. */
export function toUint8Clipped(projection: Pick<Projection, "data">, sigmas = 3): { pixels: Uint8Array; range: ClipRange } {
  const range = clipRange(projection.data, sigmas);
  const pixels = new Uint8Array(projection.data.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = scaleToUint8(projection.data[i]!, range.low, range.high);
  return { pixels, range };
}
