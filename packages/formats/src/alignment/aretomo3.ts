/**
 * AreTomo3 `.aln` alignment files, read as the portal's converter (cryoet_alignment 0.0.10)
 * reads them: `# Key = value` header comments (RawSize, NumPatches, DarkFrame, AlphaOffset,
 * BetaOffset; others before the table are ignored), then after the `# SEC ...` column header one
 * row per kept section (SEC ROT GMAG TX TY SMEAN SFIT SCALE BASE TILT), then after
 * `# Local Alignment` one row per patch (section, patch, centre x/y, shift x/y, reliable flag).
 * Once inside a table every line must be a row of that table, as in the reference.
 *
 * Our own reader: no npm library reads .aln.
 */
import { AlignmentFileError } from "./errors.js";
import { fields, floatAt, intAt } from "./text.js";

export interface AlnGlobalRow {
  /** SEC as written (1-based index in the tilt series after dark-frame removal). */
  sec: number;
  /** Tilt-axis rotation, degrees. */
  rot: number;
  gmag: number;
  /** Shifts in tilt-series pixels. */
  tx: number;
  ty: number;
  smean: number;
  sfit: number;
  scale: number;
  base: number;
  /** Tilt angle, degrees (AlphaOffset included). */
  tilt: number;
}

export interface AlnDarkFrame {
  /** 0-based section in the raw (input) tilt series. */
  sectionIndex: number;
  val2: number;
  angle: number;
  /** 1-based line of the `# DarkFrame` comment. */
  line: number;
}

export interface AlnLocalRow {
  sectionIndex: number;
  patchIndex: number;
  centerX: number;
  centerY: number;
  shiftX: number;
  shiftY: number;
  isReliable: number;
}

export interface AreTomo3Aln {
  header?: string;
  /** Raw tilt series size: x, y (pixels), number of sections. */
  rawSize: [number, number, number];
  numPatches: number;
  darkFrames: AlnDarkFrame[];
  /** 0 when the file has no AlphaOffset line. */
  alphaOffset: number;
  betaOffset: number;
  /** `# Thickness = n` (newer AreTomo3) when it precedes the table; the reference ignores it. */
  thickness?: number;
  globalRows: AlnGlobalRow[];
  localRows: AlnLocalRow[];
}

/** Python str.splitlines() terminators; the file was already read with universal newlines. */
const LINE_BREAK = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;

function afterEquals(line: string, location: string, no: number): string {
  const parts = line.split("=");
  if (parts.length < 2) throw new AlignmentFileError(location, `expected '=' in ${JSON.stringify(line.slice(0, 40))}`, no);
  return parts[1]!;
}

export function parseAln(text: string, location: string): AreTomo3Aln {
  // text.strip() then splitlines(): leading blank lines shift numbering, so count them
  const all = text.split(LINE_BREAK);
  let rawSize: [number, number, number] | undefined;
  let numPatches: number | undefined;
  let header: string | undefined;
  let alphaOffset = 0;
  let betaOffset = 0;
  let thickness: number | undefined;
  const darkFrames: AlnDarkFrame[] = [];
  const globalRows: AlnGlobalRow[] = [];
  const localRows: AlnLocalRow[] = [];
  let table: "global" | "local" | undefined;
  let started = false;
  let last = all.length - 1;
  while (last >= 0 && all[last]!.trim() === "") last--;

  all.forEach((rawLine, i) => {
    const no = i + 1;
    if (i > last) return; // trailing blank lines (strip)
    // strip() only touches the file's ends: leading whitespace of the first content line goes
    const line = started ? rawLine : rawLine.trimStart();
    if (!started) {
      if (line === "") return;
      started = true;
    }
    if (line.startsWith("# AreTomo Alignment")) {
      header = line;
    } else if (line.startsWith("# RawSize")) {
      const v = fields(afterEquals(line, location, no)).map((s) => intAt(s, "RawSize", location, no));
      if (v.length !== 3) throw new AlignmentFileError(location, `RawSize has ${v.length} values, expected 3`, no);
      rawSize = v as [number, number, number];
    } else if (line.startsWith("# NumPatches")) {
      numPatches = intAt(afterEquals(line, location, no), "NumPatches", location, no);
    } else if (line.startsWith("# DarkFrame")) {
      const v = fields(afterEquals(line, location, no));
      darkFrames.push({
        sectionIndex: intAt(v[0], "DarkFrame section", location, no),
        val2: intAt(v[1], "DarkFrame second value", location, no),
        angle: floatAt(v[2], "DarkFrame angle", location, no),
        line: no,
      });
    } else if (line.startsWith("# AlphaOffset")) {
      alphaOffset = floatAt(afterEquals(line, location, no), "AlphaOffset", location, no);
    } else if (line.startsWith("# BetaOffset")) {
      betaOffset = floatAt(afterEquals(line, location, no), "BetaOffset", location, no);
    } else if (line.startsWith("# SEC")) {
      table = "global";
    } else if (line.startsWith("# Local Alignment")) {
      table = "local";
    } else if (table === "global") {
      globalRows.push(globalRow(line, location, no));
    } else if (table === "local") {
      localRows.push(localRow(line, location, no));
    } else if (line.startsWith("# Thickness")) {
      thickness = intAt(afterEquals(line, location, no), "Thickness", location, no);
    }
  });

  if (rawSize === undefined) throw new AlignmentFileError(location, "no '# RawSize = x y z' line");
  if (numPatches === undefined) throw new AlignmentFileError(location, "no '# NumPatches = n' line");
  const aln: AreTomo3Aln = { rawSize, numPatches, darkFrames, alphaOffset, betaOffset, globalRows, localRows };
  if (header !== undefined) aln.header = header;
  if (thickness !== undefined) aln.thickness = thickness;
  return aln;
}

function globalRow(line: string, location: string, no: number): AlnGlobalRow {
  const v = fields(line);
  if (v.length < 10) {
    throw new AlignmentFileError(location, `alignment row has ${v.length} values, expected 10 (SEC ROT GMAG TX TY SMEAN SFIT SCALE BASE TILT)`, no);
  }
  const f = (k: number, what: string) => floatAt(v[k], what, location, no);
  return {
    sec: intAt(v[0], "SEC", location, no),
    rot: f(1, "ROT"),
    gmag: f(2, "GMAG"),
    tx: f(3, "TX"),
    ty: f(4, "TY"),
    smean: f(5, "SMEAN"),
    sfit: f(6, "SFIT"),
    scale: f(7, "SCALE"),
    base: f(8, "BASE"),
    tilt: f(9, "TILT"),
  };
}

function localRow(line: string, location: string, no: number): AlnLocalRow {
  const v = fields(line);
  if (v.length < 7) throw new AlignmentFileError(location, `local alignment row has ${v.length} values, expected 7`, no);
  const f = (k: number, what: string) => floatAt(v[k], what, location, no);
  return {
    sectionIndex: intAt(v[0], "local alignment section", location, no),
    patchIndex: intAt(v[1], "local alignment patch", location, no),
    centerX: f(2, "patch centre x"),
    centerY: f(3, "patch centre y"),
    shiftX: f(4, "patch shift x"),
    shiftY: f(5, "patch shift y"),
    isReliable: f(6, "patch reliability"),
  };
}
