/**
 * Python's `round()`: halves go to the even neighbour, on the exact binary value. JavaScript's
 * `Math.round` rounds halves up, `toFixed` rounds ties up, and `Math.round(x*1000)/1000` is not
 * correctly rounded.
 */

/** `round(x)` (numpy's `round` too): the nearest integer, halves to the even one. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** `round(x, ndigits)` for ndigits ≥ 0: correctly rounded on the exact binary value, ties to even. */
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
