/**
 * IMOD alignment files as the portal's converter (cryoet_alignment 0.0.10) reads them:
 *
 * - `.xf`: one line per section, `A11 A12 A21 A22 DX DY` (2×2 in-plane transform, then shift in
 *   unbinned pixels); extra columns are ignored.
 * - `.tlt` / `.xtilt` / `.tltx` / `.rawtlt`: one angle (degrees) per line.
 * - `tilt.com` / `newst.com`: the `Directive value` command files etomo writes. The reference
 *   looks each directive up with a fixed regular expression over the whole file and hands the
 *   captures to a pydantic model, which fails when a directive it needs is absent or its value
 *   cannot be converted; we mirror exactly which directives that is (see REQUIRED below), so a
 *   command file the portal rejects is rejected here too, with the line at fault.
 *
 * Our own reader: these are small text formats with no npm library.
 */
import { AlignmentFileError } from "./errors.js";
import { fields, floatAt, intAt, lineOf, strippedLines, universalNewlines } from "./text.js";

/** One `.xf` line: `[[a11, a12], [a21, a22]]` maps aligned to raw image, then `(dx, dy)`. */
export interface XfRow {
  a11: number;
  a12: number;
  a21: number;
  a22: number;
  dx: number;
  dy: number;
}

/** Parses an IMOD `.xf` file (text mode, surrounding blank lines ignored). */
export function parseXf(text: string, location: string): XfRow[] {
  return strippedLines(text).map(({ no, text: line }) => {
    const v = fields(line);
    if (v.length < 6) throw new AlignmentFileError(location, `xf line has ${v.length} values, expected 6 (A11 A12 A21 A22 DX DY)`, no);
    const n = (i: number, what: string) => floatAt(v[i], what, location, no);
    return { a11: n(0, "A11"), a12: n(1, "A12"), a21: n(2, "A21"), a22: n(3, "A22"), dx: n(4, "DX"), dy: n(5, "DY") };
  });
}

/** Parses a one-angle-per-line file (`.tlt`, `.xtilt`, `.tltx`, `.rawtlt`). */
export function parseTiltAngles(text: string, location: string): number[] {
  return strippedLines(text).map(({ no, text: line }) => floatAt(line, "angle", location, no));
}

/**
 * IMOD's list syntax `1,4-6,9` → `[1, 4, 5, 6, 9]` (values as written, 1-based sections).
 * An empty item (`1,,2`, trailing comma) or a malformed range is an error, as in the reference.
 */
export function imodRangeToList(text: string, location: string, line?: number): number[] {
  if (text === "") return [];
  const out: number[] = [];
  for (const part of text.split(",")) {
    if (part.includes("-")) {
      const ends = part.split("-");
      if (ends.length !== 2) throw new AlignmentFileError(location, `bad range ${JSON.stringify(part)} in section list`, line);
      const start = intAt(ends[0], "range start", location, line);
      const end = intAt(ends[1], "range end", location, line);
      for (let s = start; s <= end; s++) out.push(s);
    } else {
      out.push(intAt(part, "section number", location, line));
    }
  }
  return out;
}

/** The tilt.com directives the reference's model reads (names as IMOD spells them). */
export interface TiltCom {
  InputProjections: string;
  OutputFile: string;
  IMAGEBINNED: number;
  TILTFILE: string;
  /** Tomogram thickness in unbinned tilt-series pixels. */
  THICKNESS: number;
  RADIAL: [number, number];
  FalloffIsTrueSigma: number;
  /** Global extra rotation about X (degrees). */
  XAXISTILT: number;
  SCALE: [number, number];
  PERPENDICULAR: boolean;
  /** Read for information; the reference's model never stores it (its field has an alias). */
  MODE?: number;
  FULLIMAGE: [number, number];
  SUBSETSTART: [number, number];
  AdjustOrigin: boolean;
  ActionIfGPUFails?: [number, number];
  XTILTFILE: string;
  /** Tilt-angle offset (degrees). */
  OFFSET?: number;
  SHIFT?: [number, number];
  /** Sections left out of the reconstruction, 1-based (EXCLUDELIST2, EXCLUDELIST or EXCLUDE). */
  EXCLUDELIST2?: number[];
}

/** The newst.com directives the reference's model reads, plus SizeToOutputInXandY. */
export interface NewstCom {
  AntialiasFilter?: number;
  InputFile: string;
  OutputFile: string;
  TransformFile: string;
  TaperAtFill: [number, number];
  AdjustOrigin?: boolean;
  OffsetsInXandY: [number, number];
  DistortionField?: string;
  ImagesAreBinned: number;
  BinByFactor?: number;
  GradientFile?: string;
  /** Ours (the reference does not read it): output size in binned pixels, when written as `X,Y`. */
  SizeToOutputInXandY?: [number, number];
}

type Kind = "str" | "int" | "float" | "flag" | "ints" | "floats" | "list";

interface Directive {
  /** Pattern as the reference writes it, applied in multi-line mode to the whole file. */
  pattern: RegExp;
  kind: Kind;
  /**
   * The reference passes None for an unmatched directive; that fails validation unless the
   * model field is Optional. `true` here = absent/unmatched is an error.
   */
  required: boolean;
}

const d = (pattern: string, kind: Kind, required: boolean): Directive => ({ pattern: new RegExp(pattern, "m"), kind, required });

const TILT_COM: Record<string, Directive> = {
  InputProjections: d(String.raw`^InputProjections\s+(.+)$`, "str", true),
  OutputFile: d(String.raw`^OutputFile\s+(.+)$`, "str", true),
  IMAGEBINNED: d(String.raw`^IMAGEBINNED\s+(\d+)$`, "int", true),
  TILTFILE: d(String.raw`^TILTFILE\s+(.+)$`, "str", true),
  THICKNESS: d(String.raw`^THICKNESS\s+([\d.]+)$`, "int", true),
  RADIAL: d(String.raw`^RADIAL\s+([\d.]+)\s+([\d.]+)$`, "floats", true),
  FalloffIsTrueSigma: d(String.raw`^FalloffIsTrueSigma\s+(\d+)$`, "int", true),
  // negative values accepted, as in the reference's later tilt.com pattern (-*[\d.]+)
  XAXISTILT: d(String.raw`^XAXISTILT\s+(-*[\d.]+)$`, "float", true),
  SCALE: d(String.raw`^SCALE\s+([\d.]+)\s+([\d.]+)$`, "floats", true),
  PERPENDICULAR: d(String.raw`^PERPENDICULAR.*$`, "flag", true),
  MODE: d(String.raw`^MODE\s+(\d+)$`, "int", false),
  FULLIMAGE: d(String.raw`^FULLIMAGE\s+(\d+)\s+(\d+)$`, "ints", true),
  SUBSETSTART: d(String.raw`^SUBSETSTART\s+([-\d]+)\s+([-\d]+)$`, "ints", true),
  AdjustOrigin: d(String.raw`^AdjustOrigin.*$`, "flag", true),
  ActionIfGPUFails: d(String.raw`^ActionIfGPUFails\s+(\d+),(\d+)$`, "ints", false),
  XTILTFILE: d(String.raw`^XTILTFILE\s+(.+)$`, "str", true),
  OFFSET: d(String.raw`^OFFSET\s+(-?[\d.]+)$`, "float", false),
  SHIFT: d(String.raw`^SHIFT\s+(-?[\d.]+)\s+(-?[\d.]+)$`, "floats", false),
  EXCLUDELIST2: d(String.raw`^(?:EXCLUDELIST2|EXCLUDELIST|EXCLUDE)\s+(.+)$`, "list", false),
};

const NEWST_COM: Record<string, Directive> = {
  AntialiasFilter: d(String.raw`^AntialiasFilter\s+(-?\d+)$`, "int", false),
  InputFile: d(String.raw`^InputFile\s+(.+)$`, "str", true),
  OutputFile: d(String.raw`^OutputFile\s+(.+)$`, "str", true),
  TransformFile: d(String.raw`^TransformFile\s+(.+)$`, "str", true),
  TaperAtFill: d(String.raw`^TaperAtFill\s+(\d+),(\d+)$`, "ints", true),
  AdjustOrigin: d(String.raw`^AdjustOrigin\s*$`, "flag", false),
  OffsetsInXandY: d(String.raw`^OffsetsInXandY\s+(-?[\d.]+),(-?[\d.]+)$`, "floats", true),
  DistortionField: d(String.raw`^DistortionField\s+(.+)$`, "str", false),
  ImagesAreBinned: d(String.raw`^ImagesAreBinned\s+([\d.]+)$`, "float", true),
  BinByFactor: d(String.raw`^BinByFactor\s+(\d+)$`, "int", false),
  GradientFile: d(String.raw`^GradientFile\s+(.+)$`, "str", false),
  SizeToOutputInXandY: d(String.raw`^SizeToOutputInXandY\s+(\d+)\s*,\s*(\d+)\s*$`, "ints", false),
};

/**
 * pydantic's lax str → int: surrounding whitespace and trailing decimal zeros (`300.0`) are
 * accepted, a fractional part is not.
 */
function modelInt(s: string, what: string, file: string, line: number): number {
  const m = /^\s*([+-]?\d+)(?:\.0*)?\s*$/.exec(s);
  if (!m) throw new AlignmentFileError(file, `${what} is not an integer: ${JSON.stringify(s)}`, line);
  return Number(m[1]);
}

function modelFloat(s: string, what: string, file: string, line: number): number {
  // the patterns only capture [-\d.]; of those strings, these are what a float parser accepts
  if (!/^\s*[+-]?(\d+\.?\d*|\.\d+)\s*$/.test(s)) throw new AlignmentFileError(file, `${what} is not a number: ${JSON.stringify(s)}`, line);
  return Number(s);
}

function parseCommandFile(text: string, location: string, spec: Record<string, Directive>, what: string): Record<string, unknown> {
  const src = universalNewlines(text);
  const out: Record<string, unknown> = {};
  for (const [key, dir] of Object.entries(spec)) {
    const m = dir.pattern.exec(src);
    if (!m) {
      if (!dir.required) continue;
      // point at the line the reference could not read, if there is one
      const near = new RegExp(String.raw`^${key}(?![A-Za-z0-9_])`, "m").exec(src);
      if (near) throw new AlignmentFileError(location, `${what} ${key} line is not in the form the portal reads`, lineOf(src, near.index));
      throw new AlignmentFileError(location, `${what} has no ${key} line, which the portal's reader requires`);
    }
    const line = lineOf(src, m.index);
    const groups = m.slice(1) as string[];
    const label = `${what} ${key}`;
    switch (dir.kind) {
      case "str":
        out[key] = groups[0];
        break;
      case "flag":
        out[key] = true;
        break;
      case "int":
        out[key] = modelInt(groups[0]!, label, location, line);
        break;
      case "float":
        out[key] = modelFloat(groups[0]!, label, location, line);
        break;
      case "ints":
        out[key] = groups.map((g) => modelInt(g, label, location, line));
        break;
      case "floats":
        out[key] = groups.map((g) => modelFloat(g, label, location, line));
        break;
      case "list":
        out[key] = imodRangeToList(groups[0]!, location, line);
        break;
    }
  }
  return out;
}

/**
 * Parses an IMOD `tilt.com`. Optional directives (MODE, ActionIfGPUFails, OFFSET, SHIFT, the
 * exclude list) whose line does not match the reference's pattern are treated as absent, as the
 * reference does; required ones make it an error.
 */
export function parseTiltCom(text: string, location: string): TiltCom {
  return parseCommandFile(text, location, TILT_COM, "tilt.com") as unknown as TiltCom;
}

/** Parses an IMOD `newst.com` (same rules as parseTiltCom). */
export function parseNewstCom(text: string, location: string): NewstCom {
  return parseCommandFile(text, location, NEWST_COM, "newst.com") as unknown as NewstCom;
}
