/**
 * The computed part of the portal's `alignment_metadata.json`: what the reference importer
 * (ingestion_tools/scripts/common/alignment_converter.py) derives from the alignment files, via
 * cryoet_alignment 0.0.10's `Alignment.from_imod` / `Alignment.from_aretomo3`. Of that model the
 * importer keeps only `per_section_alignment_parameters`; `alignment_type`, `tilt_offset`,
 * `x_rotation_offset`, `volume_offset` and the affine matrix come from the ingestion config, or
 * from alignmentDefaults() when the config lacks them. No other value is computed from the files' contents.
 *
 * Per section (key order as the reference writes them):
 * - IMOD: z_index = row of the .xf (0-based), skipping tilt.com's exclude list (1-based there);
 *   tilt_angle from .tlt, volume_x_rotation from .xtilt/.tltx (0 without one);
 *   in_plane_rotation = Aᵀ and (x_offset, y_offset) = Aᵀ·(−DX, −DY), with A the .xf 2×2 matrix
 *   (the transpose, not the inverse: IMOD's image→aligned shift re-expressed in AreTomo's
 *   aligned→image convention, exact for pure rotations).
 * - AreTomo3: z_index = raw sections 0..RawSize.z−1 minus the DarkFrame ones, in order, paired
 *   with the table rows; tilt_angle = TILT; volume_x_rotation = 0;
 *   in_plane_rotation = [[cos ROT, −sin ROT], [sin ROT, cos ROT]]; offsets = TX, TY (pixels).
 */
import { AlignmentFileError } from "./errors.js";
import { parseAln } from "./aretomo3.js";
import { parseNewstCom, parseTiltAngles, parseTiltCom, parseXf } from "./imod.js";

export interface PerSectionAlignmentParameters {
  z_index: number;
  tilt_angle: number;
  volume_x_rotation: number;
  in_plane_rotation: [[number, number], [number, number]];
  x_offset: number;
  y_offset: number;
}

export interface AlignmentFields {
  per_section_alignment_parameters: PerSectionAlignmentParameters[];
}

/**
 * Keys of a per-section entry that the reference writes as Python floats (json prints `-5.0`,
 * `0.0`, `[[1.0, 0.0], ...]`); `z_index` is an int.
 */
export const PER_SECTION_FLOAT_KEYS = ["tilt_angle", "volume_x_rotation", "in_plane_rotation", "x_offset", "y_offset"] as const;

export interface ImodAlignmentFiles {
  xf?: string;
  tlt?: string;
  /** `.xtilt` or `.tltx` contents. */
  xtilt?: string;
  tiltCom?: string;
  newstCom?: string;
}

export type ImodAlignmentLocations = Partial<Record<keyof ImodAlignmentFiles, string>>;

const DEFAULT_LOCATION: Record<keyof ImodAlignmentFiles, string> = {
  xf: "<xf>",
  tlt: "<tlt>",
  xtilt: "<xtilt>",
  tiltCom: "<tilt.com>",
  newstCom: "<newst.com>",
};

/**
 * Per-section parameters from IMOD files. `.xf` and `.tlt` are required (the reference fails
 * without them). Every given file is parsed, newst.com included although nothing of it is used,
 * so that a file the reference cannot read fails here too. Sections are paired row by row and,
 * as in the reference (Python zip), stop at the shortest of xf / tlt / xtilt.
 */
export function convertImodAlignment(files: ImodAlignmentFiles, locations: ImodAlignmentLocations = {}): AlignmentFields {
  const where = (k: keyof ImodAlignmentFiles) => locations[k] ?? DEFAULT_LOCATION[k];
  if (files.xf === undefined) throw new AlignmentFileError(where("xf"), "IMOD alignment needs an .xf file");
  if (files.tlt === undefined) throw new AlignmentFileError(where("tlt"), "IMOD alignment needs a .tlt file");
  const xf = parseXf(files.xf, where("xf"));
  const tlt = parseTiltAngles(files.tlt, where("tlt"));
  const xtilt = files.xtilt === undefined ? undefined : parseTiltAngles(files.xtilt, where("xtilt"));
  const tiltCom = files.tiltCom === undefined ? undefined : parseTiltCom(files.tiltCom, where("tiltCom"));
  if (files.newstCom !== undefined) parseNewstCom(files.newstCom, where("newstCom"));

  const excluded = new Set((tiltCom?.EXCLUDELIST2 ?? []).map((s) => s - 1));
  const count = Math.min(xf.length, tlt.length, xtilt?.length ?? Infinity);
  const out: PerSectionAlignmentParameters[] = [];
  for (let z = 0; z < count; z++) {
    if (excluded.has(z)) continue;
    const { a11, a12, a21, a22, dx, dy } = xf[z]!;
    // Aᵀ·(−d), summed as numpy's matrix-vector product does (from +0, so zero shifts give +0,
    // not -0; checked bit-for-bit against numpy)
    const mdx = -dx;
    const mdy = -dy;
    out.push({
      z_index: z,
      tilt_angle: tlt[z]!,
      volume_x_rotation: xtilt ? xtilt[z]! : 0,
      in_plane_rotation: [
        [a11, a21],
        [a12, a22],
      ],
      x_offset: 0 + a11 * mdx + a21 * mdy,
      y_offset: 0 + a12 * mdx + a22 * mdy,
    });
  }
  return { per_section_alignment_parameters: out };
}

/** Rotation matrix of `degrees` as numpy computes it (`np.radians` = x·(π/180)). */
export function rotationMatrix2d(degrees: number): [[number, number], [number, number]] {
  const r = degrees * (Math.PI / 180);
  const c = Math.cos(r);
  const s = Math.sin(r);
  return [
    [c, -s],
    [s, c],
  ];
}

/** Per-section parameters from an AreTomo3 `.aln` (its local-alignment patches are not used). */
export function convertAreTomo3Alignment(aln: string, location: string): AlignmentFields {
  const parsed = parseAln(aln, location);
  const kept = Array.from({ length: parsed.rawSize[2] }, (_, i) => i);
  for (const dark of parsed.darkFrames) {
    const at = kept.indexOf(dark.sectionIndex);
    if (at < 0) {
      throw new AlignmentFileError(location, `DarkFrame section ${dark.sectionIndex} is not one of the ${parsed.rawSize[2]} raw sections (or is listed twice)`, dark.line);
    }
    kept.splice(at, 1);
  }
  if (kept.length !== parsed.globalRows.length) {
    throw new AlignmentFileError(
      location,
      `RawSize has ${parsed.rawSize[2]} sections and ${parsed.darkFrames.length} dark frames, so ${kept.length} alignment rows were expected; found ${parsed.globalRows.length}`,
    );
  }
  return {
    per_section_alignment_parameters: parsed.globalRows.map((row, i) => ({
      z_index: kept[i]!,
      tilt_angle: row.tilt,
      volume_x_rotation: 0,
      in_plane_rotation: rotationMatrix2d(row.rot),
      x_offset: row.tx,
      y_offset: row.ty,
    })),
  };
}

export interface AlignmentDefaults {
  affine_transformation_matrix: number[][];
  alignment_type: string;
  is_portal_standard: boolean;
  volume_offset: { x: number; y: number; z: number };
  tilt_offset: number;
  x_rotation_offset: number;
  method_type: string;
}

/**
 * The importer's defaults for keys missing from the config, in its key order. All numbers are
 * Python ints (json prints `0`, `1`). A fresh object each call.
 */
export function alignmentDefaults(): AlignmentDefaults {
  return {
    affine_transformation_matrix: [
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ],
    alignment_type: "GLOBAL",
    is_portal_standard: false,
    volume_offset: { x: 0, y: 0, z: 0 },
    tilt_offset: 0,
    x_rotation_offset: 0,
    method_type: "undefined",
  };
}

/** The defaults for the keys `config` lacks (whole values: a partial volume_offset is kept as is). */
export function missingAlignmentDefaults(config: Record<string, unknown>): Partial<AlignmentDefaults> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(alignmentDefaults())) if (!(key in config)) out[key] = value;
  return out as Partial<AlignmentDefaults>;
}

/** Which converter the reference picks for the config's `format` (exact, case-sensitive). */
export function alignmentFormat(format: unknown): "IMOD" | "ARETOMO3" | undefined {
  return format === "IMOD" || format === "ARETOMO3" ? format : undefined;
}

export interface AlignmentFilePaths {
  xf?: string;
  tlt?: string;
  xtilt?: string;
  tiltCom?: string;
  newstCom?: string;
  aln?: string;
}

/**
 * Picks the alignment's files from its file list by the reference's suffix rules: the first path
 * ending in `.xf`, `.tlt`, `.tltx` or `.xtilt`, `tilt.com`, `newst.com`, `.aln`. (The reference
 * also requires the copied file to exist in the output; that check is the caller's.)
 */
export function pickAlignmentFiles(paths: readonly string[]): AlignmentFilePaths {
  const first = (...suffixes: string[]) => paths.find((p) => suffixes.some((s) => p.endsWith(s)));
  const out: AlignmentFilePaths = {};
  const set = (k: keyof AlignmentFilePaths, v: string | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set("xf", first(".xf"));
  set("tlt", first(".tlt"));
  set("xtilt", first(".tltx", ".xtilt"));
  set("tiltCom", first("tilt.com"));
  set("newstCom", first("newst.com"));
  set("aln", first(".aln"));
  return out;
}
