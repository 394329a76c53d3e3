/**
 * Small helpers that read text the way the reference's Python readers do (cryoet_alignment opens
 * every file in text mode, so universal newlines apply, then uses str.strip/split, float() and
 * int()). Kept separate so the format modules read like the formats, not like Python emulation.
 */
import { AlignmentFileError } from "./errors.js";

/** Python text-mode reading: `\r\n` and lone `\r` become `\n`. */
export function universalNewlines(text: string): string {
  return text.replace(/\r\n?/g, "\n");
}

export interface NumberedLine {
  /** 1-based line number in the original file. */
  no: number;
  text: string;
}

/**
 * Lines of `text.strip().split("\n")` with their original numbers: blank lines at the start and
 * end are dropped (strip), blank lines in between are kept (the readers then fail on them).
 * An empty or all-blank file gives one empty line, as Python's `"".split("\n")` does.
 */
export function strippedLines(text: string): NumberedLine[] {
  const all = universalNewlines(text).split("\n");
  let first = 0;
  while (first < all.length && all[first]!.trim() === "") first++;
  let last = all.length - 1;
  while (last >= first && all[last]!.trim() === "") last--;
  if (first > last) return [{ no: 1, text: "" }];
  return all.slice(first, last + 1).map((t, i) => ({ no: first + i + 1, text: t }));
}

/** Python `str.split()` with no argument. */
export function fields(line: string): string[] {
  const t = line.trim();
  return t === "" ? [] : t.split(/\s+/);
}

const DIGITS = String.raw`\d(?:_?\d)*`;
const PY_FLOAT = new RegExp(String.raw`^[+-]?(?:(?:${DIGITS}(?:\.(?:${DIGITS})?)?|\.${DIGITS})(?:e[+-]?${DIGITS})?|inf(?:inity)?|nan)$`, "i");
const PY_INT = new RegExp(String.raw`^[+-]?${DIGITS}$`);

/** Python `float(s)`, or undefined where Python raises ValueError. */
export function pyFloat(s: string): number | undefined {
  const t = s.trim();
  if (!PY_FLOAT.test(t)) return undefined;
  const plain = t.replace(/_/g, "").toLowerCase();
  const sign = plain.startsWith("-") ? -1 : 1;
  if (/inf/.test(plain)) return sign * Infinity;
  if (/nan/.test(plain)) return NaN;
  return Number(plain);
}

/** Python `int(s)` for base-10 text, or undefined where Python raises ValueError. */
export function pyInt(s: string): number | undefined {
  const t = s.trim();
  if (!PY_INT.test(t)) return undefined;
  return Number(t.replace(/_/g, ""));
}

/** `float(s)` that throws an error naming the file and line. */
export function floatAt(s: string | undefined, what: string, file: string, line?: number): number {
  const v = s === undefined ? undefined : pyFloat(s);
  if (v === undefined) throw new AlignmentFileError(file, `${what} is not a number: ${JSON.stringify(s ?? "")}`, line);
  return v;
}

/** `int(s)` that throws an error naming the file and line. */
export function intAt(s: string | undefined, what: string, file: string, line?: number): number {
  const v = s === undefined ? undefined : pyInt(s);
  if (v === undefined) throw new AlignmentFileError(file, `${what} is not an integer: ${JSON.stringify(s ?? "")}`, line);
  return v;
}

/** 1-based line number of character offset `index` in `text`. */
export function lineOf(text: string, index: number): number {
  let n = 1;
  for (let i = 0; i < index && i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}
