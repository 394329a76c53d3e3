// IMOD / AreTomo3 alignment readers: well-formed files, the reference's quirks, malformed input
// (errors name the file and line), and two independent oracles on this machine: numpy
// (/usr/bin/python3) recomputing the IMOD conversion, and libm (Python math) for the AreTomo3
// rotation matrix.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import {
  AlignmentFileError,
  convertAreTomo3Alignment,
  convertImodAlignment,
  imodRangeToList,
  parseAln,
  parseNewstCom,
  parseTiltAngles,
  parseTiltCom,
  parseXf,
  pickAlignmentFiles,
  rotationMatrix2d,
} from "../src/alignment/index.js";

// cryoet_alignment's test data (test/data/convert/imod_1/), an etomo-written pair
const TILT_COM = `$setenv IMOD_OUTPUT_FORMAT MRC
$tilt -StandardInput
InputProjections mka2018-10-01-1_ali.mrc
OutputFile mka2018-10-01-1_full_rec.mrc
IMAGEBINNED 4
TILTFILE mka2018-10-01-1.tlt
XTILTFILE mka2018-10-01-1.xtilt
THICKNESS 2000
RADIAL 0.35 0.035
FalloffIsTrueSigma 1
XAXISTILT 0.0
LOG 0.0
SCALE 0.0 330.0
PERPENDICULAR
MODE 1
FULLIMAGE 3708 3832
SUBSETSTART -2 0
AdjustOrigin
OFFSET 0.0
SHIFT 0.0 0.0
ActionIfGPUFails 1,2
$if (-e ./savework) ./savework
`;
const NEWST_COM = `$setenv IMOD_OUTPUT_FORMAT MRC
$newstack -StandardInput
AntialiasFilter\t-1
InputFile\tmka2018-10-01-1.mrc
OutputFile\tmka2018-10-01-1_ali.mrc
TransformFile\tmka2018-10-01-1.xf
TaperAtFill\t1,1
AdjustOrigin
SizeToOutputInXandY\t928,958
OffsetsInXandY\t0.0,0.0
#DistortionField\t.idf
ImagesAreBinned\t1.0
BinByFactor\t4
#GradientFile\tmka2018-10-01-1.maggrad
$if (-e ./savework) ./savework
`;

const XF4 = [
  "   0.9998   -0.0175    0.0175    0.9998      1.50     -2.25",
  "   1.0000    0.0000    0.0000    1.0000      0.00      0.00",
  "   0.9990    0.0436   -0.0436    0.9990    -10.00     12.50",
  "   0.9962    0.0872   -0.0872    0.9962      3.75      4.00",
].join("\n");
const TLT4 = "-6\n-3\n0\n3\n";

/** Runs `fn` and returns the AlignmentFileError it throws. */
function thrown(fn: () => unknown): AlignmentFileError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AlignmentFileError) return e;
    throw e;
  }
  throw new Error("expected an AlignmentFileError");
}

describe("IMOD .xf / .tlt", () => {
  it("reads rows; surrounding blank lines are ignored but line numbers stay those of the file; CRLF works", () => {
    const rows = parseXf(`\n\n${XF4}\n\n`, "a.xf");
    expect(rows).toHaveLength(4);
    expect(rows[2]).toEqual({ a11: 0.999, a12: 0.0436, a21: -0.0436, a22: 0.999, dx: -10, dy: 12.5 });
    expect(parseXf(XF4.replace(/\n/g, "\r\n"), "a.xf")).toEqual(parseXf(XF4, "a.xf"));
    expect(thrown(() => parseXf(`\n\n${XF4.replace("-10.00", "x")}`, "a.xf")).message).toBe('a.xf:5: DX is not a number: "x"');
  });

  it("extra columns are ignored, as in the reference", () => {
    expect(parseXf("1 0 0 1 2 3 99 foo\n", "a.xf")).toEqual([{ a11: 1, a12: 0, a21: 0, a22: 1, dx: 2, dy: 3 }]);
  });

  it("malformed .xf: short row, blank line inside, empty file", () => {
    const short = thrown(() => parseXf("1 0 0 1 2 3\n1 0 0 1 2\n", "run/TS.xf"));
    expect(short.message).toBe("run/TS.xf:2: xf line has 5 values, expected 6 (A11 A12 A21 A22 DX DY)");
    expect(short.file).toBe("run/TS.xf");
    expect(short.line).toBe(2);
    expect(thrown(() => parseXf("1 0 0 1 2 3\n\n1 0 0 1 2 3\n", "TS.xf")).line).toBe(2);
    expect(thrown(() => parseXf("  \n", "TS.xf")).message).toBe("TS.xf:1: xf line has 0 values, expected 6 (A11 A12 A21 A22 DX DY)");
  });

  it(".tlt: one Python float per line (exponents, underscores, surrounding spaces)", () => {
    expect(parseTiltAngles(" -60.0 \n-5e-1\n1_0\n.5\n", "TS.tlt")).toEqual([-60, -0.5, 10, 0.5]);
    expect(thrown(() => parseTiltAngles("1.0\n2.0 3.0\n", "TS.tlt")).message).toBe('TS.tlt:2: angle is not a number: "2.0 3.0"');
    expect(thrown(() => parseTiltAngles("1.0\n\n3.0\n", "TS.tlt")).line).toBe(2);
    expect(thrown(() => parseTiltAngles("", "TS.xtilt")).message).toBe('TS.xtilt:1: angle is not a number: ""');
    expect(thrown(() => parseTiltAngles("0x10\n", "TS.tlt")).line).toBe(1);
  });
});

describe("IMOD tilt.com / newst.com", () => {
  it("reads etomo's tilt.com", () => {
    expect(parseTiltCom(TILT_COM, "tilt.com")).toEqual({
      InputProjections: "mka2018-10-01-1_ali.mrc",
      OutputFile: "mka2018-10-01-1_full_rec.mrc",
      IMAGEBINNED: 4,
      TILTFILE: "mka2018-10-01-1.tlt",
      THICKNESS: 2000,
      RADIAL: [0.35, 0.035],
      FalloffIsTrueSigma: 1,
      XAXISTILT: 0,
      SCALE: [0, 330],
      PERPENDICULAR: true,
      MODE: 1,
      FULLIMAGE: [3708, 3832],
      SUBSETSTART: [-2, 0],
      AdjustOrigin: true,
      ActionIfGPUFails: [1, 2],
      XTILTFILE: "mka2018-10-01-1.xtilt",
      OFFSET: 0,
      SHIFT: [0, 0],
    });
  });

  it("exclude lists (EXCLUDELIST2, EXCLUDELIST or EXCLUDE) with ranges; negative XAXISTILT and OFFSET", () => {
    const t = parseTiltCom(TILT_COM.replace("OFFSET 0.0", "OFFSET -1.5\nEXCLUDELIST2 1,3-5,9").replace("XAXISTILT 0.0", "XAXISTILT -2.3"), "tilt.com");
    expect(t.EXCLUDELIST2).toEqual([1, 3, 4, 5, 9]);
    expect(t.XAXISTILT).toBe(-2.3);
    expect(t.OFFSET).toBe(-1.5);
    expect(parseTiltCom(`${TILT_COM}EXCLUDE 2\n`, "tilt.com").EXCLUDELIST2).toEqual([2]);
    expect(imodRangeToList("", "x")).toEqual([]);
    expect(imodRangeToList("7, 8 ,10-11", "x")).toEqual([7, 8, 10, 11]);
    // THICKNESS 2000.0 is accepted (pydantic's str -> int keeps trailing decimal zeros)
    expect(parseTiltCom(TILT_COM.replace("THICKNESS 2000", "THICKNESS 2000.0"), "tilt.com").THICKNESS).toBe(2000);
  });

  it("malformed tilt.com: required directive missing or unreadable, bad exclude list", () => {
    expect(thrown(() => parseTiltCom(TILT_COM.replace("THICKNESS 2000\n", ""), "run/tilt.com")).message).toBe(
      "run/tilt.com: tilt.com has no THICKNESS line, which the portal's reader requires",
    );
    expect(thrown(() => parseTiltCom(TILT_COM.replace("THICKNESS 2000", "THICKNESS 2000.5"), "tilt.com")).message).toBe(
      'tilt.com:8: tilt.com THICKNESS is not an integer: "2000.5"',
    );
    // the reference's pattern is anchored at the line end: trailing blanks make it unreadable
    expect(thrown(() => parseTiltCom(TILT_COM.replace("THICKNESS 2000", "THICKNESS 2000  "), "tilt.com")).message).toBe(
      "tilt.com:8: tilt.com THICKNESS line is not in the form the portal reads",
    );
    expect(thrown(() => parseTiltCom(TILT_COM.replace("PERPENDICULAR\n", ""), "tilt.com")).message).toContain("no PERPENDICULAR line");
    expect(thrown(() => parseTiltCom(`${TILT_COM}EXCLUDELIST2 1,,3\n`, "tilt.com")).message).toBe('tilt.com:23: section number is not an integer: ""');
    expect(thrown(() => parseTiltCom(`${TILT_COM}EXCLUDELIST2 2-4-6\n`, "tilt.com")).line).toBe(23);
    expect(thrown(() => parseTiltCom(`${TILT_COM}EXCLUDELIST2 a-4\n`, "tilt.com")).message).toBe('tilt.com:23: range start is not an integer: "a"');
  });

  it("optional directives the reference cannot read are treated as absent, as it does", () => {
    const t = parseTiltCom(TILT_COM.replace("OFFSET 0.0", "OFFSET zero").replace("SHIFT 0.0 0.0", "SHIFT 1"), "tilt.com");
    expect(t.OFFSET).toBeUndefined();
    expect(t.SHIFT).toBeUndefined();
  });

  it("reads newst.com (binning, offsets, output size); required directives as in the reference", () => {
    expect(parseNewstCom(NEWST_COM, "newst.com")).toEqual({
      AntialiasFilter: -1,
      InputFile: "mka2018-10-01-1.mrc",
      OutputFile: "mka2018-10-01-1_ali.mrc",
      TransformFile: "mka2018-10-01-1.xf",
      TaperAtFill: [1, 1],
      AdjustOrigin: true,
      OffsetsInXandY: [0, 0],
      ImagesAreBinned: 1,
      BinByFactor: 4,
      SizeToOutputInXandY: [928, 958],
    });
    expect(thrown(() => parseNewstCom(NEWST_COM.replace(/^TransformFile.*\n/m, ""), "n/newst.com")).message).toBe(
      "n/newst.com: newst.com has no TransformFile line, which the portal's reader requires",
    );
    expect(thrown(() => parseNewstCom(NEWST_COM.replace("TaperAtFill\t1,1", "TaperAtFill\t1 1"), "newst.com")).line).toBe(7);
    expect(thrown(() => parseNewstCom(NEWST_COM.replace("ImagesAreBinned\t1.0", "ImagesAreBinned\t1..0"), "newst.com")).message).toBe(
      'newst.com:12: newst.com ImagesAreBinned is not a number: "1..0"',
    );
  });
});

describe("convertImodAlignment", () => {
  it("tilt.com's exclude list (1-based) drops those sections; z_index keeps the raw index", () => {
    const tiltCom = `${TILT_COM}EXCLUDELIST2 1,3\n`;
    const psap = convertImodAlignment({ xf: XF4, tlt: TLT4, tiltCom, newstCom: NEWST_COM }, {}).per_section_alignment_parameters;
    expect(psap.map((p) => [p.z_index, p.tilt_angle])).toEqual([
      [1, -3],
      [3, 3],
    ]);
  });

  it("sections pair up to the shortest file, as the reference's zip does", () => {
    const psap = convertImodAlignment({ xf: XF4, tlt: TLT4, xtilt: "0.5\n0.25\n" }).per_section_alignment_parameters;
    expect(psap.map((p) => [p.z_index, p.volume_x_rotation])).toEqual([
      [0, 0.5],
      [1, 0.25],
    ]);
    expect(convertImodAlignment({ xf: XF4, tlt: "1\n" }).per_section_alignment_parameters).toHaveLength(1);
  });

  it("zero shifts give +0 offsets, as numpy's product does (it sums from +0), not -0", () => {
    const [p] = convertImodAlignment({ xf: "1 0 0 1 0 0\n", tlt: "-0.0\n" }).per_section_alignment_parameters;
    expect(Object.is(p!.x_offset, 0)).toBe(true);
    expect(Object.is(p!.y_offset, 0)).toBe(true);
    // a -0.0 read from a file stays -0 (Python float("-0.0") and json write -0.0)
    expect(Object.is(p!.tilt_angle, -0)).toBe(true);
    const py = String.raw`
import json, numpy as np
m = np.array([[1.0, 0.0], [0.0, 1.0]]).transpose()
print(json.dumps([float(v) for v in m @ -np.array([0.0, 0.0])]))
`;
    expect(execFileSync("/usr/bin/python3", ["-c", py]).toString().trim()).toBe("[0.0, 0.0]");
  });

  it("errors name the file they are about", () => {
    const loc = { xf: "A/TS.xf", tlt: "A/TS.tlt", xtilt: "A/TS.xtilt", tiltCom: "A/tilt.com", newstCom: "A/newst.com" };
    expect(thrown(() => convertImodAlignment({ tlt: TLT4 }, loc)).message).toBe("A/TS.xf: IMOD alignment needs an .xf file");
    expect(thrown(() => convertImodAlignment({ xf: XF4 }, loc)).message).toBe("A/TS.tlt: IMOD alignment needs a .tlt file");
    expect(thrown(() => convertImodAlignment({ xf: XF4, tlt: TLT4, xtilt: "a\n" }, loc)).message).toBe('A/TS.xtilt:1: angle is not a number: "a"');
    expect(thrown(() => convertImodAlignment({ xf: XF4, tlt: TLT4, newstCom: "InputFile x\n" }, loc)).file).toBe("A/newst.com");
    expect(thrown(() => convertImodAlignment({ xf: XF4, tlt: TLT4, tiltCom: "THICKNESS 3\n" }, loc)).file).toBe("A/tilt.com");
  });

  it("numpy oracle: the reference's steps (Aᵀ, Aᵀ·−d, zip, exclusions) give bit-identical numbers", () => {
    // 60 sections of rotation-plus-noise matrices as IMOD prints them (%12.7f, shifts %12.3f)
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
    const xfLines: string[] = [];
    const tltLines: string[] = [];
    const xtiltLines: string[] = [];
    for (let i = 0; i < 60; i++) {
      const a = rnd() * Math.PI;
      const s = 1 + rnd() * 0.02;
      const m = [s * Math.cos(a), -s * Math.sin(a) + rnd() * 1e-3, s * Math.sin(a), s * Math.cos(a)];
      xfLines.push([...m.map((v) => v.toFixed(7).padStart(12)), (rnd() * 300).toFixed(3).padStart(12), (rnd() * 300).toFixed(3).padStart(12)].join(""));
      tltLines.push((-60 + 2 * i + rnd() * 0.01).toFixed(2));
      xtiltLines.push((rnd() * 0.5).toFixed(3));
    }
    const files = {
      xf: `${xfLines.join("\n")}\n`,
      tlt: `${tltLines.join("\n")}\n`,
      xtilt: `${xtiltLines.join("\n")}\n`,
      tiltCom: `${TILT_COM}EXCLUDELIST2 1-3,17,60\n`,
    };
    const script = String.raw`
import json, sys
import numpy as np
f = json.load(sys.stdin)
xf = [[float(v) for v in line.split()[:6]] for line in f["xf"].strip().split("\n")]
tlt = [float(l) for l in f["tlt"].strip().split("\n")]
xt = [float(l) for l in f["xtilt"].strip().split("\n")]
skip = [s - 1 for s in f["skip"]]
out = []
for z, (r, t, x) in enumerate(zip(xf, tlt, xt)):
    if z in skip:
        continue
    mat = np.array([[r[0], r[1]], [r[2], r[3]]]).transpose()
    off = mat @ -np.array([r[4], r[5]])
    out.append({"z_index": z, "tilt_angle": t, "volume_x_rotation": x, "in_plane_rotation": mat.tolist(),
                "x_offset": float(off[0]), "y_offset": float(off[1])})
print(json.dumps(out))
`;
    // `mat @ v` goes through BLAS, and OpenBLAS picks its kernel by CPU: on AVX-512 machines (SkylakeX kernel) the
    // last bit of some offsets differs from every other kernel's, which round a·x + b·y as written (as we do, on
    // every machine). The oracle is pinned to the Haswell kernel for bit-identical numbers; the machine's own kernel
    // is held to 1 ulp.
    const oracle = (env: Record<string, string>) =>
      JSON.parse(
        execFileSync("/usr/bin/python3", ["-c", script], { input: JSON.stringify({ ...files, skip: [1, 2, 3, 17, 60] }), env: { ...process.env, ...env } }).toString(),
      ) as Array<Record<string, unknown>>;
    const expected = oracle({ OPENBLAS_CORETYPE: "Haswell" });
    const ours = convertImodAlignment(files, {}).per_section_alignment_parameters;
    expect(ours).toHaveLength(55);
    expect(ours).toStrictEqual(expected);
    const native = oracle({});
    expect(native).toHaveLength(55);
    native.forEach((n, i) => {
      for (const k of ["x_offset", "y_offset"] as const) {
        const a = n[k] as number;
        const b = ours[i]![k];
        expect(Math.abs(a - b), `section ${n.z_index} ${k}: ${a} vs ${b}`).toBeLessThanOrEqual(Number.EPSILON * Math.max(Math.abs(a), Math.abs(b)));
      }
      expect({ ...ours[i], x_offset: 0, y_offset: 0 }).toStrictEqual({ ...n, x_offset: 0, y_offset: 0 });
    });
  });
});

describe("AreTomo3 .aln", () => {
  // cryoet_alignment's tests/data/test_thickness.aln, cut to a consistent size (RawSize z = 8,
  // 4 dark frames, 4 rows)
  const ALN = `# AreTomo Alignment / Priims bprmMn
# RawSize = 2032 2032 8
# NumPatches = 2
# DarkFrame =     1    0   -66.00
# DarkFrame =     2    0   -64.50
# DarkFrame =     5    0    66.00
# DarkFrame =     6    0    67.50
# AlphaOffset =     1.25
# BetaOffset =    -0.50
# Thickness = 1240
# SEC     ROT         GMAG       TX          TY      SMEAN     SFIT    SCALE     BASE     TILT
    1   -12.6611    1.00000     24.786     -2.677     1.00     1.00     1.00     0.00    -61.50
    2   -12.6611    1.00000     34.451     -8.599     1.00     1.00     1.00     0.00    -60.00
    3   -12.6611    1.00000      9.951     -7.690     1.00     1.00     1.00     0.00    -58.50
    4   -12.6611    1.00000      5.538     -2.504     1.00     1.00     1.00     0.00    -57.00
# Local Alignment
   0   0  -558.42   -802.00   -100.07     24.43   1.0
   0   1  -274.86   -757.91    -36.95     11.98   1.0
`;

  it("header comments, dark frames, the table and local patches", () => {
    const aln = parseAln(ALN, "TS.aln");
    expect(aln.header).toBe("# AreTomo Alignment / Priims bprmMn");
    expect(aln.rawSize).toEqual([2032, 2032, 8]);
    expect(aln.numPatches).toBe(2);
    expect(aln.alphaOffset).toBe(1.25);
    expect(aln.betaOffset).toBe(-0.5);
    expect(aln.thickness).toBe(1240);
    expect(aln.darkFrames.map((d) => [d.sectionIndex, d.val2, d.angle, d.line])).toEqual([
      [1, 0, -66, 4],
      [2, 0, -64.5, 5],
      [5, 0, 66, 6],
      [6, 0, 67.5, 7],
    ]);
    expect(aln.globalRows[3]).toEqual({ sec: 4, rot: -12.6611, gmag: 1, tx: 5.538, ty: -2.504, smean: 1, sfit: 1, scale: 1, base: 0, tilt: -57 });
    expect(aln.localRows).toEqual([
      { sectionIndex: 0, patchIndex: 0, centerX: -558.42, centerY: -802, shiftX: -100.07, shiftY: 24.43, isReliable: 1 },
      { sectionIndex: 0, patchIndex: 1, centerX: -274.86, centerY: -757.91, shiftX: -36.95, shiftY: 11.98, isReliable: 1 },
    ]);
    // no AlphaOffset/BetaOffset lines: 0, as the reference's validator makes them
    const bare = parseAln(ALN.replace(/^# (Alpha|Beta)Offset.*\n/gm, ""), "TS.aln");
    expect([bare.alphaOffset, bare.betaOffset]).toEqual([0, 0]);
  });

  it("z_index = raw sections minus the dark frames; offsets and tilt as written", () => {
    const psap = convertAreTomo3Alignment(ALN, "TS.aln").per_section_alignment_parameters;
    expect(psap.map((p) => p.z_index)).toEqual([0, 3, 4, 7]);
    expect(psap.map((p) => [p.tilt_angle, p.x_offset, p.y_offset, p.volume_x_rotation])).toEqual([
      [-61.5, 24.786, -2.677, 0],
      [-60, 34.451, -8.599, 0],
      [-58.5, 9.951, -7.69, 0],
      [-57, 5.538, -2.504, 0],
    ]);
  });

  it("rotation matrix agrees with libm and numpy to the last bits (cos/sin differ by an ulp between libraries)", () => {
    const angles = [88.3389, -12.6611, 0, 45, 90, -179.99, 85.1234, 0.001, -87.5, 179.5, -0.25];
    const script = String.raw`
import json, math, sys
import numpy as np
out = []
for a in json.load(sys.stdin):
    r = np.radians(a)
    out.append({"libm": [math.cos(float(r)), math.sin(float(r))], "numpy": [float(np.cos(r)), float(np.sin(r))]})
print(json.dumps(out))
`;
    const ref = JSON.parse(execFileSync("/usr/bin/python3", ["-c", script], { input: JSON.stringify(angles) }).toString()) as {
      libm: [number, number];
      numpy: [number, number];
    }[];
    const ulps = (x: number, y: number) => (x === y ? 0 : Math.abs(x - y) / (Number.EPSILON * Math.abs(y)));
    angles.forEach((a, i) => {
      const m = rotationMatrix2d(a);
      expect(m[0][1]).toBe(-m[1][0]);
      expect(m[1][1]).toBe(m[0][0]);
      // V8's fdlibm vs glibc: at most 1 ulp apart; numpy's SIMD float64 cos/sin: within 4 ulp
      expect(ulps(m[0][0], ref[i]!.libm[0])).toBeLessThanOrEqual(1);
      expect(ulps(m[1][0], ref[i]!.libm[1])).toBeLessThanOrEqual(1);
      expect(ulps(m[0][0], ref[i]!.numpy[0])).toBeLessThanOrEqual(4);
      expect(ulps(m[1][0], ref[i]!.numpy[1])).toBeLessThanOrEqual(4);
    });
    // Python writes -np.sin(0.0) as -0.0; the sign survives here (JSON.stringify would drop it)
    expect(Object.is(rotationMatrix2d(0)[0][1], -0)).toBe(true);
  });

  it("malformed .aln: short row, comment inside the table, missing header values, bad counts", () => {
    const short = thrown(() => parseAln(ALN.replace("    1.00     0.00    -61.50", "    1.00    -61.50"), "r/TS.aln"));
    expect(short.message).toBe("r/TS.aln:12: alignment row has 9 values, expected 10 (SEC ROT GMAG TX TY SMEAN SFIT SCALE BASE TILT)");
    // once in the table, an unknown comment is read as a row, as in the reference
    const moved = ALN.replace("# Thickness = 1240\n", "").replace("# Local Alignment", "# Thickness = 1240\n# Local Alignment");
    expect(thrown(() => parseAln(moved, "TS.aln")).message).toBe("TS.aln:15: alignment row has 4 values, expected 10 (SEC ROT GMAG TX TY SMEAN SFIT SCALE BASE TILT)");
    expect(thrown(() => parseAln(ALN.replace("    2   -12.6611", "    x   -12.6611"), "TS.aln")).message).toBe('TS.aln:13: SEC is not an integer: "x"');
    expect(thrown(() => parseAln(`${ALN}   0   2  1.0\n`, "TS.aln")).message).toBe("TS.aln:19: local alignment row has 3 values, expected 7");
    expect(thrown(() => parseAln(ALN.replace("# RawSize = 2032 2032 8\n", ""), "TS.aln")).message).toBe("TS.aln: no '# RawSize = x y z' line");
    expect(thrown(() => parseAln(ALN.replace("# RawSize = 2032 2032 8", "# RawSize = 2032 2032"), "TS.aln")).message).toBe("TS.aln:2: RawSize has 2 values, expected 3");
    expect(thrown(() => parseAln(ALN.replace("# NumPatches = 2\n", ""), "TS.aln")).message).toBe("TS.aln: no '# NumPatches = n' line");
    expect(thrown(() => parseAln(ALN.replace("# AlphaOffset =     1.25", "# AlphaOffset 1.25"), "TS.aln")).line).toBe(8);
    expect(thrown(() => convertAreTomo3Alignment(ALN.replace("DarkFrame =     6", "DarkFrame =     9"), "TS.aln")).message).toBe(
      "TS.aln:7: DarkFrame section 9 is not one of the 8 raw sections (or is listed twice)",
    );
    expect(thrown(() => convertAreTomo3Alignment(ALN.replace("RawSize = 2032 2032 8", "RawSize = 2032 2032 9"), "TS.aln")).message).toBe(
      "TS.aln: RawSize has 9 sections and 4 dark frames, so 5 alignment rows were expected; found 4",
    );
  });

  it("blank lines around the file and before the table are ignored; CRLF works", () => {
    const padded = `\n\n${ALN.replace("# NumPatches = 2\n", "# NumPatches = 2\n\n")}\n\n`;
    expect(parseAln(padded, "TS.aln")).toEqual({ ...parseAln(ALN, "TS.aln"), darkFrames: parseAln(padded, "TS.aln").darkFrames });
    expect(parseAln(padded, "TS.aln").darkFrames[0]!.line).toBe(7);
    expect(convertAreTomo3Alignment(ALN.replace(/\n/g, "\r\n"), "TS.aln")).toEqual(convertAreTomo3Alignment(ALN, "TS.aln"));
  });
});

describe("file selection and determinism", () => {
  it("picks files by the reference's suffix rules, first match in list order", () => {
    const paths = ["a/TS.rawtlt", "a/TS.xtilt", "a/TS.tltx", "a/TS.tlt", "a/TS.xf", "a/tilt.com", "a/newst.com", "a/TS.aln", "a/TS_2.xf"];
    expect(pickAlignmentFiles(paths)).toEqual({
      xf: "a/TS.xf",
      tlt: "a/TS.tlt",
      xtilt: "a/TS.xtilt",
      tiltCom: "a/tilt.com",
      newstCom: "a/newst.com",
      aln: "a/TS.aln",
    });
    expect(pickAlignmentFiles(["x/TS.mrc"])).toEqual({});
  });

  it("same input, identical output", () => {
    const a = JSON.stringify(convertImodAlignment({ xf: XF4, tlt: TLT4, tiltCom: TILT_COM }));
    const b = JSON.stringify(convertImodAlignment({ xf: XF4, tlt: TLT4, tiltCom: TILT_COM }));
    expect(a).toBe(b);
  });
});
