/**
 * Per-section CTF estimates from the text files tilt-series tools write, as the portal reads
 * them (metadata `format`): CTFFIND / AreTomo3 (`# ...` header, then `section defocus1 defocus2
 * azimuth phase_shift cross_correlation max_resolution`), Gctf summaries (6 or 7 columns; lines
 * starting `#`, `;` or `%` are comments) and IMOD `.defocus` files (ctfplotter; views 1-based,
 * nm, with a version-3 header line whose flag bits say which columns follow). Our own parser:
 * these are simple text formats with no npm reader.
 *
 * Units out: defocus in ångström, azimuth in degrees, phase shift in radians.
 */
import { roundHalfEven } from "./python/index.js";

export interface CtfRow {
  /** Section (view) number, 1-based as in the files. */
  section: number;
  defocus1: number;
  defocus2: number;
  azimuth: number;
  phaseShift: number;
  crossCorrelation: number;
  maxResolution: number;
}

export type CtfFormat = "CTFFIND" | "GCTF" | "IMOD";

export class CtfError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line?: number,
  ) {
    super(`${file}${line !== undefined ? `:${line}` : ""}: ${message}`);
  }
}

/**
 * Parses `text` according to `format` (case-insensitive). An unknown format gives no rows, as
 * the reference's base converter does.
 */
export function parseCtf(text: string, format: string, file = "<ctf>"): CtfRow[] {
  switch (format.toUpperCase()) {
    case "CTFFIND":
      return parseCtffind(text, file);
    case "GCTF":
      return parseGctf(text, file);
    case "IMOD":
      return parseImodDefocus(text, file);
    default:
      return [];
  }
}

interface Line {
  no: number;
  parts: string[];
}

function lines(text: string): Line[] {
  return text
    .split(/\r?\n/)
    .map((raw, i) => ({ no: i + 1, raw: raw.trim() }))
    .filter((l) => l.raw !== "")
    .map((l) => ({ no: l.no, parts: l.raw.split(/\s+/) }));
}

function num(s: string | undefined, what: string, file: string, line: number): number {
  // Python float(): decimal, exponent, inf/nan; not hex or empty
  if (s === undefined || !/^[+-]?(\d+\.?\d*(e[+-]?\d+)?|\.\d+(e[+-]?\d+)?|inf(inity)?|nan)$/i.test(s)) {
    throw new CtfError(`${what} is not a number: ${JSON.stringify(s ?? "")}`, file, line);
  }
  const v = Number(s.replace(/^([+-]?)inf(inity)?$/i, "$1Infinity").replace(/^[+-]?nan$/i, "NaN"));
  return v;
}

function int(s: string | undefined, what: string, file: string, line: number): number {
  if (s === undefined || !/^[+-]?\d+$/.test(s)) throw new CtfError(`${what} is not an integer: ${JSON.stringify(s ?? "")}`, file, line);
  return Number(s);
}

/**
 * CTFFIND / AreTomo3: the reference drops the first line (the column header) and reads the
 * rest. We skip every `#` comment line and a first line that is not data, so a header-less file
 * keeps its first row (the reference would lose it).
 */
function parseCtffind(text: string, file: string): CtfRow[] {
  let ls = lines(text).filter((l) => !l.parts[0]!.startsWith("#"));
  if (ls.length && !/^[+-]?\d/.test(ls[0]!.parts[0]!)) ls = ls.slice(1);
  return ls.map(({ no, parts }) => {
    if (parts.length < 7) throw new CtfError(`CTFFIND row needs 7 columns, has ${parts.length}`, file, no);
    return {
      section: int(parts[0], "section", file, no),
      defocus1: num(parts[1], "defocus 1", file, no),
      defocus2: num(parts[2], "defocus 2", file, no),
      azimuth: num(parts[3], "azimuth", file, no),
      phaseShift: num(parts[4], "phase shift", file, no),
      crossCorrelation: num(parts[5], "cross correlation", file, no),
      maxResolution: num(parts[6], "max resolution", file, no),
    };
  });
}

/** Gctf: 7 columns (idx defU defV angle phase CC res) or 6 (no phase shift: 0). */
function parseGctf(text: string, file: string): CtfRow[] {
  return lines(text)
    .filter((l) => !/^[#;%]/.test(l.parts[0]!))
    .map(({ no, parts }) => {
      if (parts.length !== 6 && parts.length !== 7) throw new CtfError(`Gctf row must have 6 or 7 columns, has ${parts.length}`, file, no);
      const seven = parts.length === 7;
      return {
        // Python int(round(float(x))): round half to even
        section: roundHalfEven(num(parts[0], "section", file, no)),
        defocus1: num(parts[1], "defocus U", file, no),
        defocus2: num(parts[2], "defocus V", file, no),
        azimuth: num(parts[3], "angle", file, no),
        phaseShift: seven ? num(parts[4], "phase shift", file, no) : 0,
        crossCorrelation: num(parts[seven ? 5 : 4], "cross correlation", file, no),
        maxResolution: num(parts[seven ? 6 : 5], "resolution", file, no),
      };
    });
}

const ASTIGMATISM = 1;
const ASTIGMATISM_RADIANS = 2;
const PHASE_SHIFT = 4;
const PHASE_SHIFT_RADIANS = 8;
const CUT_ON = 32;

/**
 * IMOD `.defocus`: rows `startView endView startTilt endTilt` + payload. A version-3 header
 * `<flag> 0 0.0 0.0 0.0 <version>` gives the flag (bit 1 astigmatism: defU defV azimuth; 2
 * azimuth in radians; 4 phase shift; 8 phase in radians; 32 cut-on column); no header is flag 0
 * (one defocus; the first row may carry a trailing version number). nm -> Å. A file numbering
 * views from 0 (the pre-IMOD-4.1 bug) is refused rather than shifted.
 */
function parseImodDefocus(text: string, file: string): CtfRow[] {
  const ls = lines(text);
  if (ls.length === 0) return [];
  let flag = 0;
  let data = ls;
  const first = ls[0]!.parts;
  if (first.length >= 6 && [1, 2, 3, 4].every((i) => Number(first[i]) === 0)) {
    flag = Math.trunc(num(first[0], "flag", file, ls[0]!.no));
    data = ls.slice(1);
  }
  let col = 4;
  const idx = { d1: col, d2: col, az: -1, ps: -1 };
  if (flag & ASTIGMATISM) {
    idx.d1 = 4;
    idx.d2 = 5;
    idx.az = 6;
    col = 7;
  } else col = 5;
  if (flag & PHASE_SHIFT) idx.ps = col++;
  if (flag & CUT_ON) col++;
  const expected = col;
  const rows = data.map(({ no, parts }, n) => {
    const ok = parts.length === expected || (n === 0 && data === ls && parts.length === expected + 1);
    if (!ok) throw new CtfError(`IMOD defocus row has ${parts.length} columns, expected ${expected} for flag ${flag}`, file, no);
    let azimuth = 0;
    if (flag & ASTIGMATISM) {
      azimuth = num(parts[idx.az], "azimuth", file, no);
      if (flag & ASTIGMATISM_RADIANS) azimuth = (azimuth * 180) / Math.PI;
    }
    let phaseShift = 0;
    if (flag & PHASE_SHIFT) {
      phaseShift = num(parts[idx.ps], "phase shift", file, no);
      if (!(flag & PHASE_SHIFT_RADIANS)) phaseShift = (phaseShift * Math.PI) / 180;
    }
    return {
      section: Math.trunc(num(parts[0], "start view", file, no)),
      defocus1: num(parts[idx.d1], "defocus", file, no) * 10,
      defocus2: num(parts[idx.d2], "defocus", file, no) * 10,
      azimuth,
      phaseShift,
      crossCorrelation: 0,
      maxResolution: 0,
      no,
    };
  });
  const zeroBased = rows.find((r) => r.section === 0);
  if (zeroBased) throw new CtfError("IMOD defocus file numbers views from 0 (the pre-IMOD-4.1 off-by-one bug); regenerate it with a current IMOD", file, zeroBased.no);
  return rows.map(({ no: _no, ...r }) => r);
}

/** A `.rawtlt` file: one tilt angle per line (blank lines ignored), in section order. */
export function parseRawTilt(text: string, file = "<rawtlt>"): number[] {
  const out: number[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const s = raw.trim();
    if (s === "") return;
    out.push(num(s, "tilt angle", file, i + 1));
  });
  return out;
}
